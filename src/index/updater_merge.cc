// Merges: which segments to merge (the smallest), and the merge's commit and
// publication; the merged files themselves are written by MergeSegments
// (segment_set.h). In the background while indexing goes on.

#include <algorithm>
#include <thread>

#include "index/layout.h"
#include "index/updater.h"
#include "util/crash_point.h"
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

  SegmentMerge merge;
  merge.views = std::move(views);
  merge.grep = snaps.grep;
  merge.vectors = snaps.vectors;
  merge.lexical = snap;
  merge.model = model_;
  merge.segment_dir = SegmentDir(index_->dir_);
  merge.name = NextSegmentName();
  TS_ASSIGN_OR_RETURN(MergedSegment merged, MergeSegments(merge));

  Catalog& catalog = *index_->catalog_;
  {
    std::lock_guard<std::mutex> lock(commit_mu_);
    TS_RETURN_IF_ERROR(catalog.Begin());
    Status s = Status::Ok();
    for (const auto& v : merge.views) {
      if (s.ok()) s = catalog.DeleteSegment(v.name);
    }
    if (s.ok() && !merged.name.empty()) {
      s = catalog.InsertSegment(
          {merged.name, merged.docs, merged.info.byte_size, HexHash64(merged.info.checksum)});
    }
    if (s.ok()) s = catalog.DeleteTombstones(merged.obsolete);
    if (s.ok()) s = catalog.SetMeta("next_segment_seq", std::to_string(next_segment_seq_.load()));
    CrashPoint("before_merge_commit");
    if (s.ok()) s = catalog.Commit();
    if (!s.ok()) {
      catalog.Rollback();
      return s;
    }
    IndexImpl::TombstoneDelta delta;
    delta.removed = std::move(merged.obsolete);
    TS_RETURN_IF_ERROR(index_->PublishSnapshot(&delta));
  }
  // Old files go only after the new snapshot is live; readers keep their mappings.
  for (const auto& v : merge.views) RemoveSegmentFiles(merge.segment_dir, v.name);
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
