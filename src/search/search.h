// Public header of src/search: query understanding shared by the lanes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ts::search {

// What a query asks for.
struct Intent {
  enum class Kind {
    kSearch,      // find code about something (the default)
    kDefinition,  // where a named symbol is defined ("parse_header", "where is X defined")
    kUsage,       // who uses a named symbol ("who calls X", "usages of X", "X callers")
  } kind = Kind::kSearch;
  std::string symbol;  // the named symbol for kDefinition and kUsage ("Class.method" allowed)
  std::string_view name() const;  // "search", "definition" or "usage"
};

// Rule-based: explicit phrasings ("callers of X", "X usages", "definition of
// X", "class X") and, for a query that is one identifier (urlopen, snake_case,
// camelCase, a::b, x.y, f()), definition. Everything else is kSearch, so a
// natural-language description is never mistaken for a symbol.
Intent ClassifyIntent(std::string_view query);

// ---- Fusion of the lexical and semantic lanes -------------------------------

// One lane's ranked list, best first. `key` identifies a document across lanes.
struct LaneHit {
  uint64_t key = 0;
  double score = 0;
};

struct FusedHit {
  uint64_t key = 0;
  double score = 0;
  uint32_t lexical_rank = 0;   // 1-based; 0 when the lexical lane did not find it
  uint32_t semantic_rank = 0;  // likewise for the semantic lane
};

struct LaneWeights {
  double lexical = 1.0;
  double semantic = 1.0;
};

// How hybrid search combines the lanes. Defaults chosen by measurement on the
// even pydoc queries (docs/BENCHMARKS.md, bench/pydoc_eval.sh).
struct FusionParams {
  enum class Method {
    kRrf,          // weighted reciprocal-rank fusion: sum of w / (k + rank)
    kInterpolate,  // w_lex * bm25/max(bm25) + w_sem * cosine, scores from each lane's top N
  } method = Method::kRrf;
  double rrf_k = 60;
  size_t depth = 100;  // N: how many hits each lane contributes
  // Added to a hit whose symbol is an identifier of the query, as a fraction of
  // the best fused score (so an exact name match rises to the top).
  double symbol_boost = 0.5;
  LaneWeights search{1.0, 1.0};
  LaneWeights definition{1.0, 0.3};  // a named symbol: lean lexical
  LaneWeights usage{1.0, 0.3};
  // The defaults, overridden by $TRUSTY_FUSION when set (for measurement):
  // comma-separated key=value with keys method (rrf|interp), k, depth, boost,
  // and <intent>_lex / <intent>_sem for search, definition and usage.
  static FusionParams FromEnvironment();
};

LaneWeights WeightsFor(const Intent& intent, const FusionParams& params);

// Fuses two ranked lists into one, best first (ties: smaller key first).
std::vector<FusedHit> Fuse(const std::vector<LaneHit>& lexical,
                           const std::vector<LaneHit>& semantic, const LaneWeights& weights,
                           const FusionParams& params);

}  // namespace ts::search
