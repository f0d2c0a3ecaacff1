// Index::Update: walk, skip unchanged files by content hash, chunk with ctags,
// build lexical segments in parallel, and commit one round at a time.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dirent.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "grep/grep.h"
#include "index/catalog.h"
#include "index/index.h"
#include "index/layout.h"
#include "util/crash_point.h"
#include "util/file.h"
#include "util/file_system.h"
#include "util/hash.h"

namespace ts::index {
namespace {

// Files handed to one ctags process at a time.
constexpr size_t kCtagsBatchFiles = 64;

// Languages ctags has no definitions for; they are windowed without running it.
bool NeedsCtags(const std::string& language) {
  static const std::unordered_set<std::string> kNoTags = {"", "text", "json", "markdown"};
  return kNoTags.count(language) == 0;
}

// Holds an exclusive flock on the index's LOCK file for its lifetime.
class WriterLock {
 public:
  static Result<std::unique_ptr<WriterLock>> Acquire(const std::string& dir,
                                                     const std::string& name) {
    int fd = ::open(LockPath(dir).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return Status::IoError("cannot open lock file " + LockPath(dir));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      return Status::Unavailable("index '" + name + "' is being updated by another process");
    }
    return std::unique_ptr<WriterLock>(new WriterLock(fd));
  }
  ~WriterLock() { ::close(fd_); }

 private:
  explicit WriterLock(int fd) : fd_(fd) {}
  int fd_;
};

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

}  // namespace

class Index::Updater {
 public:
  Updater(Index* index, const UpdateOptions& options,
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
  Status Publish();
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

  Index* index_;
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
  std::shared_ptr<const Index::VectorState> reuse_state_;  // keeps the reused mappings alive
  struct Reusable {
    const semantic::VectorSegmentReader* segment;
    uint64_t record;
  };
  std::unordered_map<uint64_t, Reusable> reusable_;  // content hash -> a live vector of it
  std::atomic<uint64_t> embedded_{0}, reused_{0};
};

Status Index::Update(const UpdateOptions& options,
                     const std::function<void(const UpdateProgress&)>& progress,
                     UpdateSummary* summary) {
  *summary = UpdateSummary();
  TS_ASSIGN_OR_RETURN(auto lock, WriterLock::Acquire(dir_, name_));
  // Marked before anything else is committed and cleared when the update ends
  // without being cut short, so a kill or a stop leaves "interrupted" behind
  // (reported in status; the daemon resumes such updates when it starts).
  TS_RETURN_IF_ERROR(catalog_->SetMeta("update_in_progress", "1"));
  Updater updater(this, options, progress, summary);
  Status s = updater.Run(nullptr);
  bool cut_short = !s.ok() && options.cancel != nullptr && options.cancel->load();
  if (!cut_short) {
    Status cleared = catalog_->SetMeta("update_in_progress", "0");
    if (s.ok()) s = cleared;
  }
  Status published = PublishSnapshot();
  return s.ok() ? published : s;
}

Status Index::UpdatePaths(const std::vector<std::string>& rel_paths, const UpdateOptions& options,
                          UpdateSummary* summary) {
  *summary = UpdateSummary();
  TS_ASSIGN_OR_RETURN(auto lock, WriterLock::Acquire(dir_, name_));
  std::function<void(const UpdateProgress&)> no_progress;
  Updater updater(this, options, no_progress, summary);
  return updater.Run(&rel_paths);
}

Status Index::DropPaths(const std::vector<std::string>& rel_paths, UpdateSummary* summary) {
  *summary = UpdateSummary();
  TS_ASSIGN_OR_RETURN(auto lock, WriterLock::Acquire(dir_, name_));
  std::function<void(const UpdateProgress&)> no_progress;
  UpdateOptions options;
  Updater updater(this, options, no_progress, summary);
  return updater.Run(&rel_paths, /*drop=*/true);
}

void Index::Updater::Report(const std::string& phase) {
  if (!progress_) return;
  UpdateProgress p;
  p.files_total = files_total_;
  p.files_done = files_done_.load();
  p.bytes_done = bytes_done_.load();
  p.phase = phase;
  progress_(p);
}

Status Index::Updater::RemoveLeftoverSegments() {
  TS_ASSIGN_OR_RETURN(auto rows, index_->catalog_->LoadSegments());
  std::unordered_set<std::string> live;
  for (const auto& r : rows) {
    live.insert(r.name);
    live.insert(GrepSegmentName(r.name));
    live.insert(VectorSegmentName(r.name));
    live.insert(AnnGraphName(r.name));
  }
  DIR* d = ::opendir(SegmentDir(index_->dir_).c_str());
  if (d == nullptr) return CreateDirectories(SegmentDir(index_->dir_));
  std::vector<std::string> doomed;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n == "." || n == "..") continue;
    if (!live.count(n)) doomed.push_back(n);
  }
  ::closedir(d);
  for (const auto& n : doomed) CurrentFileSystem().Remove(SegmentDir(index_->dir_) + "/" + n);
  return Status::Ok();
}

Status Index::Updater::Run(const std::vector<std::string>* paths, bool drop) {
  auto started = std::chrono::steady_clock::now();
  Catalog& catalog = *index_->catalog_;
  TS_RETURN_IF_ERROR(RemoveLeftoverSegments());
  {
    auto found = chunk::Ctags::Find(options_.chunk.ctags);
    if (!found.ok()) return found.status();
    ctags_ = std::make_unique<chunk::Ctags>(std::move(found).value());
  }
  TS_ASSIGN_OR_RETURN(std::string key_meta, catalog.GetMeta("next_chunk_key"));
  TS_ASSIGN_OR_RETURN(std::string seq_meta, catalog.GetMeta("next_segment_seq"));
  if (!key_meta.empty()) next_key_ = std::strtoull(key_meta.c_str(), nullptr, 10);
  if (!seq_meta.empty()) next_segment_seq_ = std::strtoull(seq_meta.c_str(), nullptr, 10);
  if (next_key_.load() == 0 || next_segment_seq_.load() == 0) {
    return Status::Corruption("catalog counters next_chunk_key/next_segment_seq are corrupt");
  }
  TS_ASSIGN_OR_RETURN(known_, catalog.LoadFiles());
  force_ = options_.force;
  if (!drop) TS_RETURN_IF_ERROR(SetUpGraph(paths == nullptr));
  if (!drop) {
    SetUpVectors(paths == nullptr);
  } else {
    index_->RefreshModel();
    model_ = index_->snapshots().model;  // merges write vectors of the loaded model
  }

  std::vector<walk::FileEntry> files;
  std::vector<std::string> deleted_paths;
  if (paths == nullptr) {
    // Walk first so progress has a total; entries are small (path, size, mtime).
    Report("walking");
    walk::WalkStats stats;
    TS_RETURN_IF_ERROR(walk::Walk(
        index_->root_, GrepWalkOptions(),
        [&](walk::FileEntry&& e) { files.push_back(std::move(e)); }, &stats));
    for (const auto& [reason, n] : stats.skipped) summary_->skipped[reason] += n;
    summary_->unreadable_samples = stats.unreadable_samples;
    if (files.empty() && !known_.empty()) {
      return Status::InvalidArgument(
          "found no indexable files under " + index_->root_ + " but the index holds " +
          std::to_string(known_.size()) +
          " files; refusing to empty it (is the folder unmounted?). Remove the index to start "
          "over");
    }
    std::unordered_set<std::string> seen;
    for (const auto& f : files) seen.insert(f.rel_path);
    for (const auto& [path, row] : known_) {
      if (!seen.count(path)) deleted_paths.push_back(path);
    }
    if (options_.shrink != ShrinkPolicy::kAllow && deleted_paths.size() >= kShrinkFloor &&
        deleted_paths.size() * 2 > known_.size()) {
      if (options_.shrink == ShrinkPolicy::kKeepMissing) {
        summary_->files_kept_missing = deleted_paths.size();
        deleted_paths.clear();
      } else {
        return Status::InvalidArgument(
            "the update would drop " + std::to_string(deleted_paths.size()) + " of the " +
            std::to_string(known_.size()) + " files of the index: " + index_->root_ +
            " now holds " + std::to_string(files.size()) +
            " indexable files (was it replaced or half-mounted?). Run `trusty-search index "
            "--allow-shrink` to accept it");
      }
    }
  } else if (drop) {
    for (const auto& rel : *paths) {
      if (known_.count(rel)) deleted_paths.push_back(rel);
    }
  } else {
    for (const auto& rel : *paths) {
      walk::SkipReason reason;
      struct stat st {};
      std::string full = index_->root_ + "/" + rel;
      bool grep_only = false;
      if (walk::CheckPath(index_->root_, rel, GrepWalkOptions(), &reason, &grep_only) &&
          ::stat(full.c_str(), &st) == 0) {
        files.push_back({rel, static_cast<uint64_t>(st.st_size),
                         static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec,
                         grep_only});
      } else if (known_.count(rel)) {
        deleted_paths.push_back(rel);
      }
    }
  }
  summary_->files_seen = files.size();
  files_total_ = files.size();
  std::sort(deleted_paths.begin(), deleted_paths.end());
  summary_->files_deleted = deleted_paths.size();

  // Rounds of about round_bytes each; every round is one commit.
  size_t begin = 0;
  do {
    size_t end = begin;
    uint64_t bytes = 0;
    while (end < files.size() && (bytes < options_.round_bytes || end == begin)) {
      bytes += files[end].size;
      ++end;
    }
    if (Cancelled()) {
      if (merge_thread_.joinable()) merge_thread_.join();
      return Status::Unavailable("update cancelled");
    }
    Status round = ProcessRound(files, begin, end, &deleted_paths);
    if (!round.ok()) {
      if (merge_thread_.joinable()) merge_thread_.join();
      return round;
    }
    MaybeStartBackgroundMerge();
    begin = end;
  } while (begin < files.size());

  TS_RETURN_IF_ERROR(FinishMerges());

  summary_->chunks_embedded = embedded_.load();
  summary_->chunks_embedding_reused = reused_.load();
  if (auto n = catalog.Count("files"); n.ok()) summary_->total_files = *n;
  if (auto n = catalog.Count("chunks"); n.ok()) summary_->total_chunks = *n;
  summary_->seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  nlohmann::json j = {{"files_seen", summary_->files_seen},
                      {"files_indexed", summary_->files_indexed},
                      {"files_grep_only", summary_->files_grep_only},
                      {"files_unchanged", summary_->files_unchanged},
                      {"files_deleted", summary_->files_deleted},
                      {"chunks_added", summary_->chunks_added},
                      {"chunks_embedded", summary_->chunks_embedded},
                      {"chunks_embedding_reused", summary_->chunks_embedding_reused},
                      {"semantic_note", summary_->semantic_note},
                      {"bytes_read", summary_->bytes_read},
                      {"seconds", summary_->seconds},
                      {"skipped", summary_->skipped},
                      {"finished_at_unix", std::time(nullptr)}};
  TS_RETURN_IF_ERROR(catalog.SetMeta("last_update", j.dump()));
  // Every file went through this update with the graph on: the graph is whole.
  if (paths == nullptr && graph_) TS_RETURN_IF_ERROR(catalog.SetMeta("graph_state", "built"));
  Report("done");
  return Status::Ok();
}

void Index::Updater::ProcessFiles(const std::vector<walk::FileEntry>& files, size_t begin,
                                  size_t end, std::atomic<size_t>* next, WorkerOutput* out) {
  struct Pending {
    FileOutcome outcome;
    std::string content;
  };
  while (!Cancelled()) {
    size_t start = next->fetch_add(kCtagsBatchFiles);
    if (begin + start >= end) return;
    size_t stop = std::min(end, begin + start + kCtagsBatchFiles);
    std::vector<Pending> batch;
    std::vector<size_t> tag_slots;  // the batch's files ctags parses
    for (size_t i = begin + start; i < stop; ++i) {
      const walk::FileEntry& entry = files[i];
      Pending p;
      p.outcome.path = entry.rel_path;
      const uint64_t read_cap = GrepWalkOptions().max_file_size;
      auto content = ReadFileBeneath(index_->root_, entry.rel_path, read_cap + 1);
      files_done_.fetch_add(1);
      if (!content.ok()) {
        p.outcome.skip_reason = "unreadable";
        out->files.push_back(std::move(p.outcome));
        continue;
      }
      bytes_done_.fetch_add(content->size());
      if (content->size() > read_cap) {
        p.outcome.skip_reason = "too_large";
        out->files.push_back(std::move(p.outcome));
        continue;
      }
      FileRow& row = p.outcome.row;
      row.path = entry.rel_path;
      row.size = content->size();
      row.mtime_ns = entry.mtime_ns;
      row.hash = HexHash64(Hash64(*content));
      auto known = known_.find(entry.rel_path);
      if (!force_ && known != known_.end() && known->second.hash == row.hash) {
        p.outcome.kind = FileOutcome::Kind::kUnchanged;
        row.id = known->second.id;
        row.language = known->second.language;
        row.chunk_count = known->second.chunk_count;
        row.grep_key = known->second.grep_key;
        out->files.push_back(std::move(p.outcome));
        continue;
      }
      walk::SkipReason reason;
      bool searchable = walk::ClassifyContent(entry.rel_path, *content, &reason);
      if (entry.grep_only && (searchable || reason != walk::SkipReason::kBinary)) {
        // Under an excluded directory: counted as skipped by the walk already.
        searchable = false;
        reason = walk::SkipReason::kExcludedDir;
      }
      if (!searchable && reason != walk::SkipReason::kMinified &&
          reason != walk::SkipReason::kExcludedDir) {
        p.outcome.skip_reason = std::string(walk::SkipReasonName(reason));
        out->files.push_back(std::move(p.outcome));
        continue;
      }
      row.language =
          chunk::DetectLanguage(entry.rel_path, std::string_view(*content).substr(0, 256));
      row.grep_key = next_key_.fetch_add(1);
      out->grep.Add(row.grep_key, row.path, *content);
      if (searchable && content->size() > options_.walk.max_file_size) {
        searchable = false;
        reason = walk::SkipReason::kTooLarge;
      }
      if (!searchable) {
        p.outcome.kind = FileOutcome::Kind::kGrepOnly;
        p.outcome.skip_reason = std::string(walk::SkipReasonName(reason));
        out->files.push_back(std::move(p.outcome));
        continue;
      }
      p.outcome.kind = FileOutcome::Kind::kIndexed;
      p.content = std::move(content).value();
      if (NeedsCtags(row.language)) tag_slots.push_back(batch.size());
      batch.push_back(std::move(p));
    }
    std::vector<std::vector<chunk::Tag>> tags(batch.size());
    if (!tag_slots.empty()) {
      // ctags parses the bytes read above (confined to the root), not the file.
      std::vector<chunk::Ctags::Input> inputs;
      for (size_t slot : tag_slots)
        inputs.push_back({batch[slot].outcome.row.path, batch[slot].content});
      auto ran = ctags_->Run(inputs);
      if (!ran.ok()) {
        out->error = ran.status();
        return;
      }
      for (size_t i = 0; i < tag_slots.size(); ++i) tags[tag_slots[i]] = std::move((*ran)[i]);
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      Pending& p = batch[i];
      FileRow& row = p.outcome.row;
      auto chunks = chunk::ChunkFile(row.path, p.content, row.language, tags[i], options_.chunk);
      row.chunk_count = chunks.size();
      for (const auto& c : chunks) {
        lexical::StoredDoc doc;
        doc.key = next_key_.fetch_add(1);
        doc.chunk_id = c.id;
        doc.path = row.path;
        doc.symbol = c.symbol;
        doc.scope = c.scope;
        doc.kind = c.kind;
        doc.language = row.language;
        doc.start_line = static_cast<uint32_t>(c.start_line);
        doc.end_line = static_cast<uint32_t>(c.end_line);
        std::string_view body(p.content);
        body = body.substr(std::min(c.byte_begin, body.size()),
                           c.byte_end > c.byte_begin ? c.byte_end - c.byte_begin : 0);
        out->builder.Add(doc, body, c.symbol + " " + c.scope, row.path);
        if (model_) AddVector(doc.key, semantic::CodeInput(row.path, c.scope, c.symbol, body), out);
        p.outcome.chunks.push_back(ChunkRow{doc.key, c.id, 0, doc.start_line, doc.end_line,
                                            c.symbol, c.scope, c.kind, row.language});
      }
      if (graph_ && NeedsCtags(row.language)) {
        p.outcome.graph = std::make_unique<graph::FileGraph>(
            graph::ExtractFile(row.path, row.language, p.content, tags[i]));
      }
      out->files.push_back(std::move(p.outcome));
    }
  }
}

Status Index::Updater::ProcessRound(const std::vector<walk::FileEntry>& files, size_t begin,
                                    size_t end, std::vector<std::string>* deleted_paths) {
  size_t threads =
      options_.threads > 0 ? options_.threads : std::max(1u, std::thread::hardware_concurrency());
  std::vector<WorkerOutput> outputs(threads);
  std::atomic<size_t> next{0};
  std::atomic<size_t> running{threads};
  std::vector<std::thread> workers;
  for (size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      ProcessFiles(files, begin, end, &next, &outputs[t]);
      running.fetch_sub(1);
    });
  }
  while (running.load() > 0) {
    Report("indexing");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (auto& w : workers) w.join();
  for (auto& o : outputs) {
    if (!o.error.ok()) return o.error;
  }
  // A cancelled round is abandoned whole: committing part of it would be
  // consistent too, but "stopped" should mean "stopped now".
  if (Cancelled()) return Status::Unavailable("update cancelled");
  return Commit(outputs, deleted_paths);
}

std::string Index::Updater::NextSegmentName() {
  char name[32];
  std::snprintf(name, sizeof(name), "seg-%08llu.tsseg",
                static_cast<unsigned long long>(next_segment_seq_.fetch_add(1)));
  return name;
}

std::string Index::Updater::SegmentPath(const std::string& name) const {
  return SegmentDir(index_->dir_) + "/" + name;
}

Status Index::Updater::Commit(std::vector<WorkerOutput>& outputs,
                              std::vector<std::string>* deleted_paths) {
  Catalog& catalog = *index_->catalog_;
  std::vector<SegmentRow> new_segments;
  for (auto& o : outputs) {
    uint32_t docs = o.builder.doc_count();
    if (docs == 0 && o.grep.doc_count() == 0) continue;
    std::string name = NextSegmentName();
    // The companions first: a lexical segment on disk always has them.
    if (model_) {
      TS_RETURN_IF_ERROR(o.vectors
                             .FinishToFile(SegmentPath(VectorSegmentName(name)), model_->dim(),
                                           model_->checksum(), model_->name())
                             .status());
    }
    TS_RETURN_IF_ERROR(o.grep.FinishToFile(SegmentPath(GrepSegmentName(name))).status());
    TS_ASSIGN_OR_RETURN(lexical::SegmentFileInfo info, o.builder.FinishToFile(SegmentPath(name)));
    CrashPoint("segment_written");
    new_segments.push_back({name, docs, info.byte_size, HexHash64(info.checksum)});
  }

  std::lock_guard<std::mutex> lock(commit_mu_);
  TS_RETURN_IF_ERROR(catalog.Begin());
  // Whether this commit adds or removes file rows (the graph reloads its file list then).
  bool files_changed = false;
  auto body = [&]() -> Status {
    std::vector<uint64_t> dead;
    auto drop = [&](const std::string& path) -> Status {
      auto it = known_.find(path);
      if (it == known_.end()) return Status::Ok();
      TS_RETURN_IF_ERROR(catalog.DeleteGraphOfFile(it->second.id));
      TS_ASSIGN_OR_RETURN(auto keys, catalog.DeleteChunksOfFile(it->second.id));
      dead.insert(dead.end(), keys.begin(), keys.end());
      if (it->second.grep_key != 0) dead.push_back(it->second.grep_key);
      TS_RETURN_IF_ERROR(catalog.DeleteFile(it->second.id));
      known_.erase(it);
      files_changed = true;
      return Status::Ok();
    };
    for (const auto& path : *deleted_paths) TS_RETURN_IF_ERROR(drop(path));
    for (auto& o : outputs) {
      for (auto& f : o.files) {
        switch (f.kind) {
          case FileOutcome::Kind::kSkipped:
            ++summary_->skipped[f.skip_reason];
            TS_RETURN_IF_ERROR(drop(f.path));  // it was indexed before; it is not now
            break;
          case FileOutcome::Kind::kUnchanged: {
            ++summary_->files_unchanged;
            const FileRow& old = known_[f.path];
            if (old.mtime_ns != f.row.mtime_ns) {
              TS_ASSIGN_OR_RETURN(f.row.id, catalog.UpsertFile(f.row));
            }
            break;
          }
          case FileOutcome::Kind::kGrepOnly:
          case FileOutcome::Kind::kIndexed: {
            if (f.kind == FileOutcome::Kind::kGrepOnly) {
              // The walk counted excluded directories itself.
              if (f.skip_reason != "excluded_dir") ++summary_->skipped[f.skip_reason];
              ++summary_->files_grep_only;
            } else {
              ++summary_->files_indexed;
            }
            summary_->bytes_read += f.row.size;
            summary_->chunks_added += f.chunks.size();
            auto it = known_.find(f.path);
            if (it == known_.end()) files_changed = true;
            if (it != known_.end()) {
              TS_RETURN_IF_ERROR(catalog.DeleteGraphOfFile(it->second.id));
              TS_ASSIGN_OR_RETURN(auto keys, catalog.DeleteChunksOfFile(it->second.id));
              dead.insert(dead.end(), keys.begin(), keys.end());
              if (it->second.grep_key != 0) dead.push_back(it->second.grep_key);
            }
            TS_ASSIGN_OR_RETURN(int64_t id, catalog.UpsertFile(f.row));
            f.row.id = id;  // known_ takes this row after the commit
            for (auto& c : f.chunks) {
              c.file_id = id;
              TS_RETURN_IF_ERROR(catalog.InsertChunk(c));
            }
            if (f.graph) TS_RETURN_IF_ERROR(catalog.InsertFileGraph(id, *f.graph));
            f.graph.reset();
            break;
          }
        }
      }
    }
    TS_RETURN_IF_ERROR(catalog.FlushGraph());
    if (files_changed) {
      TS_ASSIGN_OR_RETURN(std::string version, catalog.GetMeta("files_version"));
      TS_RETURN_IF_ERROR(catalog.SetMeta(
          "files_version", std::to_string(std::strtoull(version.c_str(), nullptr, 10) + 1)));
    }
    TS_RETURN_IF_ERROR(catalog.InsertTombstones(dead));
    for (const auto& s : new_segments) TS_RETURN_IF_ERROR(catalog.InsertSegment(s));
    TS_RETURN_IF_ERROR(catalog.SetMeta("next_chunk_key", std::to_string(next_key_.load())));
    TS_RETURN_IF_ERROR(
        catalog.SetMeta("next_segment_seq", std::to_string(next_segment_seq_.load())));
    return Status::Ok();
  };
  Status s = body();
  CrashPoint("before_commit");
  if (s.ok()) s = catalog.Commit();
  if (!s.ok()) {
    catalog.Rollback();
    return s;
  }
  CrashPoint("after_commit");
  deleted_paths->clear();
  ++summary_->commits;
  // Files indexed in this round are known now, with their new ids.
  for (auto& o : outputs) {
    for (auto& f : o.files) {
      if (f.kind == FileOutcome::Kind::kIndexed || f.kind == FileOutcome::Kind::kGrepOnly) {
        known_[f.path] = f.row;
      }
    }
  }
  return index_->PublishSnapshot();
}

Status Index::Updater::SetUpGraph(bool full) {
  Catalog& catalog = *index_->catalog_;
  TS_ASSIGN_OR_RETURN(std::string enabled, catalog.GetMeta("graph_enabled"));
  TS_ASSIGN_OR_RETURN(std::string state, catalog.GetMeta("graph_state"));
  graph_ = options_.graph >= 0 ? options_.graph == 1 : enabled != "0";
  if (options_.graph >= 0) {
    TS_RETURN_IF_ERROR(catalog.SetMeta("graph_enabled", graph_ ? "1" : "0"));
  }
  if (!full) return Status::Ok();  // targeted updates keep the state they find
  if (!graph_) {
    if (state != "disabled") {
      TS_RETURN_IF_ERROR(catalog.ClearGraph());
      TS_RETURN_IF_ERROR(catalog.SetMeta("graph_state", "disabled"));
    }
  } else if (state != "built") {
    // Files unchanged since an update without the graph have no rows: re-read
    // them all. Until this update finishes the lane says it is being built.
    force_ = true;
    TS_RETURN_IF_ERROR(catalog.ClearGraph());
    TS_RETURN_IF_ERROR(catalog.SetMeta("graph_state", "building"));
  }
  return Status::Ok();
}

void Index::Updater::SetUpVectors(bool full) {
  index_->RefreshModel();
  Index::Snapshots snaps = index_->snapshots();
  model_ = snaps.model;
  if (!model_) {
    std::lock_guard<std::mutex> lock(index_->snapshot_mu_);
    summary_->semantic_note = "no vectors written: " + index_->model_error_;
    return;
  }
  reuse_state_ = snaps.vectors;
  if (!reuse_state_) return;
  for (const auto& seg : reuse_state_->segments) {
    if (!seg.current) continue;
    for (uint64_t d = 0; d < seg.vectors->doc_count(); ++d) {
      if ((seg.deleted && (*seg.deleted)[d]) || seg.vectors->scale(d) < 0) continue;
      reusable_.emplace(seg.vectors->content_hash(d), Reusable{seg.vectors.get(), d});
    }
  }
  // Chunks of unchanged files that have no vector from this model (indexed
  // before a model was installed, by another model, or their companion is
  // damaged): a full update re-reads every file to embed them. Chunks that do
  // have a vector are reused, so this costs reading and chunking, not embedding.
  const uint64_t uncovered = reuse_state_->missing + reuse_state_->stale;
  if (full && uncovered > 0) {
    force_ = true;
    std::string why =
        reuse_state_->stale > 0
            ? "embedded by model " + reuse_state_->stale_model + ", not " +
                  semantic::ModelLabel(model_->name(), model_->checksum())
            : (reuse_state_->error.empty() ? "indexed without a model" : reuse_state_->error);
    summary_->semantic_note = "re-read every file to embed " + std::to_string(uncovered) +
                              " chunks that had no vector (" + why + ")";
  }
}

void Index::Updater::AddVector(uint64_t key, std::string_view text, WorkerOutput* out) {
  const uint32_t dim = model_->dim();
  const uint64_t hash = Hash64(text);
  auto it = reusable_.find(hash);
  if (it != reusable_.end()) {
    const auto& r = it->second;
    out->vectors.Add(key, hash, std::span<const int8_t>(r.segment->row(r.record), dim),
                     r.segment->scale(r.record));
    reused_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  thread_local std::vector<float> v;
  thread_local std::vector<int8_t> q;
  v.resize(dim);
  q.resize(dim);
  float scale = 0;
  if (model_->Embed(semantic::Tower::kCode, text, v))
    scale = semantic::QuantizeInt8(v, q);
  else
    std::fill(q.begin(), q.end(), int8_t{0});
  out->vectors.Add(key, hash, q, scale);
  embedded_.fetch_add(1, std::memory_order_relaxed);
}

Status Index::Updater::MergeSmallest(size_t count) {
  // A segment that failed to open is not in the snapshot; merging around it
  // is fine (it keeps its row), but say nothing is merged when fewer than two remain.
  Index::Snapshots snaps = index_->snapshots();
  auto snap = snaps.lexical;
  std::vector<lexical::SegmentView> views = snap->segments();
  if (views.empty() || (views.size() == 1 && !views[0].deleted)) return Status::Ok();
  std::stable_sort(views.begin(), views.end(), [](const auto& a, const auto& b) {
    return a.segment->bytes().size() < b.segment->bytes().size();
  });
  views.resize(std::min(count, views.size()));
  // Keep catalog order (by name) inside the merged segment so docnos follow age.
  std::sort(views.begin(), views.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });

  // The grep companions merge with their segments. A segment without one
  // (an older build's, or damaged) adds nothing; the files it held are
  // verified in full by grep until reindexed (see Index::GrepState).
  std::vector<grep::SegmentView> grep_views;
  for (const auto& v : views) {
    for (const auto& g : snaps.grep ? snaps.grep->views : std::vector<grep::SegmentView>{}) {
      if (g.name == v.name) grep_views.push_back(g);
    }
  }

  // The vector companions merge with their segments, as vectors of the loaded
  // model (else of the first companion's): records of a segment without a
  // usable companion are carried as missing, so the merged companion stays
  // aligned and the lane keeps saying what the next full update must embed.
  std::vector<semantic::VectorSegmentView> vector_views;
  std::optional<semantic::VectorModelId> vector_model;
  if (model_)
    vector_model = semantic::VectorModelId{model_->dim(), model_->checksum(), model_->name()};
  for (const auto& v : views) {
    semantic::VectorSegmentView vv;
    vv.deleted = v.deleted;
    for (const auto& s :
         snaps.vectors ? snaps.vectors->segments : std::vector<Index::VectorState::Segment>{}) {
      if (snaps.lexical->segments()[s.lexical_segment].name == v.name) vv.segment = s.vectors;
    }
    if (vv.segment && !vector_model) {
      vector_model = semantic::VectorModelId{vv.segment->dim(), vv.segment->model_checksum(),
                                             vv.segment->model_name()};
    }
    if (!vv.segment) {
      vv.keys.resize(v.segment->doc_count());
      for (uint32_t d = 0; d < v.segment->doc_count(); ++d) vv.keys[d] = v.segment->doc_key(d);
    }
    vector_views.push_back(std::move(vv));
  }

  // Streamed to its file: a merge never holds the merged segment in memory twice.
  std::string name = NextSegmentName();
  if (vector_model) {
    TS_RETURN_IF_ERROR(semantic::MergeVectorSegmentsToFile(vector_views, *vector_model,
                                                           SegmentPath(VectorSegmentName(name)))
                           .status());
  }
  uint64_t grep_docs = 0;
  if (!grep_views.empty()) {
    TS_ASSIGN_OR_RETURN(grep::SegmentFileInfo grep_info,
                        grep::MergeSegmentsToFile(grep_views, SegmentPath(GrepSegmentName(name))));
    grep_docs = grep_info.doc_count;
  }
  TS_ASSIGN_OR_RETURN(lexical::SegmentFileInfo info,
                      lexical::MergeSegmentsToFile(views, SegmentPath(name)));
  CrashPoint("segment_written");
  uint64_t docs = info.doc_count;
  std::string checksum = HexHash64(info.checksum);
  if (docs == 0 && grep_docs == 0) {  // every merged document was deleted: nothing to keep
    CurrentFileSystem().Remove(SegmentPath(name));
    CurrentFileSystem().Remove(SegmentPath(GrepSegmentName(name)));
    CurrentFileSystem().Remove(SegmentPath(VectorSegmentName(name)));
    name.clear();
  }

  // Tombstones the merge made obsolete: keys it dropped. Deletions committed
  // while it ran stay in the table and, being by key, apply to the new segment.
  std::vector<uint64_t> obsolete;
  for (const auto& v : views) {
    if (!v.deleted) continue;
    for (uint32_t d = 0; d < v.segment->doc_count(); ++d) {
      if ((*v.deleted)[d]) obsolete.push_back(v.segment->doc_key(d));
    }
  }
  for (const auto& g : grep_views) {
    if (!g.deleted) continue;
    for (uint32_t d = 0; d < g.segment->doc_count(); ++d) {
      if ((*g.deleted)[d]) obsolete.push_back(g.segment->doc_key(d));
    }
  }
  Catalog& catalog = *index_->catalog_;
  {
    std::lock_guard<std::mutex> lock(commit_mu_);
    TS_RETURN_IF_ERROR(catalog.Begin());
    Status s = Status::Ok();
    for (const auto& v : views) {
      if (s.ok()) s = catalog.DeleteSegment(v.name);
    }
    if (s.ok() && !name.empty()) s = catalog.InsertSegment({name, docs, info.byte_size, checksum});
    if (s.ok()) s = catalog.DeleteTombstones(obsolete);
    if (s.ok()) s = catalog.SetMeta("next_segment_seq", std::to_string(next_segment_seq_.load()));
    CrashPoint("before_merge_commit");
    if (s.ok()) s = catalog.Commit();
    if (!s.ok()) {
      catalog.Rollback();
      return s;
    }
    TS_RETURN_IF_ERROR(index_->PublishSnapshot());
  }
  // Old files go only after the new snapshot is live; readers keep their mappings.
  for (const auto& v : views) {
    CurrentFileSystem().Remove(SegmentPath(v.name));
    CurrentFileSystem().Remove(SegmentPath(GrepSegmentName(v.name)));
    CurrentFileSystem().Remove(SegmentPath(VectorSegmentName(v.name)));
    CurrentFileSystem().Remove(SegmentPath(AnnGraphName(v.name)));
  }
  return Status::Ok();
}

void Index::Updater::MaybeStartBackgroundMerge() {
  if (merge_running_.load()) return;
  if (merge_thread_.joinable()) merge_thread_.join();
  if (index_->snapshot()->segments().size() <= MaxSegments()) return;
  merge_running_ = true;
  merge_thread_ = std::thread([this] {
    Status s = MergeSmallest(MaxSegments());
    if (!s.ok() && merge_status_.ok()) merge_status_ = s;
    merge_running_ = false;
  });
}

Status Index::Updater::FinishMerges() {
  if (merge_thread_.joinable()) merge_thread_.join();
  TS_RETURN_IF_ERROR(merge_status_);
  // Leave at most max_segments, and no segment set that is mostly tombstones.
  while (true) {
    auto snap = index_->snapshot();
    size_t n = snap->segments().size();
    uint64_t stored = 0;
    for (const auto& v : snap->segments()) stored += v.segment->doc_count();
    bool holey = n > 0 && stored > 0 && (stored - snap->live_docs()) * 4 > stored;
    if (n > MaxSegments()) {
      Report("merging");
      TS_RETURN_IF_ERROR(MergeSmallest(n - MaxSegments() + 1));
    } else if (holey) {
      Report("merging");
      TS_RETURN_IF_ERROR(MergeSmallest(n));
      // A single segment that is all tombstones merges to an empty one; stop there.
      if (n == 1) break;
    } else {
      break;
    }
  }
  return Status::Ok();
}

}  // namespace ts::index
