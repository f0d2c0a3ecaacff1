// IndexImpl::Updater, internal to src/index: one update of an index, split by
// concern across updater.cc (the run: walk, rounds, summary), updater_ingest.cc
// (read, chunk with ctags, embed: the parallel part), updater_commit.cc (a
// round's segments and catalog rows, committed) and updater_merge.cc (small
// segments merged in the background). IndexImpl::Update, UpdatePaths and
// DropPaths are its only users.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "grep/grep.h"
#include "index/catalog.h"
#include "index/index_impl.h"

namespace ts::index {

// What a worker learned about one file.
struct FileOutcome {
  std::string path;
  // kGrepOnly: text that search skips (too large, minified or generated) but
  // ripgrep would search, so it is in the grep index with no chunks.
  enum class Kind { kIndexed, kGrepOnly, kUnchanged, kSkipped } kind = Kind::kSkipped;
  std::string skip_reason;
  FileRow row;
  std::vector<ChunkRow> chunks;             // file_id filled at commit
  std::unique_ptr<graph::FileGraph> graph;  // definitions, calls, imports (when the graph is on)
};

struct WorkerOutput {
  lexical::SegmentBuilder builder;
  grep::SegmentBuilder grep;               // one document per indexed or grep-only file
  semantic::VectorSegmentBuilder vectors;  // one record per lexical document (with a model)
  std::vector<FileOutcome> files;
  Status error;
};

class IndexImpl::Updater {
 public:
  Updater(IndexImpl* index, const UpdateOptions& options,
          const std::function<void(const UpdateProgress&)>& progress, UpdateSummary* summary)
      : index_(index), options_(options), progress_(progress), summary_(summary) {}

  // Whole-tree update (walk) or, with `paths`, just those paths; with
  // `drop`, those paths are removed whatever is on disk.
  Status Run(const std::vector<std::string>* paths, bool drop = false);

 private:
  Status RemoveLeftoverSegments();
  Status ProcessRound(const std::vector<walk::FileEntry>& files, size_t begin, size_t end,
                      std::vector<std::string>* deleted_paths);
  void ProcessFiles(const std::vector<walk::FileEntry>& files, size_t begin, size_t end,
                    std::atomic<size_t>* next, WorkerOutput* out);
  Status Commit(std::vector<WorkerOutput>& outputs, std::vector<std::string>* deleted_paths);
  // Decides whether this update extracts the symbol graph, and on a full
  // update settles the graph lane's state (graph_state in meta).
  Status SetUpGraph(bool full);
  // Merges the `count` smallest live segments into one (count >= 2).
  Status MergeSmallest(size_t count);
  // Starts a background merge when the segment count passed max_segments and
  // none is running. Indexing goes on while it runs.
  void MaybeStartBackgroundMerge();
  Status FinishMerges();
  // A fresh segment file name (seg-NNNNNNNN.tsseg) and its full path.
  std::string NextSegmentName();
  std::string SegmentPath(const std::string& name) const;
  // The walk admits files up to the grep cap; search applies its own cap later.
  walk::WalkOptions GrepWalkOptions() const {
    walk::WalkOptions w = options_.walk;
    w.max_file_size = std::max(w.max_file_size, options_.grep_max_file_size);
    w.include_grep_only = true;
    return w;
  }
  void Report(const std::string& phase);
  bool Cancelled() const { return options_.cancel != nullptr && options_.cancel->load(); }
  // At least one: merging "down to zero" segments would never end.
  size_t MaxSegments() const { return std::max<size_t>(1, options_.max_segments); }

  IndexImpl* index_;
  const UpdateOptions& options_;
  const std::function<void(const UpdateProgress&)>& progress_;
  UpdateSummary* summary_;
  std::unique_ptr<chunk::Ctags> ctags_;
  std::unordered_map<std::string, FileRow> known_;  // catalog files at start, by path
  std::atomic<uint64_t> next_key_{1};
  std::atomic<uint64_t> next_segment_seq_{1};
  // Serializes catalog transactions and snapshot publication between the
  // indexing rounds and the background merge (they share one connection).
  std::mutex commit_mu_;
  std::thread merge_thread_;
  std::atomic<bool> merge_running_{false};
  Status merge_status_;  // written by the merge thread, read after join
  std::atomic<uint64_t> files_done_{0}, bytes_done_{0};
  uint64_t files_total_ = 0;
  bool graph_ = false;  // extract the symbol graph of indexed files
  bool force_ = false;  // re-read every file (options.force, or the graph is being rebuilt)

  // Semantic lane. With no model, no companion is written and nothing embedded.
  // Decides whether this update must re-read every file to embed chunks that
  // have no vector from the loaded model, and builds the reuse map.
  void SetUpVectors(bool full);
  // Appends the record of one chunk to `out`: its vector reused from a live
  // companion with the same content hash, or embedded now.
  void AddVector(uint64_t key, std::string_view text, WorkerOutput* out);
  std::shared_ptr<const semantic::Model> model_;
  std::shared_ptr<const IndexImpl::VectorState> reuse_state_;  // keeps the reused mappings alive
  struct Reusable {
    const semantic::VectorSegmentReader* segment;
    uint64_t record;
  };
  std::unordered_map<uint64_t, Reusable> reusable_;  // content hash -> a live vector of it
  std::atomic<uint64_t> embedded_{0}, reused_{0};
};

}  // namespace ts::index
