// The extractor's per-language rules: which syntax each language has, which
// words are no calls, and what each ctags kind becomes in the graph.
#include <string>
#include <unordered_set>

#include "graph/extractor.h"

namespace ts::graph {

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
  // clang-format off
  static const std::unordered_set<std::string_view> kOther = {
      "if", "else", "for", "while", "do", "switch", "case", "return", "sizeof", "typeof",
      "alignof", "_Alignof", "__alignof__", "__alignof", "defined", "__attribute__",
      "__attribute", "__typeof__", "__typeof", "typeof_unqual", "_Static_assert", "static_assert",
      "decltype", "noexcept", "throw", "catch", "try", "delete", "operator", "asm", "__asm__",
      "__asm", "volatile", "__volatile__", "goto", "default", "template", "typename", "using",
      "namespace", "struct", "union", "enum", "class", "const", "static", "inline", "extern",
      "unsigned", "signed", "int", "char", "long", "short", "float", "double", "void", "bool",
      "_Bool", "auto", "register", "restrict", "__restrict", "alignas", "_Alignas", "_Generic",
      "function", "in", "of", "instanceof", "await", "yield", "async", "lock", "fixed", "checked",
      "unchecked", "foreach", "synchronized", "this", "super", "match", "loop", "where", "fn",
      "func", "fun", "def", "elif", "when", "guard", "repeat", "new", "import", "export", "from",
      "as", "is", "not", "and", "or", "let", "var", "val", "return!", "unless", "until", "elsif",
      "then", "end", "local", "require", "require_once", "include", "include_once", "echo",
      "isset", "unset", "array", "die", "self", "Self", "mut", "ref", "move", "dyn", "impl",
      "pub", "crate", "mod", "use", "trait", "type", "override", "virtual", "final", "public",
      "private", "protected", "internal", "open", "out", "params"};
  // clang-format on
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
  // Kotlin's `<lambda>` pseudo-tags name nothing, and ctags 5.9 puts some at
  // made-up lines that differ from run to run: a lambda's calls belong to
  // the definition around it.
  if (!t.name.empty() && t.name.front() == '<') return false;
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
}  // namespace ts::graph
