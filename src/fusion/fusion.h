// Public header of src/fusion: query understanding shared by the lanes
// (intent) and the fusion of the lexical and semantic lanes into one list.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ts::fusion {

// What a query asks for.
struct Intent {
  enum class Kind {
    kSearch,      // anything else (the "unknown"): words mixed with code
    kDefinition,  // where a named symbol is defined ("parse_header", "where is X defined")
    kUsage,       // who uses a named symbol ("who calls X", "usages of X", "X callers")
    kConceptual,  // plain prose, no code-shaped word ("close the socket after a timeout")
    kDebt,        // bugs and debt: TODO/FIXME/HACK markers, leaks, races, deprecations
  } kind = Kind::kSearch;
  std::string symbol;  // the named symbol for kDefinition and kUsage ("Class.method" allowed)
  // "search", "definition", "usage", "conceptual" or "debt"
  std::string_view name() const;
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
// even pydoc queries (bench/pydoc_eval.sh, docs/BENCHMARKS.md) with the
// first trained model (dense MRR@10 0.21 against BM25's 0.32): interpolation
// beat RRF at every weight tried (best RRF 0.314, k=10, w_sem 0.2; RRF lets a
// weak lane's top ranks displace BM25's), and a semantic weight of 0.15-0.25
// is a plateau (0.321). Retune when the model changes.
struct FusionParams {
  enum class Method {
    kRrf,          // weighted reciprocal-rank fusion: sum of w / (k + rank)
    kInterpolate,  // w_lex * bm25/max(bm25) + w_sem * min-max(cosine) over each lane's top N
    kZScore,       // w_lex * z(bm25) + w_sem * z(cosine), each standardised over its top N
  } method = Method::kZScore;
  double rrf_k = 60;
  size_t depth = 200;  // N: how many hits each lane contributes
  // Added to a hit whose symbol is an identifier of the query, as a fraction of
  // the best fused score (an exact name match rises over near-ties).
  double symbol_boost = 0.1;
  // Semantic 1.1: best on the even pydoc queries with the header-weighted
  // model (1.0: 0.3716, 1.1: 0.3734, 1.2: 0.3732, 1.3: 0.3716 MRR@10).
  LaneWeights search{1.0, 1.1};
  LaneWeights definition{1.0, 0.5};  // a named symbol: lean lexical
  LaneWeights usage{1.0, 0.5};
  LaneWeights conceptual{1.0, 1.1};
  LaneWeights debt{1.0, 1.1};  // no benchmark measures it: the search weights
  // When no word of the query occurs in the index, semantic hits with a
  // cosine below this are dropped: nonsense ("zzqqxxnotfoundqq", "purple
  // elephant banana") reaches 0.15-0.17 on flask, real questions 0.4-0.8.
  double semantic_floor = 0.25;
  // The weight of the other forms of a question's words in the lexical lane
  // (index::QueryPlan::word_forms; "registered" -> register): semble dev split hybrid
  // NDCG@10 0.8697 -> 0.3: 0.8733, 0.5: 0.8721, 0.7: 0.8738, 1: 0.8699;
  // pydoc even MRR@10 0.3823 -> 0.3815, 0.3809, 0.3808 (expanding
  // doc-comment queries too: 0.5 gave 0.3764). Plural forms alone (-s, -es,
  // -ies) at 0.5: dev 0.8704.
  double word_form_weight = 0.3;
  // The defaults with overrides (for measurement; the daemon passes
  // $TRUSTY_FUSION): comma-separated key=value with keys method
  // (rrf|interp|z), k, depth, boost, floor, forms, and <intent>_lex / <intent>_sem
  // for search, definition, usage, conceptual and debt.
  static FusionParams WithOverrides(std::string_view spec);
};

LaneWeights WeightsFor(const Intent& intent, const FusionParams& params);

// Fuses two ranked lists into one, best first (ties: smaller key first).
// `semantic_extra` are cosines of lexical candidates outside the semantic
// list: interpolation scores them on the same scale (they have no semantic
// rank); RRF ignores them.
std::vector<FusedHit> Fuse(const std::vector<LaneHit>& lexical,
                           const std::vector<LaneHit>& semantic, const LaneWeights& weights,
                           const FusionParams& params,
                           const std::vector<LaneHit>& semantic_extra = {});

}  // namespace ts::fusion
