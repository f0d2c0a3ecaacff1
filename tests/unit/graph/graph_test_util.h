// Helpers for graph tests: files extracted with the real ctags, and an
// in-memory graph::Source over them (what the catalog stores, without SQLite).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "../chunk/chunk_test_util.h"
#include "chunk/chunk.h"
#include "graph/graph.h"
#include "util/file.h"

namespace ts::graph::testing {

using chunk::testing::RealCtags;
using chunk::testing::TempTree;

inline std::string LanguageOf(const std::string& rel, const std::string& content) {
  return chunk::DetectLanguage(rel, std::string_view(content).substr(0, 256));
}

// Extracts `content` as file `rel`, with tags from the real ctags.
inline FileGraph ExtractWithCtags(const std::string& rel, const std::string& content) {
  TempTree tree;
  tree.Write(rel, content);
  auto tags = RealCtags().Run(tree.root(), {rel});
  EXPECT_TRUE(tags.ok()) << tags.status().ToString();
  return ExtractFile(rel, LanguageOf(rel, content), content, (*tags)[0]);
}

inline const Definition* FindDef(const FileGraph& g, const std::string& name,
                                 const std::string& scope = "*") {
  for (const auto& d : g.defs) {
    if (d.name == name && (scope == "*" || d.scope == scope)) return &d;
  }
  return nullptr;
}

// "kind:receiver.name" for each call of a definition, sorted.
inline std::vector<std::string> CallsOf(const Definition* d) {
  static const char* kinds[] = {"bare",   "self", "super", "member",
                                "scoped", "new",  "local", "macro"};
  std::vector<std::string> out;
  if (d == nullptr) return out;
  for (const auto& c : d->calls) {
    out.push_back(std::string(kinds[static_cast<int>(c.kind)]) + ":" +
                  (c.receiver.empty() ? "" : c.receiver + ".") + c.name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A graph::Source over files extracted in memory, with the catalog's ids:
// files 1.., symbols 1.. in insertion order.
class MemorySource : public Source {
 public:
  void AddFile(const std::string& rel, const std::string& content) {
    files_.push_back({rel, content});
  }
  // Extracts every added file (one ctags run) and builds the tables.
  void Build() {
    TempTree tree;
    std::vector<std::string> rels;
    for (const auto& [rel, content] : files_) {
      tree.Write(rel, content);
      rels.push_back(rel);
    }
    auto tags = RealCtags().Run(tree.root(), rels);
    ASSERT_TRUE(tags.ok());
    for (size_t i = 0; i < files_.size(); ++i) {
      int64_t file_id = static_cast<int64_t>(i + 1);
      const auto& [rel, content] = files_[i];
      std::string lang = LanguageOf(rel, content);
      paths_.Add(file_id, rel, lang);
      FileGraph g = ExtractFile(rel, lang, content, (*tags)[i]);
      imports_[file_id] = g.imports;
      std::vector<int64_t> ids;
      for (const auto& d : g.defs) {
        Row r;
        r.info.id = static_cast<int64_t>(rows_.size() + 1);
        r.info.file_id = file_id;
        r.info.name = d.name;
        r.info.kind = d.kind;
        r.info.scope = d.scope;
        r.info.self_scope = d.self_scope;
        r.info.role = d.role;
        r.info.line = d.line;
        r.info.def_line = d.def_line;
        r.info.end_line = d.end_line;
        r.info.parent = d.parent >= 0 ? ids[d.parent] : 0;
        r.calls = d.calls;
        r.bases = d.bases;
        ids.push_back(r.info.id);
        rows_.push_back(std::move(r));
      }
    }
  }
  // The symbol id of `qualified` ("Class.method" or "name") in file `rel`.
  int64_t Id(const std::string& rel, const std::string& qualified) const {
    for (const auto& r : rows_) {
      if (paths_.PathOf(r.info.file_id) != rel) continue;
      if (QualifiedName(r.info.scope, r.info.name, paths_.LanguageOf(r.info.file_id)) == qualified)
        return r.info.id;
    }
    return 0;
  }
  const SymbolInfo& Info(int64_t id) const { return rows_[id - 1].info; }

  Result<std::vector<SymbolInfo>> SymbolsNamed(std::string_view name) override {
    std::vector<SymbolInfo> out;
    for (const auto& r : rows_) {
      if (r.info.name == name) out.push_back(r.info);
    }
    return out;
  }
  Result<SymbolInfo> Symbol(int64_t id) override {
    if (id < 1 || static_cast<size_t>(id) > rows_.size()) return Status::NotFound("no symbol");
    return rows_[id - 1].info;
  }
  Result<std::vector<CallRef>> CallsOf(int64_t id) override {
    if (id < 1 || static_cast<size_t>(id) > rows_.size()) return Status::NotFound("no symbol");
    return rows_[id - 1].calls;
  }
  Result<std::vector<std::string>> BasesOf(int64_t id) override {
    if (id < 1 || static_cast<size_t>(id) > rows_.size()) return Status::NotFound("no symbol");
    return rows_[id - 1].bases;
  }
  Result<std::vector<int64_t>> CallersNamed(std::string_view name, size_t limit) override {
    std::vector<int64_t> out;
    for (const auto& r : rows_) {
      if (out.size() >= limit) break;
      for (const auto& c : r.calls) {
        if (c.name == name) {
          out.push_back(r.info.id);
          break;
        }
      }
    }
    return out;
  }
  Result<std::vector<Import>> ImportsOf(int64_t file_id) override { return imports_[file_id]; }
  const PathSet& Paths() override { return paths_; }
  Status ForEachSymbol(const std::function<Status(const SymbolInfo&, std::string_view,
                                                  std::string_view)>& f) override {
    for (const auto& r : rows_) {
      std::string calls = EncodeCalls(r.calls), bases = EncodeBases(r.bases);
      TS_RETURN_IF_ERROR(f(r.info, calls, bases));
    }
    return Status::Ok();
  }
  Status ForEachFileImports(
      const std::function<Status(int64_t, const std::vector<Import>&)>& f) override {
    for (const auto& [id, imports] : imports_) {
      if (!imports.empty()) TS_RETURN_IF_ERROR(f(id, imports));
    }
    return Status::Ok();
  }

 private:
  struct Row {
    SymbolInfo info;
    std::vector<CallRef> calls;
    std::vector<std::string> bases;
  };
  std::vector<std::pair<std::string, std::string>> files_;
  PathSet paths_;
  std::vector<Row> rows_;
  std::map<int64_t, std::vector<Import>> imports_;
};

}  // namespace ts::graph::testing
