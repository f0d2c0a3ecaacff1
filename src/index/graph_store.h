// Read access to the catalog's symbol graph for queries (internal to
// src/index). A GraphReader is a graph::Source over its own read-only SQLite
// connection; a query leases one from the pool, reads inside one transaction
// (one consistent snapshot), and returns it.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "graph/graph.h"
#include "index/catalog.h"

namespace ts::index {

class GraphReader : public graph::Source {
 public:
  static Result<std::unique_ptr<GraphReader>> Open(const std::string& catalog_path);
  ~GraphReader() override;

  Status Begin();  // a read transaction: every read until End sees one snapshot
  void End();      // ends it and drops per-query caches
  void SetPaths(std::shared_ptr<const graph::PathSet> paths,
                std::shared_ptr<graph::ContextCache> contexts) {
    paths_ = std::move(paths);
    contexts_ = std::move(contexts);
  }
  Result<std::shared_ptr<graph::PathSet>> LoadPaths();
  // Loads every symbol into memory, for walks over the whole graph.
  Status Preload();
  Result<uint64_t> CountSymbols();
  // The chunk of `file_id` that holds `line`, preferring one named `name`
  // (id "" when there is none).
  struct ChunkRef {
    std::string id;
    int start_line = 0, end_line = 0;
  };
  Result<ChunkRef> ChunkAtLine(int64_t file_id, int line, const std::string& name);
  struct ChunkAt {
    int64_t file_id = 0;
    std::string path, symbol, scope, kind, language;
    int start_line = 0, end_line = 0;
  };
  // A chunk by its id (a scan: chunk ids are not indexed).
  Result<ChunkAt> FindChunk(const std::string& chunk_id);

  Result<std::vector<graph::SymbolInfo>> SymbolsNamed(std::string_view name) override;
  Result<graph::SymbolInfo> Symbol(int64_t id) override;
  Result<std::vector<graph::CallRef>> CallsOf(int64_t id) override;
  Result<std::vector<std::string>> BasesOf(int64_t id) override;
  Result<std::vector<int64_t>> CallersNamed(std::string_view name, size_t limit) override;
  Result<std::vector<graph::Import>> ImportsOf(int64_t file_id) override;
  const graph::PathSet& Paths() override { return *paths_; }
  graph::ContextCache* SharedContexts() override { return contexts_.get(); }
  Status ForEachSymbol(const std::function<Status(const graph::SymbolInfo&, std::string_view,
                                                  std::string_view)>& f) override;
  Status ForEachFileImports(
      const std::function<Status(int64_t, const std::vector<graph::Import>&)>& f) override;

 private:
  explicit GraphReader(sqlite3* db) : db_(db) {}
  Status Prepare();
  struct Row {
    graph::SymbolInfo info;
    std::string calls, bases;
  };
  Result<const Row*> Fetch(int64_t id);

  sqlite3* db_;
  std::unique_ptr<Statement> by_name_, by_id_, callers_, imports_, begin_, end_;
  std::shared_ptr<const graph::PathSet> paths_;
  std::shared_ptr<graph::ContextCache> contexts_;
  std::unordered_map<int64_t, Row> rows_;  // per-query cache (or everything, when preloaded)
  std::unordered_map<int64_t, std::vector<graph::Import>> imports_cache_;
  bool preloaded_ = false;
  std::unordered_map<int64_t, std::vector<int64_t>> by_hash_;  // preloaded: name hash -> ids
};

// Idle readers of one index, and the index's file list (PathSet) as of the
// last snapshot generation.
class GraphReaderPool {
 public:
  explicit GraphReaderPool(std::string catalog_path) : path_(std::move(catalog_path)) {}
  // A reader inside a read transaction. The file list is reloaded when
  // `files_version` (files added or removed) changed, the file contexts when
  // `generation` (any commit) did.
  Result<std::unique_ptr<GraphReader>> Lease(uint64_t generation, uint64_t files_version);
  void Return(std::unique_ptr<GraphReader> reader);

 private:
  std::string path_;
  std::mutex mu_;
  std::vector<std::unique_ptr<GraphReader>> idle_;
  std::shared_ptr<const graph::PathSet> paths_;
  uint64_t paths_version_ = ~0ull;
  std::shared_ptr<graph::ContextCache> contexts_;
  uint64_t contexts_generation_ = ~0ull;
};

}  // namespace ts::index
