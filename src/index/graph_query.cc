// The index's graph lane: call chains, edge listings, graph-aware ranking of
// search results (intent), and similar chunks. Reads go through pooled
// read-only connections (graph_store.h), never through the writer's.
#include <algorithm>
#include <chrono>
#include <unordered_map>
#include <unordered_set>

#include "fusion/fusion.h"
#include "index/graph_store.h"
#include "index/index_impl.h"
#include "index/layout.h"
#include "index/query_plan.h"
#include "util/file.h"

namespace ts::index {
namespace {

// A leased reader, returned to its pool when this goes away.
class Lease {
 public:
  Lease(std::shared_ptr<GraphReaderPool> pool, std::unique_ptr<GraphReader> r)
      : pool_(std::move(pool)), reader_(std::move(r)) {}
  Lease(Lease&&) = default;
  ~Lease() {
    if (reader_) pool_->Return(std::move(reader_));
  }
  GraphReader* operator->() { return reader_.get(); }
  GraphReader* get() { return reader_.get(); }

 private:
  std::shared_ptr<GraphReaderPool> pool_;
  std::unique_ptr<GraphReader> reader_;
};

// Lines [start, end] (1-based) of a file, read once per query.
class FileLines {
 public:
  explicit FileLines(std::string root) : root_(std::move(root)) {}
  std::string Slice(const std::string& path, int start, int end) {
    auto it = cache_.find(path);
    if (it == cache_.end()) {
      auto content = ReadFileBeneath(root_, path, 4u << 20);
      it = cache_.emplace(path, content.ok() ? *content : std::string()).first;
    }
    std::string_view c = it->second;
    size_t pos = 0;
    for (int line = 1; line < start && pos < c.size(); ++line) {
      size_t nl = c.find('\n', pos);
      if (nl == std::string_view::npos) return {};
      pos = nl + 1;
    }
    size_t stop = pos;
    for (int line = start; line <= end && stop < c.size(); ++line) {
      size_t nl = c.find('\n', stop);
      stop = nl == std::string_view::npos ? c.size() : nl + 1;
    }
    return std::string(c.substr(pos, stop - pos));
  }

 private:
  std::string root_;
  std::unordered_map<std::string, std::string> cache_;
};

Hit HitOf(GraphReader* r, const graph::SymbolInfo& s, const std::string& reason, FileLines* lines,
          bool include_content) {
  const graph::PathSet& paths = r->Paths();
  Hit h;
  h.file = paths.PathOf(s.file_id);
  h.language = paths.LanguageOf(s.file_id);
  h.symbol = s.name;
  h.scope = s.scope;
  h.kind = s.kind;
  h.start_line = static_cast<uint32_t>(s.line);
  h.end_line = static_cast<uint32_t>(std::max(s.line, s.end_line));
  // The hit is the definition's chunk, as a lexical hit of it would be.
  auto chunk = r->ChunkAtLine(s.file_id, s.def_line, s.name);
  if (chunk.ok() && !chunk->id.empty()) {
    h.id = chunk->id;
    h.start_line = static_cast<uint32_t>(chunk->start_line);
    h.end_line = static_cast<uint32_t>(chunk->end_line);
  }
  h.match_reason = reason;
  if (include_content) {
    h.content = lines->Slice(h.file, static_cast<int>(h.start_line), static_cast<int>(h.end_line));
  }
  return h;
}

// Hits are the same when they are the same chunk (or, without ids, start at the same line).
std::string HitKey(const Hit& h) {
  return h.id.empty() ? h.file + ":" + std::to_string(h.start_line) : h.id;
}

std::string Where(GraphReader* r, const graph::SymbolInfo& s) {
  return r->Paths().PathOf(s.file_id) + ":" + std::to_string(s.line);
}

// Scores that never increase down the list (results are merged by score
// across indexes); graph hits sit just below the hit above them.
void Monotonic(std::vector<Hit>* hits) {
  for (size_t i = 1; i < hits->size(); ++i) {
    double prev = (*hits)[i - 1].score;
    if ((*hits)[i].score >= prev) (*hits)[i].score = prev - 1e-6 * std::max(1.0, std::abs(prev));
  }
}

}  // namespace

Lane IndexImpl::GraphLane() const {
  std::string state;
  {
    std::lock_guard<std::mutex> lock(snapshot_mu_);
    state = graph_state_;
  }
  if (state == "built") return {true, "ok"};
  if (state == "disabled") {
    return {false,
            "symbol graph disabled for this index (indexed with --no-kg or --lexical-only); "
            "run `trusty-search index " +
                root_ + "` to build it"};
  }
  if (state == "building") {
    return {false,
            "symbol graph is being built (or its build was interrupted); it is available when a "
            "full update of the index finishes"};
  }
  return {false, "this index was built before the symbol graph existed; run `trusty-search index " +
                     root_ + " --force` to build it"};
}

Result<std::shared_ptr<GraphReaderPool>> IndexImpl::GraphPool() const {
  std::lock_guard<std::mutex> lock(graph_mu_);
  if (!graph_pool_) graph_pool_ = std::make_shared<GraphReaderPool>(CatalogPath(dir_));
  return graph_pool_;
}

namespace {

Result<Lease> LeaseFrom(const Result<std::shared_ptr<GraphReaderPool>>& pool,
                        std::pair<uint64_t, uint64_t> versions) {
  if (!pool.ok()) return pool.status();
  TS_ASSIGN_OR_RETURN(auto reader, (*pool)->Lease(versions.first, versions.second));
  return Lease(*pool, std::move(reader));
}

}  // namespace

Result<graph::ChainResult> IndexImpl::CallChain(const std::string& symbol, const std::string& file,
                                                const graph::ChainOptions& options) const {
  Lane lane = GraphLane();
  if (!lane.available) return Status::Unavailable("graph lane unavailable: " + lane.detail);
  std::pair<uint64_t, uint64_t> gen;
  {
    std::lock_guard<std::mutex> lock(snapshot_mu_);
    gen = {generation_, files_version_};
  }
  TS_ASSIGN_OR_RETURN(Lease lease, LeaseFrom(GraphPool(), gen));
  return graph::CallChain(lease.get(), symbol, file, options);
}

Status IndexImpl::GraphEdges(std::string_view kind,
                             const std::function<bool(const graph::Edge&)>& emit,
                             graph::EdgeStats* stats, uint64_t* nodes) const {
  Lane lane = GraphLane();
  if (!lane.available) return Status::Unavailable("graph lane unavailable: " + lane.detail);
  if (kind != "calls" && kind != "imports" && kind != "inherits" && kind != "contains") {
    return Status::InvalidArgument("unknown graph kind '" + std::string(kind) +
                                   "' (expected calls, imports, inherits or contains)");
  }
  std::pair<uint64_t, uint64_t> gen;
  {
    std::lock_guard<std::mutex> lock(snapshot_mu_);
    gen = {generation_, files_version_};
  }
  TS_ASSIGN_OR_RETURN(Lease lease, LeaseFrom(GraphPool(), gen));
  TS_ASSIGN_OR_RETURN(*nodes, lease->CountSymbols());
  // A walk over every call resolves every name: one pass loads the symbols.
  if (kind != "imports") TS_RETURN_IF_ERROR(lease->Preload());
  return graph::ForEachEdge(lease.get(), kind, emit, stats);
}

void IndexImpl::ApplyGraphIntent(const QueryPlan& plan, const QueryOptions& options,
                                 QueryResult* result) const {
  const fusion::Intent& intent = plan.intent;
  result->intent = std::string(intent.name());
  std::vector<Hit>& hits = result->hits;
  const std::string name(graph::LastComponent(intent.symbol));
  Lane lane = GraphLane();
  std::pair<uint64_t, uint64_t> gen;
  {
    std::lock_guard<std::mutex> lock(snapshot_mu_);
    gen = {generation_, files_version_};
  }
  FileLines lines(root_);

  if (intent.kind == fusion::Intent::Kind::kDefinition) {
    // The definition above its mentions.
    auto is_def = [&](const Hit& h) {
      return h.symbol == name && h.kind != "window" && h.kind != "section";
    };
    // Over the first kDefinitionWindow hits (Query ranked at least those).
    auto window_end = hits.begin() + std::min(hits.size(), kDefinitionWindow);
    auto mid = std::stable_partition(hits.begin(), window_end, is_def);
    bool found = mid != hits.begin();
    for (auto it = hits.begin(); it != mid; ++it) it->match_reason = "definition: exact symbol";
    if (!found && lane.available) {
      auto lease = LeaseFrom(GraphPool(), gen);
      if (lease.ok()) {
        auto defs = graph::FindDefinitions(lease->get(), intent.symbol, "");
        if (defs.ok()) {
          std::vector<Hit> front;
          for (const auto& d : *defs) {
            if (front.size() >= 3) break;
            Hit h = HitOf(lease->get(), d, "graph: definition of " + intent.symbol, &lines,
                          options.include_content);
            if (!options.path_prefix.empty() && h.file.rfind(options.path_prefix, 0) != 0) continue;
            h.score = hits.empty() ? 1.0 : hits[0].score;
            front.push_back(std::move(h));
          }
          // Against the window only, as a smaller top_k would see it; a
          // later copy of a promoted definition is dropped.
          std::unordered_set<std::string> have;
          for (auto it = hits.begin(); it != window_end; ++it) have.insert(HitKey(*it));
          front.erase(std::remove_if(front.begin(), front.end(),
                                     [&](const Hit& h) { return have.count(HitKey(h)) > 0; }),
                      front.end());
          std::unordered_set<std::string> promoted;
          for (const auto& h : front) promoted.insert(HitKey(h));
          hits.erase(std::remove_if(window_end, hits.end(),
                                    [&](const Hit& h) { return promoted.count(HitKey(h)) > 0; }),
                     hits.end());
          hits.insert(hits.begin(), front.begin(), front.end());
        }
      }
    }
    if (!hits.empty()) {
      // Promoted hits keep the top score so the list stays ordered.
      double top = 0;
      for (const auto& h : hits) top = std::max(top, h.score);
      if (hits[0].score < top) hits[0].score = top;
    }
    Monotonic(&hits);
    if (hits.size() > options.top_k) hits.resize(options.top_k);
  }

  bool expand = options.expand_graph == 1 ||
                (options.expand_graph == -1 && intent.kind == fusion::Intent::Kind::kUsage);
  if (!expand) return;
  if (!lane.available) {
    result->meta["graph_expansion"] = "not applied: graph " + lane.ToString();
    return;
  }
  std::string target = intent.kind == fusion::Intent::Kind::kUsage
                           ? intent.symbol
                           : (hits.empty() ? std::string() : hits[0].symbol);
  if (target.empty()) {
    result->meta["graph_expansion"] = "not applied: no symbol to expand";
    return;
  }
  auto lease = LeaseFrom(GraphPool(), gen);
  if (!lease.ok()) {
    result->meta["graph_expansion"] = "not applied: " + lease.status().message();
    return;
  }
  auto defs = graph::FindDefinitions(lease->get(), target, "");
  if (!defs.ok() || defs->empty()) {
    result->meta["graph_expansion"] = "not applied: no definition named " + target;
    return;
  }
  // The best definition: the first one the lexical ranking found, else the first.
  const graph::PathSet& paths = lease->get()->Paths();
  const graph::SymbolInfo* best = &(*defs)[0];
  size_t best_hit = hits.size();
  for (size_t i = 0; i < hits.size() && best_hit == hits.size(); ++i) {
    for (const auto& d : *defs) {
      if (paths.PathOf(d.file_id) == hits[i].file &&
          static_cast<int>(hits[i].start_line) <= d.def_line &&
          d.def_line <= static_cast<int>(hits[i].end_line)) {
        best = &d;
        best_hit = i;
        break;
      }
    }
  }
  auto callers = graph::CallersOf(lease->get(), *best, options.top_k);
  if (!callers.ok()) {
    result->meta["graph_expansion"] = "not applied: " + callers.status().message();
    return;
  }
  std::vector<Hit> out;
  double top = hits.empty() ? 1.0 : hits[0].score;
  if (best_hit < hits.size()) {
    out.push_back(hits[best_hit]);
  } else {
    out.push_back(HitOf(lease->get(), *best, "graph: definition of " + target, &lines,
                        options.include_content));
  }
  out[0].score = std::max(out[0].score, top);
  std::unordered_set<std::string> seen = {HitKey(out[0])};
  for (const auto& c : *callers) {
    if (out.size() >= options.top_k) break;
    Hit h = HitOf(lease->get(), c.symbol,
                  "graph: calls " + target + " at " + paths.PathOf(c.symbol.file_id) + ":" +
                      std::to_string(c.call_line),
                  &lines, options.include_content);
    if (!options.path_prefix.empty() && h.file.rfind(options.path_prefix, 0) != 0) continue;
    if (!seen.insert(HitKey(h)).second) continue;
    h.score = out.back().score;
    out.push_back(std::move(h));
  }
  for (size_t i = 0; i < hits.size() && out.size() < options.top_k; ++i) {
    if (i == best_hit) continue;
    if (!seen.insert(HitKey(hits[i])).second) continue;
    out.push_back(hits[i]);
  }
  Monotonic(&out);
  hits = std::move(out);
  result->meta["graph_expansion"] = "callers of " + target + " (" + Where(lease->get(), *best) +
                                    "): " + std::to_string(callers->size());
}

Result<QueryResult> IndexImpl::SimilarTo(const std::string& chunk_id, size_t top_k) const {
  auto started = std::chrono::steady_clock::now();
  if (top_k == 0 || top_k > 1000)
    return Status::InvalidArgument("top_k must be between 1 and 1000");
  QueryResult result;
  result.mode = "similar";
  result.intent = "similar";
  for (const auto& [lane, state] : Lanes()) result.meta[lane] = state.ToString();
  std::pair<uint64_t, uint64_t> gen;
  {
    std::lock_guard<std::mutex> lock(snapshot_mu_);
    gen = {generation_, files_version_};
  }
  TS_ASSIGN_OR_RETURN(Lease lease, LeaseFrom(GraphPool(), gen));
  TS_ASSIGN_OR_RETURN(GraphReader::ChunkAt chunk, lease->FindChunk(chunk_id));
  FileLines lines(root_);
  std::string body = lines.Slice(chunk.path, chunk.start_line, chunk.end_line);
  std::vector<Hit> graph_hits, lexical_hits;

  // Graph: the chunk's definition's callees and callers.
  Lane lane = GraphLane();
  if (lane.available && !chunk.symbol.empty()) {
    TS_ASSIGN_OR_RETURN(auto named, lease->SymbolsNamed(chunk.symbol));
    const graph::SymbolInfo* def = nullptr;
    for (const auto& s : named) {
      if (s.file_id == chunk.file_id && s.def_line >= chunk.start_line &&
          s.def_line <= chunk.end_line)
        def = &s;
    }
    if (def != nullptr) {
      TS_ASSIGN_OR_RETURN(auto callees, graph::CalleesOf(lease.get(), *def, top_k));
      TS_ASSIGN_OR_RETURN(auto callers, graph::CallersOf(lease.get(), *def, top_k));
      for (size_t i = 0; i < std::max(callees.size(), callers.size()); ++i) {
        if (i < callees.size())
          graph_hits.push_back(HitOf(lease.get(), callees[i].symbol,
                                     "graph: called by " + chunk.symbol, &lines, true));
        if (i < callers.size())
          graph_hits.push_back(
              HitOf(lease.get(), callers[i].symbol, "graph: calls " + chunk.symbol, &lines, true));
      }
      result.meta["graph_expansion"] = std::to_string(callees.size()) + " callees, " +
                                       std::to_string(callers.size()) + " callers of " +
                                       chunk.symbol;
    }
  }

  // Lexical: the chunk's most frequent identifiers as a query.
  {
    std::unordered_map<std::string, int> freq;
    size_t i = 0;
    while (i < body.size()) {
      unsigned char c = static_cast<unsigned char>(body[i]);
      if (std::isalpha(c) || c == '_') {
        size_t b = i;
        while (i < body.size() &&
               (std::isalnum(static_cast<unsigned char>(body[i])) || body[i] == '_'))
          ++i;
        if (i - b >= 3) ++freq[body.substr(b, i - b)];
      } else {
        ++i;
      }
    }
    std::vector<std::pair<int, std::string>> ranked;
    for (auto& [w, n] : freq) ranked.push_back({n, w});
    std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    std::string query = chunk.symbol;
    for (size_t k = 0; k < ranked.size() && k < 12; ++k) query += " " + ranked[k].second;
    std::vector<std::string> terms = lexical::TokenizeToVector(query);
    auto snap = snapshot();
    lexical::SearchOptions so;
    so.top_k = top_k + 1;
    for (const auto& s : snap->SearchTerms(terms, so)) {
      lexical::StoredDoc doc = snap->segments()[s.segment].segment->Doc(s.docno);
      if (doc.chunk_id == chunk_id) continue;
      Hit h = HitOfDoc(doc, s.score);
      h.match_reason = "similar: shared identifiers";
      h.content =
          lines.Slice(doc.path, static_cast<int>(doc.start_line), static_cast<int>(doc.end_line));
      lexical_hits.push_back(std::move(h));
    }
  }
  double top = lexical_hits.empty() ? 1.0 : lexical_hits[0].score;
  std::unordered_set<std::string> seen = {chunk_id};
  for (auto* list : {&graph_hits, &lexical_hits}) {
    for (auto& h : *list) {
      if (result.hits.size() >= top_k) break;
      if (!seen.insert(HitKey(h)).second) continue;
      if (list == &graph_hits) h.score = top;
      result.hits.push_back(std::move(h));
    }
  }
  Monotonic(&result.hits);
  result.latency_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace ts::index
