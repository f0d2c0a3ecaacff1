// Public header of src/rank: the re-ranking stage. It takes the fused list of
// candidate chunks (lanes already combined, src/fusion) and orders it as a
// developer would want to read it: the file that implements what the query
// asks for first, one or two chunks per file near the top, tests, docs,
// examples and vendored code below the implementation unless the query asks
// for them, import lines below definitions.
//
// Invariant: the output is a function of the candidate pool and the query
// only, never of how many hits the caller will keep, so the first k hits are
// the same for every top_k >= k as long as the pool is the same.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ts::rank {

// What a path is, from its folders, file name and extension.
enum class PathClass {
  kSource,     // implementation code
  kTest,       // tests, specs, fixtures, mocks
  kDoc,        // prose: Markdown, reStructuredText, text, docs/ folders
  kExample,    // examples, samples, demos, benchmarks
  kVendor,     // vendored or third-party code
  kGenerated,  // minified or generated files
};

PathClass ClassifyPath(std::string_view rel_path);
std::string_view PathClassName(PathClass c);

// One candidate: a chunk with its fused score.
struct Candidate {
  uint64_t key = 0;  // opaque to the ranker; identifies the chunk to the caller
  std::string path;  // relative to the index root
  std::string symbol;
  std::string kind;  // chunk kind: function, class, window, section, alias, ...
  uint32_t start_line = 0;
  uint32_t end_line = 0;
  double score = 0;  // the fused score, higher is better
  // How much of the index names this file: log(1 + chunks that mention its
  // name) / log(1 + chunks), in [0, 1] (FileCentrality). Filled by the caller;
  // 0 when unknown.
  double centrality = 0;
};

// A file's centrality from how many chunks of its index mention the file's
// name (`mentions`, the document frequency of its stem) among `chunks`: the
// module every other file imports or calls (Gson.java, Router.php, url.c) is
// the one a "how does X work" question is about.
double FileCentrality(uint64_t mentions, uint64_t chunks);
// The index term to count for a file's name: its stem in lower case
// ("Router.php" -> "router"), or its folder's for a file whose name says
// nothing of itself (mod.rs, index.js, __init__.py); "" when there is none.
std::string CentralityTerm(std::string_view rel_path);

// Each weight has its reason beside it in rerank.cc's table (kDefaultWeights).
struct Weights {
  // Multipliers of a chunk's normalised score by the class of its file.
  double test = 1.0;
  double doc = 1.0;
  double example = 1.0;
  double vendor = 1.0;
  double generated = 1.0;
  // An "imports" chunk (a header of imports only) or a one-line import.
  double import_line = 1.0;
  // Any other one-line chunk: a container's bare header (`impl Read for
  // File {`, `class Request < Base`) or a one-line member.
  double one_line = 1.0;
  // Per query word found in the file's name (stem parts) and, less, its folders.
  double file_name_word = 0;
  double dir_word = 0;
  // A topic query's share of words found in the file name or its parent
  // folder's, added to the chunk's normalised score before the path priors:
  // a file named for the topic rises even from a weak chunk. A word and a
  // name part match when equal (singular) or when the shorter, of at least
  // path_share_prefix letters, starts the longer ("config", "configuration").
  double path_share = 0;
  double path_share_prefix = 3;
  double path_share_parent = 1;  // 0: the file name only
  // 1: query and path words meet by a light stem ("reads" finds Readers/),
  // 0: by their singular only.
  double stem_path_words = 0;
  // A chunk whose symbol's words are query words (share of the symbol's
  // words): its score is multiplied by 1 + symbol_word * share, and from
  // symbol_exempt on it is spared the same-file decay (it is the answer
  // itself, not one more chunk of a file already shown).
  double symbol_word = 0;
  double symbol_exempt = 2.0;  // > 1: never
  // A query that is one identifier ("Rails::Engine", "TypeToken"): the file
  // named after it (engine.rb, TypeToken.java, type_token.py) is its home,
  // where Ruby reopens a class in many files and Java keeps one per file.
  // Its chunks' scores are multiplied by 1 + symbol_file_name.
  double symbol_file_name = 0;
  // For such a query, when that file is a candidate: a one-line definition
  // of the name in another file is the name reopened around something else
  // (Ruby's `class Engine` wrapping `class Railties`); its score is
  // multiplied by this.
  double reopened_definition = 1.0;
  // A topic query (several words, not a description of one definition):
  // a chunk's score is multiplied by 1 + centrality * its file's centrality.
  double centrality = 0;
  // File-level evidence: a chunk gains this share of the scores of the next
  // best chunks of its file (at most `file_evidence_chunks` of them).
  double file_evidence = 0;
  int file_evidence_chunks = 0;
  // Diversity: the n-th chunk taken from one file (n = 0 for the first) has
  // its score multiplied by same_file_decay^n.
  double same_file_decay = 1.0;
  // For a query that describes one definition (QuerySignals): no same-file
  // decay, no file evidence, no path words. 0 turns this off.
  double chunk_level_descriptions = 0;
  // symbol_word for such a query (its words often name the definition).
  double description_symbol_word = 0;
  // For such a query, a chunk that is no definition (a window of top-level
  // lines, a Markdown section) is multiplied by this.
  double description_non_definition = 1.0;
};

// The defaults (rerank.cc), chosen on the semble dev split and pydoc's even queries.
const Weights& DefaultWeights();
// The weights with `spec`'s overrides, comma-separated key=value (keys are the
// field names above); unknown keys are ignored. For measurement runs.
Weights WeightsWithOverrides(const Weights& base, std::string_view spec);

// What the query says about what it wants (a query that names tests wants tests).
struct QuerySignals {
  std::vector<std::string> words;  // lowercase content words of the query, no stop words
  bool wants_tests = false;
  bool wants_docs = false;
  bool wants_examples = false;
  // The query describes one definition the way its doc comment would
  // ("Return the path of the user's config file", "parses a header line"):
  // it starts with an action verb, or ends with a full stop, and has at least
  // three words; or it starts with an article ("A context manager that ...")
  // and has at least four. Such a query wants that definition, not a file:
  // the ranking stays chunk-level.
  bool describes_definition = false;
  // When the query is one identifier, possibly qualified (`a::B`, `a.B`,
  // `a\B`): its last part, lower case, without `_` and `-`; else empty.
  std::string identifier;
};

QuerySignals AnalyzeQuery(std::string_view query);

struct Ranked {
  uint64_t key = 0;
  double score = 0;      // the re-ranked score; non-increasing along the output
  size_t candidate = 0;  // index into the input
};

// Orders all candidates (none is dropped). Deterministic: ties keep the input order.
std::vector<Ranked> Rerank(const std::vector<Candidate>& candidates, const QuerySignals& query,
                           const Weights& weights);

// What the ranking knows about its first hit, for Confidence.
struct ConfidenceSignals {
  bool any_hit = false;
  bool both_lanes = false;     // lexical and semantic lanes both found it
  bool lexical_found = false;  // the lexical lane found anything at all
  double cosine = 0;           // the first hit's cosine with the query
  uint32_t lexical_rank = 0;   // its rank in each lane, 1-based; 0: not found there
  uint32_t semantic_rank = 0;
  // (first score - best score of another file) / first score, in [0, 1].
  double file_gap = 0;
};

// The probability, in [0, 1], that the first hit's file is relevant
// (calibrated: of queries answered with 0.7, about 70% are right).
double Confidence(const ConfidenceSignals& signals);

}  // namespace ts::rank
