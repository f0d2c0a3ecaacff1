// Approximate nearest-neighbour graphs (HNSW, Debian's hnswlib) over the
// records of one vector companion, for companions too large to scan exactly
// within the semantic lane's latency budget. Layout of the persisted graph in
// docs/FORMATS.md ("HNSW graph").
//
// Invariants:
//  - A graph stores no vectors: its nodes are docnos of the companion it was
//    built from, and distances read the companion's (memory-mapped) int8 rows,
//    so a graph holds its companion alive and costs only its links in memory.
//  - Only records with a vector (scale > 0) are nodes; they are the records
//    the exact scan can return.
//  - Scores returned are the exact scan's (DotScan x scale) for the same
//    records, so ANN and exact hits merge and tie-break identically.
//  - A built or loaded graph is immutable; Search is safe from many threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "semantic/semantic.h"
#include "util/status.h"

namespace ts::semantic {

// Chosen with bench/hnsw_bench.cc on the Linux kernel index (docs/BENCHMARKS.md):
// natural-language queries (query tower) land far from the code vectors they
// are compared with, which makes the graph hard to navigate; M=16 with
// ef_construction=100 reached only recall@10 0.56 at ef 128 there.
struct GraphParams {
  uint32_t m = 32;                 // links per node above level 0 (2m at level 0)
  uint32_t ef_construction = 200;  // candidates examined per insertion
};

// Candidates examined per search (at least the hits asked for): recall@10
// about 0.95 on the kernel index, where lower values lose recall on
// natural-language queries (docs/BENCHMARKS.md).
inline constexpr size_t kGraphEfSearch = 512;

// Companions with at least this many records get a graph. The exact scan of a
// companion passes ~5 ms near 250k records; below that a search at
// kGraphEfSearch saves little over it (docs/BENCHMARKS.md).
inline constexpr uint64_t kGraphMinVectors = 250000;

// A record found by a graph search: its docno in the companion and its score.
struct GraphHit {
  uint32_t docno = 0;
  double score = 0;
};

class VectorGraph {
 public:
  ~VectorGraph();
  VectorGraph(const VectorGraph&) = delete;
  VectorGraph& operator=(const VectorGraph&) = delete;

  // Builds the graph of `vectors` on `threads` threads. Stops early with
  // kUnavailable when `cancel` becomes true.
  static Result<std::unique_ptr<VectorGraph>> Build(
      std::shared_ptr<const VectorSegmentReader> vectors, const GraphParams& params,
      unsigned threads, const std::atomic<bool>* cancel = nullptr);

  // Reads a graph file written by Save. Fails with kCorruption when the file
  // is damaged or was built from another companion than `vectors`.
  static Result<std::unique_ptr<VectorGraph>> Open(
      const std::string& path, std::shared_ptr<const VectorSegmentReader> vectors);

  // Writes the graph atomically (util/file.h).
  Status Save(const std::string& path) const;

  // The `k` nodes nearest the query, best first, examining max(k, ef)
  // candidates. Fails (never throws) when the graph search fails.
  Result<std::vector<GraphHit>> Search(const ScanQuery& query, size_t k, size_t ef) const;

  // The best `n` nodes for which `keep(docno)` holds, best first, over-fetching
  // by the share of nodes `keep` is expected to reject (`kept_fraction`).
  // nullopt when filtering left fewer than `n` while the graph has more nodes
  // than were fetched: the caller must scan exactly to be complete.
  Result<std::optional<std::vector<GraphHit>>> SearchFiltered(
      const ScanQuery& query, size_t n, size_t ef, double kept_fraction,
      const std::function<bool(uint32_t)>& keep) const;

  uint64_t node_count() const;
  const VectorSegmentReader& vectors() const { return *vectors_; }
  // Bytes the graph holds in memory (its links; vectors stay in the companion).
  uint64_t memory_bytes() const;

 private:
  struct Impl;
  VectorGraph();
  std::shared_ptr<const VectorSegmentReader> vectors_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ts::semantic
