// VectorSnapshot (semantic.h): the best records of a set of vector
// companions for a query, through HNSW graphs where a companion has one and
// by exact scan elsewhere.
#include <algorithm>
#include <queue>
#include <thread>

#include "semantic/hnsw.h"
#include "semantic/semantic.h"

namespace ts::semantic {
namespace {

// Orders a min-heap of the best n so far: the weakest on top.
struct Worse {
  bool operator()(const VectorHit& a, const VectorHit& b) const {
    return a.score != b.score ? a.score > b.score : a.key < b.key;
  }
};
using Heap = std::priority_queue<VectorHit, std::vector<VectorHit>, Worse>;

void Offer(Heap* heap, const VectorHit& hit, size_t n) {
  heap->push(hit);
  if (heap->size() > n) heap->pop();
}

// The graph's answer for `seg`, appended to `out`; false when the graph
// cannot answer completely (filtering removed too much, or the search
// failed): the caller scans the companion instead.
bool SearchGraph(const VectorSnapshotSegment& seg, const ScanQuery& scan, size_t n,
                 const RecordFilter& accept, std::vector<VectorHit>* out) {
  const std::vector<bool>* deleted = seg.deleted.get();
  auto keep = [&](uint32_t d) {
    if (deleted && (*deleted)[d]) return false;
    return !accept || accept(seg.id, d);
  };
  // Over-fetched by the share of records tombstones hide; a filter's share is
  // unknown, and a selective one sends the companion to the exact scan.
  const double kept_fraction =
      seg.vectors->doc_count() == 0
          ? 1.0
          : static_cast<double>(seg.live) / static_cast<double>(seg.vectors->doc_count());
  auto found = seg.graph->SearchFiltered(scan, n, kGraphEfSearch, kept_fraction, keep);
  if (!found.ok() || !found->has_value()) return false;
  for (const GraphHit& h : **found) {
    out->push_back({seg.id, h.docno, seg.vectors->key(h.docno), h.score});
  }
  return true;
}

}  // namespace

VectorSnapshot::VectorSnapshot(std::vector<VectorSnapshotSegment> segments, uint32_t dim)
    : segments_(std::move(segments)), dim_(dim) {}

std::vector<VectorHit> VectorSnapshot::Top(std::span<const float> query, size_t n,
                                           const RecordFilter& accept) const {
  std::vector<VectorHit> out;
  if (n == 0 || query.size() != dim_) return out;
  if (std::all_of(query.begin(), query.end(), [](float x) { return x == 0.0f; })) return out;
  const ScanQuery scan = PrepareScan(query);

  // Companions with a graph are searched through it, the others (and any
  // whose graph could not answer completely) scanned exactly.
  std::vector<VectorHit> graph_hits;
  std::vector<const VectorSnapshotSegment*> exact;
  uint64_t total = 0;
  for (const auto& seg : segments_) {
    if (seg.vectors->dim() != dim_) continue;
    if (seg.graph && SearchGraph(seg, scan, n, accept, &graph_hits)) continue;
    exact.push_back(&seg);
    total += seg.vectors->doc_count();
  }
  // Work items: a range of one companion's records. Two threads pay only for
  // large sets (a thread start ~50 us against ~0.1 us a row).
  struct Range {
    const VectorSnapshotSegment* seg;
    uint64_t begin, end;
  };
  const size_t workers = total >= 200000 ? 2 : 1;
  const uint64_t per_range = std::max<uint64_t>(total / (workers * 4), 65536);
  std::vector<Range> ranges;
  for (const VectorSnapshotSegment* seg : exact) {
    for (uint64_t b = 0; b < seg->vectors->doc_count(); b += per_range) {
      ranges.push_back({seg, b, std::min(seg->vectors->doc_count(), b + per_range)});
    }
  }
  auto scan_ranges = [&](size_t first, size_t step, Heap* heap) {
    for (size_t r = first; r < ranges.size(); r += step) {
      const Range& range = ranges[r];
      const VectorSegmentReader& vs = *range.seg->vectors;
      const std::vector<bool>* deleted = range.seg->deleted.get();
      for (uint64_t d = range.begin; d < range.end; ++d) {
        if (deleted && (*deleted)[d]) continue;
        const float scale = vs.scale(d);
        if (scale <= 0.0f) continue;  // no word (0) or not embedded yet (< 0)
        const double score = DotScan(scan, vs.row(d), dim_) * scale;
        if (heap->size() >= n && score <= heap->top().score) continue;
        const uint32_t docno = static_cast<uint32_t>(d);
        // Asked only for records that would enter the top n: rare after the first few.
        if (accept && !accept(range.seg->id, docno)) continue;
        Offer(heap, {range.seg->id, docno, vs.key(d), score}, n);
      }
    }
  };
  std::vector<Heap> heaps(workers);
  if (workers == 1) {
    scan_ranges(0, 1, &heaps[0]);
  } else {
    std::thread helper(scan_ranges, 1, workers, &heaps[1]);
    scan_ranges(0, workers, &heaps[0]);
    helper.join();
  }
  Heap heap;
  for (const auto& h : graph_hits) Offer(&heap, h, n);
  for (auto& h : heaps) {
    for (; !h.empty(); h.pop()) Offer(&heap, h.top(), n);
  }
  for (; !heap.empty(); heap.pop()) out.push_back(heap.top());
  std::reverse(out.begin(), out.end());
  return out;
}

bool VectorSnapshot::Score(std::span<const float> query, uint32_t segment_id, uint32_t docno,
                           double* score) const {
  if (query.size() != dim_) return false;
  for (const auto& seg : segments_) {
    if (seg.id != segment_id || seg.vectors->dim() != dim_) continue;
    if (docno >= seg.vectors->doc_count()) return false;
    const float scale = seg.vectors->scale(docno);
    if (scale <= 0.0f) return false;
    *score = DotInt8(query, seg.vectors->row(docno), dim_) * scale;
    return true;
  }
  return false;
}

}  // namespace ts::semantic
