// Rerank: path priors, query words in the path, chunk kind, file-level
// evidence and a file-diverse order over the fused candidates (rank.h).
#include <algorithm>
#include <array>
#include <cstdlib>
#include <map>
#include <queue>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "lexical/lexical.h"
#include "rank/rank.h"
#include "util/ascii.h"

namespace ts::rank {
namespace {

// Every default weight, with the measurement that chose it (semble dev split,
// `python3 ../shared/eval/semble/run_semble.py --modes hybrid`, hybrid NDCG@10;
// docs/BENCHMARKS.md has the runs).
const Weights kDefaultWeights = [] {
  Weights w;
  // Tests crowd out implementations (gson: 42% of top-10 slots); 0.5: 0.844
  // (before centrality); with centrality 0.7 -> 0.55: 0.854 -> 0.855, test
  // share of the top 10 5% -> 3%.
  w.test = 0.55;
  w.doc = 0.7;             // prose files: the dev split asks for code
  w.example = 0.8;         // examples/benchmarks use an API rather than implement it
  w.vendor = 0.7;          // vendored copies are not the project's code
  w.generated = 0.6;       // minified and generated files
  w.import_line = 0.5;     // laravel: one-line `use` chunks took 28% of top-10 slots
  w.file_name_word = 0.1;  // a query word in the file name
  // A query word in a folder name: 0.03 -> 0.06 was 0.848 before centrality,
  // 0.854 -> 0.856 with it (pandoc: "writes" finds Writers/).
  w.dir_word = 0.06;
  // Words meet by a light stem ("reads" finds Readers/RST.hs): 0.845 -> 0.849;
  // then file_name_word 0.15: 0.848, dir_word 0.06: 0.847.
  w.stem_path_words = 1;
  // Several matching chunks make a file likelier (share, chunks): 0.1, 2: 0.826;
  // 0.2, 4: 0.841; 0.3, 6: 0.838; 0.5, 8: 0.826.
  w.file_evidence = 0.2;  // (at decay 0.3)
  w.file_evidence_chunks = 4;
  // File-level relevance: a second chunk of one file adds little. Dev split
  // 0.3: 0.843, 0.6: 0.843, 0.8: 0.833, 1 (no diversity): 0.759; pydoc even
  // hybrid MRR@10 0.3090, 0.3246, 0.3423, 0.3469: 0.6 costs semble nothing.
  // With path_share 0.6: 0.5 (semble's own decay): dev 0.868 -> 0.870 (0.45:
  // 0.870), commit subjects (../shared/eval/commits) hybrid nDCG@10 0.666 ->
  // 0.668, Go docs MRR@10 0.6871 either way, pydoc even 0.3710 -> 0.3705.
  w.same_file_decay = 0.5;
  // A query that describes one definition wants it, not its file: pydoc's
  // queries are such sentences, the dev split's are not (227 of 639 start
  // with "how", none of them with an action verb but four).
  w.chunk_level_descriptions = 1;
  // A one-identifier query lifts the file named after it (rails "Rails::Engine"
  // -> engine.rb over the seven files that reopen `class Engine`): 0.3: 0.844,
  // 0.6: 0.845, 1: 0.845 (0.843 without).
  w.symbol_file_name = 0.6;
  // A topic query lifts the files much of the repository names (Gson.java,
  // Router.php, application.rb): 0.2: 0.850, 0.3: 0.851, 0.35: 0.852, 0.4:
  // 0.850, 0.5: 0.847 (0.849 without); pydoc even 0.3713 -> 0.3715.
  w.centrality = 0.35;
  // A topic query's share of words in the file name or its folder, added to
  // the normalised score (semble's ranking has such a lift): 0.3: 0.863, 0.5:
  // 0.867, 0.6: 0.868, 0.7: 0.866, 1: 0.862 (0.862 without). At 0.6: file
  // name only 0.863; prefixes of 4 letters 0.866, none (the light stem
  // instead) 0.867; without file_name_word and dir_word 0.864; centrality
  // 0.25: 0.868; file_evidence 0.1: 0.863.
  w.path_share = 0.6;
  // A one-line reopening of the queried name (rails `class Railtie` in
  // railtie/configuration.rb) below the name's home file: 0.852 -> 0.854
  // (0.3 the same).
  w.reopened_definition = 0.5;
  // A query that reads like a doc comment wants a definition, not a window
  // of top-level lines or a Markdown section (13 of the 119 pydoc even
  // queries that one lane ranked first and hybrid second had a window on
  // top): pydoc even 0.3705 -> 0.8: 0.3801, 0.6: 0.3823, 0.5 / 0.4 / 0.25:
  // 0.3819; Go docs 0.6904 -> 0.6946; the dev split 0.870, the same per repo;
  // commit subjects hybrid nDCG@10 0.668 -> 0.667. Not kept for such
  // queries: file evidence 0.05 / 0.1 (0.3686 / 0.3627), the file-name word
  // lift 0.1 (0.3665), symbol words 0.2 (0.3689).
  w.description_non_definition = 0.6;
  // same_file_decay 0.5 before path_share: 0.857, pydoc even 0.3715 -> 0.3709.
  // symbol_word and symbol_exempt stay off: 0.3 / 0.5 lift pydoc even
  // (0.309 -> 0.339) but cost the dev split 0.843 -> 0.787.
  return w;
}();

constexpr std::array<std::string_view, 40> kStopWords = {
    "the", "an",  "of",   "to",    "and",   "or",    "in",   "is",   "for",  "if",
    "it",  "be",  "by",   "on",    "as",    "at",    "this", "that", "with", "from",
    "are", "how", "what", "where", "which", "when",  "does", "do",   "can",  "not",
    "all", "any", "its",  "into",  "used",  "using", "use",  "way",  "get",  "set"};

bool IsStopWord(std::string_view w) {
  return std::find(kStopWords.begin(), kStopWords.end(), w) != kStopWords.end();
}

// "routes" and "route", "connectors" and "connector" are one word here.
std::string Singular(std::string w) {
  if (w.size() > 4 && w.compare(w.size() - 3, 3, "ies") == 0)
    return w.substr(0, w.size() - 3) + "y";
  if (w.size() > 3 && w.back() == 's' && w[w.size() - 2] != 's') w.pop_back();
  return w;
}

// A light stem, so that a query's verb meets a folder's noun: "reads",
// "reader" and "Readers" are "read"; "routing", "router" and "routes" are
// "rout"; "logger" and "logs" are "log". Suffixes -ing, -er, -ed and -s go,
// then a doubled final consonant and a final "e", keeping 3 letters at least.
std::string Stem(std::string w) {
  w = Singular(std::move(w));
  auto strip = [&](std::string_view suffix) {
    if (w.size() >= suffix.size() + 3 && w.ends_with(suffix)) {
      w.resize(w.size() - suffix.size());
      return true;
    }
    return false;
  };
  if (strip("ing") || strip("er") || strip("ed")) {
    const size_t n = w.size();
    if (n >= 4 && w[n - 1] == w[n - 2] &&
        std::string_view("aeiou").find(w[n - 1]) == std::string_view::npos)
      w.pop_back();
  }
  if (w.size() > 3 && w.back() == 'e') w.pop_back();
  return w;
}

std::string Normalise(std::string w, bool stem) {
  return stem ? Stem(std::move(w)) : Singular(std::move(w));
}

// The word parts of a file name's stem and of its folders.
struct PathWords {
  std::set<std::string> name;
  std::set<std::string> dirs;
};

PathWords WordsOf(std::string_view path, bool stem) {
  PathWords out;
  const size_t slash = path.rfind('/');
  std::string_view name = path.substr(slash == std::string_view::npos ? 0 : slash + 1);
  name = name.substr(0, name.find('.'));
  lexical::Tokenize(name,
                    [&](std::string_view t) { out.name.insert(Normalise(std::string(t), stem)); });
  if (slash != std::string_view::npos) {
    lexical::Tokenize(path.substr(0, slash), [&](std::string_view t) {
      out.dirs.insert(Normalise(std::string(t), stem));
    });
  }
  return out;
}

// The word parts of a file name's stem and of its parent folder's name.
std::vector<std::string> NameAndParentWords(std::string_view path, bool parent) {
  std::vector<std::string> out;
  const size_t slash = path.rfind('/');
  std::string_view name = path.substr(slash == std::string_view::npos ? 0 : slash + 1);
  name = name.substr(0, name.find('.'));
  auto add = [&](std::string_view t) { out.push_back(Singular(std::string(t))); };
  lexical::Tokenize(name, add);
  if (parent && slash != std::string_view::npos) {
    std::string_view dirs = path.substr(0, slash);
    const size_t up = dirs.rfind('/');
    lexical::Tokenize(dirs.substr(up == std::string_view::npos ? 0 : up + 1), add);
  }
  return out;
}

// "dependency" and "dependencies", "route" and "router": equal, or the
// shorter, of `min_prefix` letters at least (0: never), starts the longer.
bool PrefixMatch(std::string_view a, std::string_view b, size_t min_prefix) {
  if (a == b) return true;
  if (a.size() > b.size()) std::swap(a, b);
  return min_prefix > 0 && a.size() >= min_prefix && b.starts_with(a);
}

// The share of a symbol's words (parts of its identifier, 2+ letters) that
// are query words: "parse_header" for "parse the header" is 1.
double SymbolShare(std::string_view symbol, const std::vector<std::string>& query_words) {
  // Distinct parts. A symbol has a handful: a vector, not a set's node per
  // part (this runs for every candidate of every query).
  std::vector<std::string> parts;
  lexical::Tokenize(symbol, [&](std::string_view t) {
    std::string part = Singular(std::string(t));
    if (std::find(parts.begin(), parts.end(), part) == parts.end())
      parts.push_back(std::move(part));
  });
  // Tokenize also emits the whole identifier when it has parts; count parts only.
  if (parts.size() > 1) std::erase(parts, Singular(LowerAscii(symbol)));
  if (parts.empty()) return 0;
  int hits = 0;
  for (const auto& p : parts) {
    if (std::find(query_words.begin(), query_words.end(), p) != query_words.end()) ++hits;
  }
  return static_cast<double>(hits) / static_cast<double>(parts.size());
}

bool IsImportLine(const Candidate& c) {
  static const std::set<std::string_view> kinds = {"alias",   "import",     "package", "namespace",
                                                   "using",   "include",    "require", "use",
                                                   "imports", "packageName"};
  // "imports": a header window of nothing but imports (chunk.h).
  return c.kind == "imports" || (c.end_line <= c.start_line && kinds.count(c.kind) > 0);
}

}  // namespace

const Weights& DefaultWeights() {
  return kDefaultWeights;
}

Weights WeightsWithOverrides(const Weights& base, std::string_view spec) {
  Weights w = base;
  const std::map<std::string, double*> fields = {
      {"test", &w.test},
      {"doc", &w.doc},
      {"example", &w.example},
      {"vendor", &w.vendor},
      {"generated", &w.generated},
      {"import_line", &w.import_line},
      {"one_line", &w.one_line},
      {"file_name_word", &w.file_name_word},
      {"dir_word", &w.dir_word},
      {"path_share", &w.path_share},
      {"path_share_prefix", &w.path_share_prefix},
      {"path_share_parent", &w.path_share_parent},
      {"file_evidence", &w.file_evidence},
      {"same_file_decay", &w.same_file_decay},
      {"symbol_word", &w.symbol_word},
      {"description_symbol_word", &w.description_symbol_word},
      {"description_non_definition", &w.description_non_definition},
      {"symbol_exempt", &w.symbol_exempt},
      {"symbol_file_name", &w.symbol_file_name},
      {"centrality", &w.centrality},
      {"reopened_definition", &w.reopened_definition},
      {"stem_path_words", &w.stem_path_words},
      {"chunk_level_descriptions", &w.chunk_level_descriptions}};
  size_t pos = 0;
  while (pos < spec.size()) {
    size_t comma = spec.find(',', pos);
    if (comma == std::string_view::npos) comma = spec.size();
    std::string item(spec.substr(pos, comma - pos));
    pos = comma + 1;
    const size_t eq = item.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = item.substr(0, eq);
    const double value = std::strtod(item.c_str() + eq + 1, nullptr);
    if (key == "file_evidence_chunks") {
      w.file_evidence_chunks = static_cast<int>(value);
    } else if (auto it = fields.find(key); it != fields.end()) {
      *it->second = value;
    }
  }
  return w;
}

// Verbs a doc comment starts with, in the imperative and third person.
bool IsActionVerb(std::string w) {
  static const std::set<std::string> kVerbs = {
      "return",    "set",         "create",    "get",        "read",     "parse",      "add",
      "convert",   "write",       "send",      "find",       "process",  "initialize", "format",
      "open",      "run",         "remove",    "check",      "make",     "build",      "compute",
      "calculate", "load",        "save",      "update",     "delete",   "close",      "handle",
      "register",  "validate",    "generate",  "print",      "call",     "determine",  "construct",
      "encode",    "decode",      "copy",      "append",     "insert",   "wait",       "start",
      "stop",      "reset",       "clear",     "store",      "fetch",    "emit",       "yield",
      "raise",     "apply",       "extract",   "split",      "join",     "replace",    "resolve",
      "serialize", "deserialize", "normalize", "compare",    "test",     "search",     "sort",
      "filter",    "merge",       "render",    "execute",    "invoke",   "dispatch",   "wrap",
      "strip",     "escape",      "quote",     "unquote",    "match",    "split",      "count",
      "iterate",   "lookup",      "look",      "try",        "ensure",   "verify",     "install",
      "configure", "translate",   "transform", "decompress", "compress", "connect",    "accept",
      "release",   "acquire",     "lock",      "unlock",     "flush",    "sync",       "tell",
      "indicate",  "produce",     "use",       "compile",    "assert",   "walk",       "visit"};
  if (kVerbs.count(w)) return true;
  // Third person: "returns", "sets", "processes", "applies".
  if (w.size() > 4 && w.compare(w.size() - 3, 3, "ies") == 0 &&
      kVerbs.count(w.substr(0, w.size() - 3) + "y"))
    return true;
  if (w.size() > 3 && w.compare(w.size() - 2, 2, "es") == 0 &&
      kVerbs.count(w.substr(0, w.size() - 2)))
    return true;
  return w.size() > 2 && w.back() == 's' && kVerbs.count(w.substr(0, w.size() - 1));
}

// "Rails::Engine" -> "engine", "TypeToken" -> "typetoken"; "" unless the
// query is one identifier.
std::string IdentifierOf(std::string_view query) {
  const size_t b = query.find_first_not_of(" \t");
  const size_t e = query.find_last_not_of(" \t");
  if (b == std::string_view::npos) return "";
  query = query.substr(b, e - b + 1);
  for (char ch : query) {
    const unsigned char u = static_cast<unsigned char>(ch);
    if (!std::isalnum(u) && ch != '_' && ch != ':' && ch != '.' && ch != '\\' && ch != '$')
      return "";
  }
  const size_t cut = query.find_last_of(":.\\");
  std::string last(cut == std::string_view::npos ? query : query.substr(cut + 1));
  std::string out;
  for (char ch : last) {
    if (ch != '_' && ch != '$')
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  return out.size() >= 2 ? out : "";
}

// A file's stem as IdentifierOf normalises it: "type_token.py" -> "typetoken".
std::string NormalisedStem(std::string_view path) {
  const size_t slash = path.rfind('/');
  std::string_view name = path.substr(slash == std::string_view::npos ? 0 : slash + 1);
  name = name.substr(0, name.find('.'));
  std::string out;
  for (char ch : name) {
    if (ch != '_' && ch != '-')
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  return out;
}

QuerySignals AnalyzeQuery(std::string_view query) {
  QuerySignals q;
  q.identifier = IdentifierOf(query);
  {
    // The first word, lower case, letters only; and how many words there are.
    std::string first;
    size_t words = 0;
    bool in_word = false;
    for (char ch : query) {
      const bool letter = std::isalpha(static_cast<unsigned char>(ch)) != 0;
      if (letter && !in_word) ++words;
      if (letter && words == 1)
        first += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      in_word = letter || (in_word && (ch == '_' || ch == '\''));
    }
    // "Return the ...", "parses ...", or a sentence about one thing: "A
    // context manager that ...", "The default handler for ...".
    const bool article = first == "a" || first == "an" || first == "the" || first == "this";
    // A query written as a sentence, full stop included, reads like the
    // first line of a doc comment ("Interface for read-only transports.").
    // Questions and topic phrases ("how are routes registered", "session
    // management") end without one: pydoc even 2,289 of 2,649, the dev split 0 of 639.
    const size_t last = query.find_last_not_of(" \t\r\n");
    const bool full_stop = last != std::string_view::npos && query[last] == '.';
    // A call signature ("quote('abc def') -> 'abc%20def'", "dup() -> socket
    // object") is one definition's too.
    bool signature = query.find("->") != std::string_view::npos;
    for (size_t p = query.find('('); !signature && p != std::string_view::npos;
         p = query.find('(', p + 1)) {
      signature =
          p > 0 && (std::isalnum(static_cast<unsigned char>(query[p - 1])) || query[p - 1] == '_');
    }
    q.describes_definition = (words >= 3 && (IsActionVerb(first) || full_stop)) ||
                             (words >= 4 && article) || (words >= 2 && signature);
  }
  std::set<std::string> seen;
  lexical::Tokenize(query, [&](std::string_view t) {
    std::string w(t);
    if (w == "test" || w == "tests" || w == "testing" || w == "spec" || w == "specs" ||
        w == "unittest" || w == "fixture" || w == "fixtures" || w == "mock" || w == "mocks")
      q.wants_tests = true;
    if (w == "doc" || w == "docs" || w == "documentation" || w == "readme" || w == "guide" ||
        w == "changelog")
      q.wants_docs = true;
    if (w == "example" || w == "examples" || w == "demo" || w == "sample" || w == "samples" ||
        w == "benchmark" || w == "benchmarks" || w == "bench")
      q.wants_examples = true;
    if (w.size() < 3 || IsStopWord(w)) return;
    w = Singular(std::move(w));
    if (seen.insert(w).second) q.words.push_back(std::move(w));
  });
  return q;
}

namespace {

// The weights for this query: a described definition is ranked chunk by
// chunk, and a one-identifier query names its answer (centrality is for topics).
Weights WeightsForQuery(const QuerySignals& query, const Weights& file_level_weights) {
  Weights weights = file_level_weights;
  if (query.describes_definition && weights.chunk_level_descriptions != 0) {
    weights.symbol_word = weights.description_symbol_word;
    weights.same_file_decay = 1.0;
    weights.file_evidence = 0;
    weights.file_name_word = 0;
    weights.dir_word = 0;
    weights.path_share = 0;
    weights.centrality = 0;
  }
  if (!query.identifier.empty()) weights.centrality = 0;
  return weights;
}

// Each chunk's own score and its symbol's share of the query's words.
struct OwnScores {
  std::vector<double> own;
  std::vector<double> symbol_share;
};

// Step 1 of Rerank: each chunk's fused score in [0, 1], plus its path share,
// times its priors.
class ChunkScorer {
 public:
  ChunkScorer(const std::vector<Candidate>& candidates, const QuerySignals& query,
              const Weights& weights)
      : candidates_(candidates), query_(query), weights_(weights) {
    lo_ = hi_ = candidates.empty() ? 0 : candidates[0].score;
    for (const auto& c : candidates) {
      lo_ = std::min(lo_, c.score);
      hi_ = std::max(hi_, c.score);
    }
    stem_ = weights.stem_path_words != 0;
    for (const auto& w : query.words) path_query_words_.push_back(Normalise(w, stem_));
    // Whether the file named after a one-identifier query is among the
    // candidates: then a one-line definition of that name elsewhere is the
    // name reopened (Ruby's `class Engine` around a nested class), not its home.
    if (!query.identifier.empty() && weights.reopened_definition != 1) {
      for (const auto& c : candidates) {
        if (NormalisedStem(c.path) == query.identifier) {
          home_in_pool_ = true;
          break;
        }
      }
    }
  }

  OwnScores Run() {
    const size_t n = candidates_.size();
    OwnScores out{std::vector<double>(n), std::vector<double>(n, 0.0)};
    for (size_t i = 0; i < n; ++i) out.own[i] = Score(candidates_[i], &out.symbol_share[i]);
    return out;
  }

 private:
  // What a chunk's score owes to its file's path, the same for every chunk
  // of that file: computed once per path.
  struct PathFeatures {
    double share = 0;  // PathShare
    double prior = 1;  // PathPrior
    double lift = 1;   // PathWordsLift
    std::string stem;  // NormalisedStem
  };

  const PathFeatures& FeaturesOf(const std::string& path) {
    auto [it, inserted] = features_of_path_.try_emplace(path);
    if (inserted) {
      it->second.share = PathShare(path);
      it->second.prior = PathPrior(path);
      it->second.lift = PathWordsLift(path);
      it->second.stem = NormalisedStem(path);
    }
    return it->second;
  }

  double Score(const Candidate& c, double* symbol_share) {
    const PathFeatures& path = FeaturesOf(c.path);
    const double span = hi_ - lo_;
    double s = span > 0 ? (c.score - lo_) / span : 1.0;
    s += weights_.path_share * path.share;
    s *= path.prior;
    if (query_.describes_definition && (c.kind == "window" || c.kind == "section")) {
      s *= weights_.description_non_definition;
    }
    if (IsImportLine(c)) {
      s *= weights_.import_line;
    } else if (c.end_line <= c.start_line) {
      s *= weights_.one_line;
    }
    if (weights_.symbol_file_name != 0 && !query_.identifier.empty() &&
        path.stem == query_.identifier) {
      s *= 1.0 + weights_.symbol_file_name;
    }
    if (home_in_pool_ && c.end_line <= c.start_line && path.stem != query_.identifier &&
        NormalisedStem(c.symbol) == query_.identifier) {
      s *= weights_.reopened_definition;
    }
    s *= 1.0 + weights_.centrality * c.centrality;
    s *= path.lift;
    if (!query_.words.empty() && !c.symbol.empty() &&
        (weights_.symbol_word != 0 || weights_.symbol_exempt <= 1)) {
      *symbol_share = SymbolShare(c.symbol, query_.words);
      s *= 1.0 + weights_.symbol_word * *symbol_share;
    }
    return s;
  }

  // The share of a topic query's words in the file's name or parent folder.
  double PathShare(const std::string& path) {
    if (weights_.path_share == 0 || !query_.identifier.empty() || query_.words.empty()) return 0;
    const std::vector<std::string> parts =
        NameAndParentWords(path, weights_.path_share_parent != 0);
    size_t matched = 0;
    for (const auto& w : query_.words) {
      for (const auto& part : parts) {
        if (PrefixMatch(w, part, static_cast<size_t>(weights_.path_share_prefix))) {
          ++matched;
          break;
        }
      }
    }
    return static_cast<double>(matched) / static_cast<double>(query_.words.size());
  }

  // Tests, docs and examples sink unless the query asks for them.
  double PathPrior(const std::string& path) const {
    switch (ClassifyPath(path)) {
      case PathClass::kTest:
        return query_.wants_tests ? 1.0 : weights_.test;
      case PathClass::kDoc:
        return query_.wants_docs ? 1.0 : weights_.doc;
      case PathClass::kExample:
        return query_.wants_examples ? 1.0 : weights_.example;
      case PathClass::kVendor:
        return weights_.vendor;
      case PathClass::kGenerated:
        return weights_.generated;
      case PathClass::kSource:
        break;
    }
    return 1.0;
  }

  // Query words in the file name and, less, its folders.
  double PathWordsLift(const std::string& path) {
    if (query_.words.empty() || (weights_.file_name_word == 0 && weights_.dir_word == 0)) return 1;
    const PathWords words = WordsOf(path, stem_);
    int in_name = 0, in_dirs = 0;
    for (const auto& w : path_query_words_) {
      if (words.name.count(w)) {
        ++in_name;
      } else if (words.dirs.count(w)) {
        ++in_dirs;
      }
    }
    return 1.0 + weights_.file_name_word * in_name + weights_.dir_word * in_dirs;
  }

  const std::vector<Candidate>& candidates_;
  const QuerySignals& query_;
  const Weights& weights_;
  double lo_ = 0, hi_ = 0;
  bool stem_ = false;
  bool home_in_pool_ = false;
  std::vector<std::string> path_query_words_;  // query.words, stemmed like the paths' words
  std::unordered_map<std::string, PathFeatures> features_of_path_;
};

// The candidates of each file, best own score first, and the files in order
// of first appearance.
struct FileGroups {
  std::unordered_map<std::string, std::vector<size_t>> by_file;
  std::vector<std::string> order;
};

// Step 2: a chunk gains a share of its file's next best chunks.
std::vector<double> AddFileEvidence(const std::vector<Candidate>& candidates,
                                    const std::vector<double>& own, const Weights& weights,
                                    FileGroups* groups) {
  for (size_t i = 0; i < candidates.size(); ++i) {
    auto [it, inserted] = groups->by_file.try_emplace(candidates[i].path);
    if (inserted) groups->order.push_back(candidates[i].path);
    it->second.push_back(i);
  }
  std::vector<double> score(own);
  for (auto& [path, members] : groups->by_file) {
    std::stable_sort(members.begin(), members.end(),
                     [&](size_t a, size_t b) { return own[a] > own[b]; });
    if (weights.file_evidence == 0 || weights.file_evidence_chunks <= 0) continue;
    for (size_t i : members) {
      double extra = 0;
      int taken = 0;
      for (size_t j : members) {
        if (j == i) continue;
        if (taken++ >= weights.file_evidence_chunks) break;
        extra += own[j];
      }
      score[i] += weights.file_evidence * extra;
    }
  }
  return score;
}

// Step 3: a file-diverse order. Repeatedly take the file whose next chunk
// scores best once decayed by how many of its chunks are already taken. A
// chunk whose symbol is the query's words (symbol_exempt) is not one more
// chunk of its file but an answer of its own: it competes undecayed, outside
// its file's queue.
std::vector<Ranked> DiverseOrder(const std::vector<Candidate>& candidates,
                                 const std::vector<double>& score,
                                 const std::vector<double>& symbol_share, FileGroups& groups,
                                 const Weights& weights) {
  constexpr size_t kStandalone = static_cast<size_t>(-1);
  struct Next {
    double value;
    size_t candidate;
    size_t file;  // index into queue_of; kStandalone for an exempt chunk
    size_t taken;
    bool operator<(const Next& o) const {  // max-heap: higher value, then earlier input
      return value != o.value ? value < o.value : candidate > o.candidate;
    }
  };
  std::priority_queue<Next> heap;
  std::vector<std::vector<size_t>> queue_of(groups.order.size());  // decayed members, best first
  for (size_t f = 0; f < groups.order.size(); ++f) {
    const std::vector<size_t>& members = groups.by_file[groups.order[f]];
    for (size_t k = 0; k < members.size(); ++k) {
      const size_t c = members[k];
      if (k > 0 && symbol_share[c] >= weights.symbol_exempt) {
        heap.push({score[c], c, kStandalone, 0});
      } else {
        queue_of[f].push_back(c);
      }
    }
    heap.push({score[queue_of[f].front()], queue_of[f].front(), f, 0});
  }
  std::vector<Ranked> out;
  out.reserve(candidates.size());
  while (!heap.empty()) {
    Next top = heap.top();
    heap.pop();
    out.push_back({candidates[top.candidate].key, top.value, top.candidate});
    if (top.file == kStandalone) continue;
    const size_t taken = top.taken + 1;
    if (taken < queue_of[top.file].size()) {
      const size_t next = queue_of[top.file][taken];
      double decay = 1.0;
      for (size_t k = 0; k < taken; ++k) decay *= weights.same_file_decay;
      heap.push({score[next] * decay, next, top.file, taken});
    }
  }
  // Within a file, chunks come out by score (the list sorted by `score`), and
  // decayed values could rise above an earlier pick's: keep the output's
  // scores non-increasing for callers that merge lists.
  for (size_t i = 1; i < out.size(); ++i) out[i].score = std::min(out[i].score, out[i - 1].score);
  return out;
}

}  // namespace

std::vector<Ranked> Rerank(const std::vector<Candidate>& candidates, const QuerySignals& query,
                           const Weights& file_level_weights) {
  if (candidates.empty()) return {};
  const Weights weights = WeightsForQuery(query, file_level_weights);
  OwnScores own = ChunkScorer(candidates, query, weights).Run();
  FileGroups groups;
  const std::vector<double> score = AddFileEvidence(candidates, own.own, weights, &groups);
  return DiverseOrder(candidates, score, own.symbol_share, groups, weights);
}

}  // namespace ts::rank
