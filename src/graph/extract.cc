// ExtractFile: definitions from ctags' tags, their extents and parents from
// the tokens, the call sites each one owns, imports and bases.
//
// Ownership of a token: the innermost definition whose claimed range holds
// it. A definition claims from its first decorator (or, in brace languages,
// its name) to its end line; a nested definition's claim is cut out of its
// parent's, decorators, parameter defaults and all, as Python's own scoping
// does (a call in a nested def, a lambda or a decorator is not the outer
// function's call).
#include <algorithm>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "graph/extractor.h"
#include "util/hash.h"

namespace ts::graph {

FileGraph Extractor::Run() {
  BuildLines();
  toks_ = Lex(s_, LexOptionsFor(lang_));
  line_tok_.assign(lines_.size() + 2, toks_.size());
  for (size_t i = toks_.size(); i-- > 0;)
    line_tok_[std::min<size_t>(toks_[i].line, lines_.size() + 1)] = i;
  for (size_t l = line_tok_.size() - 1; l-- > 0;)
    line_tok_[l] = std::min(line_tok_[l], line_tok_[l + 1]);
  CollectNodes();
  for (auto& n : nodes_) Extent(n);
  Nest();
  if (rules_.calls) {
    for (auto& n : nodes_) Shadows(n);
    Calls();
  }
  Bases();
  FileGraph g;
  g.imports = ParseImports(lang_, s_, toks_);
  if (!module_calls_.empty()) {
    Definition m;
    m.name = "<module>";
    m.kind = "module";
    m.role = Role::kModule;
    m.line = m.def_line = 1;
    m.end_line = static_cast<int>(lines_.size());
    m.calls = std::move(module_calls_);
    g.defs.push_back(std::move(m));
  }
  size_t offset = g.defs.size();
  for (auto& n : nodes_) {
    if (n.def.parent >= 0) n.def.parent += static_cast<int>(offset);
    g.defs.push_back(std::move(n.def));
  }
  return g;
}

void Extractor::BuildLines() {
  lines_.push_back(0);
  for (size_t i = 0; i < s_.size(); ++i) {
    if (s_[i] == '\n' && i + 1 < s_.size()) lines_.push_back(i + 1);
  }
}

std::string_view Extractor::LineText(int line) const {
  if (line < 1 || static_cast<size_t>(line) > lines_.size()) return {};
  size_t b = lines_[line - 1];
  size_t e = static_cast<size_t>(line) < lines_.size() ? lines_[line] : s_.size();
  std::string_view t = s_.substr(b, e - b);
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.remove_suffix(1);
  return t;
}

void Extractor::CollectNodes() {
  std::string go_package;
  if (lang_ == "go") {
    for (const auto& t : tags_) {
      if (t.kind == "package") go_package = t.name;
    }
  }
  const int n_lines = static_cast<int>(lines_.size());
  for (size_t i = 0; i < tags_.size(); ++i) {
    chunk::Tag t = tags_[i];
    if (t.line < 1 || t.line > n_lines || t.name.empty()) continue;
    if (t.name.rfind("__anon", 0) == 0) {
      // "typedef struct {...} foo_t": the struct takes the typedef's name.
      std::string renamed;
      for (const auto& td : tags_) {
        if (td.kind == "typedef" && td.line >= t.line && td.line <= std::max(t.line, t.end))
          renamed = td.name;
      }
      if (renamed.empty()) continue;
      t.name = renamed;
    }
    t.scope = CleanScope(t.scope);
    if (!go_package.empty()) {
      if (t.scope == go_package) {
        t.scope.clear();
        t.scope_kind.clear();
      } else if (t.scope.rfind(go_package + ".", 0) == 0) {
        t.scope = t.scope.substr(go_package.size() + 1);
      }
    }
    if ((lang_ == "javascript" || lang_ == "typescript") &&
        (t.kind == "constant" || t.kind == "variable" || t.kind == "let" || t.kind == "property" ||
         t.kind == "field") &&
        IsFunctionValue(t)) {
      t.kind = TypeScopeKind(t.scope_kind) ? "method" : "function";
    }
    Role role;
    std::string kind;
    if (!Classify(t, lang_, &role, &kind)) continue;
    // A C typedef of an already named struct would only duplicate it.
    if (kind == "typedef" && t.end <= t.line) {
      bool dup = false;
      for (const auto& n : nodes_) dup = dup || (n.def.name == t.name && n.def.def_line == t.line);
      if (dup) continue;
    }
    Node n;
    n.order = i;
    n.def.name = t.name;
    n.def.kind = kind;
    n.def.role = role;
    n.def.scope = t.scope;
    n.def.def_line = t.line;
    n.def.end_line = t.end >= t.line ? std::min(t.end, n_lines) : 0;
    if (TypeScopeKind(t.scope_kind) && role != Role::kType && role != Role::kImpl)
      n.def.self_scope = t.scope;
    if (!t.inherits.empty()) SplitBases(t.inherits, &n.def.bases);
    nodes_.push_back(std::move(n));
  }
}

bool Extractor::IsFunctionValue(const chunk::Tag& t) const {
  size_t i = TokAtLine(t.line);
  size_t stop = TokAtLine(t.line + 1);
  while (i < stop && !(Ident(i) && Text(i) == t.name)) ++i;
  if (i >= stop) return false;
  ++i;
  if (Punct(i, ":")) {  // TS type annotation: skip to '='
    while (i < stop && !Punct(i, "=")) ++i;
  }
  if (!Punct(i, "=")) return false;
  ++i;
  if (Word(i, "async")) ++i;
  if (Word(i, "function")) return true;
  if (Ident(i) && Punct(i + 1, "=>")) return true;
  if (Punct(i, "(")) {
    size_t close = MatchClose(toks_, s_, i);
    if (close + 1 < toks_.size() && Punct(close + 1, "=>")) return true;
    if (close + 1 < toks_.size() && Punct(close + 1, ":")) return true;  // (a): T =>
  }
  return false;
}

void Extractor::SplitBases(const std::string& inherits, std::vector<std::string>* out) const {
  size_t pos = 0;
  int angle = 0;
  std::string cur;
  auto flush = [&] {
    std::string b = cur;
    cur.clear();
    auto trim = [](std::string& x) {
      size_t a = x.find_first_not_of(" \t");
      size_t e = x.find_last_not_of(" \t");
      x = a == std::string::npos ? "" : x.substr(a, e - a + 1);
    };
    trim(b);
    for (std::string_view kw : {"public ", "private ", "protected ", "virtual "}) {
      while (b.rfind(kw, 0) == 0) {
        b = b.substr(kw.size());
        trim(b);
      }
    }
    if (b.empty() || b.find('=') != std::string::npos || b == "object") return;
    if (b.find('(') != std::string::npos) b = b.substr(0, b.find('('));
    trim(b);
    if (!b.empty()) out->push_back(b);
  };
  for (; pos < inherits.size(); ++pos) {
    char c = inherits[pos];
    if (c == '<' || c == '[') ++angle;
    if (c == '>' || c == ']') angle = std::max(0, angle - 1);
    if (angle > 0 || c == '>' || c == ']') continue;
    if (c == ',') {
      flush();
    } else {
      cur.push_back(c);
    }
  }
  flush();
}

void Extractor::Nest() {
  std::vector<size_t> order(nodes_.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const Node& x = nodes_[a];
    const Node& y = nodes_[b];
    if (x.claim_begin != y.claim_begin) return x.claim_begin < y.claim_begin;
    if (x.claim_end != y.claim_end) return x.claim_end > y.claim_end;
    return x.order < y.order;
  });
  // Reorder nodes_ so that a parent comes before its children.
  std::vector<Node> sorted;
  sorted.reserve(nodes_.size());
  for (size_t i : order) sorted.push_back(std::move(nodes_[i]));
  nodes_ = std::move(sorted);
  std::vector<size_t> stack;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    Node& n = nodes_[i];
    while (!stack.empty() && nodes_[stack.back()].claim_end <= n.claim_begin) stack.pop_back();
    // A claim that is not nested (ctags disagreement) closes the open one.
    while (!stack.empty() && nodes_[stack.back()].claim_end < n.claim_end) stack.pop_back();
    if (!stack.empty()) n.def.parent = static_cast<int>(stack.back());
    stack.push_back(i);
  }
  // Closures see the enclosing method's self.
  for (auto& n : nodes_) {
    if (n.def.parent < 0 || n.def.role != Role::kCallable) continue;
    const Node& p = nodes_[n.def.parent];
    if (n.def.self_scope.empty() && !p.def.self_scope.empty() && p.def.role == Role::kCallable) {
      n.def.self_scope = p.def.self_scope;
      if (n.self_name.empty()) n.self_name = p.self_name;
    }
    if (rules_.python && n.self_name.empty() && !p.self_name.empty()) n.self_name = p.self_name;
  }
}

size_t MatchClose(const std::vector<Token>& toks, std::string_view content, size_t open) {
  if (open >= toks.size()) return toks.size();
  std::string_view o = TokText(content, toks[open]);
  std::string_view c = o == "(" ? ")" : o == "[" ? "]" : "}";
  int depth = toks[open].depth;
  for (size_t i = open + 1; i < toks.size(); ++i) {
    if (toks[i].depth == depth && IsPunct(content, toks[i], c)) return i;
    if (toks[i].depth < depth) return toks.size();
  }
  return toks.size();
}

FileGraph ExtractFile(std::string_view /*rel_path*/, std::string_view language,
                      std::string_view content, const std::vector<chunk::Tag>& tags) {
  Extractor x(language, content, tags);
  return x.Run();
}

}  // namespace ts::graph
