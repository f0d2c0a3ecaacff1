// IndexImpl, internal to src/index: the Index of index.h with everything
// behind it: the catalog, the published snapshots of every lane, the query's
// stages and the updater. Only src/index includes this header.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "index/index.h"
#include "index/segment_set.h"
#include "lexical/lexical.h"
#include "semantic/hnsw.h"
#include "semantic/semantic.h"
#include "util/file_cache.h"

namespace ts::index {

class Catalog;  // catalog.h: the SQLite catalog
class GraphReaderPool;
struct QueryPlan;  // query_plan.h

class IndexImpl final : public Index {
 public:
  // Both where AnnWorker is complete (semantic_ann.cc).
  IndexImpl();
  ~IndexImpl() override;
  void SetTuning(QueryTuning tuning) override { tuning_ = std::move(tuning); }
  Status Update(const UpdateOptions& options,
                const std::function<void(const UpdateProgress&)>& progress,
                UpdateSummary* summary) override;
  Status UpdatePaths(const std::vector<std::string>& rel_paths, const UpdateOptions& options,
                     UpdateSummary* summary) override;
  Status DropPaths(const std::vector<std::string>& rel_paths, UpdateSummary* summary) override;
  IndexInfo Info() const override;
  Status GraphEdges(std::string_view kind, const std::function<bool(const graph::Edge&)>& emit,
                    graph::EdgeStats* stats, uint64_t* nodes) const override;
  Result<QueryResult> Query(std::string_view text, const QueryOptions& options) const override;
  Result<grep::GrepResult> Grep(const grep::Pattern& pattern,
                                const grep::GrepOptions& options) const override;
  Result<std::vector<ChunkListing>> ListChunks(const std::string& file, size_t limit,
                                               size_t offset) const override;
  Result<graph::ChainResult> CallChain(const std::string& symbol, const std::string& file,
                                       const graph::ChainOptions& options) const override;
  Result<QueryResult> SimilarTo(const std::string& chunk_id, size_t top_k) const override;
  const std::string& name() const override { return name_; }
  const std::string& root() const override { return root_; }
  const std::string& dir() const override { return dir_; }

 private:
  friend class Index;  // Open and Create
  class Updater;
  Status Load();
  // What a commit changed in the tombstone table.
  struct TombstoneDelta {
    std::vector<uint64_t> added;    // keys a commit deleted
    std::vector<uint64_t> removed;  // keys a merge dropped with their segments
  };
  // Re-reads the live segment list from the catalog and swaps in a new
  // snapshot. Queries holding the old one finish on it undisturbed. With the
  // committed `delta`, the tombstones are the in-memory set plus the delta
  // and segments kept from the last snapshot only test the added keys: a
  // one-file commit costs that file. Without one (or after a publication
  // failed), the tombstone table is read whole and every mask recomputed.
  Status PublishSnapshot(const TombstoneDelta* delta = nullptr);
  std::shared_ptr<const lexical::Snapshot> snapshot() const;
  // Each lane's view of the live segments (segment_set.h).
  using VectorState = index::VectorState;
  using GrepState = index::GrepState;
  // Builds and loads the HNSW graphs of large companions in the background
  // (semantic_ann.cc); queries scan exactly until a graph is attached.
  class AnnWorker;
  // A companion that should have a graph: (graph file name, companion).
  using AnnJob = std::pair<std::string, std::shared_ptr<const semantic::VectorSegmentReader>>;
  // Companions with at least this many records get a graph
  // (semantic::kGraphMinVectors; $TRUSTY_HNSW_MIN_VECTORS overrides it).
  static uint64_t AnnMinVectors();
  // Under snapshot_mu_: attaches the open graphs to the companions of `state`
  // that should have one, releases graphs of companions gone, and returns the
  // companions still without one (starting the worker when there are some).
  std::vector<AnnJob> AttachGraphsLocked(VectorState* state);
  // Hands the worker the companions still without a graph (none: it stops
  // building for companions merged away).
  void RequestGraphs(std::vector<AnnJob> jobs);
  // Called by the worker when a graph is ready: kept and attached to the
  // published state when its companion is still live.
  void AttachGraph(const std::string& graph_name,
                   std::shared_ptr<const semantic::VectorGraph> graph);
  // "hnsw on N of M segments, ..." for the lane's status; "" when no
  // companion is large enough for a graph.
  std::string AnnNote(const VectorState& v, const AnnWorker* worker) const;
  struct Snapshots {
    std::shared_ptr<const lexical::Snapshot> lexical;
    std::shared_ptr<const GrepState> grep;
    std::shared_ptr<const VectorState> vectors;
    std::shared_ptr<const semantic::Model> model;  // null when none could be loaded
  };
  // Both from one publication, so their deletions agree (merges rely on it).
  Snapshots snapshots() const;
  // Query's stages (index.cc). A hit to show, with where it came from and why.
  struct RankedDoc {
    lexical::ScoredDoc doc;
    std::string reason;  // "" for lexical hits: MatchReason explains them
  };
  std::vector<RankedDoc> RankHybrid(const Snapshots& snaps, std::string_view text,
                                    const QueryPlan& plan, const QueryOptions& options,
                                    size_t depth,
                                    const std::vector<lexical::ScoredDoc>& lexical_hits,
                                    const std::vector<lexical::ScoredDoc>& semantic_hits,
                                    const std::unordered_set<uint64_t>& weak_semantic,
                                    size_t* weak_dropped, QueryResult* result) const;
  // A query with no word the lexical lane indexes ("g"): the grep lane's
  // lines that name its words, definitions first (short_words.cc).
  static constexpr uint64_t kShortWordMaxLines = 20000;
  static constexpr int64_t kShortWordBudgetMs = 500;
  static constexpr size_t kShortWordChunksPerFile = 5000;
  std::vector<RankedDoc> RankShortWords(const Snapshots& snaps, const QueryPlan& plan,
                                        const QueryOptions& options, QueryResult* result) const;
  void MaterialiseHits(const lexical::Snapshot& snap, const std::vector<RankedDoc>& ranked,
                       const std::vector<std::string>& terms, const QueryOptions& options,
                       QueryResult* result) const;
  std::map<std::string, Lane> Lanes() const;
  Lane SemanticLane() const;
  // (Re)loads the process-wide model when none is held (semantic_lane.cc).
  void RefreshModel();
  // The semantic lane over VectorState::searchable (semantic::VectorSnapshot),
  // with the query's embedding cached. Cosines of `docs` (lexical hits) with
  // the query, for those that have a vector: fusion scores every candidate on
  // both lanes, not only the ones each lane ranked in its own top N.
  std::vector<fusion::LaneHit> SemanticScores(const Snapshots& snaps, std::string_view text,
                                              const std::vector<lexical::ScoredDoc>& docs) const;
  // Whether the model gives the query a vector at all: one of stop words,
  // symbols or single letters has no feature the model keeps (an all-zero
  // embedding), and so no nearest chunks. False without a model.
  bool QueryEmbeds(const Snapshots& snaps, std::string_view text) const;
  // Top `n` live chunks by cosine to the query, under the path prefix.
  std::vector<lexical::ScoredDoc> SemanticTop(const Snapshots& snaps, std::string_view text,
                                              size_t n, const std::string& path_prefix,
                                              QueryResult* result) const;

  std::string dir_, name_, root_;
  std::unique_ptr<Catalog> catalog_;
  mutable std::mutex snapshot_mu_;  // guards the snapshot fields below
  std::shared_ptr<const lexical::Snapshot> snapshot_;
  std::shared_ptr<const GrepState> grep_;
  std::string lexical_error_;  // why a live segment could not be opened, "" when all are fine
  std::shared_ptr<const VectorState> vectors_;
  // The readers of the published set, for the next set to reuse.
  SegmentReaders open_readers_;
  // Serialises publications; guards the two fields after it.
  std::mutex publish_mu_;
  // The catalog's tombstone table as of the last publication, valid when
  // tombstones_known_ (false until one succeeds, and after one fails).
  std::unordered_set<uint64_t> tombstones_;
  bool tombstones_known_ = false;
  std::shared_ptr<const semantic::Model> model_;  // shared by every index of the process
  std::string model_error_;                       // why model_ is null
  mutable semantic::QueryEmbeddingCache query_cache_{1024};
  // The files of recent hits (EngineOptions::file_cache_bytes), so a query
  // does not reread the files the last ones showed.
  mutable FileContentCache file_cache_{Engine().file_cache_bytes};
  // rank::FileCentrality of the files of one lexical snapshot, each computed
  // on first use: a prior of the snapshot, the same for every query.
  // Cleared when a query finds another snapshot published.
  double CentralityOf(const std::shared_ptr<const lexical::Snapshot>& snap,
                      const std::string& path) const;
  mutable std::mutex centrality_mu_;
  mutable std::weak_ptr<const lexical::Snapshot> centrality_snapshot_;  // guarded by centrality_mu_
  mutable std::unordered_map<std::string, double> centrality_;          // guarded by centrality_mu_
  // Counts as of the last published snapshot, so Info() never touches the
  // catalog while a writer holds a transaction open.
  uint64_t files_ = 0, chunks_ = 0, segment_count_ = 0, tombstone_count_ = 0, disk_bytes_ = 0;
  std::string last_update_;
  bool interrupted_ = false;
  // HNSW graphs by file name (seg-N.tshnsw), for live large companions (under snapshot_mu_).
  std::map<std::string, std::shared_ptr<const semantic::VectorGraph>> open_ann_graphs_;

  // Symbol graph (graph_query.cc).
  Lane GraphLane() const;
  // How many of the first hits a definition query reorders, definitions of
  // the name first. Fixed, not top_k: the first k hits must not depend on
  // top_k. 10: the dev split as when top_k (10) set it.
  static constexpr size_t kDefinitionWindow = 10;
  // Intent classification, definition-first ranking and usage expansion.
  void ApplyGraphIntent(const QueryPlan& plan, const QueryOptions& options,
                        QueryResult* result) const;
  Result<std::shared_ptr<GraphReaderPool>> GraphPool() const;
  mutable std::mutex graph_mu_;
  mutable std::shared_ptr<GraphReaderPool> graph_pool_;
  std::string graph_state_;  // meta graph_state as of the last snapshot (under snapshot_mu_)
  uint64_t generation_ = 0;  // bumped by every PublishSnapshot (under snapshot_mu_)
  QueryTuning tuning_;
  // meta files_version: bumped by a commit that adds or removes a file row (under snapshot_mu_).
  uint64_t files_version_ = 0;
  // Last member: destroyed (stopped and joined) before anything it uses.
  std::unique_ptr<AnnWorker> ann_worker_;
};

// A hit of a stored chunk with `score`: its stored fields, no reason or
// content yet (index.cc).
Hit HitOfDoc(const lexical::StoredDoc& doc, double score);

}  // namespace ts::index
