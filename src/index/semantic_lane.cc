// The semantic lane of an index: the process-wide embedding model, the lane's
// state as status reports it, and its search (a semantic::VectorSnapshot
// over the companions of the loaded model).
#include <sys/stat.h>

#include <algorithm>
#include <chrono>

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
  if (!snaps.model || !snaps.vectors || !snaps.vectors->searchable) return out;
  auto query = query_cache_.Embed(*snaps.model, text);
  for (const auto& d : docs) {
    double score = 0;
    if (snaps.vectors->searchable->Score(*query, d.segment, d.docno, &score)) {
      out.push_back({d.key, score});
    }
  }
  return out;
}

bool IndexImpl::QueryEmbeds(const Snapshots& snaps, std::string_view text) const {
  if (!snaps.model) return false;
  auto query = query_cache_.Embed(*snaps.model, text);
  return query && std::any_of(query->begin(), query->end(), [](float x) { return x != 0.0f; });
}

std::vector<lexical::ScoredDoc> IndexImpl::SemanticTop(const Snapshots& snaps,
                                                       std::string_view text, size_t n,
                                                       const std::string& path_prefix,
                                                       QueryResult* result) const {
  std::vector<lexical::ScoredDoc> out;
  if (!snaps.model || !snaps.vectors || !snaps.vectors->searchable || n == 0) return out;
  auto t0 = std::chrono::steady_clock::now();
  auto query = query_cache_.Embed(*snaps.model, text);
  auto t1 = std::chrono::steady_clock::now();
  semantic::RecordFilter accept;
  if (!path_prefix.empty()) {
    // A record's path is its lexical document's (record d is document d).
    const auto& lexical_segments = snaps.lexical->segments();
    accept = [&](uint32_t segment, uint32_t docno) {
      return lexical_segments[segment].segment->DocView(docno).path.starts_with(path_prefix);
    };
  }
  for (const semantic::VectorHit& h : snaps.vectors->searchable->Top(*query, n, accept)) {
    out.push_back({h.segment_id, h.docno, h.key, h.score});
  }
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
