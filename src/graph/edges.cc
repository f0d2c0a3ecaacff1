// ForEachEdge: the whole graph of one kind, resolved now (edges are never
// stored; see graph.h).
#include <unordered_set>

#include "graph/graph.h"

namespace ts::graph {
namespace {

class EdgeWalker {
 public:
  EdgeWalker(Source* s, const std::function<bool(const Edge&)>& emit, EdgeStats* stats)
      : source_(s), resolver_(s), emit_(emit), stats_(stats) {}

  Status Run(std::string_view kind) {
    if (kind == "imports") return Imports();
    if (kind != "calls" && kind != "inherits" && kind != "contains") {
      return Status::InvalidArgument("unknown graph kind '" + std::string(kind) +
                                     "' (expected calls, imports, inherits or contains)");
    }
    return source_->ForEachSymbol(
        [&](const SymbolInfo& s, std::string_view calls, std::string_view bases) -> Status {
          if (stopped_) return Status::Ok();
          if (kind == "calls") return Calls(s, calls);
          if (kind == "inherits") return Inherits(s, bases);
          return Contains(s);
        });
  }

 private:
  EdgeEnd End(const SymbolInfo& s) {
    const PathSet& paths = source_->Paths();
    return {paths.PathOf(s.file_id), QualifiedName(s.scope, s.name, paths.LanguageOf(s.file_id)),
            s.line};
  }
  EdgeEnd FileEnd(int64_t file_id) { return {source_->Paths().PathOf(file_id), "", 1}; }

  void Emit(const Edge& e) {
    ++stats_->edges;
    if (!emit_(e)) stopped_ = true;
  }

  Status Calls(const SymbolInfo& s, std::string_view text) {
    if (text.empty()) return Status::Ok();
    EdgeEnd from = End(s);
    std::unordered_set<int64_t> seen;  // one edge per target, however many call kinds lead there
    for (const auto& call : DecodeCalls(text)) {
      if (stopped_) return Status::Ok();
      if (call.kind == CallKind::kLocal) {
        ++stats_->local;
        continue;
      }
      TS_ASSIGN_OR_RETURN(Resolution r, resolver_.Resolve(s, call));
      if (r.state == Resolution::State::kAmbiguous) ++stats_->ambiguous;
      if (r.state == Resolution::State::kUnresolved) ++stats_->unresolved;
      if (r.state != Resolution::State::kResolved) continue;
      for (int64_t t : r.targets) {
        if (!seen.insert(t).second) continue;
        TS_ASSIGN_OR_RETURN(SymbolInfo ts, source_->Symbol(t));
        Edge e{"calls", from, End(ts), r.rule};
        Emit(e);
      }
    }
    return Status::Ok();
  }

  Status Inherits(const SymbolInfo& s, std::string_view text) {
    if (text.empty()) return Status::Ok();
    // A Rust impl block stands for its type when the type is found.
    SymbolInfo from_sym = s;
    if (s.role == Role::kImpl) {
      TS_ASSIGN_OR_RETURN(auto ids, resolver_.ResolveType(s, s.name));
      if (ids.size() == 1) {
        TS_ASSIGN_OR_RETURN(from_sym, source_->Symbol(ids[0]));
      }
    }
    EdgeEnd from = End(from_sym);
    for (const auto& base : DecodeBases(text)) {
      TS_ASSIGN_OR_RETURN(auto ids, resolver_.ResolveType(s, base));
      if (ids.empty()) {
        ++stats_->unresolved;
        continue;
      }
      for (int64_t t : ids) {
        TS_ASSIGN_OR_RETURN(SymbolInfo ts, source_->Symbol(t));
        Edge e{"inherits", from, End(ts), ""};
        Emit(e);
      }
    }
    return Status::Ok();
  }

  Status Contains(const SymbolInfo& s) {
    if (s.role == Role::kModule) return Status::Ok();
    bool member = s.role == Role::kField || (!s.scope.empty() && s.self_scope == s.scope);
    if (member) {
      // The type named by the scope: in the same file first, else the one it resolves to.
      const PathSet& paths = source_->Paths();
      std::string last(LastComponent(s.scope));
      TS_ASSIGN_OR_RETURN(auto named, source_->SymbolsNamed(last));
      const SymbolInfo* owner = nullptr;
      for (const auto& t : named) {
        if (t.role != Role::kType) continue;
        if (QualifiedName(t.scope, t.name, paths.LanguageOf(t.file_id)) != s.scope) continue;
        if (owner == nullptr || t.file_id == s.file_id) owner = &t;
      }
      if (owner != nullptr) {
        Edge e{"contains", End(*owner), End(s), ""};
        Emit(e);
        return Status::Ok();
      }
    }
    if (s.parent == 0) {
      Edge e{"contains", FileEnd(s.file_id), End(s), ""};
      Emit(e);
    }
    return Status::Ok();
  }

  Status Imports() {
    const PathSet& paths = source_->Paths();
    return source_->ForEachFileImports(
        [&](int64_t file_id, const std::vector<Import>& imports) -> Status {
          const std::string& path = paths.PathOf(file_id);
          const std::string& lang = paths.LanguageOf(file_id);
          for (const auto& imp : imports) {
            if (stopped_) return Status::Ok();
            auto files = ResolveImport(paths, path, lang, imp);
            if (files.empty()) {
              ++stats_->unresolved;
              continue;
            }
            std::unordered_set<int64_t> seen;
            for (int64_t f : files) {
              if (!seen.insert(f).second) continue;
              Edge e{"imports", {path, "", imp.line}, FileEnd(f), imp.module};
              Emit(e);
            }
          }
          return Status::Ok();
        });
  }

  Source* source_;
  Resolver resolver_;
  const std::function<bool(const Edge&)>& emit_;
  EdgeStats* stats_;
  bool stopped_ = false;
};

}  // namespace

Status ForEachEdge(Source* source, std::string_view kind,
                   const std::function<bool(const Edge&)>& emit, EdgeStats* stats) {
  EdgeWalker w(source, emit, stats);
  return w.Run(kind);
}

}  // namespace ts::graph
