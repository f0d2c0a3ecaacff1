// A round's commit: the workers' segments and companions written and
// fsynced, then their catalog rows (files, chunks, graph, tombstones) in one
// transaction (docs/DESIGN.md, "Commit protocol").

#include <algorithm>

#include "index/layout.h"
#include "index/updater.h"
#include "util/crash_point.h"
#include "util/hash.h"

namespace ts::index {

std::string IndexImpl::Updater::NextSegmentName() {
  char name[32];
  std::snprintf(name, sizeof(name), "seg-%08llu.tsseg",
                static_cast<unsigned long long>(next_segment_seq_.fetch_add(1)));
  return name;
}

std::string IndexImpl::Updater::SegmentPath(const std::string& name) const {
  return SegmentDir(index_->dir_) + "/" + name;
}

Status IndexImpl::Updater::Commit(std::vector<WorkerOutput>& outputs,
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
  std::vector<uint64_t> dead;  // keys tombstoned by this commit
  auto body = [&]() -> Status {
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
  IndexImpl::TombstoneDelta delta;
  delta.added = std::move(dead);
  return index_->PublishSnapshot(&delta);
}

}  // namespace ts::index
