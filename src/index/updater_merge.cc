// Merges: the smallest live segments (and their companions) rewritten as one,
// in the background while indexing goes on, committed like a round.

#include <algorithm>
#include <thread>

#include "index/layout.h"
#include "index/updater.h"
#include "util/crash_point.h"
#include "util/file_system.h"
#include "util/hash.h"

namespace ts::index {

Status IndexImpl::Updater::MergeSmallest(size_t count) {
  // A segment that failed to open is not in the snapshot; merging around it
  // is fine (it keeps its row), but say nothing is merged when fewer than two remain.
  IndexImpl::Snapshots snaps = index_->snapshots();
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
  // verified in full by grep until reindexed (see IndexImpl::GrepState).
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
         snaps.vectors ? snaps.vectors->segments : std::vector<IndexImpl::VectorState::Segment>{}) {
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
    IndexImpl::TombstoneDelta delta;
    delta.removed = std::move(obsolete);
    TS_RETURN_IF_ERROR(index_->PublishSnapshot(&delta));
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

void IndexImpl::Updater::MaybeStartBackgroundMerge() {
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

Status IndexImpl::Updater::FinishMerges() {
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
