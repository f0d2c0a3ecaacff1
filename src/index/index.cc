#include "index/index.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <unordered_map>
#include <unordered_set>

#include "fusion/fusion.h"
#include "index/catalog.h"
#include "index/index_impl.h"
#include "index/layout.h"
#include "index/query_plan.h"
#include "rank/rank.h"
#include "util/ascii.h"
#include "util/file.h"

namespace ts::index {

std::string DefaultIndexName(const std::string& root) {
  std::string base = std::filesystem::path(root).filename().string();
  if (base.empty()) base = std::filesystem::path(root).parent_path().filename().string();
  std::string name;
  for (char c : base) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
    name.push_back(ok ? c : '_');
  }
  while (!name.empty() && name[0] == '.') name.erase(0, 1);
  if (name.size() > 64) name.resize(64);
  return name.empty() ? "root" : name;
}

Index::~Index() = default;

Result<std::unique_ptr<Index>> Index::Open(const std::string& dir) {
  if (!PathExists(CatalogPath(dir))) return Status::NotFound("no index at " + dir);
  std::unique_ptr<IndexImpl> index(new IndexImpl());
  index->dir_ = dir;
  TS_RETURN_IF_ERROR(index->Load());
  return std::unique_ptr<Index>(std::move(index));
}

Result<std::unique_ptr<Index>> Index::Create(const std::string& dir, const std::string& name,
                                             const std::string& root) {
  TS_RETURN_IF_ERROR(CreateDirectories(SegmentDir(dir)));
  TS_ASSIGN_OR_RETURN(auto catalog, Catalog::Open(CatalogPath(dir)));
  TS_RETURN_IF_ERROR(catalog->Begin());
  Status s = catalog->SetMeta("format_version", std::to_string(kCatalogFormatVersion));
  if (s.ok()) s = catalog->SetMeta("graph_state", "built");  // an empty graph is complete
  if (s.ok()) s = catalog->SetMeta("name", name);
  if (s.ok()) s = catalog->SetMeta("root", root);
  if (s.ok()) s = catalog->Commit();
  if (!s.ok()) {
    catalog->Rollback();
    return s;
  }
  catalog.reset();
  return Open(dir);
}

Status IndexImpl::Load() {
  TS_ASSIGN_OR_RETURN(catalog_, Catalog::Open(CatalogPath(dir_)));
  TS_ASSIGN_OR_RETURN(std::string version, catalog_->GetMeta("format_version"));
  if (version.empty())
    return Status::Corruption("catalog " + CatalogPath(dir_) + " has no format version");
  if (std::atoi(version.c_str()) > kCatalogFormatVersion) {
    return Status::Unavailable("index format " + version + " is newer than this build supports (" +
                               std::to_string(kCatalogFormatVersion) + "); upgrade trusty-search");
  }
  // Version 1 had no graph tables; Catalog::Open created them empty. Without
  // a graph_state the graph lane says the index must be rebuilt.
  if (std::atoi(version.c_str()) < kCatalogFormatVersion) {
    TS_RETURN_IF_ERROR(catalog_->SetMeta("format_version", std::to_string(kCatalogFormatVersion)));
  }
  TS_ASSIGN_OR_RETURN(name_, catalog_->GetMeta("name"));
  TS_ASSIGN_OR_RETURN(root_, catalog_->GetMeta("root"));
  RefreshModel();
  return PublishSnapshot();
}

Status IndexImpl::PublishSnapshot(const TombstoneDelta* delta) {
  std::lock_guard<std::mutex> publishing(publish_mu_);
  // Until this publication succeeds, the next one reads the table again.
  const bool incremental = delta != nullptr && tombstones_known_;
  tombstones_known_ = false;
  if (incremental) {
    for (uint64_t key : delta->removed) tombstones_.erase(key);
    tombstones_.insert(delta->added.begin(), delta->added.end());
  } else {
    TS_ASSIGN_OR_RETURN(auto tomb_list, catalog_->LoadTombstones());
    tombstones_ = std::unordered_set<uint64_t>(tomb_list.begin(), tomb_list.end());
  }
  TS_ASSIGN_OR_RETURN(auto rows, catalog_->LoadSegments());
  SegmentSetOptions set_options;
  set_options.segment_dir = SegmentDir(dir_);
  for (const auto& row : rows) set_options.names.push_back(row.name);
  set_options.tombstones = &tombstones_;
  set_options.added_tombstones = incremental ? &delta->added : nullptr;
  set_options.ann_min_vectors = AnnMinVectors();
  SegmentReaders previous;
  {
    std::lock_guard<std::mutex> lock(snapshot_mu_);
    set_options.model = model_;
    previous = open_readers_;
  }
  SegmentSet set = SegmentSet::Open(set_options, previous);
  std::shared_ptr<GrepState>& grep_state = set.grep;
  const uint64_t grep_files = set.grep_live_files;
  std::shared_ptr<VectorState>& vector_state = set.vectors;
  auto snap = std::make_shared<const lexical::Snapshot>(std::move(set.lexical));
  // Chunks are the snapshot's live documents: counting the chunks table
  // instead read the whole table, ~20 s for the kernel on a cold page cache.
  auto files = catalog_->Count("files");
  const uint64_t chunks = snap->live_docs();
  if (files.ok() && grep_files != *files) {
    // Some files are in no companion (segments written by an older build,
    // or damaged): grep verifies each of them in full, so it stays complete,
    // only slower, until `index --force` rebuilds them.
    std::unordered_set<std::string_view> covered;
    for (const auto& g : grep_state->views) {
      for (uint32_t d = 0; d < g.segment->doc_count(); ++d) {
        if (!g.deleted || !(*g.deleted)[d]) covered.insert(g.segment->doc_path(d));
      }
    }
    TS_ASSIGN_OR_RETURN(auto rows, catalog_->LoadFiles());
    for (auto& [path, row] : rows) {
      if (!covered.count(path)) grep_state->unindexed_paths.push_back(path);
    }
    std::sort(grep_state->unindexed_paths.begin(), grep_state->unindexed_paths.end());
  }
  auto last_update = catalog_->GetMeta("last_update");
  auto in_progress = catalog_->GetMeta("update_in_progress");
  auto graph_state = catalog_->GetMeta("graph_state");
  auto files_version = catalog_->GetMeta("files_version");
  // Measured here, once per commit, so that status and /health stay in memory.
  uint64_t disk_bytes = 0;
  std::error_code ec;
  for (auto& entry : std::filesystem::recursive_directory_iterator(dir_, ec)) {
    if (entry.is_regular_file(ec)) disk_bytes += entry.file_size(ec);
  }
  std::vector<AnnJob> ann_jobs;
  {
    std::lock_guard<std::mutex> lock(snapshot_mu_);
    ann_jobs = AttachGraphsLocked(vector_state.get());
    graph_state_ = graph_state.ok() ? *graph_state : "";
    ++generation_;
    files_version_ = files_version.ok() ? std::strtoull(files_version->c_str(), nullptr, 10) : 0;
    disk_bytes_ = disk_bytes;
    interrupted_ = in_progress.ok() && *in_progress == "1";
    files_ = files.ok() ? *files : 0;
    chunks_ = chunks;
    segment_count_ = rows.size();
    tombstone_count_ = tombstones_.size();
    if (last_update.ok()) last_update_ = *last_update;
    snapshot_ = std::move(snap);
    grep_ = std::move(grep_state);
    vectors_ = std::move(vector_state);
    open_readers_ = std::move(set.readers);
    lexical_error_ = set.lexical_error;
  }
  tombstones_known_ = true;
  RequestGraphs(std::move(ann_jobs));
  return Status::Ok();
}

std::shared_ptr<const lexical::Snapshot> IndexImpl::snapshot() const {
  std::lock_guard<std::mutex> lock(snapshot_mu_);
  return snapshot_;
}

IndexImpl::Snapshots IndexImpl::snapshots() const {
  std::lock_guard<std::mutex> lock(snapshot_mu_);
  return {snapshot_, grep_, vectors_, model_};
}

Result<grep::GrepResult> IndexImpl::Grep(const grep::Pattern& pattern,
                                         const grep::GrepOptions& options) const {
  std::shared_ptr<const GrepState> state = snapshots().grep;
  if (!state) return Status::Unavailable("index '" + name_ + "' has no snapshot yet");
  return grep::Search(state->views, state->unindexed_paths, root_, pattern, options);
}

namespace {

// The centrality of a file of `snap` (rank::FileCentrality): how many chunks
// mention its name, written whole ("join_set") or run together ("JoinSet"
// is indexed as "joinset"). Deleted chunks still count: a prior, not a score.
double FileCentrality(const lexical::Snapshot& snap, std::string_view rel_path) {
  const std::string term = rank::CentralityTerm(rel_path);
  if (term.empty()) return 0;
  std::string joined;
  for (char ch : term) {
    if (ch != '_' && ch != '-') joined += ch;
  }
  uint64_t whole = 0, run_together = 0;
  for (const auto& view : snap.segments()) {
    lexical::TermInfo info;
    if (view.segment->Lookup(term, &info)) whole += info.df;
    if (joined != term && view.segment->Lookup(joined, &info)) run_together += info.df;
  }
  return rank::FileCentrality(std::max(whole, run_together), snap.live_docs());
}

// The lines [start, end] (1-based) of `content`.
std::string SliceLines(std::string_view content, uint32_t start, uint32_t end) {
  size_t pos = 0;
  for (uint32_t line = 1; line < start && pos < content.size(); ++line) {
    size_t nl = content.find('\n', pos);
    if (nl == std::string_view::npos) return {};
    pos = nl + 1;
  }
  size_t stop = pos;
  for (uint32_t line = start; line <= end && stop < content.size(); ++line) {
    size_t nl = content.find('\n', stop);
    stop = nl == std::string_view::npos ? content.size() : nl + 1;
  }
  return std::string(content.substr(pos, stop - pos));
}

std::string MatchReason(const std::vector<std::string>& query_terms,
                        const lexical::StoredDoc& doc) {
  std::unordered_set<std::string> symbol_terms;
  for (auto& t : lexical::TokenizeToVector(doc.symbol)) symbol_terms.insert(t);
  std::string lower_symbol;
  for (char c : doc.symbol)
    lower_symbol.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  for (const auto& t : query_terms) {
    if (!lower_symbol.empty() && t == lower_symbol) return "bm25: exact symbol match";
  }
  for (const auto& t : query_terms) {
    if (symbol_terms.count(t)) return "bm25: symbol name match";
  }
  return "bm25: content match";
}

}  // namespace

std::map<std::string, Lane> IndexImpl::Lanes() const {
  std::map<std::string, Lane> lanes;
  std::string error;
  {
    std::lock_guard<std::mutex> lock(snapshot_mu_);
    error = lexical_error_;
  }
  lanes["lexical"] = error.empty() ? Lane{true, "ok"} : Lane{false, error};
  std::string grep_note;
  {
    std::lock_guard<std::mutex> lock(snapshot_mu_);
    if (grep_ && !grep_->unindexed_paths.empty()) {
      grep_note = std::to_string(grep_->unindexed_paths.size()) + " files have no trigram index (" +
                  (grep_->error.empty() ? "segments written by an older build" : grep_->error) +
                  "); grep scans them in full until `trusty-search index --force` rebuilds it";
    }
  }
  lanes["grep"] = Lane{true, grep_note.empty() ? "ok" : grep_note};
  lanes["semantic"] = SemanticLane();
  lanes["graph"] = GraphLane();
  return lanes;
}

double IndexImpl::CentralityOf(const std::shared_ptr<const lexical::Snapshot>& snap,
                               const std::string& path) const {
  std::lock_guard<std::mutex> lock(centrality_mu_);
  if (centrality_snapshot_.lock() != snap) {
    centrality_.clear();
    centrality_snapshot_ = snap;
  }
  auto [it, inserted] = centrality_.try_emplace(path, 0.0);
  if (inserted) it->second = FileCentrality(*snap, path);
  return it->second;
}

// Hybrid ranking: both lanes fused (every candidate scored on both), the
// exact-symbol boost, the re-ranking stage over the whole pool (so the first
// k hits do not depend on top_k), and the confidence of the first hit.
// Semantic-only hits in `weak_semantic` are dropped and counted.
std::vector<IndexImpl::RankedDoc> IndexImpl::RankHybrid(
    const Snapshots& snaps, std::string_view text, const QueryPlan& plan,
    const QueryOptions& options, size_t depth, const std::vector<lexical::ScoredDoc>& lexical_hits,
    const std::vector<lexical::ScoredDoc>& semantic_hits,
    const std::unordered_set<uint64_t>& weak_semantic, size_t* weak_dropped,
    QueryResult* out) const {
  const fusion::FusionParams& fusion = tuning_.fusion;
  const fusion::Intent& intent = plan.intent;
  const lexical::Snapshot& snap = *snaps.lexical;
  QueryResult& result = *out;
  std::vector<RankedDoc> ranked;
  std::vector<fusion::LaneHit> lex, sem;
  std::unordered_map<uint64_t, lexical::ScoredDoc> docs;
  for (const auto& d : lexical_hits) {
    lex.push_back({d.key, d.score});
    docs.emplace(d.key, d);
  }
  for (const auto& d : semantic_hits) {
    sem.push_back({d.key, d.score});
    docs.emplace(d.key, d);
  }
  // Lexical candidates the semantic top N missed still have a cosine.
  std::unordered_set<uint64_t> in_semantic;
  for (const auto& d : semantic_hits) in_semantic.insert(d.key);
  std::vector<lexical::ScoredDoc> lexical_only;
  for (const auto& d : lexical_hits) {
    if (!in_semantic.count(d.key)) lexical_only.push_back(d);
  }
  const std::vector<fusion::LaneHit> sem_extra = SemanticScores(snaps, text, lexical_only);
  std::vector<fusion::FusedHit> fused =
      fusion::Fuse(lex, sem, fusion::WeightsFor(intent, fusion), fusion, sem_extra);
  // Exact symbol-name boost: a hit whose symbol is an identifier of the query.
  const auto& idents = plan.identifiers;
  if (!idents.empty() && !fused.empty() && fusion.symbol_boost > 0) {
    const double bonus = fusion.symbol_boost * fused[0].score;
    const size_t window = std::min(fused.size(), depth);
    bool boosted = false;
    for (size_t i = 0; i < window; ++i) {
      const auto& d = docs[fused[i].key];
      const std::string_view symbol = snap.segments()[d.segment].segment->DocView(d.docno).symbol;
      if (!symbol.empty() && idents.count(LowerAscii(symbol))) {
        fused[i].score += bonus;
        boosted = true;
      }
    }
    if (boosted) {
      std::stable_sort(fused.begin(), fused.end(),
                       [](const auto& a, const auto& b) { return a.score > b.score; });
    }
  }
  // The re-ranking stage orders the whole fused pool (not just top_k), so
  // the first k hits do not depend on top_k.
  const rank::Weights& rerank_weights = tuning_.rerank;
  std::vector<rank::Candidate> pool;
  std::vector<size_t> fused_of_pool;  // pool[i] is fused[fused_of_pool[i]]
  auto centrality = [&](const std::string& path) {
    return rerank_weights.centrality == 0 ? 0.0 : CentralityOf(snaps.lexical, path);
  };
  pool.reserve(fused.size());
  for (size_t i = 0; i < fused.size(); ++i) {
    const auto& f = fused[i];
    if (weak_semantic.count(f.key)) {
      ++*weak_dropped;
      continue;
    }
    fused_of_pool.push_back(i);
    const auto& d = docs[f.key];
    // Views into the snapshot's segments, which outlive this query: only the
    // candidate's own fields are copied.
    const lexical::StoredDocView doc = snap.segments()[d.segment].segment->DocView(d.docno);
    rank::Candidate& c = pool.emplace_back();
    c.key = f.key;
    c.path = doc.path;
    c.symbol = doc.symbol;
    c.kind = doc.kind;
    c.start_line = doc.start_line;
    c.end_line = doc.end_line;
    c.score = f.score;
    c.centrality = centrality(c.path);
  }
  const std::vector<rank::Ranked> reranked = rank::Rerank(pool, plan.signals, rerank_weights);
  {
    rank::ConfidenceSignals sig;
    sig.lexical_found = !lexical_hits.empty();
    if (!reranked.empty()) {
      sig.any_hit = true;
      const size_t top = reranked[0].candidate;
      const auto& f = fused[fused_of_pool[top]];
      sig.lexical_rank = f.lexical_rank;
      sig.semantic_rank = f.semantic_rank;
      sig.both_lanes = f.lexical_rank > 0 && f.semantic_rank > 0;
      for (const auto& d : semantic_hits) {
        if (d.key == f.key) sig.cosine = d.score;
      }
      for (const auto& e : sem_extra) {
        if (e.key == f.key) sig.cosine = e.score;
      }
      const double first = reranked[0].score;
      double other = 0;
      for (const auto& r : reranked) {
        if (pool[r.candidate].path != pool[top].path) {
          other = r.score;
          break;
        }
      }
      sig.file_gap = first > 0 ? std::clamp((first - other) / first, 0.0, 1.0) : 0;
    }
    result.confidence = rank::Confidence(sig);
    result.confidence_signals = {{"both_lanes", sig.both_lanes ? 1 : 0},
                                 {"lexical_found", sig.lexical_found ? 1 : 0},
                                 {"cosine", sig.cosine},
                                 {"lexical_rank", sig.lexical_rank},
                                 {"semantic_rank", sig.semantic_rank},
                                 {"file_gap", sig.file_gap}};
  }
  for (size_t i = 0; i < reranked.size() && i < options.top_k; ++i) {
    const auto& f = fused[fused_of_pool[reranked[i].candidate]];
    lexical::ScoredDoc d = docs[f.key];
    d.score = reranked[i].score;
    std::string why = "hybrid: ";
    if (f.lexical_rank > 0) why += "bm25 #" + std::to_string(f.lexical_rank);
    if (f.lexical_rank > 0 && f.semantic_rank > 0) why += " + ";
    if (f.semantic_rank > 0) why += "semantic #" + std::to_string(f.semantic_rank);
    ranked.push_back({d, why});
  }
  return ranked;
}

Hit HitOfDoc(const lexical::StoredDoc& doc, double score) {
  Hit hit;
  hit.id = doc.chunk_id;
  hit.file = doc.path;
  hit.language = doc.language;
  hit.symbol = doc.symbol;
  hit.scope = doc.scope;
  hit.kind = doc.kind;
  hit.start_line = doc.start_line;
  hit.end_line = doc.end_line;
  hit.score = score;
  return hit;
}

// The hits as callers see them: stored fields, why each matched, and its
// lines read from the file (confined to the root, each file read once).
void IndexImpl::MaterialiseHits(const lexical::Snapshot& snap, const std::vector<RankedDoc>& ranked,
                                const std::vector<std::string>& terms, const QueryOptions& options,
                                QueryResult* result) const {
  // A file read once even with several hits: the shared copy is held here.
  std::map<std::string, std::shared_ptr<const std::string>> files;
  for (const auto& r : ranked) {
    const lexical::ScoredDoc& s = r.doc;
    lexical::StoredDoc doc = snap.segments()[s.segment].segment->Doc(s.docno);
    Hit hit = HitOfDoc(doc, s.score);
    hit.match_reason = r.reason.empty() ? MatchReason(terms, doc) : r.reason;
    if (options.include_content) {
      auto it = files.find(doc.path);
      if (it == files.end()) {
        auto content = file_cache_.Read(root_, doc.path, 4u << 20);
        it = files.emplace(doc.path, content.ok() ? *content : nullptr).first;
      }
      if (it->second) hit.content = SliceLines(*it->second, doc.start_line, doc.end_line);
    }
    result->hits.push_back(std::move(hit));
  }
}

Result<QueryResult> IndexImpl::Query(std::string_view text, const QueryOptions& options) const {
  auto started = std::chrono::steady_clock::now();
  auto lanes = Lanes();
  std::string mode = options.mode.empty() || options.mode == "auto" ? "hybrid" : options.mode;
  if (mode != "lexical" && mode != "semantic" && mode != "hybrid") {
    return Status::InvalidArgument("unknown mode '" + options.mode +
                                   "' (expected hybrid, lexical or semantic; auto is hybrid)");
  }
  const Lane& semantic_lane = lanes["semantic"];
  if (mode == "semantic" && !semantic_lane.available) {
    return Status::Unavailable("semantic search is unavailable: " + semantic_lane.detail +
                               " (use --mode lexical or hybrid)");
  }
  if (mode != "semantic" && !lanes["lexical"].available) {
    return Status::Unavailable("lexical lane " + lanes["lexical"].ToString());
  }
  if (options.top_k == 0 || options.top_k > 1000) {
    return Status::InvalidArgument("top_k must be between 1 and 1000");
  }
  QueryResult result;
  for (const auto& [name, lane] : lanes) result.meta[name] = lane.ToString();
  // Hybrid without a semantic lane is lexical search; meta.semantic says why.
  if (mode == "hybrid" && !semantic_lane.available) mode = "lexical";
  result.mode = mode;

  const fusion::FusionParams& fusion = tuning_.fusion;
  const QueryPlan plan = PlanQuery(text);
  // A definition query puts the definitions of the first kDefinitionWindow
  // hits above the mentions (ApplyGraphIntent): those hits are ranked
  // whatever top_k asks, so the first k hits are the same for any top_k >= k.
  QueryOptions opts = options;
  if (plan.intent.kind == fusion::Intent::Kind::kDefinition) {
    opts.top_k = std::max(options.top_k, kDefinitionWindow);
  }
  const std::vector<std::string>& terms = plan.terms;
  // The lexical lane's query: the terms, and the other forms of a question's
  // words at a share of their weight.
  std::vector<lexical::QueryTerm> lexical_terms;
  for (const auto& t : terms) lexical_terms.push_back({t, 1.0});
  for (const auto& f : plan.word_forms) lexical_terms.push_back({f, fusion.word_form_weight});
  Snapshots snaps = snapshots();
  const lexical::Snapshot& snap = *snaps.lexical;
  // A query the model cannot embed ("the", "g", "++") has no nearest chunks:
  // semantic mode would answer nothing, so the lexical lane (or grep) answers
  // it, and hybrid ranks the lexical hits alone. meta says so.
  if (mode != "lexical" && !QueryEmbeds(snaps, text)) {
    result.meta["semantic_query"] =
        "ok: no word of the query is known to the embedding model (only stop words, symbols or "
        "single letters); " +
        std::string(mode == "semantic" ? "answered in lexical mode instead"
                                       : "ranked without the semantic lane");
    if (mode == "semantic") mode = result.mode = "lexical";
  }
  const size_t depth = mode == "hybrid" ? std::max(fusion.depth, opts.top_k) : opts.top_k;

  // No word long enough to be indexed ("g"): the grep lane answers instead
  // of both lanes (RankShortWords).
  const bool short_words =
      terms.empty() && mode != "semantic" && std::any_of(text.begin(), text.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
      });
  std::vector<lexical::ScoredDoc> lexical_hits, semantic_hits;
  if (mode != "semantic" && !short_words) {
    auto t0 = std::chrono::steady_clock::now();
    lexical::SearchOptions so;
    so.top_k = depth;
    so.path_prefix = opts.path_prefix;
    lexical_hits = snap.SearchWeighted(lexical_terms, so);
    result.timings_ms["lexical"] =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  }
  if (mode != "lexical" && !short_words) {
    semantic_hits = SemanticTop(snaps, text, depth, opts.path_prefix, &result);
  }
  // The semantic lane always has a nearest chunk, even for nonsense. When no
  // word of the query occurs in the index (the lexical lane has nothing), its
  // hits under the floor are no answer and are left out. Cosines are not
  // comparable across queries (a real match in a six-chunk index scores
  // 0.21, nonsense in flask 0.17), so the floor applies only then.
  std::unordered_set<uint64_t> weak_semantic;
  if (!semantic_hits.empty()) {
    bool words_occur = !lexical_hits.empty();
    if (mode == "semantic") {
      lexical::SearchOptions probe;
      probe.top_k = 1;
      probe.path_prefix = opts.path_prefix;
      words_occur = !snap.SearchWeighted(lexical_terms, probe).empty();
    }
    if (!words_occur) {
      for (const auto& d : semantic_hits) {
        if (d.score < fusion.semantic_floor) weak_semantic.insert(d.key);
      }
    }
  }
  size_t weak_dropped = 0;

  // The hits to show, best first, each with where it came from and why.
  std::vector<RankedDoc> ranked;
  auto stage_started = std::chrono::steady_clock::now();
  // Milliseconds since the last stage ended, recorded under `stage`.
  auto end_stage = [&](const char* stage) {
    auto now = std::chrono::steady_clock::now();
    result.timings_ms[stage] =
        std::chrono::duration<double, std::milli>(now - stage_started).count();
    stage_started = now;
  };
  if (short_words) {
    ranked = RankShortWords(snaps, plan, opts, &result);
  } else if (mode == "lexical") {
    for (const auto& d : lexical_hits) ranked.push_back({d, ""});
  } else if (mode == "semantic") {
    for (size_t i = 0; i < semantic_hits.size() && ranked.size() < opts.top_k; ++i) {
      if (weak_semantic.count(semantic_hits[i].key)) {
        ++weak_dropped;
        continue;
      }
      char why[64];
      std::snprintf(why, sizeof(why), "semantic: cosine %.3f", semantic_hits[i].score);
      ranked.push_back({semantic_hits[i], why});
    }
  } else {
    ranked = RankHybrid(snaps, text, plan, opts, depth, lexical_hits, semantic_hits, weak_semantic,
                        &weak_dropped, &result);
  }
  if (weak_dropped > 0 && ranked.size() < options.top_k) {
    // Fewer hits than asked for: say why. "ok: " marks a note, not a degraded
    // lane (the CLI warns only about states that do not start with "ok").
    result.meta["semantic_floor"] =
        "ok: " + std::to_string(weak_dropped) + " semantic-only hit(s) under cosine " +
        std::to_string(fusion.semantic_floor).substr(0, 4) + " left out";
  }
  end_stage("rank");
  MaterialiseHits(snap, ranked, terms, opts, &result);
  end_stage("materialise");
  // Intent: definitions above mentions, usage queries expanded with callers (graph).
  ApplyGraphIntent(plan, options, &result);
  end_stage("graph");
  result.latency_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  return result;
}

Result<std::vector<Index::ChunkListing>> IndexImpl::ListChunks(const std::string& file,
                                                               size_t limit, size_t offset) const {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(CatalogPath(dir_).c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return Status::IoError("cannot open catalog for reading");
  }
  sqlite3_busy_timeout(db, 5000);
  std::vector<ChunkListing> out;
  std::string error;
  {
    Statement q(db,
                "SELECT c.chunk_id, f.path, c.symbol, c.scope, c.kind, c.language, c.start_line, "
                "c.end_line FROM chunks c JOIN files f ON f.id = c.file_id "
                "WHERE (?1 = '' OR f.path = ?1) ORDER BY f.path, c.start_line LIMIT ?2 OFFSET ?3");
    if (!q.ok()) {
      sqlite3_close(db);
      return Status::IoError("cannot query chunks");
    }
    q.Bind(1, file).Bind(2, static_cast<int64_t>(limit)).Bind(3, static_cast<int64_t>(offset));
    int rc;
    while ((rc = q.Step()) == SQLITE_ROW) {
      out.push_back({q.Text(0), q.Text(1), q.Text(2), q.Text(3), q.Text(4), q.Text(5),
                     static_cast<uint32_t>(q.Int(6)), static_cast<uint32_t>(q.Int(7))});
    }
    if (rc != SQLITE_DONE) error = sqlite3_errmsg(db);
  }  // the statement is finalized here, before the connection closes
  sqlite3_close(db);
  if (!error.empty()) return Status::IoError("cannot list chunks: " + error);
  return out;
}

IndexInfo IndexImpl::Info() const {
  IndexInfo info;
  info.name = name_;
  info.root = root_;
  info.format_version = kCatalogFormatVersion;
  {
    std::lock_guard<std::mutex> lock(snapshot_mu_);
    info.files = files_;
    info.chunks = chunks_;
    info.segments = segment_count_;
    info.tombstones = tombstone_count_;
    info.last_update = last_update_;
    info.interrupted = interrupted_;
    info.disk_bytes = disk_bytes_;
  }
  info.lanes = Lanes();
  return info;
}

}  // namespace ts::index
