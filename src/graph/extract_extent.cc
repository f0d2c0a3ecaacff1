// The extractor's extent pass: where each definition starts (decorators) and
// ends, its parameters, and the names it binds locally.
#include <algorithm>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "graph/extractor.h"
#include "util/hash.h"

namespace ts::graph {

void Extractor::Extent(Node& n) {
  Definition& d = n.def;
  size_t first = TokAtLine(d.def_line);
  size_t stop = TokAtLine(d.def_line + 1);
  // The name on its line: after a defining keyword ("fn v" in "Self::v(); fn v()")
  // when there is one, else its first occurrence.
  for (size_t i = first; i < stop; ++i) {
    if (!Ident(i) || Text(i) != d.name) continue;
    if (n.name_tok < 0) n.name_tok = static_cast<int>(i);
    if (i > 0 && Ident(i - 1) && DefinesName(Text(i - 1))) {
      n.name_tok = static_cast<int>(i);
      break;
    }
  }
  // End line.
  if (d.end_line == 0) d.end_line = EstimateEnd(n);
  d.end_line = std::max(d.end_line, d.def_line);
  // First line: decorators, annotations and attributes above (or before) the name line.
  d.line = DecoratorStart(first, d.def_line);
  // Body: Python after the header's ':'; elsewhere after the name.
  size_t end_tok = TokAtLine(d.end_line + 1);
  n.claim_end = end_tok;
  if (d.role == Role::kField) {
    // Data members own no code: "x = f()" in a class body is the class's call.
    size_t at = n.name_tok >= 0 ? static_cast<size_t>(n.name_tok) : first;
    n.claim_begin = n.claim_end = n.body_begin = at;
    return;
  }
  if (rules_.python) {
    n.claim_begin = TokAtLine(d.line);
    size_t kw = first;
    while (kw < stop && !(Word(kw, "def") || Word(kw, "class"))) ++kw;
    size_t b = stop;
    if (kw < stop) {
      size_t i = kw + 1;
      int depth = toks_[kw].depth;
      while (i < toks_.size() && !(Punct(i, ":") && toks_[i].depth == depth)) {
        if (toks_[i].depth < depth) break;
        ++i;
      }
      b = i + 1;
      if (Word(kw, "def") && (n.def.role == Role::kCallable)) PythonParams(n, kw, i);
    }
    n.body_begin = std::min(b, end_tok);
  } else {
    size_t deco = TokAtLine(d.line);
    n.claim_begin = d.line < d.def_line ? deco : (n.name_tok >= 0 ? n.name_tok : first);
    n.body_begin = n.name_tok >= 0 ? n.name_tok + 1 : first;
    if (n.body_begin > end_tok) n.body_begin = end_tok;
    if (n.claim_begin > n.body_begin) n.claim_begin = n.body_begin;
    if (rules_.calls) OtherParams(n);
  }
}

int Extractor::EstimateEnd(const Node& n) const {
  const Definition& d = n.def;
  const int n_lines = static_cast<int>(lines_.size());
  if (!rules_.brace_defs) {
    if (rules_.python) {
      auto indent = [&](std::string_view t) {
        int k = 0;
        for (char c : t) {
          if (c == ' ')
            ++k;
          else if (c == '\t')
            k += 8;
          else
            break;
        }
        return k;
      };
      int base = indent(LineText(d.def_line));
      int end = d.def_line;
      for (int l = d.def_line + 1; l <= n_lines; ++l) {
        std::string_view t = LineText(l);
        if (t.find_first_not_of(" \t\r") == std::string_view::npos) continue;
        if (indent(t) <= base) break;
        end = l;
      }
      return end;
    }
    // Lua (ctags gives no end): blocks opened by function/do/if/repeat close
    // with end/until. Ruby's ends come from ctags.
    if (lang_ == "lua" && n.name_tok >= 0) {
      int depth = 1;  // the definition's own "function"
      size_t limit = std::min(toks_.size(), static_cast<size_t>(n.name_tok) + 200000);
      for (size_t i = n.name_tok + 1; i < limit; ++i) {
        if (!Ident(i)) continue;
        std::string_view w = Text(i);
        if (w == "function" || w == "do" || w == "if" || w == "repeat") ++depth;
        if ((w == "end" || w == "until") && --depth == 0) return static_cast<int>(toks_[i].line);
      }
    }
    return d.def_line;
  }
  size_t i = n.name_tok >= 0 ? n.name_tok : TokAtLine(d.def_line);
  if (i >= toks_.size()) return d.def_line;
  int base = toks_[i].depth;
  uint32_t last_line = toks_[i].line;
  size_t limit = std::min(toks_.size(), i + 4000);
  for (; i < limit; ++i) {
    const Token& t = toks_[i];
    if (t.depth < base) return static_cast<int>(last_line);
    if (t.line != last_line && t.depth == base && i > 0) {
      // A new line at the definition's depth ends it unless the previous line continues.
      std::string_view prev = Text(i - 1);
      bool continues = toks_[i - 1].kind == Tok::kPunct &&
                       (prev == "=" || prev == "=>" || prev == "," || prev == "(" || prev == ":" ||
                        prev == "->" || prev == "+" || prev == "|" || prev == "&" || prev == "." ||
                        prev == "<" || prev == ")");
      bool keyword_cont = t.kind == Tok::kIdent && (Text(i) == "where" || Text(i) == "extends" ||
                                                    Text(i) == "implements" || Text(i) == "throws");
      bool next_is_brace = IsPunct(s_, t, "{");
      if (!continues && !keyword_cont && !next_is_brace && toks_[i - 1].kind != Tok::kIdent &&
          toks_[i - 1].line >= static_cast<uint32_t>(d.def_line) &&
          !(toks_[i - 1].kind == Tok::kPunct && Text(i - 1) == ">"))
        return static_cast<int>(toks_[i - 1].line);
    }
    last_line = t.line;
    if (t.depth == base && IsPunct(s_, t, ";")) return static_cast<int>(t.line);
    if (t.depth == base && IsPunct(s_, t, "{")) {
      size_t close = MatchClose(toks_, s_, i);
      return close < toks_.size() ? static_cast<int>(toks_[close].line) : n_lines;
    }
  }
  return d.def_line;
}

int Extractor::DecoratorStart(size_t first, int def_line) const {
  int line = def_line;
  if (first == 0 || first > toks_.size()) return line;
  size_t j = first;  // candidates end just before j
  for (int guard = 0; guard < 32 && j > 0; ++guard) {
    size_t k = j - 1;
    // Skip one bracket group: "(...)" of an annotation, "[...]" of an attribute.
    bool bracket = false;
    if (Punct(k, ")") || Punct(k, "]")) {
      size_t open = MatchOpen(k);
      if (open >= toks_.size()) break;
      bracket = Punct(k, "]");
      if (bracket && open > 0 &&
          (Punct(open - 1, "#") || (Punct(open - 1, "!") && open > 1 && Punct(open - 2, "#")))) {
        size_t hash = Punct(open - 1, "#") ? open - 1 : open - 2;  // Rust #[...] / #![...]
        if (lang_ != "rust") break;
        line = static_cast<int>(toks_[hash].line);
        j = hash;
        continue;
      }
      if (bracket && lang_ == "csharp" && (toks_[open].flags & kLineStart)) {
        line = static_cast<int>(toks_[open].line);
        j = open;
        continue;
      }
      if (bracket || open == 0) break;
      k = open - 1;
    }
    // A dotted name, then '@'.
    size_t m = k;
    bool named = false;
    while (Ident(m)) {
      named = true;
      if (m > 0 && Punct(m - 1, ".")) {
        if (m < 2) break;
        m -= 2;
      } else {
        break;
      }
    }
    if (!named || m == 0 || !Punct(m - 1, "@")) break;
    const Token& at = toks_[m - 1];
    bool starts = rules_.python ? (at.flags & kStmtStart) != 0 : (at.flags & kLineStart) != 0;
    if (!starts && at.line == static_cast<uint32_t>(line)) {
      // "@Override public void f()" on one line: an annotation on the name line.
      j = m - 1;
      continue;
    }
    if (!starts) break;
    line = static_cast<int>(at.line);
    j = m - 1;
  }
  return std::min(line, def_line);
}

size_t Extractor::MatchOpen(size_t close) const {
  std::string_view c = Text(close);
  std::string_view o = c == ")" ? "(" : c == "]" ? "[" : "{";
  int depth = toks_[close].depth;
  for (size_t i = close; i-- > 0;) {
    if (toks_[i].depth == depth && IsPunct(s_, toks_[i], o)) return i;
    if (toks_[i].depth < depth) break;
  }
  return toks_.size();
}

void Extractor::PythonParams(Node& n, size_t kw, size_t colon) {
  size_t open = kw + 2;
  if (!Punct(open, "(")) return;
  int depth = toks_[open].depth + 1;
  bool first = true;
  for (size_t i = open + 1; i < colon; ++i) {
    if (toks_[i].depth != depth || !Ident(i)) continue;
    std::string_view prev = Text(i - 1);
    if (!(prev == "(" || prev == "," || prev == "*" || prev == "**")) continue;
    if (!(Punct(i + 1, ",") || Punct(i + 1, ")") || Punct(i + 1, "=") || Punct(i + 1, ":")))
      continue;
    std::string name(Text(i));
    if (first && n.def.role == Role::kCallable && !n.def.self_scope.empty() && prev == "(")
      n.self_name = name;
    first = false;
    n.shadow.insert(name);
  }
  // @staticmethod: the first parameter is not the instance.
  for (size_t i = TokAtLine(n.def.line); i < kw; ++i) {
    if (Word(i, "staticmethod")) {
      n.self_name.clear();
      n.is_static = true;
    }
  }
}

void Extractor::OtherParams(Node& n) {
  if (n.def.role != Role::kCallable || n.name_tok < 0) return;
  size_t i = n.name_tok;
  if (lang_ == "go" && i >= 2) {
    // func (s *T) Name(...): the receiver is the first identifier inside the parentheses.
    size_t k = i - 1;
    if (Punct(k, ")")) {
      size_t open = MatchOpen(k);
      if (open < toks_.size() && Ident(open + 1) && open + 2 < k) n.self_name = Text(open + 1);
      if (!n.self_name.empty() && n.def.self_scope.empty()) {
        // ctags names the type in the scope; keep it as the self type.
        n.def.self_scope = n.def.scope;
      }
    }
  }
  size_t open = i + 1;
  if (Punct(open, "<")) {  // generic parameters
    int angle = 0;
    for (; open < toks_.size() && open < i + 64; ++open) {
      if (Punct(open, "<")) ++angle;
      if (Punct(open, ">") && --angle == 0) break;
      if (Punct(open, ">>")) angle -= 2;
      if (angle <= 0 && Punct(open, ">>")) break;
    }
    ++open;
  }
  if (!Punct(open, "(")) return;
  size_t close = MatchClose(toks_, s_, open);
  if (close >= toks_.size()) return;
  int depth = toks_[open].depth + 1;
  // Split into parameters at top-level commas.
  size_t b = open + 1;
  for (size_t k = open + 1; k <= close; ++k) {
    if (k == close || (toks_[k].depth == depth && Punct(k, ","))) {
      AddParamName(n, b, k, depth);
      b = k + 1;
    }
  }
}

void Extractor::AddParamName(Node& n, size_t b, size_t e, int depth) {
  if (b >= e) return;
  // "int (*cb)(void *)": the name is in the inner parentheses after '*'.
  for (size_t k = b; k + 1 < e; ++k) {
    if (Punct(k, "*") && Ident(k + 1) && toks_[k].depth == depth + 1) {
      n.shadow.insert(std::string(Text(k + 1)));
      return;
    }
  }
  static const std::unordered_set<std::string_view> skip = {
      "mut", "ref",   "const",    "final",  "var",     "val",       "in",
      "out", "inout", "readonly", "public", "private", "protected", "vararg"};
  if (rules_.name_first_params) {
    for (size_t k = b; k < e; ++k) {
      if (Ident(k) && toks_[k].depth == depth && !skip.count(Text(k))) {
        n.shadow.insert(std::string(Text(k)));
        return;
      }
    }
    return;
  }
  size_t last = e;
  for (size_t k = b; k < e; ++k) {
    if (toks_[k].depth != depth) continue;
    if (Punct(k, "=") || Punct(k, "[")) break;
    if (Ident(k)) last = k;
  }
  if (last < e) n.shadow.insert(std::string(Text(last)));
}

void Extractor::Shadows(Node& n) {
  if (n.def.role != Role::kCallable) return;
  size_t b = n.body_begin, e = n.claim_end;
  if (rules_.python) {
    PythonStores(n, b, e);
    return;
  }
  for (size_t i = b; i < e && i < toks_.size(); ++i) {
    if (!Ident(i)) continue;
    std::string_view w = Text(i);
    if (w == "let" || w == "var" || w == "const" || w == "val") {
      size_t k = i + 1;
      if (Word(k, "mut")) ++k;
      if (Ident(k)) n.shadow.insert(std::string(Text(k)));
    } else if (Punct(i + 1, ":=") && lang_ == "go") {
      n.shadow.insert(std::string(w));
      // a, b := ...
      size_t k = i;
      while (k >= 2 && Punct(k - 1, ",") && Ident(k - 2)) {
        n.shadow.insert(std::string(Text(k - 2)));
        k -= 2;
      }
    }
  }
}

void Extractor::PythonStores(Node& n, size_t b, size_t e) {
  auto add = [&](size_t i) {
    if (Ident(i) && !NotCalls(true).count(Text(i))) n.shadow.insert(std::string(Text(i)));
  };
  // Plain names in a target span [x, y): not attributes, not subscripted or called.
  auto targets = [&](size_t x, size_t y) {
    std::vector<bool> skip_bracket;  // per open bracket: a subscript/call (true) or a display
    int base = x < toks_.size() ? toks_[x].depth : 0;
    for (size_t k = x; k < y && k < toks_.size(); ++k) {
      const Token& t = toks_[k];
      if (t.kind == Tok::kPunct) {
        std::string_view p = Text(k);
        if (p == "(" || p == "[" || p == "{") {
          bool sub = k > x && (Ident(k - 1) || Punct(k - 1, ")") || Punct(k - 1, "]"));
          skip_bracket.push_back(sub);
        } else if ((p == ")" || p == "]" || p == "}") && !skip_bracket.empty()) {
          skip_bracket.pop_back();
        }
        continue;
      }
      if (t.kind != Tok::kIdent) continue;
      if (std::find(skip_bracket.begin(), skip_bracket.end(), true) != skip_bracket.end()) continue;
      if (t.depth < base) continue;
      if (k > x && (Punct(k - 1, ".") || Punct(k - 1, "@"))) continue;
      if (Punct(k + 1, ".") || Punct(k + 1, "[") || Punct(k + 1, "(")) continue;
      add(k);
    }
  };
  // The bracket depth of the current statement (0, or 1 inside an f-string field).
  int stmt_depth = b < toks_.size() ? StatementDepth(b) : 0;
  for (size_t i = b; i < e && i < toks_.size(); ++i) {
    const Token& t = toks_[i];
    if (t.flags & kStmtStart) stmt_depth = t.depth;
    std::string_view w = Text(i);
    if (t.kind == Tok::kIdent) {
      if (w == "for") {
        size_t k = i + 1;
        while (k < e && !(Word(k, "in") && toks_[k].depth == t.depth)) ++k;
        targets(i + 1, k);
      } else if (w == "as") {
        if (Punct(i + 1, "(")) {
          targets(i + 1, MatchClose(toks_, s_, i + 1));
        } else {
          add(i + 1);
        }
      } else if (w == "import") {
        bool from = false;
        size_t k = i;
        while (k > b && !(toks_[k].flags & kStmtStart)) --k;
        from = Word(k, "from");
        size_t j = i + 1;
        if (Punct(j, "(")) ++j;
        while (j < e) {
          if (!Ident(j)) break;
          size_t name = j;
          while (Punct(j + 1, ".") && Ident(j + 2)) j += 2;
          if (Word(j + 1, "as") && Ident(j + 2)) {
            add(j + 2);
            j += 2;
          } else {
            add(name);  // "import a.b" binds a; "from x import y" binds y
            (void)from;
          }
          ++j;
          if (!Punct(j, ",")) break;
          ++j;
        }
      } else if ((t.flags & kStmtStart) && Punct(i + 1, ":") && !NotCalls(true).count(w)) {
        add(i);  // annotated assignment "x: int = 3"
      }
      continue;
    }
    if (t.kind != Tok::kPunct) continue;
    if (w == ":=") {
      add(i - 1);
    } else if (w == "=" && t.depth == stmt_depth) {
      size_t k = i;
      while (k > b && !(toks_[k].flags & kStmtStart) && !Punct(k - 1, ";")) --k;
      // After a compound statement's ':' ("if x: y = 1") the target starts there.
      size_t start = k;
      for (size_t m = k; m < i; ++m) {
        if (Punct(m, ":") && toks_[m].depth == t.depth) start = m + 1;
      }
      targets(start, i);
    } else if (w.size() >= 2 && w.back() == '=' && w != "==" && w != "!=" && w != "<=" &&
               w != ">=" && w != ":=" && i > 0 && Ident(i - 1) && !(i > 1 && Punct(i - 2, "."))) {
      add(i - 1);  // augmented assignment
    }
  }
}

int Extractor::StatementDepth(size_t i) const {
  size_t k = i;
  while (k > 0 && !(toks_[k].flags & kStmtStart)) --k;
  return toks_[k].depth;
}

}  // namespace ts::graph
