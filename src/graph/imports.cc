// Import statements per language (ParseImports), and where they lead among
// the index's files (PathSet, ResolveImport).
#include <algorithm>

#include "graph/extract_internal.h"
#include "graph/graph.h"

namespace ts::graph {
namespace {

class ImportParser : private TokenAccessors<ImportParser> {
 public:
  ImportParser(std::string_view lang, std::string_view s, const std::vector<Token>& toks)
      : lang_(lang), s_(s), toks_(toks) {}

  std::vector<Import> Run() {
    if (lang_ == "c" || lang_ == "cpp" || lang_ == "objc") {
      Includes();
    } else if (lang_ == "python") {
      Python();
    } else if (lang_ == "go") {
      Go();
    } else if (lang_ == "javascript" || lang_ == "typescript" || lang_ == "vue" ||
               lang_ == "svelte") {
      Js();
    } else if (lang_ == "rust") {
      Rust();
    } else if (lang_ == "java" || lang_ == "kotlin" || lang_ == "scala" || lang_ == "groovy") {
      Java();
    } else if (lang_ == "ruby" || lang_ == "php" || lang_ == "lua") {
      Requires();
    }
    return std::move(out_);
  }

 private:
  friend class TokenAccessors<ImportParser>;
  bool Str(size_t i) const { return i < toks_.size() && toks_[i].kind == Tok::kString; }
  int Line(size_t i) const { return static_cast<int>(toks_[i].line); }

  void Includes() {
    for (size_t i = 0; i < toks_.size(); ++i) {
      if (toks_[i].kind != Tok::kInclude) continue;
      std::string_view t = Text(i);
      if (t.size() < 3 || (t[0] != '"' && t[0] != '<')) continue;  // #include MACRO
      char close = t[0] == '<' ? '>' : '"';
      size_t e = t.find(close, 1);
      if (e == std::string_view::npos) continue;
      Import imp;
      imp.line = Line(i);
      imp.kind = "include";
      imp.module = std::string(t.substr(1, e - 1));
      imp.system = t[0] == '<';
      out_.push_back(std::move(imp));
    }
  }

  // "a.b.c" from identifiers joined by dots, starting at i; i moves past it.
  std::string Dotted(size_t* i) const {
    std::string name;
    while (Ident(*i)) {
      name += Text(*i);
      if (Punct(*i + 1, ".") && Ident(*i + 2)) {
        name += ".";
        *i += 2;
      } else {
        ++*i;
        break;
      }
    }
    return name;
  }

  void Python() {
    for (size_t i = 0; i < toks_.size(); ++i) {
      if (!(toks_[i].flags & kStmtStart)) continue;
      if (Word(i, "import")) {
        size_t j = i + 1;
        while (Ident(j)) {
          Import imp;
          imp.line = Line(i);
          imp.kind = "import";
          imp.module = Dotted(&j);
          if (Word(j, "as") && Ident(j + 1)) {
            imp.alias = std::string(Text(j + 1));
            j += 2;
          }
          out_.push_back(std::move(imp));
          if (!Punct(j, ",")) break;
          ++j;
        }
      } else if (Word(i, "from")) {
        size_t j = i + 1;
        std::string module;
        while (Punct(j, ".") || Punct(j, "...") || Punct(j, "..")) {
          module += Text(j);
          ++j;
        }
        if (!Word(j, "import")) module += Dotted(&j);  // "from . import x" has no name
        if (!Word(j, "import")) continue;
        ++j;
        Import imp;
        imp.line = Line(i);
        imp.kind = "from";
        imp.module = module;
        if (Punct(j, "*")) {
          imp.wildcard = true;
        } else {
          bool paren = Punct(j, "(");
          if (paren) ++j;
          while (Ident(j)) {
            ImportedName n{std::string(Text(j)), ""};
            ++j;
            if (Word(j, "as") && Ident(j + 1)) {
              n.alias = std::string(Text(j + 1));
              j += 2;
            }
            imp.names.push_back(std::move(n));
            if (!Punct(j, ",")) break;
            ++j;
          }
        }
        out_.push_back(std::move(imp));
      }
    }
  }

  void Go() {
    for (size_t i = 0; i < toks_.size(); ++i) {
      if (!Word(i, "import") || !(toks_[i].flags & kLineStart)) continue;
      size_t j = i + 1;
      auto one = [&](size_t* k) {
        Import imp;
        imp.kind = "import";
        if (Ident(*k) || Punct(*k, ".")) {
          if (Ident(*k) && Text(*k) != "_") imp.alias = std::string(Text(*k));
          ++*k;
        }
        if (!Str(*k)) return false;
        imp.line = Line(*k);
        imp.module = std::string(StringValue(s_, toks_[*k]));
        ++*k;
        out_.push_back(std::move(imp));
        return true;
      };
      if (Punct(j, "(")) {
        size_t close = MatchClose(toks_, s_, j);
        ++j;
        while (j < close) {
          if (!one(&j)) ++j;
          if (Punct(j, ";")) ++j;
        }
      } else {
        one(&j);
      }
    }
  }

  void Js() {
    for (size_t i = 0; i < toks_.size(); ++i) {
      if (Word(i, "require") && Punct(i + 1, "(") && Str(i + 2) && Punct(i + 3, ")") &&
          !(i > 0 && Punct(i - 1, "."))) {
        Import imp;
        imp.line = Line(i);
        imp.kind = "require";
        imp.module = std::string(StringValue(s_, toks_[i + 2]));
        // const x = require("m") / const {a, b} = require("m")
        if (i >= 2 && Punct(i - 1, "=")) {
          if (Ident(i - 2)) {
            imp.alias = std::string(Text(i - 2));
          } else if (Punct(i - 2, "}")) {
            size_t k = i - 2;
            while (k > 0 && !Punct(k, "{")) --k;
            for (size_t m = k + 1; m < i - 2; ++m) {
              if (Ident(m) && (Punct(m + 1, ",") || Punct(m + 1, "}")))
                imp.names.push_back({std::string(Text(m)), ""});
            }
          }
        }
        out_.push_back(std::move(imp));
        continue;
      }
      bool is_import = Word(i, "import") && !(i > 0 && Punct(i - 1, "."));
      bool is_export = Word(i, "export") && (toks_[i].flags & kLineStart);
      if (!is_import && !is_export) continue;
      if (is_import && Punct(i + 1, "(") && Str(i + 2)) {  // import("m")
        Import imp;
        imp.line = Line(i);
        imp.kind = "import";
        imp.module = std::string(StringValue(s_, toks_[i + 2]));
        out_.push_back(std::move(imp));
        continue;
      }
      if (is_import && Str(i + 1)) {  // import "m"
        Import imp;
        imp.line = Line(i);
        imp.kind = "import";
        imp.module = std::string(StringValue(s_, toks_[i + 1]));
        out_.push_back(std::move(imp));
        continue;
      }
      // import X, {a, b as c}, * as ns from "m" / export {a} from "m" / export * from "m"
      size_t j = i + 1;
      Import imp;
      imp.line = Line(i);
      imp.kind = is_import ? "import" : "export";
      if (Word(j, "type")) ++j;  // TS: import type {...}
      size_t limit = std::min(toks_.size(), j + 256);
      bool from = false;
      for (; j < limit; ++j) {
        if (Word(j, "from") && Str(j + 1)) {
          imp.module = std::string(StringValue(s_, toks_[j + 1]));
          from = true;
          break;
        }
        if (Punct(j, ";") || (is_export && !Punct(j, "{") && !Punct(j, "*") && j == i + 1)) break;
        if (Punct(j, "*") && Word(j + 1, "as") && Ident(j + 2)) {
          imp.alias = std::string(Text(j + 2));
          j += 2;
        } else if (Punct(j, "*")) {
          imp.wildcard = true;
        } else if (Punct(j, "{")) {
          size_t close = MatchClose(toks_, s_, j);
          for (size_t k = j + 1; k < close && k < toks_.size(); ++k) {
            if (!Ident(k) || Word(k, "type")) continue;
            ImportedName n{std::string(Text(k)), ""};
            if (Word(k + 1, "as") && Ident(k + 2)) {
              n.alias = std::string(Text(k + 2));
              k += 2;
            }
            imp.names.push_back(std::move(n));
          }
          j = close;
        } else if (Ident(j) && is_import && imp.alias.empty()) {
          imp.names.push_back({"default", std::string(Text(j))});  // default import
        }
      }
      if (from) out_.push_back(std::move(imp));
    }
  }

  void Rust() {
    for (size_t i = 0; i < toks_.size(); ++i) {
      if (Word(i, "mod") && Ident(i + 1) && Punct(i + 2, ";")) {
        Import imp;
        imp.line = Line(i);
        imp.kind = "mod";
        imp.module = std::string(Text(i + 1));
        out_.push_back(std::move(imp));
        continue;
      }
      if (!Word(i, "use") ||
          (i > 0 && !(toks_[i].flags & kLineStart) && !Word(i - 1, "pub") && !Punct(i - 1, ")") &&
           !Punct(i - 1, ";") && !Punct(i - 1, "{") && !Punct(i - 1, "}")))
        continue;
      size_t j = i + 1;
      if (Punct(j, "::")) ++j;
      std::vector<std::string> path;
      Import imp;
      imp.line = Line(i);
      imp.kind = "use";
      while (j < toks_.size()) {
        if (Ident(j)) {
          path.push_back(std::string(Text(j)));
          ++j;
          if (Word(j, "as") && Ident(j + 1)) {
            // use a::b as c: the last segment is bound to c
            imp.names.push_back({path.back(), std::string(Text(j + 1))});
            path.pop_back();
            j += 2;
            break;
          }
          if (Punct(j, "::")) {
            ++j;
            continue;
          }
          if (!path.empty()) {
            imp.names.push_back({path.back(), ""});
            path.pop_back();
          }
          break;
        }
        if (Punct(j, "*")) {
          imp.wildcard = true;
          break;
        }
        if (Punct(j, "{")) {
          size_t close = MatchClose(toks_, s_, j);
          for (size_t k = j + 1; k < close && k < toks_.size(); ++k) {
            // Only the first segment of each item in the group (nested paths are rare).
            if (!Ident(k) || (k > j + 1 && !Punct(k - 1, ",") && !Punct(k - 1, "{"))) continue;
            ImportedName n{std::string(Text(k)), ""};
            if (Word(k + 1, "as") && Ident(k + 2)) n.alias = std::string(Text(k + 2));
            imp.names.push_back(std::move(n));
          }
          break;
        }
        break;
      }
      for (size_t k = 0; k < path.size(); ++k) imp.module += (k ? "::" : "") + path[k];
      if (!imp.module.empty() || !imp.names.empty()) out_.push_back(std::move(imp));
    }
  }

  void Java() {
    for (size_t i = 0; i < toks_.size(); ++i) {
      if (!Word(i, "import") || !(toks_[i].flags & kLineStart)) continue;
      size_t j = i + 1;
      if (Word(j, "static")) ++j;
      Import imp;
      imp.line = Line(i);
      imp.kind = "import";
      imp.module = Dotted(&j);
      if (Punct(j, ".") && Punct(j + 1, "*")) imp.wildcard = true;
      if (Word(j, "as") && Ident(j + 1)) imp.alias = std::string(Text(j + 1));
      if (!imp.module.empty()) out_.push_back(std::move(imp));
    }
  }

  void Requires() {
    for (size_t i = 0; i + 1 < toks_.size(); ++i) {
      if (toks_[i].kind != Tok::kIdent) continue;
      std::string_view w = Text(i);
      if (w != "require" && w != "require_relative" && w != "require_once" && w != "include" &&
          w != "include_once")
        continue;
      size_t j = i + 1;
      if (Punct(j, "(")) ++j;
      if (!Str(j)) continue;
      Import imp;
      imp.line = Line(i);
      imp.kind = w == "require_relative" ? "require_relative" : "require";
      imp.module = std::string(StringValue(s_, toks_[j]));
      out_.push_back(std::move(imp));
    }
  }

  std::string_view lang_, s_;
  const std::vector<Token>& toks_;
  std::vector<Import> out_;
};

// "a/./b/../c" -> "a/c"; "" when it climbs out of the root.
std::string Normalize(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t e = path.find('/', pos);
    if (e == std::string_view::npos) e = path.size();
    std::string_view part = path.substr(pos, e - pos);
    if (part == "..") {
      if (parts.empty()) return "";
      parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    pos = e + 1;
  }
  std::string out;
  for (auto p : parts) {
    if (!out.empty()) out += '/';
    out += p;
  }
  return out;
}

std::string Join(std::string_view dir, std::string_view rel) {
  if (dir.empty()) return Normalize(rel);
  return Normalize(std::string(dir) + "/" + std::string(rel));
}

size_t CommonPrefixDirs(std::string_view a, std::string_view b) {
  size_t n = 0, i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) {
    if (a[i] == '/') ++n;
    ++i;
  }
  return n;
}

// Among several files, the one closest to `from` (most shared leading
// directories), then the shortest path. Empty when there is no candidate.
std::vector<int64_t> Closest(const PathSet& paths, std::string_view from,
                             std::vector<int64_t> ids) {
  if (ids.size() <= 1) return ids;
  std::sort(ids.begin(), ids.end(), [&](int64_t a, int64_t b) {
    const std::string& pa = paths.PathOf(a);
    const std::string& pb = paths.PathOf(b);
    size_t ca = CommonPrefixDirs(pa, from), cb = CommonPrefixDirs(pb, from);
    if (ca != cb) return ca > cb;
    if (pa.size() != pb.size()) return pa.size() < pb.size();
    return pa < pb;
  });
  return {ids[0]};
}

// The first of `rels` that is a file of the index, tried at the root, then
// (when `suffix`) anywhere as a path suffix, closest to `from` first.
std::vector<int64_t> FirstExisting(const PathSet& paths, std::string_view from,
                                   const std::vector<std::string>& rels, bool suffix) {
  for (const auto& r : rels) {
    if (r.empty()) continue;
    if (int64_t id = paths.Find(r)) return {id};
  }
  if (!suffix) return {};
  for (const auto& r : rels) {
    if (r.empty()) continue;
    auto ids = paths.WithSuffix(r);
    if (!ids.empty()) return Closest(paths, from, std::move(ids));
  }
  return {};
}

std::string Replace(std::string s, std::string_view from, std::string_view to) {
  size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
  return s;
}

}  // namespace

std::vector<Import> ParseImports(std::string_view language, std::string_view content,
                                 const std::vector<Token>& toks) {
  ImportParser p(language, content, toks);
  return p.Run();
}

std::string_view DirName(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

std::string_view BaseName(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

void PathSet::Add(int64_t id, std::string path, std::string language) {
  if (id <= 0) return;
  if (static_cast<size_t>(id) >= entries_.size()) entries_.resize(static_cast<size_t>(id) + 1);
  Entry& e = entries_[id];
  if (e.dir < 0) ++count_;
  std::string dir(DirName(path));
  auto d = dir_ids_.emplace(dir, static_cast<int>(dir_ids_.size()));
  if (d.second) by_dir_.emplace_back();
  by_dir_[d.first->second].push_back(id);
  std::string fam(LanguageFamily(language));
  auto f = family_ids_.emplace(fam, static_cast<int>(family_ids_.size()));
  e.dir = d.first->second;
  e.family = f.first->second;
  by_path_[path] = id;
  by_base_[std::string(BaseName(path))].push_back(id);
  e.path = std::move(path);
  e.language = std::move(language);
}

int64_t PathSet::Find(std::string_view path) const {
  auto it = by_path_.find(std::string(path));
  return it == by_path_.end() ? 0 : it->second;
}

const std::string& PathSet::PathOf(int64_t id) const {
  static const std::string kEmpty;
  const Entry* e = At(id);
  return e ? e->path : kEmpty;
}

const std::string& PathSet::LanguageOf(int64_t id) const {
  static const std::string kEmpty;
  const Entry* e = At(id);
  return e ? e->language : kEmpty;
}

int PathSet::DirOf(int64_t id) const {
  const Entry* e = At(id);
  return e ? e->dir : -1;
}

int PathSet::FamilyOf(int64_t id) const {
  const Entry* e = At(id);
  return e ? e->family : -1;
}

int PathSet::FamilyId(std::string_view language) const {
  auto it = family_ids_.find(std::string(LanguageFamily(language)));
  return it == family_ids_.end() ? -1 : it->second;
}

const std::vector<int64_t>& PathSet::FilesIn(std::string_view dir) const {
  static const std::vector<int64_t> kNone;
  auto it = dir_ids_.find(std::string(dir));
  return it == dir_ids_.end() ? kNone : by_dir_[it->second];
}

std::vector<int64_t> PathSet::WithSuffix(std::string_view suffix) const {
  std::vector<int64_t> out;
  auto it = by_base_.find(std::string(BaseName(suffix)));
  if (it == by_base_.end()) return out;
  for (int64_t id : it->second) {
    const std::string& p = PathOf(id);
    if (p == suffix || (p.size() > suffix.size() &&
                        p.compare(p.size() - suffix.size(), suffix.size(), suffix) == 0 &&
                        p[p.size() - suffix.size() - 1] == '/'))
      out.push_back(id);
  }
  return out;
}

std::vector<int64_t> ResolveImport(const PathSet& paths, std::string_view from_path,
                                   std::string_view lang, const Import& imp) {
  const std::string dir(DirName(from_path));
  const std::string& m = imp.module;
  if (lang == "c" || lang == "cpp" || lang == "objc") {
    if (!imp.system) {
      if (int64_t id = paths.Find(Join(dir, m))) return {id};
    }
    return Closest(paths, from_path, paths.WithSuffix(Normalize(m)));
  }
  if (lang == "python") {
    size_t dots = 0;
    while (dots < m.size() && m[dots] == '.') ++dots;
    std::string rest = Replace(m.substr(dots), ".", "/");
    std::string base;
    if (dots > 0) {
      std::string d = dir;
      for (size_t k = 1; k < dots; ++k) d = std::string(DirName(d));
      base = Join(d, rest);
      if (rest.empty()) base = d;
    } else {
      base = rest;
    }
    std::vector<std::string> rels;
    if (!rest.empty()) {
      rels = {base + ".py", base + "/__init__.py", base + ".pyi", base + "/__init__.pyi"};
    } else {
      rels = {base.empty() ? "__init__.py" : base + "/__init__.py"};
    }
    return FirstExisting(paths, from_path, rels, dots == 0);
  }
  if (lang == "go") {
    // The longest trailing part of the import path that is a directory of the index.
    std::string p = m;
    while (!p.empty()) {
      const auto& files = paths.FilesIn(p);
      std::vector<int64_t> go;
      for (int64_t id : files) {
        const std::string& f = paths.PathOf(id);
        if (f.size() > 3 && f.compare(f.size() - 3, 3, ".go") == 0 &&
            !(f.size() > 8 && f.compare(f.size() - 8, 8, "_test.go") == 0))
          go.push_back(id);
      }
      if (!go.empty() && p.find('/') != std::string::npos) return go;
      if (!go.empty() && p == m) return go;
      size_t slash = p.find('/');
      if (slash == std::string::npos) break;
      p = p.substr(slash + 1);
    }
    return {};
  }
  if (lang == "javascript" || lang == "typescript" || lang == "vue" || lang == "svelte") {
    if (m.empty() || (m[0] != '.' && m[0] != '/')) return {};  // a package
    std::string base = m[0] == '/' ? Normalize(m) : Join(dir, m);
    std::vector<std::string> rels = {base};
    for (const char* ext : {".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".d.ts", ".vue"})
      rels.push_back(base + ext);
    for (const char* idx : {"/index.ts", "/index.tsx", "/index.js", "/index.jsx", "/index.mjs"})
      rels.push_back(base + idx);
    return FirstExisting(paths, from_path, rels, false);
  }
  if (lang == "rust") {
    // The directory that holds a file's child modules.
    std::string_view base = BaseName(from_path);
    std::string mod_dir = dir;
    if (base != "mod.rs" && base != "lib.rs" && base != "main.rs") {
      std::string stem(base.substr(0, base.size() > 3 ? base.size() - 3 : base.size()));
      mod_dir = dir.empty() ? stem : dir + "/" + stem;
    }
    if (imp.kind == "mod") {
      return FirstExisting(paths, from_path,
                           {Join(mod_dir, m + ".rs"), Join(mod_dir, m + "/mod.rs"),
                            Join(dir, m + ".rs"), Join(dir, m + "/mod.rs")},
                           false);
    }
    std::vector<std::string> segs;
    size_t pos = 0;
    while (pos <= m.size() && !m.empty()) {
      size_t e = m.find("::", pos);
      segs.push_back(m.substr(pos, e == std::string::npos ? std::string::npos : e - pos));
      if (e == std::string::npos) break;
      pos = e + 2;
    }
    std::string root;
    size_t first = 0;
    if (!segs.empty() && segs[0] == "crate") {
      // The crate root: the nearest directory upward holding lib.rs or main.rs.
      std::string d = dir;
      while (true) {
        if (paths.Find(Join(d, "lib.rs")) || paths.Find(Join(d, "main.rs"))) break;
        if (d.empty()) break;
        d = std::string(DirName(d));
      }
      root = d;
      first = 1;
    } else if (!segs.empty() && (segs[0] == "self" || segs[0] == "super")) {
      root = mod_dir;
      while (first < segs.size() && segs[first] == "super") {
        root = std::string(DirName(root));
        ++first;
      }
      if (first < segs.size() && segs[first] == "self") ++first;
    } else {
      return {};  // another crate
    }
    std::string rel;
    for (size_t k = first; k < segs.size(); ++k) rel += (rel.empty() ? "" : "/") + segs[k];
    std::vector<int64_t> out;
    if (rel.empty()) {
      out =
          FirstExisting(paths, from_path,
                        {Join(root, "lib.rs"), Join(root, "main.rs"), Join(root, "mod.rs")}, false);
    } else {
      out = FirstExisting(paths, from_path, {Join(root, rel + ".rs"), Join(root, rel + "/mod.rs")},
                          false);
    }
    // Items named in the use may be modules of their own.
    for (const auto& n : imp.names) {
      std::string sub = rel.empty() ? n.name : rel + "/" + n.name;
      auto more = FirstExisting(paths, from_path,
                                {Join(root, sub + ".rs"), Join(root, sub + "/mod.rs")}, false);
      out.insert(out.end(), more.begin(), more.end());
    }
    return out;
  }
  if (lang == "java" || lang == "kotlin" || lang == "scala" || lang == "groovy") {
    std::string p = Replace(m, ".", "/");
    if (imp.wildcard) return {};                 // a whole package: not resolved to files
    for (int k = 0; k < 2 && !p.empty(); ++k) {  // a.b.C, then a.b.C.member -> a/b/C
      for (const char* ext : {".java", ".kt", ".scala", ".groovy"}) {
        auto ids = paths.WithSuffix(p + ext);
        if (!ids.empty()) return Closest(paths, from_path, std::move(ids));
      }
      size_t slash = p.rfind('/');
      if (slash == std::string::npos) break;
      p = p.substr(0, slash);
    }
    return {};
  }
  if (lang == "ruby") {
    std::string f = m.size() > 3 && m.compare(m.size() - 3, 3, ".rb") == 0 ? m : m + ".rb";
    if (imp.kind == "require_relative")
      return FirstExisting(paths, from_path, {Join(dir, f)}, false);
    return FirstExisting(paths, from_path, {f, "lib/" + f}, true);
  }
  if (lang == "php" || lang == "lua") {
    return FirstExisting(paths, from_path, {Join(dir, m), Normalize(m)}, lang == "lua");
  }
  return {};
}

}  // namespace ts::graph
