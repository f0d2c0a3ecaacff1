// CallChain and FindDefinitions: trees of callers and callees around a
// symbol, resolved at query time. The tree is bounded (max_nodes, and a
// bound on the callers examined per node); a symbol already on the path is
// marked as a cycle and one already expanded elsewhere as repeated, so no
// subtree is walked twice.
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "graph/graph.h"

namespace ts::graph {
namespace {

constexpr size_t kMaxCallersExamined = 2000;

bool EndsWithComponent(std::string_view scope, std::string_view qual) {
  if (scope == qual) return true;
  if (scope.size() <= qual.size()) return false;
  if (scope.compare(scope.size() - qual.size(), qual.size(), qual) != 0) return false;
  char before = scope[scope.size() - qual.size() - 1];
  return before == '.' || before == ':';
}

class ChainBuilder {
 public:
  ChainBuilder(Source* source, const ChainOptions& o) : source_(source), o_(o), resolver_(source) {}

  Result<ChainResult> Run(const std::vector<SymbolInfo>& roots) {
    ChainResult out;
    for (const auto& r : roots) {
      if (out.roots.size() >= o_.max_roots) {
        truncated_ = true;
        break;
      }
      ChainNode node = Make(r);
      ++nodes_;
      std::vector<int64_t> path = {r.id};
      if (o_.callers) TS_RETURN_IF_ERROR(Callers(&node, r, o_.depth, &path));
      if (o_.callees) TS_RETURN_IF_ERROR(Callees(&node, r, o_.depth, &path));
      out.roots.push_back(std::move(node));
    }
    out.nodes = nodes_;
    out.truncated = truncated_;
    return out;
  }

 private:
  ChainNode Make(const SymbolInfo& s) {
    const PathSet& paths = source_->Paths();
    ChainNode n;
    n.id = s.id;
    n.symbol = QualifiedName(s.scope, s.name, paths.LanguageOf(s.file_id));
    n.kind = s.kind;
    n.file = paths.PathOf(s.file_id);
    n.line = s.line;
    n.end_line = s.end_line;
    return n;
  }

  bool Full() {
    if (nodes_ >= o_.max_nodes) truncated_ = true;
    return truncated_;
  }

  Status Callees(ChainNode* node, const SymbolInfo& sym, int depth, std::vector<int64_t>* path) {
    if (depth <= 0) return Status::Ok();
    if (!callees_done_.insert(sym.id).second) {
      node->repeated = true;
      return Status::Ok();
    }
    TS_ASSIGN_OR_RETURN(auto calls, source_->CallsOf(sym.id));
    std::stable_sort(calls.begin(), calls.end(),
                     [](const CallRef& a, const CallRef& b) { return a.line < b.line; });
    for (const auto& call : calls) {
      if (call.kind == CallKind::kLocal) continue;
      if (Full()) return Status::Ok();
      TS_ASSIGN_OR_RETURN(Resolution res, resolver_.Resolve(sym, call));
      if (res.state != Resolution::State::kResolved) {
        // Library and built-in calls (no candidate in the index) are left out of trees.
        if (res.candidates.empty()) continue;
        ChainNode leaf;
        leaf.symbol = call.receiver.empty() ? call.name : call.receiver + "." + call.name;
        leaf.call_line = call.line;
        leaf.unresolved =
            res.state == Resolution::State::kAmbiguous ? "ambiguous" : "unresolved: " + res.rule;
        for (int64_t c : res.candidates) {
          auto cs = source_->Symbol(c);
          if (!cs.ok()) continue;
          ChainNode cn = Make(*cs);
          leaf.candidates.push_back(cn.file + ":" + std::to_string(cn.line) + " " + cn.symbol);
        }
        ++nodes_;
        node->callees.push_back(std::move(leaf));
        continue;
      }
      for (int64_t t : res.targets) {
        if (Full()) return Status::Ok();
        TS_ASSIGN_OR_RETURN(SymbolInfo ts, source_->Symbol(t));
        ChainNode child = Make(ts);
        child.call_line = call.line;
        ++nodes_;
        if (std::find(path->begin(), path->end(), t) != path->end()) {
          child.cycle = true;
        } else if (depth > 1) {
          path->push_back(t);
          Status s = Callees(&child, ts, depth - 1, path);
          path->pop_back();
          TS_RETURN_IF_ERROR(s);
        }
        node->callees.push_back(std::move(child));
      }
    }
    return Status::Ok();
  }

  Status Callers(ChainNode* node, const SymbolInfo& sym, int depth, std::vector<int64_t>* path) {
    if (depth <= 0) return Status::Ok();
    if (!callers_done_.insert(sym.id).second) {
      node->repeated = true;
      return Status::Ok();
    }
    // Several definitions of one name share their callers' list.
    auto cached = callers_named_.find(sym.name);
    if (cached == callers_named_.end()) {
      TS_ASSIGN_OR_RETURN(auto found, source_->CallersNamed(sym.name, kMaxCallersExamined + 1));
      cached = callers_named_.emplace(sym.name, std::move(found)).first;
    }
    const std::vector<int64_t>& ids = cached->second;
    size_t examined = 0;
    for (int64_t cid : ids) {
      if (Full()) return Status::Ok();
      if (++examined > kMaxCallersExamined) {
        truncated_ = true;
        return Status::Ok();
      }
      TS_ASSIGN_OR_RETURN(SymbolInfo caller, source_->Symbol(cid));
      TS_ASSIGN_OR_RETURN(auto calls, source_->CallsOf(cid));
      // A resolved call to sym; else an ambiguous one that sym is a candidate of.
      int call_line = 0;
      bool ambiguous = false;
      for (const auto& call : calls) {
        if (call.name != sym.name || call.kind == CallKind::kLocal) continue;
        TS_ASSIGN_OR_RETURN(Resolution res, resolver_.Resolve(caller, call));
        auto has = [&](const std::vector<int64_t>& v) {
          return std::find(v.begin(), v.end(), sym.id) != v.end();
        };
        if (res.state == Resolution::State::kResolved && has(res.targets)) {
          call_line = call.line;
          ambiguous = false;
          break;
        }
        if (res.state == Resolution::State::kAmbiguous && has(res.candidates) && call_line == 0) {
          call_line = call.line;
          ambiguous = true;
        }
      }
      if (call_line == 0) continue;
      ChainNode child = Make(caller);
      child.call_line = call_line;
      child.ambiguous = ambiguous;
      ++nodes_;
      if (std::find(path->begin(), path->end(), cid) != path->end()) {
        child.cycle = true;
      } else if (depth > 1) {
        path->push_back(cid);
        Status s = Callers(&child, caller, depth - 1, path);
        path->pop_back();
        TS_RETURN_IF_ERROR(s);
      }
      node->callers.push_back(std::move(child));
    }
    return Status::Ok();
  }

  Source* source_;
  const ChainOptions& o_;
  Resolver resolver_;
  size_t nodes_ = 0;
  bool truncated_ = false;
  std::unordered_set<int64_t> callees_done_, callers_done_;
  std::unordered_map<std::string, std::vector<int64_t>> callers_named_;
};

}  // namespace

Result<std::vector<SymbolInfo>> FindDefinitions(Source* source, const std::string& symbol,
                                                const std::string& file) {
  std::string_view name = LastComponent(symbol);
  std::string_view qual;
  if (name.size() < symbol.size()) {
    qual = std::string_view(symbol).substr(0, symbol.size() - name.size());
    while (!qual.empty() && (qual.back() == '.' || qual.back() == ':')) qual.remove_suffix(1);
  }
  TS_ASSIGN_OR_RETURN(auto all, source->SymbolsNamed(name));
  const PathSet& paths = source->Paths();
  std::vector<SymbolInfo> out;
  for (auto& s : all) {
    if (s.role != Role::kCallable && s.role != Role::kType) continue;
    if (!qual.empty() && !EndsWithComponent(s.scope, qual)) continue;
    if (!file.empty()) {
      const std::string& p = paths.PathOf(s.file_id);
      if (!(p == file ||
            (p.size() > file.size() && p.compare(p.size() - file.size(), file.size(), file) == 0 &&
             p[p.size() - file.size() - 1] == '/')))
        continue;
    }
    out.push_back(std::move(s));
  }
  std::stable_sort(out.begin(), out.end(), [&](const SymbolInfo& a, const SymbolInfo& b) {
    bool ca = a.role == Role::kCallable, cb = b.role == Role::kCallable;
    if (ca != cb) return ca;
    const std::string& pa = paths.PathOf(a.file_id);
    const std::string& pb = paths.PathOf(b.file_id);
    if (pa != pb) return pa < pb;
    return a.line < b.line;
  });
  return out;
}

Result<std::vector<Neighbor>> CallersOf(Source* source, const SymbolInfo& target, size_t limit) {
  Resolver resolver(source);
  std::vector<Neighbor> out;
  TS_ASSIGN_OR_RETURN(auto ids, source->CallersNamed(target.name, kMaxCallersExamined));
  size_t examined = 0;
  for (int64_t cid : ids) {
    if (out.size() >= limit || ++examined > kMaxCallersExamined) break;
    TS_ASSIGN_OR_RETURN(SymbolInfo caller, source->Symbol(cid));
    TS_ASSIGN_OR_RETURN(auto calls, source->CallsOf(cid));
    for (const auto& call : calls) {
      if (call.name != target.name || call.kind == CallKind::kLocal) continue;
      TS_ASSIGN_OR_RETURN(Resolution res, resolver.Resolve(caller, call));
      if (res.state == Resolution::State::kResolved &&
          std::find(res.targets.begin(), res.targets.end(), target.id) != res.targets.end()) {
        out.push_back({std::move(caller), call.line});
        break;
      }
    }
  }
  return out;
}

Result<std::vector<Neighbor>> CalleesOf(Source* source, const SymbolInfo& caller, size_t limit) {
  Resolver resolver(source);
  std::vector<Neighbor> out;
  std::unordered_set<int64_t> seen;
  TS_ASSIGN_OR_RETURN(auto calls, source->CallsOf(caller.id));
  std::stable_sort(calls.begin(), calls.end(),
                   [](const CallRef& a, const CallRef& b) { return a.line < b.line; });
  for (const auto& call : calls) {
    if (out.size() >= limit) break;
    if (call.kind == CallKind::kLocal) continue;
    TS_ASSIGN_OR_RETURN(Resolution res, resolver.Resolve(caller, call));
    if (res.state != Resolution::State::kResolved) continue;
    for (int64_t t : res.targets) {
      if (out.size() >= limit || !seen.insert(t).second) continue;
      TS_ASSIGN_OR_RETURN(SymbolInfo ts, source->Symbol(t));
      out.push_back({std::move(ts), call.line});
    }
  }
  return out;
}

Result<ChainResult> CallChain(Source* source, const std::string& symbol, const std::string& file,
                              const ChainOptions& options) {
  TS_ASSIGN_OR_RETURN(auto roots, FindDefinitions(source, symbol, file));
  if (roots.empty()) {
    return Status::NotFound("no definition named '" + symbol + "'" +
                            (file.empty() ? "" : " in " + file));
  }
  ChainBuilder b(source, options);
  return b.Run(roots);
}

}  // namespace ts::graph
