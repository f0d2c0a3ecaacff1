// Resolver: a call site to the definitions it names, by rules applied in
// order (docs/FORMATS.md, "Symbol graph"). Each rule yields the candidates it
// accepts; the first rule with any decides: one candidate (or several
// alternatives in one file and scope, such as #ifdef'd or overloaded
// definitions) resolves the call, candidates in several places make it
// ambiguous. A call is never bound to a guess.
#include <algorithm>
#include <unordered_set>

#include "graph/graph.h"

namespace ts::graph {
namespace {

constexpr size_t kMaxCandidates = 20;

// The part before the last component ("" when none).
std::string_view Qualifier(std::string_view name) {
  std::string_view last = LastComponent(name);
  if (last.size() == name.size()) return {};
  std::string_view q = name.substr(0, name.size() - last.size());
  while (!q.empty() && (q.back() == '.' || q.back() == ':')) q.remove_suffix(1);
  return q;
}

bool IsMember(const SymbolInfo& c) {
  if (c.role == Role::kField) return true;
  return !c.scope.empty() && c.self_scope == c.scope;
}

// Languages where a bare name inside a method may be a member of its type.
bool MembersInScope(std::string_view lang) {
  return lang == "cpp" || lang == "java" || lang == "csharp" || lang == "kotlin" ||
         lang == "scala" || lang == "swift" || lang == "dart" || lang == "ruby" || lang == "objc";
}

// Languages where calling a type's name constructs it ("Foo(...)").
bool TypesAreCallable(std::string_view lang) {
  return lang == "python" || lang == "cpp" || lang == "kotlin" || lang == "swift" ||
         lang == "scala" || lang == "dart" || lang == "rust";
}

// Languages where code in the same directory is visible without an import.
bool DirectoryIsNamespace(std::string_view lang) {
  return lang == "c" || lang == "cpp" || lang == "objc" || lang == "go" || lang == "java" ||
         lang == "kotlin" || lang == "scala" || lang == "csharp" || lang == "swift" ||
         lang == "dart";
}

Resolution Unresolved(std::string rule, const std::vector<const SymbolInfo*>& cands = {}) {
  Resolution r;
  r.state = Resolution::State::kUnresolved;
  r.rule = std::move(rule);
  for (const auto* c : cands) {
    if (r.candidates.size() >= kMaxCandidates) break;
    r.candidates.push_back(c->id);
  }
  return r;
}

// One candidate, or alternatives that share a file and a scope: resolved.
// Otherwise ambiguous.
Resolution Decide(const std::vector<const SymbolInfo*>& s, const std::string& rule) {
  Resolution r;
  r.rule = rule;
  bool same_place = true;
  for (const auto* c : s) {
    same_place = same_place && c->file_id == s[0]->file_id && c->scope == s[0]->scope &&
                 c->role == s[0]->role;
  }
  if (same_place) {
    r.state = Resolution::State::kResolved;
    for (const auto* c : s) r.targets.push_back(c->id);
    return r;
  }
  r.state = Resolution::State::kAmbiguous;
  for (const auto* c : s) {
    if (r.candidates.size() >= kMaxCandidates) break;
    r.candidates.push_back(c->id);
  }
  return r;
}

template <typename Pred>
std::vector<const SymbolInfo*> Filter(const std::vector<const SymbolInfo*>& in, Pred p) {
  std::vector<const SymbolInfo*> out;
  for (const auto* c : in) {
    if (p(*c)) out.push_back(c);
  }
  return out;
}

// Prefers the candidates in `file_id` when there are any.
std::vector<const SymbolInfo*> PreferFile(std::vector<const SymbolInfo*> s, int64_t file_id) {
  auto same = Filter(s, [&](const SymbolInfo& c) { return c.file_id == file_id; });
  return same.empty() ? s : same;
}

}  // namespace

Result<const std::vector<SymbolInfo>*> Resolver::Named(const std::string& name) {
  auto it = named_.find(name);
  if (it != named_.end()) return &it->second;
  TS_ASSIGN_OR_RETURN(auto v, source_->SymbolsNamed(name));
  return &named_.emplace(name, std::move(v)).first->second;
}

std::shared_ptr<const FileContext> ContextCache::Get(int64_t file_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = map_.find(file_id);
  return it == map_.end() ? nullptr : it->second;
}

void ContextCache::Put(int64_t file_id, std::shared_ptr<const FileContext> ctx) {
  std::lock_guard<std::mutex> lock(mu_);
  if (map_.size() >= max_) map_.clear();
  map_[file_id] = std::move(ctx);
}

Result<const FileContext*> Resolver::Context(int64_t file_id) {
  auto it = contexts_.find(file_id);
  if (it != contexts_.end()) return it->second.get();
  ContextCache* shared = source_->SharedContexts();
  if (shared != nullptr) {
    if (auto cached = shared->Get(file_id)) {
      const FileContext* raw = cached.get();
      contexts_.emplace(file_id, std::move(cached));
      return raw;
    }
  }
  auto ctx = std::make_shared<FileContext>();
  TS_ASSIGN_OR_RETURN(auto imports, source_->ImportsOf(file_id));
  const PathSet& paths = source_->Paths();
  const std::string& path = paths.PathOf(file_id);
  const std::string& lang = paths.LanguageOf(file_id);
  std::unordered_set<int64_t> seen;
  auto add_files = [&](std::vector<int64_t>& into, const std::vector<int64_t>& files) {
    for (int64_t f : files) {
      if (std::find(into.begin(), into.end(), f) == into.end()) into.push_back(f);
    }
  };
  for (const auto& imp : imports) {
    std::vector<int64_t> files = ResolveImport(paths, path, lang, imp);
    for (int64_t f : files) {
      if (seen.insert(f).second) ctx->imported_files.push_back(f);
    }
    if (lang == "python") {
      if (imp.kind == "import") {
        if (!imp.alias.empty()) {
          add_files(ctx->module_aliases[imp.alias], files);
        } else {
          // "import a.b" binds a; a.b.f() names the module by its dotted path.
          std::string first = imp.module.substr(0, imp.module.find('.'));
          Import top = imp;
          top.module = first;
          add_files(ctx->module_aliases[first], ResolveImport(paths, path, lang, top));
          add_files(ctx->module_aliases[imp.module], files);
        }
      } else {
        if (imp.wildcard) {
          if (files.empty()) ctx->star_unresolved = true;
          add_files(ctx->wildcard_files, files);
        }
        for (const auto& n : imp.names) {
          std::string local = n.alias.empty() ? n.name : n.alias;
          Import sub = imp;
          sub.module =
              imp.module + (imp.module.empty() || imp.module.back() == '.' ? "" : ".") + n.name;
          auto sub_files = ResolveImport(paths, path, lang, sub);
          add_files(ctx->module_aliases[local], sub_files);
          add_files(ctx->name_sources[local], files);
          if (files.empty() && sub_files.empty()) ctx->unresolved_names.insert(local);
        }
      }
    } else if (lang == "go") {
      std::string local = imp.alias.empty() ? std::string(BaseName(imp.module)) : imp.alias;
      add_files(ctx->module_aliases[local], files);
    } else {
      // JS/TS, Rust, Java and the rest: named imports and module aliases.
      for (const auto& n : imp.names) {
        std::string local = n.alias.empty() ? n.name : n.alias;
        add_files(ctx->name_sources[local], files);
        add_files(ctx->module_aliases[local], files);
        if (files.empty()) ctx->unresolved_names.insert(local);
      }
      if (!imp.alias.empty()) add_files(ctx->module_aliases[imp.alias], files);
      if (imp.kind == "mod") add_files(ctx->module_aliases[imp.module], files);
      if (lang == "java" || lang == "kotlin" || lang == "scala" || lang == "groovy") {
        std::string cls(LastComponent(imp.module));
        add_files(ctx->name_sources[cls], files);
        add_files(ctx->module_aliases[cls], files);
      }
      if (imp.wildcard) add_files(ctx->wildcard_files, files);
    }
  }
  ctx->imported_set.insert(ctx->imported_files.begin(), ctx->imported_files.end());
  if (shared != nullptr) shared->Put(file_id, ctx);
  const FileContext* raw = ctx.get();
  contexts_.emplace(file_id, std::move(ctx));
  return raw;
}

Result<const std::vector<int64_t>*> Resolver::ImportedFiles(int64_t file_id) {
  TS_ASSIGN_OR_RETURN(const FileContext* ctx, Context(file_id));
  return &ctx->imported_files;
}

Result<const SymbolInfo*> Resolver::SymbolCached(int64_t id) {
  auto it = symbols_.find(id);
  if (it != symbols_.end()) return &it->second;
  TS_ASSIGN_OR_RETURN(SymbolInfo s, source_->Symbol(id));
  return &symbols_.emplace(id, std::move(s)).first->second;
}

Result<std::vector<int64_t>> Resolver::ResolveType(const SymbolInfo& from,
                                                   const std::string& name) {
  const PathSet& paths = source_->Paths();
  int fam = paths.FamilyOf(from.file_id);
  std::string last(LastComponent(name));
  std::string qual(Qualifier(name));
  TS_ASSIGN_OR_RETURN(const auto* all, Named(last));
  std::vector<const SymbolInfo*> types;
  for (const auto& c : *all) {
    if ((c.role == Role::kType) && paths.FamilyOf(c.file_id) == fam) types.push_back(&c);
  }
  if (types.empty()) return std::vector<int64_t>{};
  auto ids = [](const std::vector<const SymbolInfo*>& s) {
    std::vector<int64_t> out;
    for (const auto* c : s) out.push_back(c->id);
    return out;
  };
  auto single = [&](const std::vector<const SymbolInfo*>& s) -> std::vector<int64_t> {
    Resolution r = Decide(s, "");
    return r.state == Resolution::State::kResolved ? r.targets : std::vector<int64_t>{};
  };
  TS_ASSIGN_OR_RETURN(const FileContext* ctx, Context(from.file_id));
  if (!qual.empty()) {
    std::string q(LastComponent(qual));
    auto mod = ctx->module_aliases.find(q);
    if (mod != ctx->module_aliases.end() && !mod->second.empty()) {
      std::unordered_set<int64_t> files(mod->second.begin(), mod->second.end());
      auto s = Filter(types, [&](const SymbolInfo& c) { return files.count(c.file_id) > 0; });
      if (!s.empty()) return single(s);
    }
    auto s = Filter(types, [&](const SymbolInfo& c) { return LastComponent(c.scope) == q; });
    if (!s.empty()) return single(PreferFile(s, from.file_id));
  }
  auto same = Filter(types, [&](const SymbolInfo& c) { return c.file_id == from.file_id; });
  if (!same.empty()) return single(same);
  auto src = ctx->name_sources.find(last);
  if (src != ctx->name_sources.end()) {
    std::unordered_set<int64_t> files(src->second.begin(), src->second.end());
    auto s = Filter(types, [&](const SymbolInfo& c) { return files.count(c.file_id) > 0; });
    if (!s.empty()) return single(s);
  }
  auto imported =
      Filter(types, [&](const SymbolInfo& c) { return ctx->imported_set.count(c.file_id) > 0; });
  if (!imported.empty()) return single(imported);
  const int dir = paths.DirOf(from.file_id);
  auto near = Filter(types, [&](const SymbolInfo& c) { return paths.DirOf(c.file_id) == dir; });
  if (!near.empty()) return single(near);
  if (types.size() == 1) return ids(types);
  return std::vector<int64_t>{};
}

Result<Resolution> Resolver::ResolveSelf(const SymbolInfo& caller, const std::string& self_scope,
                                         const std::vector<const SymbolInfo*>& cands,
                                         bool skip_own) {
  const PathSet& paths = source_->Paths();
  std::vector<std::string> level = {self_scope};
  std::unordered_set<std::string> visited = {self_scope};
  std::vector<int64_t> type_files = {caller.file_id};
  for (int depth = 0; depth < 5 && !level.empty(); ++depth) {
    std::vector<std::string> next;
    for (const auto& scope : level) {
      if (!(skip_own && depth == 0)) {
        auto s =
            Filter(cands, [&](const SymbolInfo& c) { return c.scope == scope && IsMember(c); });
        if (!s.empty()) {
          // A class of the same name in another file is another class: prefer the one in the
          // file that defines the type we came from.
          std::vector<const SymbolInfo*> local;
          for (int64_t f : type_files) {
            auto in_file = Filter(s, [&](const SymbolInfo& c) { return c.file_id == f; });
            local.insert(local.end(), in_file.begin(), in_file.end());
          }
          return Decide(local.empty() ? s : local, depth == 0 ? "same_class" : "inherited");
        }
      }
      // The type's definitions (and Rust impl blocks), then their bases.
      std::string last(LastComponent(scope));
      TS_ASSIGN_OR_RETURN(const auto* named, Named(last));
      for (const auto& t : *named) {
        if (t.role != Role::kType && t.role != Role::kImpl) continue;
        if (QualifiedName(t.scope, t.name, paths.LanguageOf(t.file_id)) != scope &&
            !(t.role == Role::kImpl && t.name == last))
          continue;
        TS_ASSIGN_OR_RETURN(auto bases, source_->BasesOf(t.id));
        for (const auto& b : bases) {
          TS_ASSIGN_OR_RETURN(auto ids, ResolveType(t, b));
          for (int64_t id : ids) {
            TS_ASSIGN_OR_RETURN(const SymbolInfo* bt, SymbolCached(id));
            std::string q = QualifiedName(bt->scope, bt->name, paths.LanguageOf(bt->file_id));
            if (visited.insert(q).second) {
              next.push_back(q);
              type_files.push_back(bt->file_id);
            }
          }
        }
      }
    }
    level = std::move(next);
  }
  return Unresolved(skip_own ? "not_in_bases" : "not_in_class",
                    Filter(cands, [](const SymbolInfo& c) { return IsMember(c); }));
}

Result<Resolution> Resolver::Resolve(const SymbolInfo& caller, const CallRef& call) {
  if (call.kind == CallKind::kLocal) return Unresolved("local");
  const PathSet& paths = source_->Paths();
  const std::string& lang = paths.LanguageOf(caller.file_id);
  const int fam = paths.FamilyOf(caller.file_id);
  const bool js = LanguageFamily(lang) == "js";
  const bool python = lang == "python";
  TS_ASSIGN_OR_RETURN(const auto* all, Named(call.name));
  const bool types_ok =
      call.kind == CallKind::kNew || (call.kind == CallKind::kBare && TypesAreCallable(lang));
  std::vector<const SymbolInfo*> cands;
  for (const auto& c : *all) {
    if (paths.FamilyOf(c.file_id) != fam) continue;
    if (call.kind == CallKind::kMacro) {
      if (c.kind == "macro") cands.push_back(&c);
      continue;
    }
    if (c.role == Role::kCallable || (types_ok && c.role == Role::kType)) cands.push_back(&c);
  }
  if (cands.empty()) return Unresolved("no_definition");

  if (call.kind == CallKind::kSelf || call.kind == CallKind::kSuper) {
    if (caller.self_scope.empty()) return Unresolved("no_enclosing_type");
    return ResolveSelf(caller, caller.self_scope, cands, call.kind == CallKind::kSuper);
  }

  TS_ASSIGN_OR_RETURN(const FileContext* ctx, Context(caller.file_id));
  auto top_level = [&](const SymbolInfo& c) { return !IsMember(c) && c.parent == 0; };

  if (call.kind == CallKind::kMember || call.kind == CallKind::kScoped) {
    const std::string& r = call.receiver;
    if (!r.empty()) {
      auto mod = ctx->module_aliases.find(r);
      if (mod != ctx->module_aliases.end() && !mod->second.empty()) {
        std::unordered_set<int64_t> files(mod->second.begin(), mod->second.end());
        auto s = Filter(cands, [&](const SymbolInfo& c) {
          return files.count(c.file_id) > 0 && (top_level(c) || call.kind == CallKind::kScoped);
        });
        if (!s.empty()) return Decide(s, "module");
      }
      // A type (or namespace) named by the receiver: "Decimal", "ns", "Outer.Inner".
      auto s = Filter(cands, [&](const SymbolInfo& c) {
        if (c.scope.empty()) return false;
        if (r.find('.') == std::string::npos) return LastComponent(c.scope) == r;
        return c.scope == r || (c.scope.size() > r.size() &&
                                c.scope.compare(c.scope.size() - r.size(), r.size(), r) == 0 &&
                                c.scope[c.scope.size() - r.size() - 1] == '.');
      });
      if (!s.empty()) return Decide(PreferFile(s, caller.file_id), "type");
      if (lang == "rust" && call.kind == CallKind::kScoped) {
        auto m = Filter(cands, [&](const SymbolInfo& c) {
          std::string_view base = BaseName(paths.PathOf(c.file_id));
          std::string_view stem = base.substr(0, base.rfind('.'));
          return top_level(c) &&
                 (stem == r || (stem == "mod" && BaseName(DirName(paths.PathOf(c.file_id))) == r));
        });
        if (!m.empty()) return Decide(m, "module");
      }
    }
    if (call.kind == CallKind::kScoped) return Unresolved("no_such_scope");
    if (lang == "c") return Unresolved("call_through_pointer");
    // x.name() with x of unknown type: even a method name that is unique in
    // the index may belong to a type outside it (a library's); it stays
    // unresolved, with its candidates.
    return Unresolved("receiver_type_unknown", Filter(cands, [](const SymbolInfo& c) {
                        return c.role == Role::kCallable && IsMember(c);
                      }));
  }

  // Bare names (and new X, macros).
  if (MembersInScope(lang) && !caller.self_scope.empty()) {
    auto s = Filter(cands, [&](const SymbolInfo& c) { return c.scope == caller.self_scope; });
    if (!s.empty()) return Decide(PreferFile(s, caller.file_id), "same_class");
  }
  // Enclosing scopes: definitions nested in the caller or in what encloses it.
  {
    std::unordered_set<int64_t> chain = {caller.id};
    int64_t p = caller.parent;
    for (int guard = 0; p != 0 && guard < 32; ++guard) {
      chain.insert(p);
      TS_ASSIGN_OR_RETURN(const SymbolInfo* ps, SymbolCached(p));
      p = ps->parent;
    }
    auto s = Filter(cands, [&](const SymbolInfo& c) {
      return c.file_id == caller.file_id && c.parent != 0 && chain.count(c.parent) > 0 &&
             !IsMember(c);
    });
    if (!s.empty()) {
      // The innermost scope wins: a closure shadows a definition further out.
      int64_t best = 0;
      for (int64_t q = caller.id, guard = 0; q != 0 && guard < 32; ++guard) {
        bool found = false;
        for (const auto* c : s) found = found || c->parent == q;
        if (found) {
          best = q;
          break;
        }
        TS_ASSIGN_OR_RETURN(const SymbolInfo* qs, SymbolCached(q));
        q = qs->parent;
      }
      auto inner = Filter(s, [&](const SymbolInfo& c) { return c.parent == best; });
      return Decide(inner.empty() ? s : inner, "enclosing_scope");
    }
  }
  {
    auto s = Filter(
        cands, [&](const SymbolInfo& c) { return c.file_id == caller.file_id && top_level(c); });
    if (!s.empty()) return Decide(s, "same_file");
  }
  {
    auto src = ctx->name_sources.find(call.name);
    if (src != ctx->name_sources.end() && !src->second.empty()) {
      std::unordered_set<int64_t> files(src->second.begin(), src->second.end());
      auto s = Filter(
          cands, [&](const SymbolInfo& c) { return files.count(c.file_id) > 0 && top_level(c); });
      if (!s.empty()) return Decide(s, "imports");
    }
    // Python and JS see another module's names only through explicit (or star) imports.
    const bool wild_only = python || js;
    const auto& visible = wild_only ? ctx->wildcard_files : ctx->imported_files;
    if (!visible.empty()) {
      auto s = Filter(cands, [&](const SymbolInfo& c) {
        bool in = wild_only ? std::find(visible.begin(), visible.end(), c.file_id) != visible.end()
                            : ctx->imported_set.count(c.file_id) > 0;
        return in && top_level(c);
      });
      if (!s.empty()) return Decide(s, "imports");
    }
  }
  if (DirectoryIsNamespace(lang)) {
    const int dir = paths.DirOf(caller.file_id);
    auto s = Filter(
        cands, [&](const SymbolInfo& c) { return top_level(c) && paths.DirOf(c.file_id) == dir; });
    if (!s.empty()) return Decide(s, "same_directory");
  }
  // A name defined once in the whole index. Python and JS names must come from
  // somewhere: only names imported from modules outside the index (or a star
  // import of one) may be looked up this way.
  if ((python || js) && !ctx->unresolved_names.count(call.name) && !ctx->star_unresolved)
    return Unresolved("not_imported", Filter(cands, top_level));
  auto global = Filter(cands, top_level);
  if (global.empty()) return Unresolved("no_definition", cands);
  return Decide(global, "unique_name");
}

}  // namespace ts::graph
