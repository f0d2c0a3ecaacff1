// IndexImpl::Update: walk, skip unchanged files by content hash, chunk with ctags,
// build lexical segments in parallel, and commit one round at a time
// (updater.h says which file holds which part).
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dirent.h>
#include <algorithm>
#include <chrono>
#include <nlohmann/json.hpp>

#include "index/layout.h"
#include "index/updater.h"
#include "util/file.h"
#include "util/file_system.h"

namespace ts::index {

namespace {

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

}  // namespace

Status IndexImpl::Update(const UpdateOptions& options,
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

Status IndexImpl::UpdatePaths(const std::vector<std::string>& rel_paths,
                              const UpdateOptions& options, UpdateSummary* summary) {
  *summary = UpdateSummary();
  TS_ASSIGN_OR_RETURN(auto lock, WriterLock::Acquire(dir_, name_));
  std::function<void(const UpdateProgress&)> no_progress;
  Updater updater(this, options, no_progress, summary);
  return updater.Run(&rel_paths);
}

Status IndexImpl::DropPaths(const std::vector<std::string>& rel_paths, UpdateSummary* summary) {
  *summary = UpdateSummary();
  TS_ASSIGN_OR_RETURN(auto lock, WriterLock::Acquire(dir_, name_));
  std::function<void(const UpdateProgress&)> no_progress;
  UpdateOptions options;
  Updater updater(this, options, no_progress, summary);
  return updater.Run(&rel_paths, /*drop=*/true);
}

void IndexImpl::Updater::Report(const std::string& phase) {
  if (!progress_) return;
  UpdateProgress p;
  p.files_total = files_total_;
  p.files_done = files_done_.load();
  p.bytes_done = bytes_done_.load();
  p.phase = phase;
  progress_(p);
}

Status IndexImpl::Updater::RemoveLeftoverSegments() {
  TS_ASSIGN_OR_RETURN(auto rows, index_->catalog_->LoadSegments());
  std::unordered_set<std::string> live;
  for (const auto& r : rows) {
    for (std::string& file : SegmentFileNames(r.name)) live.insert(std::move(file));
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

Status IndexImpl::Updater::Run(const std::vector<std::string>* paths, bool drop) {
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
  // A targeted update reads the rows of its paths only: saving one file costs
  // that file, not the index.
  if (paths == nullptr) {
    TS_ASSIGN_OR_RETURN(known_, catalog.LoadFiles());
  } else {
    TS_ASSIGN_OR_RETURN(known_, catalog.LoadFiles(*paths));
  }
  summary_->file_rows_read = known_.size();
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
  {
    // As of the last publication (the catalog's rows, counted there once).
    std::lock_guard<std::mutex> lock(index_->snapshot_mu_);
    summary_->total_files = index_->files_;
    summary_->total_chunks = index_->chunks_;
  }
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

Status IndexImpl::Updater::SetUpGraph(bool full) {
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

}  // namespace ts::index
