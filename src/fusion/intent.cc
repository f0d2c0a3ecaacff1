#include <algorithm>
#include <cctype>
#include <vector>

#include "fusion/fusion.h"
#include "util/ascii.h"

namespace ts::fusion {
namespace {

std::vector<std::string> Words(std::string_view q) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < q.size()) {
    while (i < q.size() && std::isspace(static_cast<unsigned char>(q[i]))) ++i;
    size_t b = i;
    while (i < q.size() && !std::isspace(static_cast<unsigned char>(q[i]))) ++i;
    if (i > b) out.emplace_back(q.substr(b, i - b));
  }
  // Trailing punctuation ("X?", "X,") is not part of a symbol.
  for (auto& w : out) {
    while (!w.empty() && (w.back() == '?' || w.back() == ',' || w.back() == '!' ||
                          w.back() == '`' || w.back() == '\'' || w.back() == '"'))
      w.pop_back();
    while (!w.empty() && (w.front() == '`' || w.front() == '\'' || w.front() == '"')) w.erase(0, 1);
  }
  out.erase(std::remove(out.begin(), out.end(), std::string()), out.end());
  return out;
}

// An identifier, possibly qualified (a.b, a::b) and with a trailing "()".
bool IsIdentifier(std::string_view w) {
  if (w.size() >= 2 && w.substr(w.size() - 2) == "()") w.remove_suffix(2);
  if (w.empty()) return false;
  bool start = true;
  for (size_t i = 0; i < w.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(w[i]);
    if (start) {
      if (!(std::isalpha(c) || c == '_' || c == '$' || c >= 0x80)) return false;
      start = false;
      continue;
    }
    if (std::isalnum(c) || c == '_' || c == '$' || c >= 0x80) continue;
    if (c == '.' && i + 1 < w.size()) {
      start = true;
      continue;
    }
    if (c == ':' && i + 2 < w.size() && w[i + 1] == ':') {
      ++i;
      start = true;
      continue;
    }
    return false;
  }
  return !start;
}

// A word only code spells: snake_case, camelCase, a.b, a::b, f(), a/b, x->y.
bool CodeShaped(const std::string& w) {
  if (w.find_first_of("_()[]{}<>=/\\#$@") != std::string::npos) return true;
  if (w.find("->") != std::string::npos || w.find("::") != std::string::npos) return true;
  const size_t dot = w.find('.');
  if (dot != std::string::npos && dot + 1 < w.size()) return true;  // a final '.' ends a sentence
  for (size_t i = 1; i < w.size(); ++i) {
    if (std::islower(static_cast<unsigned char>(w[i - 1])) &&
        std::isupper(static_cast<unsigned char>(w[i])))
      return true;
  }
  return false;
}

std::string Strip(std::string w) {
  if (w.size() >= 2 && w.substr(w.size() - 2) == "()") w.resize(w.size() - 2);
  return w;
}

// How many words `prefix` covers at the start of `words` (0 unless all match).
size_t PrefixLength(const std::vector<std::string>& words, const std::vector<const char*>& prefix) {
  if (prefix.size() > words.size()) return 0;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (words[i] != prefix[i]) return 0;
  }
  return prefix.size();
}

bool Filler(const std::string& lw) {
  return lw == "the" || lw == "a" || lw == "an" || lw == "function" || lw == "method" ||
         lw == "class" || lw == "symbol" || lw == "macro" || lw == "type" || lw == "struct";
}

// The symbol in words[from, to) when exactly one identifier is left after fillers.
std::string OneSymbol(const std::vector<std::string>& words, size_t from, size_t to) {
  std::string found;
  for (size_t i = from; i < to && i < words.size(); ++i) {
    if (Filler(LowerAscii(words[i]))) continue;
    if (!found.empty() || !IsIdentifier(words[i])) return "";
    found = Strip(words[i]);
  }
  return found;
}

}  // namespace

std::string_view Intent::name() const {
  switch (kind) {
    case Kind::kDefinition:
      return "definition";
    case Kind::kUsage:
      return "usage";
    case Kind::kConceptual:
      return "conceptual";
    case Kind::kDebt:
      return "debt";
    default:
      return "search";
  }
}

Intent ClassifyIntent(std::string_view query) {
  Intent out;
  std::vector<std::string> w = Words(query);
  if (w.empty()) return out;
  std::vector<std::string> lw;
  for (const auto& x : w) lw.push_back(LowerAscii(x));
  auto starts = [&](std::initializer_list<const char*> phrase) {
    size_t i = 0;
    for (const char* p : phrase) {
      if (i >= lw.size() || lw[i] != p) return size_t{0};
      ++i;
    }
    return i;
  };
  auto set = [&](Intent::Kind k, std::string sym) {
    if (sym.empty()) return false;
    out.kind = k;
    out.symbol = std::move(sym);
    return true;
  };
  // Usage: "who calls X", "callers of X", "usages of X", "references to X", ...
  static const std::vector<std::vector<const char*>> kUsagePrefixes = {{"who", "calls"},
                                                                       {"what", "calls"},
                                                                       {"who", "uses"},
                                                                       {"what", "uses"},
                                                                       {"callers", "of"},
                                                                       {"callers", "for"},
                                                                       {"caller", "of"},
                                                                       {"calls", "to"},
                                                                       {"calls", "of"},
                                                                       {"call", "sites", "of"},
                                                                       {"usages", "of"},
                                                                       {"usage", "of"},
                                                                       {"uses", "of"},
                                                                       {"references", "to"},
                                                                       {"references", "of"},
                                                                       {"invocations", "of"},
                                                                       {"find", "usages", "of"},
                                                                       {"find", "callers", "of"},
                                                                       {"find", "references", "to"},
                                                                       {"find", "uses", "of"},
                                                                       {"show", "callers", "of"},
                                                                       {"list", "callers", "of"}};
  for (const auto& p : kUsagePrefixes) {
    const size_t n = PrefixLength(lw, p);
    if (n > 0 && set(Intent::Kind::kUsage, OneSymbol(w, n, w.size()))) return out;
  }
  // "where is X used/called/referenced/defined/declared/implemented"
  if (size_t n = starts({"where", "is"}); n > 0 && lw.size() >= 4) {
    const std::string& last = lw.back();
    std::string sym = OneSymbol(w, n, w.size() - 1);
    if ((last == "used" || last == "called" || last == "referenced" || last == "invoked") &&
        set(Intent::Kind::kUsage, sym))
      return out;
    if ((last == "defined" || last == "declared" || last == "implemented") &&
        set(Intent::Kind::kDefinition, sym))
      return out;
  }
  // "X callers", "X usages", "X references"
  if (lw.size() >= 2) {
    const std::string& last = lw.back();
    std::string sym = OneSymbol(w, 0, w.size() - 1);
    if ((last == "callers" || last == "usages" || last == "references" || last == "uses") &&
        set(Intent::Kind::kUsage, sym))
      return out;
    if ((last == "definition" || last == "declaration" || last == "implementation") &&
        set(Intent::Kind::kDefinition, sym))
      return out;
  }
  // Definition: "definition of X", "def X", "class X", ...
  static const std::vector<std::vector<const char*>> kDefPrefixes = {{"definition", "of"},
                                                                     {"declaration", "of"},
                                                                     {"implementation", "of"},
                                                                     {"define"},
                                                                     {"def"},
                                                                     {"class"},
                                                                     {"struct"},
                                                                     {"func"},
                                                                     {"fn"},
                                                                     {"function"},
                                                                     {"interface"},
                                                                     {"enum"},
                                                                     {"trait"},
                                                                     {"go", "to"},
                                                                     {"goto"},
                                                                     {"jump", "to"}};
  for (const auto& p : kDefPrefixes) {
    const size_t n = PrefixLength(lw, p);
    if (n > 0 && n < w.size() && set(Intent::Kind::kDefinition, OneSymbol(w, n, w.size())))
      return out;
  }
  // A lone identifier names a definition ("urlopen", "parse_header", "a::b").
  if (w.size() == 1 && IsIdentifier(w[0])) {
    set(Intent::Kind::kDefinition, Strip(w[0]));
    return out;
  }
  // Bugs and debt: a marker anywhere ("TODO in the parser", "memory leak").
  static const std::vector<const char*> kDebtWords = {
      "todo",  "fixme",   "xxx",    "hack",       "hacky",      "kludge", "bug",
      "bugs",  "buggy",   "leak",   "leaks",      "leaking",    "race",   "deadlock",
      "crash", "crashes", "broken", "deprecated", "workaround", "debt",   "unsafe"};
  // Phrases: "not thread safe", "not thread-safe", "thread unsafe", "race condition".
  std::string joined;
  for (const auto& x : lw) joined += (joined.empty() ? "" : " ") + x;
  for (const char* phrase : {"not thread safe", "not thread-safe", "not threadsafe",
                             "thread unsafe", "thread-unsafe", "race condition", "memory leak"}) {
    if (joined.find(phrase) != std::string::npos) {
      out.kind = Intent::Kind::kDebt;
      return out;
    }
  }
  for (const auto& x : lw) {
    std::string word = x;
    while (!word.empty() && (word.back() == ':' || word.back() == '.')) word.pop_back();
    if (std::find_if(kDebtWords.begin(), kDebtWords.end(),
                     [&](const char* d) { return word == d; }) != kDebtWords.end()) {
      out.kind = Intent::Kind::kDebt;
      return out;
    }
  }
  // Prose: three or more words, none shaped like code.
  if (w.size() >= 3 && std::none_of(w.begin(), w.end(), CodeShaped)) {
    out.kind = Intent::Kind::kConceptual;
  }
  return out;
}

}  // namespace ts::fusion
