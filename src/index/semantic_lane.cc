// The semantic lane of an index: the process-wide embedding model, the lane's
// state as status reports it, and the exact scan of the vector companions.
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <queue>
#include <thread>

#include "index/index_impl.h"

namespace ts::index {
namespace {

struct SharedModelState {
  std::mutex mu;
  std::shared_ptr<const semantic::Model> model;
  std::string error;
  std::string path;
  std::chrono::steady_clock::time_point tried{};
};

SharedModelState& ModelState() {
  static SharedModelState* state = new SharedModelState();  // never destroyed: used at exit
  return *state;
}

}  // namespace

namespace {

EngineOptions& EngineSettings() {
  static EngineOptions options;
  return options;
}

}  // namespace

// The engine options are the semantic lane's: which model, and from what
// size a vector companion gets its HNSW graph. Set once, before any index
// opens and before other threads read them.
void ConfigureEngine(const EngineOptions& options) {
  EngineSettings() = options;
}

const EngineOptions& Engine() {
  return EngineSettings();
}

// One model per process, loaded on first use and shared (immutable) by every
// index. A failed load is retried at most every 10 seconds, so a model that
// appears later (installed, restored) is picked up by the next update.
void IndexImpl::RefreshModel() {
  SharedModelState& st = ModelState();
  std::shared_ptr<const semantic::Model> model;
  std::string error;
  {
    std::lock_guard<std::mutex> lock(st.mu);
    auto now = std::chrono::steady_clock::now();
    if (!st.model && (st.tried == std::chrono::steady_clock::time_point{} ||
                      now - st.tried > std::chrono::seconds(10))) {
      st.tried = now;
      st.path = Engine().model_path.empty() ? semantic::DefaultModelPath() : Engine().model_path;
      auto loaded = semantic::Model::Load(st.path);
      if (loaded.ok()) {
        st.model = std::shared_ptr<const semantic::Model>(std::move(loaded).value());
        st.error.clear();
      } else {
        st.error = loaded.status().message();
      }
    }
    model = st.model;
    error = st.error;
  }
  std::lock_guard<std::mutex> lock(snapshot_mu_);
  model_ = model;
  model_error_ = error;
}

Lane IndexImpl::SemanticLane() const {
  std::shared_ptr<const VectorState> v;
  std::shared_ptr<const semantic::Model> model;
  std::string model_error;
  const AnnWorker* ann_worker;
  {
    std::lock_guard<std::mutex> lock(snapshot_mu_);
    v = vectors_;
    model = model_;
    model_error = model_error_;
    ann_worker = ann_worker_.get();  // lives as long as the index
  }
  if (!model) return Lane{false, model_error.empty() ? "no embedding model loaded" : model_error};
  if (!v) return Lane{false, "no snapshot yet"};
  const std::string ann = AnnNote(*v, ann_worker);
  const uint64_t uncovered = v->missing + v->stale;
  if (uncovered == 0) return Lane{true, ann.empty() ? "ok" : "ok (" + ann + ")"};
  std::string why;
  if (!v->error.empty()) why = v->error;
  if (v->stale > 0) {
    if (!why.empty()) why += "; ";
    why += std::to_string(v->stale) + " embedded by model " + v->stale_model + ", not " +
           semantic::ModelLabel(model->name(), model->checksum());
  }
  if (why.empty()) why = "indexed without an embedding model";
  std::string detail = std::to_string(uncovered) + " of " + std::to_string(v->live_docs) +
                       " chunks have no usable vector (" + why +
                       "); they are found by the other lanes only until `trusty-search index` "
                       "embeds them";
  if (!ann.empty()) detail += "; " + ann;
  return Lane{uncovered < v->live_docs, detail};
}

std::vector<fusion::LaneHit> IndexImpl::SemanticScores(
    const Snapshots& snaps, std::string_view text,
    const std::vector<lexical::ScoredDoc>& docs) const {
  std::vector<fusion::LaneHit> out;
  if (!snaps.model || !snaps.vectors) return out;
  auto query = query_cache_.Embed(*snaps.model, text);
  const uint32_t dim = snaps.model->dim();
  // Companions by lexical segment index (a vector record's index is the docno).
  std::vector<const semantic::VectorSegmentReader*> by_segment(snaps.lexical->segments().size(),
                                                               nullptr);
  for (const auto& seg : snaps.vectors->segments) {
    if (seg.current && seg.vectors->dim() == dim && seg.lexical_segment < by_segment.size()) {
      by_segment[seg.lexical_segment] = seg.vectors.get();
    }
  }
  for (const auto& d : docs) {
    const semantic::VectorSegmentReader* vs =
        d.segment < by_segment.size() ? by_segment[d.segment] : nullptr;
    if (vs == nullptr || d.docno >= vs->doc_count()) continue;
    const float scale = vs->scale(d.docno);
    if (scale <= 0.0f) continue;
    out.push_back({d.key, semantic::DotInt8(*query, vs->row(d.docno), dim) * scale});
  }
  return out;
}

bool IndexImpl::SearchGraph(const lexical::Snapshot& lexical, const VectorState::Segment& seg,
                            const semantic::ScanQuery& scan, size_t n,
                            const std::string& path_prefix,
                            std::vector<lexical::ScoredDoc>* out) const {
  const std::vector<bool>* deleted = seg.deleted.get();
  const lexical::SegmentReader* lex =
      path_prefix.empty() ? nullptr : lexical.segments()[seg.lexical_segment].segment.get();
  auto keep = [&](uint32_t d) {
    if (deleted && (*deleted)[d]) return false;
    return lex == nullptr || lex->Doc(d).path.rfind(path_prefix, 0) == 0;
  };
  // Over-fetched by the share of records tombstones hide; a path filter's
  // share is unknown, and a selective one sends the companion to the exact scan.
  const double kept_fraction =
      seg.vectors->doc_count() == 0
          ? 1.0
          : static_cast<double>(seg.live) / static_cast<double>(seg.vectors->doc_count());
  auto found = seg.graph->SearchFiltered(scan, n, semantic::kGraphEfSearch, kept_fraction, keep);
  if (!found.ok() || !found->has_value()) return false;  // the exact scan answers instead
  for (const semantic::GraphHit& h : **found) {
    out->push_back({seg.lexical_segment, h.docno, seg.vectors->key(h.docno), h.score});
  }
  return true;
}

std::vector<lexical::ScoredDoc> IndexImpl::SemanticTop(const Snapshots& snaps,
                                                       std::string_view text, size_t n,
                                                       const std::string& path_prefix,
                                                       QueryResult* result) const {
  std::vector<lexical::ScoredDoc> out;
  if (!snaps.model || !snaps.vectors || n == 0) return out;
  auto t0 = std::chrono::steady_clock::now();
  auto query = query_cache_.Embed(*snaps.model, text);
  auto t1 = std::chrono::steady_clock::now();
  const uint32_t dim = snaps.model->dim();
  // Min-heap of the best n so far: the weakest on top, replaced by better ones.
  auto worse = [](const lexical::ScoredDoc& a, const lexical::ScoredDoc& b) {
    return a.score != b.score ? a.score > b.score : a.key < b.key;
  };
  using Heap =
      std::priority_queue<lexical::ScoredDoc, std::vector<lexical::ScoredDoc>, decltype(worse)>;
  const auto& lexical_segments = snaps.lexical->segments();
  bool any_word = false;
  for (float x : *query) any_word = any_word || x != 0.0f;
  const semantic::ScanQuery scan = semantic::PrepareScan(*query);
  // Work items: a range of one companion's records.
  struct Range {
    const VectorState::Segment* seg;
    uint64_t begin, end;
  };
  std::vector<Range> ranges;
  // Companions with a graph are searched through it, the others (and any
  // whose graph could not answer completely) scanned exactly.
  std::vector<lexical::ScoredDoc> ann_hits;
  std::vector<const VectorState::Segment*> exact;
  uint64_t total = 0;
  if (any_word) {
    for (const auto& seg : snaps.vectors->segments) {
      if (!seg.current || seg.vectors->dim() != dim) continue;
      if (seg.graph && SearchGraph(*snaps.lexical, seg, scan, n, path_prefix, &ann_hits)) {
        continue;
      }
      exact.push_back(&seg);
      total += seg.vectors->doc_count();
    }
  }
  // Two threads pay only for large indexes (thread start ~50 us vs ~0.1 us a row).
  const size_t workers = total >= 200000 ? 2 : 1;
  const uint64_t per_range = std::max<uint64_t>(total / (workers * 4), 65536);
  for (const VectorState::Segment* seg : exact) {
    for (uint64_t b = 0; b < seg->vectors->doc_count(); b += per_range) {
      ranges.push_back({seg, b, std::min(seg->vectors->doc_count(), b + per_range)});
    }
  }
  auto scan_ranges = [&](size_t first, size_t step, Heap* heap) {
    for (size_t r = first; r < ranges.size(); r += step) {
      const Range& range = ranges[r];
      const semantic::VectorSegmentReader& vs = *range.seg->vectors;
      const std::vector<bool>* deleted = range.seg->deleted.get();
      for (uint64_t d = range.begin; d < range.end; ++d) {
        if (deleted && (*deleted)[d]) continue;
        const float scale = vs.scale(d);
        if (scale <= 0.0f) continue;  // no word (0) or not embedded yet (< 0)
        const double score = semantic::DotScan(scan, vs.row(d), dim) * scale;
        if (heap->size() >= n && score <= heap->top().score) continue;
        if (!path_prefix.empty()) {
          // Decoded only for docs that would enter the top n: rare after the first few.
          const auto& lex = *lexical_segments[range.seg->lexical_segment].segment;
          if (lex.Doc(static_cast<uint32_t>(d)).path.rfind(path_prefix, 0) != 0) continue;
        }
        heap->push({range.seg->lexical_segment, static_cast<uint32_t>(d), vs.key(d), score});
        if (heap->size() > n) heap->pop();
      }
    }
  };
  std::vector<Heap> heaps(workers, Heap(worse));
  if (workers == 1) {
    scan_ranges(0, 1, &heaps[0]);
  } else {
    std::thread helper(scan_ranges, 1, workers, &heaps[1]);
    scan_ranges(0, workers, &heaps[0]);
    helper.join();
  }
  Heap heap(worse);
  for (const auto& d : ann_hits) {
    heap.push(d);
    if (heap.size() > n) heap.pop();
  }
  for (auto& h : heaps) {
    while (!h.empty()) {
      heap.push(h.top());
      h.pop();
      if (heap.size() > n) heap.pop();
    }
  }
  while (!heap.empty()) {
    out.push_back(heap.top());
    heap.pop();
  }
  std::reverse(out.begin(), out.end());
  auto t2 = std::chrono::steady_clock::now();
  if (result != nullptr) {
    result->timings_ms["semantic_embed"] =
        std::chrono::duration<double, std::milli>(t1 - t0).count();
    result->timings_ms["semantic_scan"] =
        std::chrono::duration<double, std::milli>(t2 - t1).count();
  }
  return out;
}

}  // namespace ts::index
