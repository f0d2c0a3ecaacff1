#include "index/catalog.h"

namespace ts::index {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS files(
  id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, size INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL, hash TEXT NOT NULL, language TEXT NOT NULL,
  chunk_count INTEGER NOT NULL, grep_key INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS chunks(
  key INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL, file_id INTEGER NOT NULL,
  start_line INTEGER NOT NULL, end_line INTEGER NOT NULL, symbol TEXT NOT NULL,
  scope TEXT NOT NULL, kind TEXT NOT NULL, language TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS chunks_by_file ON chunks(file_id);
CREATE TABLE IF NOT EXISTS segments(
  name TEXT PRIMARY KEY, doc_count INTEGER NOT NULL, byte_size INTEGER NOT NULL,
  checksum TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tombstones(key INTEGER PRIMARY KEY);
)sql";

Status SqlError(sqlite3* db, std::string_view what) {
  return Status::IoError("catalog: " + std::string(what) + ": " + sqlite3_errmsg(db));
}

}  // namespace

Statement::Statement(sqlite3* db, const char* sql) : db_(db) {
  if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) stmt_ = nullptr;
}
Statement::~Statement() {
  sqlite3_finalize(stmt_);
}
Statement& Statement::Bind(int i, int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}
Statement& Statement::Bind(int i, const std::string& v) {
  sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
int Statement::Step() {
  return sqlite3_step(stmt_);
}
void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}
Status Statement::Run() {
  int rc;
  while ((rc = Step()) == SQLITE_ROW) {
  }
  Reset();
  if (rc != SQLITE_DONE) return SqlError(db_, "statement failed");
  return Status::Ok();
}
int64_t Statement::Int(int col) const {
  return sqlite3_column_int64(stmt_, col);
}
std::string Statement::Text(int col) const {
  const unsigned char* t = sqlite3_column_text(stmt_, col);
  return t ? std::string(reinterpret_cast<const char*>(t), sqlite3_column_bytes(stmt_, col))
           : std::string();
}

Result<std::unique_ptr<Catalog>> Catalog::Open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                           CatalogVfsName());
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Status::IoError("cannot open catalog " + path + ": " + msg);
  }
  std::unique_ptr<Catalog> catalog(new Catalog(db));
  sqlite3_busy_timeout(db, 5000);
  TS_RETURN_IF_ERROR(catalog->Exec("PRAGMA journal_mode=WAL"));
  TS_RETURN_IF_ERROR(catalog->Exec("PRAGMA synchronous=FULL"));
  TS_RETURN_IF_ERROR(catalog->Exec(kSchema));
  // Catalogs made before grep existed lack files.grep_key; adding it is the
  // whole migration (their files get grep documents when next re-indexed).
  {
    Statement has(catalog->db_, "SELECT 1 FROM pragma_table_info('files') WHERE name='grep_key'");
    if (!has.ok()) return SqlError(catalog->db_, "read files schema");
    if (has.Step() != SQLITE_ROW) {
      TS_RETURN_IF_ERROR(
          catalog->Exec("ALTER TABLE files ADD COLUMN grep_key INTEGER NOT NULL DEFAULT 0"));
    }
  }
  TS_RETURN_IF_ERROR(catalog->Prepare());
  TS_RETURN_IF_ERROR(catalog->PrepareGraph());
  return catalog;
}

Catalog::~Catalog() {
  get_meta_.reset();
  set_meta_.reset();
  chunks_of_file_.reset();
  delete_chunks_of_file_.reset();
  delete_file_.reset();
  upsert_file_.reset();
  insert_chunk_.reset();
  insert_tombstone_.reset();
  delete_tombstone_.reset();
  insert_segment_.reset();
  delete_segment_.reset();
  for (auto* s : {&insert_symbol_, &insert_call_, &insert_imports_, &graph_of_file_, &delete_call_,
                  &delete_symbols_of_file_, &delete_imports_})
    s->reset();
  sqlite3_close(db_);
}

Status Catalog::Prepare() {
  struct {
    std::unique_ptr<Statement>* slot;
    const char* sql;
  } stmts[] = {
      {&get_meta_, "SELECT value FROM meta WHERE key=?1"},
      {&set_meta_,
       "INSERT INTO meta(key,value) VALUES(?1,?2) "
       "ON CONFLICT(key) DO UPDATE SET value=excluded.value"},
      {&chunks_of_file_, "SELECT key FROM chunks WHERE file_id=?1"},
      {&delete_chunks_of_file_, "DELETE FROM chunks WHERE file_id=?1"},
      {&delete_file_, "DELETE FROM files WHERE id=?1"},
      {&upsert_file_,
       "INSERT INTO files(path,size,mtime_ns,hash,language,chunk_count,grep_key) "
       "VALUES(?1,?2,?3,?4,?5,?6,?7) "
       "ON CONFLICT(path) DO UPDATE SET size=excluded.size, mtime_ns=excluded.mtime_ns, "
       "hash=excluded.hash, language=excluded.language, chunk_count=excluded.chunk_count, "
       "grep_key=excluded.grep_key RETURNING id"},
      {&insert_chunk_,
       "INSERT INTO chunks(key,chunk_id,file_id,start_line,end_line,symbol,scope,kind,language) "
       "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)"},
      {&insert_tombstone_, "INSERT OR IGNORE INTO tombstones(key) VALUES(?1)"},
      {&delete_tombstone_, "DELETE FROM tombstones WHERE key=?1"},
      {&insert_segment_,
       "INSERT INTO segments(name,doc_count,byte_size,checksum) VALUES(?1,?2,?3,?4)"},
      {&delete_segment_, "DELETE FROM segments WHERE name=?1"},
  };
  for (auto& s : stmts) {
    *s.slot = std::make_unique<Statement>(db_, s.sql);
    if (!(*s.slot)->ok()) return SqlError(db_, std::string("prepare ") + s.sql);
  }
  return Status::Ok();
}

Status Catalog::Exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    return Status::IoError(std::string("catalog: ") + msg);
  }
  return Status::Ok();
}

Result<std::string> Catalog::GetMeta(const std::string& key) {
  get_meta_->Bind(1, key);
  std::string value;
  int rc = get_meta_->Step();
  if (rc == SQLITE_ROW) value = get_meta_->Text(0);
  get_meta_->Reset();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return SqlError(db_, "read meta");
  return value;
}

Status Catalog::SetMeta(const std::string& key, const std::string& value) {
  return set_meta_->Bind(1, key).Bind(2, value).Run();
}

namespace {

constexpr const char* kFileColumns = "id,path,size,mtime_ns,hash,language,chunk_count,grep_key";

// Every row `q` (selecting kFileColumns) yields, into `out` by path.
Status ReadFileRows(sqlite3* db, Statement& q, std::unordered_map<std::string, FileRow>* out) {
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    FileRow r{
        q.Int(0),  q.Text(1), static_cast<uint64_t>(q.Int(2)), q.Int(3),
        q.Text(4), q.Text(5), static_cast<uint64_t>(q.Int(6)), static_cast<uint64_t>(q.Int(7))};
    out->emplace(r.path, std::move(r));
  }
  if (rc != SQLITE_DONE) return SqlError(db, "load files");
  return Status::Ok();
}

}  // namespace

Result<std::unordered_map<std::string, FileRow>> Catalog::LoadFiles() {
  Statement q(db_, (std::string("SELECT ") + kFileColumns + " FROM files").c_str());
  if (!q.ok()) return SqlError(db_, "load files");
  std::unordered_map<std::string, FileRow> out;
  TS_RETURN_IF_ERROR(ReadFileRows(db_, q, &out));
  return out;
}

Result<std::unordered_map<std::string, FileRow>> Catalog::LoadFiles(
    const std::vector<std::string>& paths) {
  Statement q(db_, (std::string("SELECT ") + kFileColumns + " FROM files WHERE path=?1").c_str());
  if (!q.ok()) return SqlError(db_, "load files");
  std::unordered_map<std::string, FileRow> out;
  for (const auto& path : paths) {
    q.Bind(1, path);
    Status read = ReadFileRows(db_, q, &out);
    q.Reset();
    TS_RETURN_IF_ERROR(read);
  }
  return out;
}

Result<std::vector<uint64_t>> Catalog::ChunkKeysOfFile(int64_t file_id) {
  std::vector<uint64_t> keys;
  chunks_of_file_->Bind(1, file_id);
  int rc;
  while ((rc = chunks_of_file_->Step()) == SQLITE_ROW) {
    keys.push_back(static_cast<uint64_t>(chunks_of_file_->Int(0)));
  }
  chunks_of_file_->Reset();
  if (rc != SQLITE_DONE) return SqlError(db_, "list chunks of file");
  return keys;
}

Result<std::vector<SegmentRow>> Catalog::LoadSegments() {
  Statement q(db_, "SELECT name,doc_count,byte_size,checksum FROM segments ORDER BY name");
  if (!q.ok()) return SqlError(db_, "load segments");
  std::vector<SegmentRow> out;
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    out.push_back(
        {q.Text(0), static_cast<uint64_t>(q.Int(1)), static_cast<uint64_t>(q.Int(2)), q.Text(3)});
  }
  if (rc != SQLITE_DONE) return SqlError(db_, "load segments");
  return out;
}

Result<std::vector<uint64_t>> Catalog::LoadTombstones() {
  Statement q(db_, "SELECT key FROM tombstones");
  if (!q.ok()) return SqlError(db_, "load tombstones");
  std::vector<uint64_t> out;
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) out.push_back(static_cast<uint64_t>(q.Int(0)));
  if (rc != SQLITE_DONE) return SqlError(db_, "load tombstones");
  return out;
}

Result<uint64_t> Catalog::Count(const char* table) {
  Statement q(db_, (std::string("SELECT count(*) FROM ") + table).c_str());
  if (!q.ok() || q.Step() != SQLITE_ROW) return SqlError(db_, "count");
  return static_cast<uint64_t>(q.Int(0));
}

Result<std::vector<uint64_t>> Catalog::DeleteChunksOfFile(int64_t file_id) {
  TS_ASSIGN_OR_RETURN(std::vector<uint64_t> keys, ChunkKeysOfFile(file_id));
  TS_RETURN_IF_ERROR(delete_chunks_of_file_->Bind(1, file_id).Run());
  return keys;
}

Status Catalog::DeleteFile(int64_t file_id) {
  return delete_file_->Bind(1, file_id).Run();
}

Result<int64_t> Catalog::UpsertFile(const FileRow& r) {
  upsert_file_->Bind(1, r.path)
      .Bind(2, static_cast<int64_t>(r.size))
      .Bind(3, r.mtime_ns)
      .Bind(4, r.hash)
      .Bind(5, r.language)
      .Bind(6, static_cast<int64_t>(r.chunk_count))
      .Bind(7, static_cast<int64_t>(r.grep_key));
  int rc = upsert_file_->Step();
  int64_t id = rc == SQLITE_ROW ? upsert_file_->Int(0) : 0;
  if (rc == SQLITE_ROW) rc = upsert_file_->Step();
  upsert_file_->Reset();
  if (rc != SQLITE_DONE) return SqlError(db_, "upsert file");
  return id;
}

Status Catalog::InsertChunk(const ChunkRow& r) {
  return insert_chunk_->Bind(1, static_cast<int64_t>(r.key))
      .Bind(2, r.chunk_id)
      .Bind(3, r.file_id)
      .Bind(4, static_cast<int64_t>(r.start_line))
      .Bind(5, static_cast<int64_t>(r.end_line))
      .Bind(6, r.symbol)
      .Bind(7, r.scope)
      .Bind(8, r.kind)
      .Bind(9, r.language)
      .Run();
}

Status Catalog::InsertTombstones(const std::vector<uint64_t>& keys) {
  for (uint64_t k : keys)
    TS_RETURN_IF_ERROR(insert_tombstone_->Bind(1, static_cast<int64_t>(k)).Run());
  return Status::Ok();
}

Status Catalog::DeleteTombstones(const std::vector<uint64_t>& keys) {
  for (uint64_t k : keys)
    TS_RETURN_IF_ERROR(delete_tombstone_->Bind(1, static_cast<int64_t>(k)).Run());
  return Status::Ok();
}

Status Catalog::InsertSegment(const SegmentRow& r) {
  return insert_segment_->Bind(1, r.name)
      .Bind(2, static_cast<int64_t>(r.doc_count))
      .Bind(3, static_cast<int64_t>(r.byte_size))
      .Bind(4, r.checksum)
      .Run();
}

Status Catalog::DeleteSegment(const std::string& name) {
  return delete_segment_->Bind(1, name).Run();
}

}  // namespace ts::index
