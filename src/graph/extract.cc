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
#include <unordered_map>
#include <unordered_set>

#include "graph/extract_internal.h"
#include "graph/graph.h"
#include "util/hash.h"

namespace ts::graph {
namespace {

struct Rules {
  bool calls = false;  // call sites are extracted
  bool python = false;
  bool module_calls = false;       // code outside definitions runs (scripts, modules)
  bool name_first_params = false;  // "name: Type" / "name Type" parameters
  bool brace_defs = true;          // definitions end at their closing brace
  bool js_methods = false;         // "name(...) {" is a method definition, not a call
  std::vector<std::string_view> self_names;
};

Rules RulesFor(std::string_view lang) {
  Rules r;
  if (lang == "python") {
    r.calls = r.python = r.module_calls = r.name_first_params = true;
    r.brace_defs = false;
  } else if (lang == "c" || lang == "objc") {
    r.calls = true;
    r.self_names = {"self"};
  } else if (lang == "cpp") {
    r.calls = true;
    r.self_names = {"this"};
  } else if (lang == "java" || lang == "csharp" || lang == "dart") {
    r.calls = true;
    r.self_names = {"this"};
  } else if (lang == "kotlin" || lang == "scala" || lang == "swift") {
    r.calls = r.name_first_params = true;
    r.self_names = {"this", "self"};
  } else if (lang == "go") {
    r.calls = r.name_first_params = true;  // the receiver name is added per method
  } else if (lang == "rust") {
    r.calls = r.name_first_params = true;
    r.self_names = {"self"};
  } else if (lang == "javascript" || lang == "typescript") {
    r.calls = r.module_calls = r.name_first_params = r.js_methods = true;
    r.self_names = {"this"};
  } else if (lang == "php") {
    r.calls = r.module_calls = r.name_first_params = true;
    r.self_names = {"$this", "self", "static"};
  } else if (lang == "ruby" || lang == "lua") {
    r.calls = r.module_calls = r.name_first_params = true;
    r.brace_defs = false;
    r.self_names = {"self"};
  }
  return r;
}

// Words that are followed by '(' without being calls.
const std::unordered_set<std::string_view>& NotCalls(bool python) {
  static const std::unordered_set<std::string_view> kPython = {
      "and",    "as",   "assert", "async",  "await",    "break", "class", "continue", "def",
      "del",    "elif", "else",   "except", "finally",  "for",   "from",  "global",   "if",
      "import", "in",   "is",     "lambda", "nonlocal", "not",   "or",    "pass",     "raise",
      "return", "try",  "while",  "with",   "yield",    "None",  "True",  "False"};
  static const std::unordered_set<std::string_view> kOther = {"if",
                                                              "else",
                                                              "for",
                                                              "while",
                                                              "do",
                                                              "switch",
                                                              "case",
                                                              "return",
                                                              "sizeof",
                                                              "typeof",
                                                              "alignof",
                                                              "_Alignof",
                                                              "__alignof__",
                                                              "__alignof",
                                                              "defined",
                                                              "__attribute__",
                                                              "__attribute",
                                                              "__typeof__",
                                                              "__typeof",
                                                              "typeof_unqual",
                                                              "_Static_assert",
                                                              "static_assert",
                                                              "decltype",
                                                              "noexcept",
                                                              "throw",
                                                              "catch",
                                                              "try",
                                                              "delete",
                                                              "operator",
                                                              "asm",
                                                              "__asm__",
                                                              "__asm",
                                                              "volatile",
                                                              "__volatile__",
                                                              "goto",
                                                              "default",
                                                              "template",
                                                              "typename",
                                                              "using",
                                                              "namespace",
                                                              "struct",
                                                              "union",
                                                              "enum",
                                                              "class",
                                                              "const",
                                                              "static",
                                                              "inline",
                                                              "extern",
                                                              "unsigned",
                                                              "signed",
                                                              "int",
                                                              "char",
                                                              "long",
                                                              "short",
                                                              "float",
                                                              "double",
                                                              "void",
                                                              "bool",
                                                              "_Bool",
                                                              "auto",
                                                              "register",
                                                              "restrict",
                                                              "__restrict",
                                                              "alignas",
                                                              "_Alignas",
                                                              "_Generic",
                                                              "function",
                                                              "in",
                                                              "of",
                                                              "instanceof",
                                                              "await",
                                                              "yield",
                                                              "async",
                                                              "lock",
                                                              "fixed",
                                                              "checked",
                                                              "unchecked",
                                                              "foreach",
                                                              "synchronized",
                                                              "this",
                                                              "super",
                                                              "match",
                                                              "loop",
                                                              "where",
                                                              "fn",
                                                              "func",
                                                              "fun",
                                                              "def",
                                                              "elif",
                                                              "when",
                                                              "guard",
                                                              "repeat",
                                                              "new",
                                                              "import",
                                                              "export",
                                                              "from",
                                                              "as",
                                                              "is",
                                                              "not",
                                                              "and",
                                                              "or",
                                                              "let",
                                                              "var",
                                                              "val",
                                                              "return!",
                                                              "unless",
                                                              "until",
                                                              "elsif",
                                                              "then",
                                                              "end",
                                                              "local",
                                                              "require",
                                                              "require_once",
                                                              "include",
                                                              "include_once",
                                                              "echo",
                                                              "isset",
                                                              "unset",
                                                              "array",
                                                              "die",
                                                              "self",
                                                              "Self",
                                                              "mut",
                                                              "ref",
                                                              "move",
                                                              "dyn",
                                                              "impl",
                                                              "pub",
                                                              "crate",
                                                              "mod",
                                                              "use",
                                                              "trait",
                                                              "type",
                                                              "override",
                                                              "virtual",
                                                              "final",
                                                              "public",
                                                              "private",
                                                              "protected",
                                                              "internal",
                                                              "open",
                                                              "out",
                                                              "params"};
  return python ? kPython : kOther;
}

// Keywords after which a name is being defined, not called.
bool DefinesName(std::string_view w) {
  static const std::unordered_set<std::string_view> k = {
      "def",   "class", "function",  "fn",    "func", "fun",         "struct",
      "union", "enum",  "interface", "trait", "impl", "macro_rules", "sub"};
  return k.count(w) > 0;
}

bool TypeLikeKind(std::string_view k) {
  static const std::unordered_set<std::string_view> kinds = {
      "class",          "struct", "union",  "enum",     "interface", "trait",
      "implementation", "object", "record", "protocol", "extension", "category",
      "typedef",        "type",   "module", "mixin",    "enum class"};
  return kinds.count(k) > 0;
}

// A scope kind whose members are members of a type (self/this applies).
bool TypeScopeKind(std::string_view k) {
  return k == "class" || k == "struct" || k == "union" || k == "interface" || k == "trait" ||
         k == "implementation" || k == "object" || k == "record" || k == "protocol" ||
         k == "extension" || k == "category" || k == "enum" || k == "mixin";
}

// What a tag becomes in the graph, or false when it is not a node.
bool Classify(const chunk::Tag& t, std::string_view lang, Role* role, std::string* kind) {
  const std::string& k = t.kind;
  bool member_scope = TypeScopeKind(t.scope_kind);
  if (k == "function" || k == "func" || k == "method" || k == "constructor" || k == "getter" ||
      k == "setter" || k == "generator" || k == "singletonMethod" || k == "subroutine" ||
      k == "procedure" || k == "methodSpec" || k == "destructor") {
    *role = Role::kCallable;
    if (k == "constructor" || k == "getter" || k == "setter" || k == "destructor")
      *kind = k;
    else
      *kind = member_scope ? "method" : "function";
    return true;
  }
  if (k == "member") {
    // Python and Ruby methods are "member"; elsewhere a member without a signature is data.
    if (lang == "python" || !t.signature.empty()) {
      *role = Role::kCallable;
      *kind = member_scope ? "method" : "function";
    } else {
      *role = Role::kField;
      *kind = "field";
    }
    return true;
  }
  if (k == "macro") {
    if (t.signature.empty() && lang != "rust") return false;  // constants are not called
    *role = Role::kCallable;
    *kind = "macro";
    return true;
  }
  if (k == "implementation" || k == "extension" || k == "category") {
    *role = Role::kImpl;
    *kind = k == "implementation" ? "impl" : k;
    return true;
  }
  if (TypeLikeKind(k) && k != "module") {
    *role = Role::kType;
    *kind = k;
    return true;
  }
  if ((k == "field" || k == "property" || k == "variable" || k == "constant" || k == "attribute") &&
      member_scope) {
    *role = Role::kField;
    *kind = "field";
    return true;
  }
  return false;
}

std::string CleanScope(const std::string& scope) {
  if (scope.find("__anon") == std::string::npos) return scope;
  std::string out;
  std::string sep = scope.find("::") != std::string::npos ? "::" : ".";
  size_t pos = 0;
  while (pos <= scope.size()) {
    size_t e = scope.find(sep, pos);
    std::string part = scope.substr(pos, e == std::string::npos ? std::string::npos : e - pos);
    if (!part.empty() && part.rfind("__anon", 0) != 0) out += (out.empty() ? "" : sep) + part;
    if (e == std::string::npos) break;
    pos = e + sep.size();
  }
  return out;
}

struct Node {
  Definition def;
  size_t order = 0;                        // position in ctags' output
  int name_tok = -1;                       // the token of the name at def_line
  size_t claim_begin = 0, claim_end = 0;   // token range it owns (nested claims cut out)
  size_t body_begin = 0;                   // tokens before it are its header (owned by nobody)
  std::unordered_set<std::string> shadow;  // parameters and locals (bare calls to them are local)
  std::string self_name;   // Python: its first parameter when a method; Go: its receiver
  bool is_static = false;  // Python @staticmethod
};

class Extractor {
 public:
  Extractor(std::string_view lang, std::string_view content, const std::vector<chunk::Tag>& tags)
      : lang_(lang), s_(content), tags_(tags), rules_(RulesFor(lang)) {}

  FileGraph Run() {
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

 private:
  void BuildLines() {
    lines_.push_back(0);
    for (size_t i = 0; i < s_.size(); ++i) {
      if (s_[i] == '\n' && i + 1 < s_.size()) lines_.push_back(i + 1);
    }
  }
  std::string_view LineText(int line) const {
    if (line < 1 || static_cast<size_t>(line) > lines_.size()) return {};
    size_t b = lines_[line - 1];
    size_t e = static_cast<size_t>(line) < lines_.size() ? lines_[line] : s_.size();
    std::string_view t = s_.substr(b, e - b);
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.remove_suffix(1);
    return t;
  }
  std::string_view Text(size_t i) const { return TokText(s_, toks_[i]); }
  bool Punct(size_t i, std::string_view p) const {
    return i < toks_.size() && IsPunct(s_, toks_[i], p);
  }
  bool Word(size_t i, std::string_view w) const {
    return i < toks_.size() && IsWord(s_, toks_[i], w);
  }
  bool Ident(size_t i) const { return i < toks_.size() && toks_[i].kind == Tok::kIdent; }
  // First token on `line` or later.
  size_t TokAtLine(int line) const {
    if (line < 1) return 0;
    if (static_cast<size_t>(line) >= line_tok_.size()) return toks_.size();
    return line_tok_[line];
  }

  void CollectNodes() {
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
          (t.kind == "constant" || t.kind == "variable" || t.kind == "let" ||
           t.kind == "property" || t.kind == "field") &&
          IsFunctionValue(t)) {
        t.kind = TypeScopeKind(t.scope_kind) ? "method" : "function";
      }
      Role role;
      std::string kind;
      if (!Classify(t, lang_, &role, &kind)) continue;
      // A C typedef of an already named struct would only duplicate it.
      if (kind == "typedef" && t.end <= t.line) {
        bool dup = false;
        for (const auto& n : nodes_)
          dup = dup || (n.def.name == t.name && n.def.def_line == t.line);
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

  // "const f = (a) => ...", "const f = function ...", "f = async () => ..." on the tag's line.
  bool IsFunctionValue(const chunk::Tag& t) const {
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

  void SplitBases(const std::string& inherits, std::vector<std::string>* out) const {
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

  // Name token, header/body split, first line (decorators) and end line.
  void Extent(Node& n) {
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

  int EstimateEnd(const Node& n) const {
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
                         (prev == "=" || prev == "=>" || prev == "," || prev == "(" ||
                          prev == ":" || prev == "->" || prev == "+" || prev == "|" ||
                          prev == "&" || prev == "." || prev == "<" || prev == ")");
        bool keyword_cont =
            t.kind == Tok::kIdent && (Text(i) == "where" || Text(i) == "extends" ||
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

  // The first line of the decorators/annotations/attributes stacked right
  // above the token `first` (the first token of the definition's line).
  int DecoratorStart(size_t first, int def_line) const {
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

  size_t MatchOpen(size_t close) const {
    std::string_view c = Text(close);
    std::string_view o = c == ")" ? "(" : c == "]" ? "[" : "{";
    int depth = toks_[close].depth;
    for (size_t i = close; i-- > 0;) {
      if (toks_[i].depth == depth && IsPunct(s_, toks_[i], o)) return i;
      if (toks_[i].depth < depth) break;
    }
    return toks_.size();
  }

  // Python parameters: names in the def's parentheses; the first is `self`
  // (or `cls`) for a method that is not a staticmethod.
  void PythonParams(Node& n, size_t kw, size_t colon) {
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

  // Parameters of brace languages (the shadow set), and a Go method's receiver.
  void OtherParams(Node& n) {
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

  void AddParamName(Node& n, size_t b, size_t e, int depth) {
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

  // Nesting: the innermost claim that holds a definition is its parent.
  void Nest() {
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

  // Names a definition binds (parameters are already in): bare calls to them
  // are calls of a local value, not of a definition elsewhere.
  void Shadows(Node& n) {
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

  // Python's rule (what the compiler treats as local): assignment targets,
  // for/with/except/import bindings, walrus, annotated names, anywhere in
  // the function's text, nested functions included.
  void PythonStores(Node& n, size_t b, size_t e) {
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
        if (std::find(skip_bracket.begin(), skip_bracket.end(), true) != skip_bracket.end())
          continue;
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

  // The bracket depth of the statement holding token i (0 unless inside an f-string field).
  int StatementDepth(size_t i) const {
    size_t k = i;
    while (k > 0 && !(toks_[k].flags & kStmtStart)) --k;
    return toks_[k].depth;
  }

  bool IsSelfName(const Node* owner, std::string_view w) const {
    if (owner == nullptr) return false;
    if (!owner->self_name.empty() && w == owner->self_name) return true;
    // In Python "self" is a convention, also where the first parameter is cls
    // (__new__ and classmethods build one); a staticmethod has neither.
    if (rules_.python) return w == "self" && !owner->def.self_scope.empty() && !owner->is_static;
    if (!owner->self_name.empty()) return false;
    if (owner->def.self_scope.empty()) return false;
    for (auto s : rules_.self_names) {
      if (w == s) return true;
    }
    return false;
  }

  // Sweeps the tokens once with a stack of open claims, and records each
  // call site under the innermost definition that owns it.
  void Calls() {
    std::unordered_set<size_t> name_toks;  // nodes_ is sorted by claim_begin (Nest)
    for (const auto& n : nodes_) {
      if (n.name_tok >= 0) name_toks.insert(n.name_tok);
    }
    // (owner, name, kind, receiver) already recorded, as a 64-bit hash.
    std::unordered_set<uint64_t> seen;
    const auto& not_calls = NotCalls(rules_.python);
    std::vector<size_t> stack;
    size_t next = 0;
    size_t skip_until = 0;  // Python lambda bodies are skipped
    for (size_t i = 0; i < toks_.size(); ++i) {
      while (!stack.empty() && nodes_[stack.back()].claim_end <= i) stack.pop_back();
      while (next < nodes_.size() && nodes_[next].claim_begin <= i) {
        size_t d = next++;
        while (!stack.empty() && nodes_[stack.back()].claim_end <= nodes_[d].claim_begin)
          stack.pop_back();
        if (nodes_[d].claim_end > i) stack.push_back(d);
      }
      if (i < skip_until) continue;
      const Token& t = toks_[i];
      if (rules_.python && t.kind == Tok::kIdent && Text(i) == "lambda") {
        skip_until = LambdaEnd(i);
        continue;
      }
      if (t.kind != Tok::kIdent) continue;
      Node* owner = stack.empty() ? nullptr : &nodes_[stack.back()];
      if (owner != nullptr && i < owner->body_begin) continue;  // header: decorators, defaults
      if (owner == nullptr && !rules_.module_calls) continue;
      if (owner != nullptr && owner->def.role != Role::kCallable &&
          owner->def.role != Role::kModule && !rules_.python)
        continue;  // declarations in a class body are not calls
      if (owner != nullptr && owner->def.role == Role::kField) continue;
      // name(...)
      CallKind kind = CallKind::kBare;
      size_t after = i + 1;
      if (lang_ == "rust" && Punct(after, "!") &&
          (Punct(after + 1, "(") || Punct(after + 1, "[") || Punct(after + 1, "{"))) {
        kind = CallKind::kMacro;
      } else if (!Punct(after, "(")) {
        continue;
      }
      std::string_view name = Text(i);
      if (name_toks.count(i)) continue;
      if (i > 0 && toks_[i - 1].kind == Tok::kIdent && toks_[i - 1].line == t.line &&
          DefinesName(Text(i - 1)))
        continue;
      if ((t.flags & kPreproc) && i > 0 && toks_[i - 1].kind == Tok::kDirective) continue;
      if (rules_.js_methods && kind == CallKind::kBare) {
        size_t close = MatchClose(toks_, s_, after);
        if (close + 1 < toks_.size() && Punct(close + 1, "{") &&
            !(i > 0 && (Punct(i - 1, ".") || Punct(i - 1, "?.")))) {
          continue;  // "name(...) {": a method being defined
        }
      }
      std::string receiver;
      if (kind != CallKind::kMacro && i > 0) {
        size_t p = i - 1;
        auto member_op_at = [&](size_t k) {
          return Punct(k, ".") || Punct(k, "->") || Punct(k, "?.");
        };
        bool member_op = member_op_at(p);
        if (member_op && p > 0) {
          size_t r = p - 1;
          bool chained = r > 0 && member_op_at(r - 1);
          if (Ident(r)) {
            std::string_view rw = Text(r);
            if (!chained && IsSelfName(owner, rw)) {
              kind = CallKind::kSelf;
            } else if (!chained && rw == "super") {
              kind = CallKind::kSuper;
            } else {
              kind = CallKind::kMember;
              receiver = chained ? DottedReceiver(r) : std::string(rw);
            }
          } else if (Punct(r, ")")) {
            size_t open = MatchOpen(r);
            kind = open < toks_.size() && open > 0 && Word(open - 1, "super") ? CallKind::kSuper
                                                                              : CallKind::kMember;
          } else {
            kind = CallKind::kMember;
          }
        } else if (member_op) {
          kind = CallKind::kMember;
        } else if (Punct(p, "::")) {
          if (p > 0 && Ident(p - 1)) {
            std::string_view rw = Text(p - 1);
            if (rw == "Self" || rw == "self" || rw == "super" || rw == "crate") {
              kind = rw == "Self" ? CallKind::kSelf : CallKind::kBare;
            } else {
              kind = CallKind::kScoped;
              receiver = rw;
            }
          }
        } else if (Word(p, "new")) {
          kind = CallKind::kNew;
        }
      }
      if ((kind == CallKind::kBare || kind == CallKind::kNew) && not_calls.count(name)) continue;
      if (kind == CallKind::kBare && owner != nullptr && owner->shadow.count(std::string(name)))
        kind = CallKind::kLocal;
      uint64_t key = Hash64(name) * 0x9E3779B97F4A7C15ull ^ Hash64(receiver) * 31 ^
                     (static_cast<uint64_t>(kind) << 56) ^
                     static_cast<uint64_t>(owner == nullptr ? 0 : owner - nodes_.data() + 1);
      if (!seen.insert(key).second) continue;
      CallRef ref{std::string(name), kind, receiver, static_cast<int>(t.line)};
      if (owner == nullptr) {
        module_calls_.push_back(std::move(ref));
      } else {
        owner->def.calls.push_back(std::move(ref));
      }
    }
  }

  // "a.b.c" when the receiver ending at token r is a chain of plain names
  // joined by '.' (a module path such as urllib.request); "" otherwise (a call
  // result, a subscript, ->).
  std::string DottedReceiver(size_t r) const {
    std::vector<std::string_view> parts = {Text(r)};
    size_t k = r;
    while (k >= 2 && Punct(k - 1, ".") && Ident(k - 2) && parts.size() < 6) {
      k -= 2;
      parts.push_back(Text(k));
    }
    if (k > 0 &&
        (Punct(k - 1, ".") || Punct(k - 1, "->") || Punct(k - 1, "?.") || Punct(k - 1, "::")))
      return "";
    std::string out;
    for (size_t i = parts.size(); i-- > 0;) {
      out += parts[i];
      if (i > 0) out += '.';
    }
    return out;
  }

  // A lambda's body ends at a ',' or a closing bracket at its own depth, or at
  // the end of the logical line.
  size_t LambdaEnd(size_t i) const {
    int depth = toks_[i].depth;
    for (size_t k = i + 1; k < toks_.size(); ++k) {
      const Token& t = toks_[k];
      if (t.flags & kStmtStart) return k;
      if (t.depth < depth) return k;
      if (t.depth == depth && t.kind == Tok::kPunct) {
        std::string_view p = Text(k);
        if (p == "," || p == ")" || p == "]" || p == "}" || p == ";") return k;
      }
      if (t.depth == depth && Word(k, "for")) return k;  // [lambda: x for x in y]
    }
    return toks_.size();
  }

  // Bases where ctags gives none: Rust "impl Trait for Type", Go embedding,
  // "extends"/"implements"/":" in headers of other languages.
  void Bases() {
    for (auto& n : nodes_) {
      Definition& d = n.def;
      if (!d.bases.empty()) continue;
      if (d.role == Role::kImpl && lang_ == "rust") {
        size_t i = TokAtLine(d.def_line), stop = TokAtLine(d.def_line + 1);
        while (i < stop && !Word(i, "impl")) ++i;
        size_t f = i;
        while (f < toks_.size() && f < i + 64 && !Word(f, "for") && !Punct(f, "{")) ++f;
        if (f < toks_.size() && Word(f, "for")) {
          // The trait: the last path segment before "for", generics dropped.
          std::string trait;
          int angle = 0;
          for (size_t k = i + 1; k < f; ++k) {
            if (Punct(k, "<")) ++angle;
            if (Punct(k, ">")) --angle;
            if (Punct(k, ">>")) angle -= 2;
            if (angle == 0 && Ident(k)) trait = Text(k);
          }
          if (!trait.empty()) d.bases.push_back(trait);
        }
        continue;
      }
      if (d.role != Role::kType) continue;
      if (lang_ == "go" && (d.kind == "struct" || d.kind == "interface")) {
        // Embedded fields: a line holding only [*]Name or [*]pkg.Name (and maybe a tag).
        for (int l = d.def_line + 1; l < d.end_line; ++l) {
          size_t i = TokAtLine(l), stop = TokAtLine(l + 1);
          if (i >= stop) continue;
          if (Punct(i, "*")) ++i;
          std::string name;
          if (Ident(i)) {
            name = Text(i);
            ++i;
            if (Punct(i, ".") && Ident(i + 1)) {
              name += "." + std::string(Text(i + 1));
              i += 2;
            }
          }
          if (i < stop && toks_[i].kind == Tok::kString) ++i;
          if (!name.empty() && i == stop) d.bases.push_back(name);
        }
        continue;
      }
      if (n.name_tok < 0) continue;
      // Header keywords up to the body.
      size_t i = n.name_tok + 1;
      int depth = toks_[n.name_tok].depth;
      bool collecting = false;
      std::string cur;
      for (size_t k = i; k < toks_.size() && k < i + 128; ++k) {
        if (toks_[k].depth < depth) break;
        if (toks_[k].depth == depth && (Punct(k, "{") || Punct(k, ";") || Punct(k, "where"))) break;
        if (toks_[k].depth != depth) continue;
        std::string_view w = Text(k);
        if (Word(k, "extends") || Word(k, "implements") || Word(k, "with") ||
            (Punct(k, ":") && (lang_ == "kotlin" || lang_ == "swift" || lang_ == "csharp"))) {
          if (!cur.empty()) d.bases.push_back(cur);
          cur.clear();
          collecting = true;
          continue;
        }
        if (!collecting) continue;
        if (Punct(k, ",")) {
          if (!cur.empty()) d.bases.push_back(cur);
          cur.clear();
        } else if (Ident(k)) {
          if (!cur.empty() && !Punct(k - 1, ".")) {
            d.bases.push_back(cur);
            cur.clear();
          }
          cur += w;
        } else if (Punct(k, ".")) {
          cur += ".";
        } else if (Punct(k, "<")) {
          // generic arguments: skip to the matching '>'
          int angle = 1;
          while (++k < toks_.size() && angle > 0) {
            if (Punct(k, "<")) ++angle;
            if (Punct(k, ">")) --angle;
          }
          --k;
        }
      }
      if (!cur.empty()) d.bases.push_back(cur);
    }
  }

  std::string_view lang_, s_;
  const std::vector<chunk::Tag>& tags_;
  Rules rules_;
  std::vector<size_t> lines_;
  std::vector<Token> toks_;
  std::vector<size_t> line_tok_;  // line -> first token on it or later
  std::vector<Node> nodes_;
  std::vector<CallRef> module_calls_;
};

}  // namespace

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
