// The catalog's symbol graph tables (docs/FORMATS.md, "Symbol graph"):
// symbols (one row per definition, with its call names and bases encoded),
// calls (name hash -> caller, to find callers) and graph_files (a file's
// symbol id range and its imports). They are written in the same transaction
// as the file's chunks.
#include <algorithm>
#include <unordered_set>

#include "index/catalog.h"

namespace ts::index {
namespace {

constexpr const char* kGraphSchema = R"sql(
CREATE TABLE IF NOT EXISTS symbols(
  id INTEGER PRIMARY KEY, file_id INTEGER NOT NULL, name TEXT NOT NULL,
  name_hash INTEGER NOT NULL, kind TEXT NOT NULL, role INTEGER NOT NULL,
  scope TEXT NOT NULL, self_scope TEXT NOT NULL, line INTEGER NOT NULL,
  def_line INTEGER NOT NULL, end_line INTEGER NOT NULL, parent INTEGER NOT NULL,
  bases TEXT NOT NULL, calls TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS symbols_by_name ON symbols(name_hash);
CREATE TABLE IF NOT EXISTS calls(
  name_hash INTEGER NOT NULL, caller INTEGER NOT NULL,
  PRIMARY KEY(name_hash, caller)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS graph_files(
  file_id INTEGER PRIMARY KEY, first_symbol INTEGER NOT NULL, last_symbol INTEGER NOT NULL,
  imports TEXT NOT NULL);
)sql";

Status GraphSqlError(sqlite3* db, std::string_view what) {
  return Status::IoError("catalog: " + std::string(what) + ": " + sqlite3_errmsg(db));
}

}  // namespace

Status Catalog::PrepareGraph() {
  TS_RETURN_IF_ERROR(Exec(kGraphSchema));
  // The writer's page cache: a kernel-sized round inserts millions of index
  // entries at random places in the name and caller B-trees.
  TS_RETURN_IF_ERROR(Exec("PRAGMA cache_size=-65536"));
  struct {
    std::unique_ptr<Statement>* slot;
    const char* sql;
  } stmts[] = {
      {&insert_symbol_,
       "INSERT INTO symbols(file_id,name,name_hash,kind,role,scope,self_scope,line,def_line,"
       "end_line,parent,bases,calls) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)"},
      {&insert_call_, "INSERT OR IGNORE INTO calls(name_hash,caller) VALUES(?1,?2)"},
      {&insert_imports_,
       "INSERT OR REPLACE INTO graph_files(file_id,first_symbol,last_symbol,imports) "
       "VALUES(?1,?2,?3,?4)"},
      {&graph_of_file_,
       "SELECT s.id,s.calls FROM graph_files g JOIN symbols s ON s.id BETWEEN g.first_symbol AND "
       "g.last_symbol WHERE g.file_id=?1"},
      {&delete_call_, "DELETE FROM calls WHERE name_hash=?1 AND caller=?2"},
      {&delete_symbols_of_file_,
       "DELETE FROM symbols WHERE id BETWEEN (SELECT first_symbol FROM graph_files WHERE "
       "file_id=?1) AND (SELECT last_symbol FROM graph_files WHERE file_id=?1)"},
      {&delete_imports_, "DELETE FROM graph_files WHERE file_id=?1"},
  };
  for (auto& s : stmts) {
    *s.slot = std::make_unique<Statement>(db_, s.sql);
    if (!(*s.slot)->ok()) return GraphSqlError(db_, std::string("prepare ") + s.sql);
  }
  return Status::Ok();
}

Status Catalog::InsertFileGraph(int64_t file_id, const graph::FileGraph& g) {
  std::vector<int64_t> ids(g.defs.size(), 0);
  std::unordered_set<std::string_view> names;
  for (size_t i = 0; i < g.defs.size(); ++i) {
    const graph::Definition& d = g.defs[i];
    int64_t parent = d.parent >= 0 && static_cast<size_t>(d.parent) < i ? ids[d.parent] : 0;
    insert_symbol_->Bind(1, file_id)
        .Bind(2, d.name)
        .Bind(3, graph::NameHash(d.name))
        .Bind(4, d.kind)
        .Bind(5, static_cast<int64_t>(d.role))
        .Bind(6, d.scope)
        .Bind(7, d.self_scope)
        .Bind(8, static_cast<int64_t>(d.line))
        .Bind(9, static_cast<int64_t>(d.def_line))
        .Bind(10, static_cast<int64_t>(d.end_line))
        .Bind(11, parent)
        .Bind(12, graph::EncodeBases(d.bases))
        .Bind(13, graph::EncodeCalls(d.calls));
    TS_RETURN_IF_ERROR(insert_symbol_->Run());
    ids[i] = sqlite3_last_insert_rowid(db_);
    // A file's symbols are inserted together by one writer: their ids are consecutive.
    if (i > 0 && ids[i] != ids[i - 1] + 1) {
      return Status::Internal("catalog: symbol ids of one file are not consecutive");
    }
    names.clear();
    for (const auto& c : d.calls) {
      if (names.insert(c.name).second) pending_calls_.emplace_back(graph::NameHash(c.name), ids[i]);
    }
  }
  if (!g.defs.empty() || !g.imports.empty()) {
    TS_RETURN_IF_ERROR(insert_imports_->Bind(1, file_id)
                           .Bind(2, ids.empty() ? int64_t{0} : ids.front())
                           .Bind(3, ids.empty() ? int64_t{-1} : ids.back())
                           .Bind(4, graph::EncodeImports(g.imports))
                           .Run());
  }
  return Status::Ok();
}

Status Catalog::DeleteGraphOfFile(int64_t file_id) {
  std::vector<std::pair<int64_t, std::string>> rows;
  graph_of_file_->Bind(1, file_id);
  int rc;
  while ((rc = graph_of_file_->Step()) == SQLITE_ROW) {
    rows.emplace_back(graph_of_file_->Int(0), graph_of_file_->Text(1));
  }
  graph_of_file_->Reset();
  if (rc != SQLITE_DONE) return GraphSqlError(db_, "list symbols of file");
  std::unordered_set<std::string> names;
  for (const auto& [id, calls] : rows) {
    names.clear();
    for (const auto& c : graph::DecodeCalls(calls)) {
      if (names.insert(c.name).second) pending_deletes_.emplace_back(graph::NameHash(c.name), id);
    }
  }
  if (!rows.empty()) TS_RETURN_IF_ERROR(delete_symbols_of_file_->Bind(1, file_id).Run());
  return delete_imports_->Bind(1, file_id).Run();
}

Status Catalog::FlushGraph() {
  // In key order: each B-tree page is visited once per commit, not once per row.
  // Deletions first: a symbol id freed in this commit may be given again.
  std::sort(pending_deletes_.begin(), pending_deletes_.end());
  for (const auto& [hash, caller] : pending_deletes_) {
    TS_RETURN_IF_ERROR(delete_call_->Bind(1, hash).Bind(2, caller).Run());
  }
  pending_deletes_.clear();
  std::sort(pending_calls_.begin(), pending_calls_.end());
  for (const auto& [hash, caller] : pending_calls_) {
    TS_RETURN_IF_ERROR(insert_call_->Bind(1, hash).Bind(2, caller).Run());
  }
  pending_calls_.clear();
  return Status::Ok();
}

Status Catalog::ClearGraph() {
  pending_calls_.clear();
  pending_deletes_.clear();
  return Exec("DELETE FROM calls; DELETE FROM symbols; DELETE FROM graph_files;");
}

}  // namespace ts::index
