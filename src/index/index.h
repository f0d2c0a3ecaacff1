// Public header of src/index: one named index over one folder. It owns the
// catalog (SQLite), the lexical segments and the snapshot that queries read.
//
// Commit protocol (docs/FORMATS.md): new segment files are written and fsynced
// first; one SQLite transaction then records the files, chunks, live segment
// list and tombstones together. That transaction is the only commit point, so a
// process killed at any moment leaves either the previous or the next state.
// Segment files not named by the catalog are leftovers of an interrupted
// update and are deleted by the next writer.
//
// Index is the interface its users hold; IndexImpl (index_impl.h, internal
// to src/index) is the one implementation.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "chunk/chunk.h"
#include "fusion/fusion.h"
#include "graph/graph.h"
#include "grep/grep.h"
#include "rank/rank.h"
#include "semantic/hnsw.h"
#include "util/status.h"
#include "walk/walk.h"

namespace ts::index {

// 2: symbol graph tables (symbols, calls, graph_files). A version-1 catalog
// is migrated on open (empty tables); its graph lane stays unavailable until
// the next full update rebuilds it.
inline constexpr int kCatalogFormatVersion = 2;

enum class ShrinkPolicy {
  kRefuse,       // fail, changing nothing (`index` without --allow-shrink)
  kKeepMissing,  // index what is there, keep the missing files (the watcher)
  kAllow,        // drop them (`index --allow-shrink`)
};
// Below this many missing files an update may always shrink an index: a
// scratch folder that loses 3 of its 4 files is routine.
inline constexpr size_t kShrinkFloor = 10;

struct UpdateOptions {
  walk::WalkOptions walk;
  chunk::ChunkOptions chunk;
  bool force = false;  // re-read and re-chunk every file even when unchanged
  int threads = 0;     // 0: one per core
  // Bytes of source read per commit. Bounds memory: the in-memory postings of
  // one round are a small multiple of this.
  uint64_t round_bytes = 96ull << 20;
  // Files up to this size are kept for grep even when search skips them as
  // larger than walk.max_file_size (ripgrep searches files of any size).
  uint64_t grep_max_file_size = 64ull << 20;
  // Merge all segments into one at the end of an update when there are more than this.
  size_t max_segments = 6;
  // When set and true, the update stops at the next batch boundary, abandoning
  // the round in flight (nothing of it is committed) and returning kUnavailable.
  const std::atomic<bool>* cancel = nullptr;
  // Symbol graph: -1 keeps the index's setting, 0 turns it off (--no-kg), 1 on.
  // Turning it on, or a graph that is not complete, makes a full update
  // re-read every file.
  int graph = -1;
  // What a full update does when its walk misses more than half of the
  // index's files (and at least kShrinkFloor of them): a root replaced by a
  // near-empty tree, or half-mounted, must not wipe what the index held.
  ShrinkPolicy shrink = ShrinkPolicy::kRefuse;
};

struct UpdateProgress {
  uint64_t files_total = 0;
  uint64_t files_done = 0;
  uint64_t bytes_done = 0;
  std::string phase;  // "walking", "indexing", "merging"
};

struct UpdateSummary {
  uint64_t files_seen = 0;       // files the walk yielded
  uint64_t files_indexed = 0;    // new or changed files (re)chunked
  uint64_t files_unchanged = 0;  // skipped because their content hash matched
  uint64_t files_deleted = 0;    // gone from disk, dropped from the index
  // Gone from disk but kept (ShrinkPolicy::kKeepMissing refused to drop them).
  uint64_t files_kept_missing = 0;
  uint64_t files_grep_only = 0;  // too large, minified or generated: grep-able, not searched
  uint64_t chunks_added = 0;
  // Vectors of the added chunks: embedded now, or reused from a live vector
  // companion holding the same chunk text (the companions are the cache).
  uint64_t chunks_embedded = 0;
  uint64_t chunks_embedding_reused = 0;
  std::string
      semantic_note;  // why this update (re-)embedded everything, or why it embedded nothing
  uint64_t bytes_read = 0;
  uint64_t total_files = 0;  // in the index after the update
  uint64_t total_chunks = 0;
  uint64_t commits = 0;
  // Catalog file rows this update read: every file's for a whole-tree
  // update, the named paths' for a targeted one (UpdatePaths, DropPaths).
  uint64_t file_rows_read = 0;
  // Live vectors looked at for reuse: all of them for a whole-tree update,
  // those of the named files' previous chunks for a targeted one.
  uint64_t vectors_considered = 0;
  double seconds = 0;
  std::map<std::string, uint64_t> skipped;  // reason -> count (walk and content rules)
  std::vector<std::string> unreadable_samples;
};

struct Lane {
  bool available = false;
  std::string detail;  // "ok", why not, or (available) what is degraded
  // A detail starting with "ok" is healthy with a note, e.g. the semantic
  // lane's "ok (hnsw on 3 of 5 segments, exact scan on the rest)".
  std::string ToString() const {
    if (!available) return "unavailable: " + detail;
    if (detail.empty()) return "ok";
    return detail.rfind("ok", 0) == 0 ? detail : "degraded: " + detail;
  }
};

struct IndexInfo {
  std::string name;
  std::string root;
  int format_version = 0;
  uint64_t files = 0;
  uint64_t chunks = 0;
  uint64_t segments = 0;
  uint64_t tombstones = 0;
  uint64_t disk_bytes = 0;
  std::string last_update;  // JSON of the last UpdateSummary, "" before the first
  // A whole-tree update started and neither finished nor failed cleanly (the
  // process was killed or stopped): what it committed is served, the rest is
  // missing until the next update.
  bool interrupted = false;
  std::map<std::string, Lane> lanes;  // lexical, semantic, graph
};

struct Hit {
  std::string id;
  std::string file;
  std::string language;
  std::string symbol;
  std::string scope;
  std::string kind;
  uint32_t start_line = 0;
  uint32_t end_line = 0;
  double score = 0;
  std::string match_reason;
  std::string content;  // the chunk's lines as on disk now; "" when unreadable
};

struct QueryOptions {
  size_t top_k = 10;
  std::string mode = "hybrid";  // hybrid (auto is an alias) | lexical | semantic
  std::string path_prefix;
  bool include_content = true;  // read each hit's lines from disk
  // Graph expansion: -1 by the query's intent (usage queries add the callers
  // of the best definition), 0 never, 1 always (from the top hit's symbol).
  int expand_graph = -1;
};

// What every index of the process shares, set once by the program (the
// daemon maps $TRUSTY_MODEL and $TRUSTY_HNSW_MIN_VECTORS to it) before the
// first index opens; the defaults otherwise.
struct EngineOptions {
  // The embedding model; "" looks in the usual places (semantic::DefaultModelPath).
  std::string model_path;
  // Vector companions with at least this many records get an HNSW graph.
  uint64_t ann_min_vectors = semantic::kGraphMinVectors;
  // Bytes of recently shown files each index keeps (FileContentCache): the
  // files of a query's hits are mostly those of the last queries, and
  // reading them is the largest part of a small index's query
  // (docs/BENCHMARKS.md, "Query latency"). 0 reads every file each time.
  size_t file_cache_bytes = 8u << 20;
};
void ConfigureEngine(const EngineOptions& options);
const EngineOptions& Engine();

// How queries rank: the fusion's and the re-ranker's parameters. The
// defaults unless the daemon was given overrides (measurement runs).
struct QueryTuning {
  fusion::FusionParams fusion;
  rank::Weights rerank = rank::DefaultWeights();
};

struct QueryResult {
  std::vector<Hit> hits;
  std::string mode;  // the mode that ran
  double latency_ms = 0;
  std::map<std::string, std::string> meta;  // lane -> "ok" | "unavailable: why" | "not used"
  std::string intent;                       // usage | definition | search
  std::map<std::string, double>
      timings_ms;  // lexical, semantic_embed, semantic_scan, rank, materialise, graph
  // Hybrid only: the probability that the first hit's file is relevant
  // (rank::Confidence), and the signals it came from; -1 when not computed.
  double confidence = -1;
  std::map<std::string, double> confidence_signals;
};

class Index {
 public:
  // Opens an existing index directory (created by Create).
  static Result<std::unique_ptr<Index>> Open(const std::string& dir);
  // Creates a new index directory for `root` (absolute path).
  static Result<std::unique_ptr<Index>> Create(const std::string& dir, const std::string& name,
                                               const std::string& root);
  virtual ~Index();
  // Replaces how queries rank (before the index serves queries; not thread-safe
  // against running queries).
  virtual void SetTuning(QueryTuning tuning) = 0;

  // Brings the index up to date with its root. Takes the index's writer lock
  // (another writer gets an error, not a wait). Commits after every round, so
  // an interrupted update keeps what it committed.
  virtual Status Update(const UpdateOptions& options,
                        const std::function<void(const UpdateProgress&)>& progress,
                        UpdateSummary* summary) = 0;

  // Brings only the given paths (relative to the root) up to date: a path that
  // is now indexable is (re)indexed when its content changed; one that is gone,
  // ignored or no longer indexable is dropped. One commit. Used by watchers.
  virtual Status UpdatePaths(const std::vector<std::string>& rel_paths,
                             const UpdateOptions& options, UpdateSummary* summary) = 0;

  // Removes the given paths from the index whatever is on disk (a later full
  // update brings back those still there and not ignored). One commit.
  virtual Status DropPaths(const std::vector<std::string>& rel_paths, UpdateSummary* summary) = 0;

  // Safe to call from many threads, including while Update runs.
  virtual Result<QueryResult> Query(std::string_view text, const QueryOptions& options) const = 0;

  virtual IndexInfo Info() const = 0;

  // A ripgrep-compatible search over the files of the index (src/grep):
  // candidates from the trigram index, verified against their current content.
  virtual Result<grep::GrepResult> Grep(const grep::Pattern& pattern,
                                        const grep::GrepOptions& options) const = 0;

  // Chunks as recorded in the catalog, in file and line order; `file` filters
  // to one path when not empty. Reads through its own connection, so it never
  // sees a writer's uncommitted transaction.
  struct ChunkListing {
    std::string id, file, symbol, scope, kind, language;
    uint32_t start_line = 0, end_line = 0;
  };
  virtual Result<std::vector<ChunkListing>> ListChunks(const std::string& file, size_t limit,
                                                       size_t offset) const = 0;
  virtual const std::string& name() const = 0;
  virtual const std::string& root() const = 0;
  virtual const std::string& dir() const = 0;

  // Symbol graph (graph_query.cc, docs/API.md). Each fails with kUnavailable
  // when the graph lane is unavailable, saying why.
  virtual Result<graph::ChainResult> CallChain(const std::string& symbol, const std::string& file,
                                               const graph::ChainOptions& options) const = 0;
  // Every edge of `kind` (calls, imports, inherits, contains); `emit` returns
  // false to stop. `*nodes` gets the number of symbols.
  virtual Status GraphEdges(std::string_view kind,
                            const std::function<bool(const graph::Edge&)>& emit,
                            graph::EdgeStats* stats, uint64_t* nodes) const = 0;
  // Chunks related to one chunk: its definition's callers and callees (graph)
  // and chunks that share its identifiers (lexical).
  virtual Result<QueryResult> SimilarTo(const std::string& chunk_id, size_t top_k) const = 0;

 protected:
  Index() = default;
};

// The list of named indexes in a data directory (registry.json, written
// atomically, versioned and checksummed). A corrupt registry is an error,
// never an empty list.
struct RegistryEntry {
  std::string name;
  std::string root;
  std::string created_at;
};

class Registry {
 public:
  static Result<Registry> Load(const std::string& data_dir);
  const std::vector<RegistryEntry>& entries() const { return entries_; }
  const RegistryEntry* Find(const std::string& name) const;
  Status Add(const RegistryEntry& entry);
  Status Remove(const std::string& name);
  std::string IndexDir(const std::string& name) const;
  const std::string& data_dir() const { return data_dir_; }

 private:
  Status Save() const;
  std::string data_dir_;
  std::vector<RegistryEntry> entries_;
};

// A name derived from a folder's base name, made valid.
std::string DefaultIndexName(const std::string& root);

}  // namespace ts::index
