// The catalog: a SQLite database (WAL mode, synchronous=FULL) holding the
// index's files, chunks, live segment list and tombstones. Internal to src/index.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "graph/graph.h"
#include "util/status.h"

namespace ts::index {

// A prepared statement; reset on every Exec/Step cycle by its user.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  bool ok() const { return stmt_ != nullptr; }
  Statement& Bind(int i, int64_t v);
  Statement& Bind(int i, const std::string& v);
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step();
  // Runs to completion and resets; returns a Status for errors.
  Status Run();
  void Reset();
  int64_t Int(int col) const;
  std::string Text(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

struct FileRow {
  int64_t id = 0;
  std::string path;
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  std::string hash;
  std::string language;
  uint64_t chunk_count = 0;
  // The key of the file's document in the grep segments (tombstoned with its
  // chunks); 0 when the file has none (indexed before grep existed).
  uint64_t grep_key = 0;
};

struct SegmentRow {
  std::string name;
  uint64_t doc_count = 0;
  uint64_t byte_size = 0;
  std::string checksum;
};

struct ChunkRow {
  uint64_t key = 0;
  std::string chunk_id;
  int64_t file_id = 0;
  uint32_t start_line = 0, end_line = 0;
  std::string symbol, scope, kind, language;
};

// The SQLite VFS the catalog opens with (catalog_vfs.cc): the default one,
// with SQLite's writes and syncs passed through the I/O seam first.
const char* CatalogVfsName();

class Catalog {
 public:
  static Result<std::unique_ptr<Catalog>> Open(const std::string& path);
  ~Catalog();

  Status Exec(const char* sql);
  Status Begin() { return Exec("BEGIN IMMEDIATE"); }
  Status Commit() { return Exec("COMMIT"); }
  void Rollback() {
    (void)Exec("ROLLBACK");
    pending_calls_.clear();  // rows of the abandoned transaction
    pending_deletes_.clear();
  }

  Result<std::string> GetMeta(const std::string& key);  // "" when absent
  Status SetMeta(const std::string& key, const std::string& value);

  Result<std::unordered_map<std::string, FileRow>> LoadFiles();
  // The rows of `paths` only (those in the index): what a targeted update reads.
  Result<std::unordered_map<std::string, FileRow>> LoadFiles(const std::vector<std::string>& paths);
  Result<std::vector<SegmentRow>> LoadSegments();
  Result<std::vector<uint64_t>> LoadTombstones();
  Result<uint64_t> Count(const char* table);

  Result<std::vector<uint64_t>> ChunkKeysOfFile(int64_t file_id);
  // Deletes a file's chunk rows and returns their keys (to be tombstoned).
  Result<std::vector<uint64_t>> DeleteChunksOfFile(int64_t file_id);
  Status DeleteFile(int64_t file_id);
  Result<int64_t> UpsertFile(const FileRow& row);
  Status InsertChunk(const ChunkRow& row);
  Status InsertTombstones(const std::vector<uint64_t>& keys);
  Status DeleteTombstones(const std::vector<uint64_t>& keys);
  Status InsertSegment(const SegmentRow& row);
  Status DeleteSegment(const std::string& name);

  // Symbol graph rows (catalog_graph.cc; docs/FORMATS.md). A file's
  // definitions, call names and imports are written with its chunks and
  // deleted with them; edges are resolved at query time.
  // InsertFileGraph and DeleteGraphOfFile queue the file's call-name rows;
  // FlushGraph writes them (sorted) and must run before the transaction commits.
  Status InsertFileGraph(int64_t file_id, const graph::FileGraph& g);
  Status FlushGraph();
  Status DeleteGraphOfFile(int64_t file_id);
  Status ClearGraph();

 private:
  explicit Catalog(sqlite3* db) : db_(db) {}
  Status Prepare();
  Status PrepareGraph();
  sqlite3* db_;
  std::unique_ptr<Statement> get_meta_, set_meta_, chunks_of_file_, delete_chunks_of_file_,
      delete_file_, upsert_file_, insert_chunk_, insert_tombstone_, delete_tombstone_,
      insert_segment_, delete_segment_;
  std::unique_ptr<Statement> insert_symbol_, insert_call_, insert_imports_, graph_of_file_,
      delete_call_, delete_symbols_of_file_, delete_imports_;
  // (name hash, caller) rows of the calls table to delete and to insert at FlushGraph.
  std::vector<std::pair<int64_t, int64_t>> pending_calls_, pending_deletes_;
};

}  // namespace ts::index
