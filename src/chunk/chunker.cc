// ChunkFile: definitions from ctags become chunks (with their doc comments and
// decorators), containers keep only their header, long definitions and loose
// code become overlapping windows, Markdown splits by heading.
#include <algorithm>
#include <map>
#include <tuple>
#include <unordered_set>

#include "chunk/chunk.h"
#include "util/hash.h"

namespace ts::chunk {
namespace {

// Line i (0-based) spans [starts[i], starts[i+1]).
struct Lines {
  std::vector<size_t> starts;
  explicit Lines(std::string_view content) {
    starts.push_back(0);
    for (size_t i = 0; i < content.size(); ++i) {
      if (content[i] == '\n' && i + 1 < content.size()) starts.push_back(i + 1);
    }
    if (content.empty()) starts.clear();
    starts.push_back(content.size());
  }
  int count() const { return static_cast<int>(starts.size()) - 1; }
  // 1-based line number -> its text without the newline.
  std::string_view Text(std::string_view content, int line) const {
    std::string_view t = content.substr(starts[line - 1], starts[line] - starts[line - 1]);
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.remove_suffix(1);
    return t;
  }
};

std::string_view Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

bool HasWordChar(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || static_cast<unsigned char>(c) >= 0x80;
  });
}

bool StartsWith(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

// Kinds that become chunks. Containers keep only their header when they have
// member chunks; other kinds swallow anything nested in them.
const std::unordered_set<std::string>& DefinitionKinds() {
  static const std::unordered_set<std::string> kinds = {
      "function", "func",       "method",   "member",    "constructor", "class",
      "struct",   "union",      "enum",     "interface", "trait",       "implementation",
      "macro",    "typedef",    "getter",   "setter",    "generator",   "singletonMethod",
      "object",   "record",     "protocol", "extension", "subroutine",  "procedure",
      "type",     "methodSpec", "alias",    "module"};
  return kinds;
}

bool IsContainer(const std::string& kind) {
  static const std::unordered_set<std::string> kinds = {
      "class",  "struct", "union",    "interface", "trait", "implementation",
      "object", "record", "protocol", "extension", "enum",  "module"};
  return kinds.count(kind) > 0;
}

std::string NormalizeKind(const std::string& kind) {
  if (kind == "member" || kind == "singletonMethod") return "method";
  if (kind == "func") return "function";
  if (kind == "implementation") return "impl";
  return kind;
}

// True when `line` is part of what introduces the definition below it: a doc
// comment, a decorator, an annotation or an attribute.
bool IsLeadingLine(std::string_view language, std::string_view line) {
  std::string_view t = Trim(line);
  if (t.empty()) return false;
  if (StartsWith(t, "//") || StartsWith(t, "/*") || StartsWith(t, "*") || StartsWith(t, "*/")) {
    return true;
  }
  // Python decorators, Java/TS annotations; "@Input() size = 1;" is a field, not one.
  if (t[0] == '@') return t.back() != ';' && t.find(" = ") == std::string_view::npos;
  if (StartsWith(t, "#[") || StartsWith(t, "#!["))  // Rust attributes
    return true;
  if (t[0] == '#') {
    // A comment in hash-comment languages; in C-like ones '#' is the preprocessor.
    return language == "python" || language == "shell" || language == "ruby" ||
           language == "perl" || language == "make" || language == "yaml" || language == "r" ||
           language == "toml" || language == "cmake" || language == "elixir";
  }
  if (StartsWith(t, "--")) return language == "lua" || language == "sql" || language == "haskell";
  if (t[0] == '[') return language == "csharp";  // C# attributes
  return false;
}

// A Haskell definition's type signature above its equations: `name :: ..`
// and its continuation lines (`  -> ..`, `  => ..`), and pragmas. ctags tags
// the first equation, so without these the signature would be loose code.
bool IsHaskellSignatureLine(std::string_view name, std::string_view line) {
  std::string_view t = Trim(line);
  if (t.empty()) return false;
  if (StartsWith(t, "{-#")) return true;
  if (line[0] != ' ' && line[0] != '\t') {  // at column 0: `name ::`
    if (name.empty() || !StartsWith(t, name)) return false;
    return StartsWith(Trim(t.substr(name.size())), "::");
  }
  return StartsWith(t, "->") || StartsWith(t, "=>") || StartsWith(t, "::");
}

// A line with nothing of its own: closing brackets or a block's closing
// keyword (`end`, `fi`, `done`, `esac`), as between Ruby or Lua definitions.
bool IsCloserLine(std::string_view line) {
  std::string_view t = Trim(line);
  while (!t.empty() && (t.back() == ';' || t.back() == ',' || t.back() == ')' || t.back() == ']' ||
                        t.back() == '}')) {
    t.remove_suffix(1);
  }
  t = Trim(t);
  return t == "end" || t == "fi" || t == "done" || t == "esac" || !HasWordChar(t);
}

// True when `line` imports or includes another module, in any language:
// import/use/using/require/include/package lines and C's #include.
bool IsImportLine(std::string_view line) {
  std::string_view t = Trim(line);
  for (std::string_view keyword :
       {"import ", "use ", "using ", "require ", "require(", "require_relative ", "include ",
        "package ", "from ", "#include", "#import", "extern crate "}) {
    if (StartsWith(t, keyword)) return true;
  }
  return false;
}

// True when lines [start, end] hold imports and nothing else that is code:
// besides import lines, only blank lines, comments, namespace/package/module
// declarations, PHP's open tag and strict-types line, bare strings and
// brackets (a Go import block). Such a window is a file's header.
bool OnlyImports(const Lines& lines, std::string_view content, int start, int end) {
  int imports = 0;
  for (int l = start; l <= end; ++l) {
    std::string_view t = Trim(lines.Text(content, l));
    if (t.empty() || t == "{" || t == "}" || t == "(" || t == ")" || t == "<?php" || t == "?>")
      continue;
    if (IsImportLine(t)) {
      ++imports;
      continue;
    }
    if (StartsWith(t, "//") || StartsWith(t, "/*") || StartsWith(t, "*") || StartsWith(t, "--") ||
        (t[0] == '#' && !StartsWith(t, "#define") && !StartsWith(t, "#if")) ||
        StartsWith(t, "namespace ") || StartsWith(t, "module ") || StartsWith(t, "declare(") ||
        (t.size() >= 2 && (t[0] == '"' || t[0] == '\'') && (t.back() == '"' || t.back() == '\'')))
      continue;
    return false;
  }
  return imports > 0;
}

// ctags names anonymous namespaces "__anonXXXX"; they mean nothing to a reader.
std::string CleanScope(const std::string& scope) {
  if (scope.find("__anon") == std::string::npos) return scope;
  std::string out;
  size_t pos = 0;
  while (pos <= scope.size()) {
    size_t sep = scope.find("::", pos);
    std::string part = scope.substr(pos, sep == std::string::npos ? std::string::npos : sep - pos);
    if (!part.empty() && part.rfind("__anon", 0) != 0) out += (out.empty() ? "" : "::") + part;
    if (sep == std::string::npos) break;
    pos = sep + 2;
  }
  return out;
}

int Indent(std::string_view line) {
  int n = 0;
  for (char c : line) {
    if (c == ' ')
      ++n;
    else if (c == '\t')
      n += 8;
    else
      break;
  }
  return n;
}

// The last line of a definition whose end ctags did not report. Indentation
// languages: the lines indented deeper than the definition line. Others: the
// line of the brace that closes the first one opened, or the first ';' before
// any brace (a declaration). Strings and comments are skipped roughly, which
// is enough for an estimate that is capped by the caller anyway.
int EstimateEnd(const Lines& lines, std::string_view content, std::string_view language, int line,
                int limit) {
  const int n = std::min(lines.count(), limit);
  if (language == "python" || language == "yaml" || language == "nim") {
    int base = Indent(lines.Text(content, line));
    int end = line;
    for (int l = line + 1; l <= n; ++l) {
      std::string_view t = lines.Text(content, l);
      if (Trim(t).empty()) continue;
      if (Indent(t) <= base) break;
      end = l;
    }
    return end;
  }
  if (language == "haskell") {
    // The offside rule: a top-level definition runs on through its indented
    // lines and its own further equations (`f [] = ..` after `f :: ..`); the
    // next line that starts at its column with another name ends it.
    std::string_view first = lines.Text(content, line);
    const int base = Indent(first);
    std::string_view name = Trim(first);
    size_t len = 0;
    while (len < name.size() && (std::isalnum(static_cast<unsigned char>(name[len])) ||
                                 name[len] == '_' || name[len] == '\'')) {
      ++len;
    }
    name = name.substr(0, len);
    int end = line;
    for (int l = line + 1; l <= n; ++l) {
      std::string_view t = lines.Text(content, l);
      std::string_view body = Trim(t);
      if (body.empty()) continue;
      const bool same_name = !name.empty() && Indent(t) == base &&
                             body.substr(0, name.size()) == name &&
                             (body.size() == name.size() ||
                              !(std::isalnum(static_cast<unsigned char>(body[name.size()])) ||
                                body[name.size()] == '_' || body[name.size()] == '\''));
      if (Indent(t) <= base && !same_name) break;
      end = l;
    }
    return end;
  }
  const bool quote_is_string = language != "rust";  // 'a is a Rust lifetime
  int depth = 0;
  bool opened = false;
  for (int l = line; l <= n; ++l) {
    std::string_view t = lines.Text(content, l);
    char in_string = 0;
    for (size_t i = 0; i < t.size(); ++i) {
      char c = t[i];
      if (in_string) {
        if (c == '\\')
          ++i;
        else if (c == in_string)
          in_string = 0;
        continue;
      }
      if (c == '/' && i + 1 < t.size() && t[i + 1] == '/') break;
      if (c == '"' || c == '`' || (c == '\'' && quote_is_string)) {
        in_string = c;
      } else if (c == '{') {
        ++depth;
        opened = true;
      } else if (c == '}') {
        if (--depth <= 0 && opened) return l;
      } else if (c == ';' && !opened) {
        return l;
      }
    }
  }
  return opened ? n : line;
}

struct Def {
  int start, end;  // lines of the definition itself (name line .. end)
  const Tag* tag;
};

class Builder {
 public:
  Builder(std::string_view path, std::string_view content, const ChunkOptions& options)
      : path_(path), content_(content), lines_(content), options_(options) {}

  const Lines& lines() const { return lines_; }

  // Adds [start, end] as one chunk, or as overlapping windows when long.
  void Add(int start, int end, const std::string& symbol, const std::string& scope,
           const std::string& kind, const Tag* tag, int max_lines) {
    if (start > end) return;
    int part = 0;
    int size = std::max(1, options_.window_lines);
    int step = std::max(1, size - std::max(0, options_.window_overlap));
    if (end - start + 1 <= max_lines) {
      Emit(start, end, symbol, scope, kind, tag, 0);
      return;
    }
    for (int s = start;; s += step) {
      int e = std::min(end, s + size - 1);
      Emit(s, e, symbol, scope, kind, tag, part++);
      if (e == end) break;
    }
  }

  // Windows over the lines in [start, end] that hold words, split at runs of blank lines.
  void AddLoose(int start, int end) {
    int s = start;
    while (s <= end) {
      while (s <= end && IsCloserLine(lines_.Text(content_, s))) ++s;
      if (s > end) break;
      int e = s;
      int last_word = s;
      // Extend over a run that has no 2+ consecutive blank lines.
      int blanks = 0;
      while (e + 1 <= end) {
        std::string_view t = Trim(lines_.Text(content_, e + 1));
        if (t.empty()) {
          if (++blanks >= 2) break;
        } else {
          blanks = 0;
          if (!IsCloserLine(t)) last_word = e + 1;
        }
        ++e;
      }
      // A lone short line between definitions ("}  // namespace x", "};") is
      // not worth a search result of its own.
      std::string_view only = Trim(lines_.Text(content_, s));
      if (!(s == last_word && only.size() < 40)) {
        Add(s, last_word, "", "", "window", nullptr, options_.window_lines);
      }
      s = e + 1;
    }
  }

  std::vector<Chunk> Take() {
    std::sort(chunks_.begin(), chunks_.end(), [](const Chunk& a, const Chunk& b) {
      return std::tie(a.start_line, a.end_line) < std::tie(b.start_line, b.end_line);
    });
    return std::move(chunks_);
  }

 private:
  void Emit(int start, int end, const std::string& symbol, const std::string& scope,
            const std::string& kind, const Tag* tag, int part) {
    Chunk c;
    c.start_line = start;
    c.end_line = end;
    c.byte_begin = lines_.starts[start - 1];
    c.byte_end = lines_.starts[end];
    c.symbol = symbol;
    c.scope = scope;
    c.kind = kind;
    if (tag != nullptr) {
      c.signature = tag->signature;
      c.inherits = tag->inherits;
    }
    // Windows are numbered in file order; definitions by name, so a definition
    // keeps its id when code above it moves.
    int key_part = kind == "window" ? window_ordinal_++ : part;
    std::string key = std::string(path_) + '\0' + kind + '\0' + scope + '\0' + symbol + '\0' +
                      std::to_string(key_part);
    int ordinal = ordinals_[key]++;
    c.id = HexHash64(Hash64(key + '\0' + std::to_string(ordinal)));
    chunks_.push_back(std::move(c));
  }

  std::string_view path_;
  std::string_view content_;
  Lines lines_;
  const ChunkOptions& options_;
  std::vector<Chunk> chunks_;
  std::map<std::string, int> ordinals_;
  int window_ordinal_ = 0;
};

std::vector<Chunk> ChunkMarkdown(Builder& b, std::string_view content) {
  const Lines& lines = b.lines();
  int n = lines.count();
  int section_start = 1;
  std::string heading;
  bool in_fence = false;
  auto flush = [&](int end) {
    if (end >= section_start) {
      bool any = false;
      for (int l = section_start; l <= end && !any; ++l) any = HasWordChar(lines.Text(content, l));
      if (any) b.Add(section_start, end, heading, "", "section", nullptr, 150);
    }
  };
  for (int l = 1; l <= n; ++l) {
    std::string_view t = lines.Text(content, l);
    if (StartsWith(Trim(t), "```") || StartsWith(Trim(t), "~~~")) in_fence = !in_fence;
    if (in_fence || !StartsWith(t, "#")) continue;
    size_t hashes = t.find_first_not_of('#');
    if (hashes == std::string_view::npos || hashes > 6 || t[hashes] != ' ') continue;
    flush(l - 1);
    section_start = l;
    heading = std::string(Trim(t.substr(hashes)));
  }
  flush(n);
  return b.Take();
}

}  // namespace

std::vector<Chunk> ChunkFile(std::string_view rel_path, std::string_view content,
                             std::string_view language, const std::vector<Tag>& tags,
                             const ChunkOptions& options) {
  Builder b(rel_path, content, options);
  const int n = b.lines().count();
  if (n <= 0) return {};
  if (language == "markdown") return ChunkMarkdown(b, content);

  // ctags names anonymous structs and unions "__anonXXXX"; "typedef struct
  // {...} foo_t" then has a typedef tag foo_t inside the struct's lines. Such
  // a struct is shown under its typedef name.
  std::vector<Tag> renamed;
  renamed.reserve(tags.size());
  for (const Tag& t : tags) {
    renamed.push_back(t);
    if (t.name.rfind("__anon", 0) != 0) continue;
    renamed.back().name.clear();
    for (const Tag& td : tags) {
      if (td.kind == "typedef" && td.line >= t.line && td.line <= std::max(t.line, t.end)) {
        renamed.back().name = td.name;
      }
    }
  }
  std::vector<Def> defs;
  for (const Tag& t : renamed) {
    if (t.name.empty()) continue;  // anonymous with no typedef: its lines go to windows
    // ctags' Kotlin parser tags every lambda as a method named `<lambda>`,
    // some at made-up lines (line 1 or 2, whose brace scan then swallows the
    // whole file): such pseudo-tags name nothing.
    // (Its lambdas' parameters come as methods scoped in a `<lambda>`; they
    // stay, as chunks of the lambda's body: dropping them too cost ktor
    // 0.828 -> 0.800.)
    if (t.name.front() == '<') continue;
    if (!DefinitionKinds().count(t.kind) || t.line < 1 || t.line > n) continue;
    // Python methods are "member"; a C/C++ data member would have no signature.
    if (t.kind == "member" && t.signature.empty() && language != "python") continue;
    // A module with a known end is a code container (Ruby `module Helpers`,
    // Elixir `defmodule`): its header, with Elixir's @moduledoc, is the
    // module's chunk. Without one it is a declaration or a name (Rust `mod x;`,
    // Haskell's `module X where`), whose lines stay loose code.
    if (t.kind == "module" && t.end < t.line) continue;
    int end = t.end >= t.line ? std::min(t.end, n)
                              : EstimateEnd(b.lines(), content, language, t.line,
                                            t.line + 4 * options.max_definition_lines);
    // Single-line macros and typedefs are not worth a chunk of their own; the
    // loose-code windows carry them.
    if ((t.kind == "macro" || t.kind == "typedef") && end == t.line) continue;
    // Imports (PHP `use X as Y;` is an "alias" to ctags) are no definitions:
    // they stay in the file's loose-code window, its header.
    if (IsImportLine(b.lines().Text(content, t.line))) continue;
    defs.push_back({t.line, end, &t});
  }
  std::sort(defs.begin(), defs.end(), [](const Def& a, const Def& b) {
    return a.start != b.start ? a.start < b.start : a.end > b.end;
  });

  // Keep top-level definitions and members of containers; drop what is nested
  // in a function (it is part of that function's chunk).
  struct Open {
    Def def;
    int first_child = 0;  // first line of the first accepted member
  };
  std::vector<Open> accepted;
  std::vector<size_t> accepted_stack;  // indexes into `accepted` for the open chain
  for (const Def& d : defs) {
    while (!accepted_stack.empty() && accepted[accepted_stack.back()].def.end < d.start) {
      accepted_stack.pop_back();
    }
    if (!accepted_stack.empty()) {
      Open& parent = accepted[accepted_stack.back()];
      if (!IsContainer(parent.def.tag->kind)) continue;
      if (d.end > parent.def.end) continue;  // overlapping, not nested: ctags disagreement
      if (parent.first_child == 0) parent.first_child = d.start;
    }
    accepted.push_back({d, 0});
    accepted_stack.push_back(accepted.size() - 1);
  }

  // Leading comments and decorators: extend each definition upward over them,
  // never into lines another definition already holds. A container holds only
  // its name line here, so its first member can claim the comments above it.
  std::vector<bool> covered(static_cast<size_t>(n) + 2, false);
  auto cover = [&](int s, int e) {
    for (int l = s; l <= e; ++l) covered[static_cast<size_t>(l)] = true;
  };
  for (const Open& o : accepted) {
    cover(o.def.start, o.first_child > 0 ? o.def.start : o.def.end);
  }
  std::vector<int> lead_start(accepted.size());
  for (size_t i = 0; i < accepted.size(); ++i) {
    int start = accepted[i].def.start;
    while (
        start > 1 && !covered[static_cast<size_t>(start - 1)] &&
        (IsLeadingLine(language, b.lines().Text(content, start - 1)) ||
         (language == "haskell" &&
          IsHaskellSignatureLine(accepted[i].def.tag->name, b.lines().Text(content, start - 1))))) {
      --start;
      covered[static_cast<size_t>(start)] = true;
    }
    lead_start[i] = start;
  }
  // A container's header runs to just above its first member (and its comments).
  std::vector<int> header_end(accepted.size(), 0);
  for (size_t i = 0; i < accepted.size(); ++i) {
    if (accepted[i].first_child == 0) continue;
    for (size_t j = i + 1; j < accepted.size(); ++j) {
      if (accepted[j].def.start == accepted[i].first_child) {
        header_end[i] = std::max(accepted[i].def.start, lead_start[j] - 1);
        break;
      }
    }
  }
  std::fill(covered.begin(), covered.end(), false);
  for (size_t i = 0; i < accepted.size(); ++i) {
    const Open& o = accepted[i];
    const Tag& t = *o.def.tag;
    int end = o.first_child > 0 ? header_end[i] : o.def.end;
    // A module whose header is its name line alone only wraps a namespace
    // around the file (Ruby's `module Rack` in every file of rack): it says
    // nothing of its own, and its line stays in the file's header window.
    if (t.kind == "module" && o.first_child > 0 && lead_start[i] == end) continue;
    cover(lead_start[i], end);
    b.Add(lead_start[i], end, t.name, CleanScope(t.scope), NormalizeKind(t.kind), &t,
          options.max_definition_lines);
  }

  // Loose code: maximal runs of uncovered lines.
  int l = 1;
  while (l <= n) {
    if (covered[static_cast<size_t>(l)]) {
      ++l;
      continue;
    }
    int s = l;
    while (l <= n && !covered[static_cast<size_t>(l)]) ++l;
    b.AddLoose(s, l - 1);
  }
  std::vector<Chunk> chunks = b.Take();
  for (Chunk& c : chunks) {
    if (c.kind == "window" && OnlyImports(b.lines(), content, c.start_line, c.end_line))
      c.kind = "imports";
  }
  return chunks;
}

}  // namespace ts::chunk
