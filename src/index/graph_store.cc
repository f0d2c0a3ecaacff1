#include "index/graph_store.h"

namespace ts::index {
namespace {

constexpr size_t kMaxIdleReaders = 8;
constexpr const char* kSymbolColumns =
    "id,file_id,name,kind,role,scope,self_scope,line,def_line,end_line,parent";

Status ReadError(sqlite3* db, std::string_view what) {
  return Status::IoError("graph: " + std::string(what) + ": " + sqlite3_errmsg(db));
}

graph::SymbolInfo ReadSymbol(const Statement& q) {
  graph::SymbolInfo s;
  s.id = q.Int(0);
  s.file_id = q.Int(1);
  s.name = q.Text(2);
  s.kind = q.Text(3);
  s.role = static_cast<graph::Role>(q.Int(4));
  s.scope = q.Text(5);
  s.self_scope = q.Text(6);
  s.line = static_cast<int>(q.Int(7));
  s.def_line = static_cast<int>(q.Int(8));
  s.end_line = static_cast<int>(q.Int(9));
  s.parent = q.Int(10);
  return s;
}

}  // namespace

Result<std::unique_ptr<GraphReader>> GraphReader::Open(const std::string& catalog_path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(catalog_path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return Status::IoError("cannot open catalog " + catalog_path + " for reading");
  }
  sqlite3_busy_timeout(db, 5000);
  std::unique_ptr<GraphReader> r(new GraphReader(db));
  TS_RETURN_IF_ERROR(r->Prepare());
  return r;
}

GraphReader::~GraphReader() {
  for (auto* s : {&by_name_, &by_id_, &callers_, &imports_, &begin_, &end_}) s->reset();
  sqlite3_close(db_);
}

Status GraphReader::Prepare() {
  std::string cols = kSymbolColumns;
  struct {
    std::unique_ptr<Statement>* slot;
    std::string sql;
  } stmts[] = {
      {&by_name_, "SELECT " + cols + " FROM symbols WHERE name_hash=?1"},
      {&by_id_, "SELECT " + cols + ",calls,bases FROM symbols WHERE id=?1"},
      {&callers_, "SELECT caller FROM calls WHERE name_hash=?1 LIMIT ?2"},
      {&imports_, "SELECT imports FROM graph_files WHERE file_id=?1"},
      {&begin_, "BEGIN"},
      {&end_, "COMMIT"},
  };
  for (auto& s : stmts) {
    *s.slot = std::make_unique<Statement>(db_, s.sql.c_str());
    if (!(*s.slot)->ok()) {
      return Status::Unavailable(
          "the catalog has no symbol graph tables (index built by an older version): " +
          std::string(sqlite3_errmsg(db_)));
    }
  }
  return Status::Ok();
}

Status GraphReader::Begin() {
  TS_RETURN_IF_ERROR(begin_->Run());
  return Status::Ok();
}

void GraphReader::End() {
  (void)end_->Run();
  contexts_.reset();
  rows_.clear();
  imports_cache_.clear();
  by_hash_.clear();
  preloaded_ = false;
}

Result<std::shared_ptr<graph::PathSet>> GraphReader::LoadPaths() {
  Statement q(db_, "SELECT id,path,language FROM files");
  if (!q.ok()) return ReadError(db_, "load files");
  auto paths = std::make_shared<graph::PathSet>();
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) paths->Add(q.Int(0), q.Text(1), q.Text(2));
  if (rc != SQLITE_DONE) return ReadError(db_, "load files");
  return paths;
}

Status GraphReader::Preload() {
  Statement q(db_, (std::string("SELECT ") + kSymbolColumns + ",'',bases FROM symbols").c_str());
  if (!q.ok()) return ReadError(db_, "load symbols");
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    Row row;
    row.info = ReadSymbol(q);
    row.bases = q.Text(12);
    by_hash_[graph::NameHash(row.info.name)].push_back(row.info.id);
    int64_t id = row.info.id;
    rows_.emplace(id, std::move(row));
  }
  if (rc != SQLITE_DONE) return ReadError(db_, "load symbols");
  preloaded_ = true;
  return Status::Ok();
}

Result<uint64_t> GraphReader::CountSymbols() {
  Statement q(db_, "SELECT count(*) FROM symbols");
  if (!q.ok() || q.Step() != SQLITE_ROW) return ReadError(db_, "count symbols");
  return static_cast<uint64_t>(q.Int(0));
}

Result<GraphReader::ChunkRef> GraphReader::ChunkAtLine(int64_t file_id, int line,
                                                       const std::string& name) {
  Statement q(db_,
              "SELECT chunk_id,start_line,end_line FROM chunks WHERE file_id=?1 AND start_line<=?2 "
              "AND end_line>=?2 ORDER BY (symbol=?3) DESC, start_line ASC LIMIT 1");
  if (!q.ok()) return ReadError(db_, "chunk at line");
  q.Bind(1, file_id).Bind(2, static_cast<int64_t>(line)).Bind(3, name);
  int rc = q.Step();
  ChunkRef c;
  if (rc == SQLITE_ROW) {
    c.id = q.Text(0);
    c.start_line = static_cast<int>(q.Int(1));
    c.end_line = static_cast<int>(q.Int(2));
  } else if (rc != SQLITE_DONE) {
    return ReadError(db_, "chunk at line");
  }
  return c;
}

Result<GraphReader::ChunkAt> GraphReader::FindChunk(const std::string& chunk_id) {
  Statement q(db_,
              "SELECT c.file_id,f.path,c.symbol,c.scope,c.kind,c.language,c.start_line,c.end_line "
              "FROM chunks c JOIN files f ON f.id=c.file_id WHERE c.chunk_id=?1 LIMIT 1");
  if (!q.ok()) return ReadError(db_, "find chunk");
  q.Bind(1, chunk_id);
  int rc = q.Step();
  if (rc == SQLITE_DONE) return Status::NotFound("no chunk with id '" + chunk_id + "'");
  if (rc != SQLITE_ROW) return ReadError(db_, "find chunk");
  ChunkAt c;
  c.file_id = q.Int(0);
  c.path = q.Text(1);
  c.symbol = q.Text(2);
  c.scope = q.Text(3);
  c.kind = q.Text(4);
  c.language = q.Text(5);
  c.start_line = static_cast<int>(q.Int(6));
  c.end_line = static_cast<int>(q.Int(7));
  return c;
}

Result<const GraphReader::Row*> GraphReader::Fetch(int64_t id) {
  auto it = rows_.find(id);
  if (it != rows_.end()) return &it->second;
  if (preloaded_) return Status::NotFound("no symbol " + std::to_string(id));
  by_id_->Bind(1, id);
  int rc = by_id_->Step();
  if (rc != SQLITE_ROW) {
    by_id_->Reset();
    if (rc == SQLITE_DONE) return Status::NotFound("no symbol " + std::to_string(id));
    return ReadError(db_, "read symbol");
  }
  Row row;
  row.info = ReadSymbol(*by_id_);
  row.calls = by_id_->Text(11);
  row.bases = by_id_->Text(12);
  by_id_->Reset();
  return &rows_.emplace(id, std::move(row)).first->second;
}

Result<std::vector<graph::SymbolInfo>> GraphReader::SymbolsNamed(std::string_view name) {
  std::vector<graph::SymbolInfo> out;
  int64_t h = graph::NameHash(name);
  if (preloaded_) {
    auto it = by_hash_.find(h);
    if (it == by_hash_.end()) return out;
    for (int64_t id : it->second) {
      const Row& r = rows_.at(id);
      if (r.info.name == name) out.push_back(r.info);
    }
    return out;
  }
  by_name_->Bind(1, h);
  int rc;
  while ((rc = by_name_->Step()) == SQLITE_ROW) {
    graph::SymbolInfo s = ReadSymbol(*by_name_);
    if (s.name == name) out.push_back(std::move(s));
  }
  by_name_->Reset();
  if (rc != SQLITE_DONE) return ReadError(db_, "symbols by name");
  return out;
}

Result<graph::SymbolInfo> GraphReader::Symbol(int64_t id) {
  TS_ASSIGN_OR_RETURN(const Row* r, Fetch(id));
  return r->info;
}

Result<std::vector<graph::CallRef>> GraphReader::CallsOf(int64_t id) {
  TS_ASSIGN_OR_RETURN(const Row* r, Fetch(id));
  return graph::DecodeCalls(r->calls);
}

Result<std::vector<std::string>> GraphReader::BasesOf(int64_t id) {
  TS_ASSIGN_OR_RETURN(const Row* r, Fetch(id));
  return graph::DecodeBases(r->bases);
}

Result<std::vector<int64_t>> GraphReader::CallersNamed(std::string_view name, size_t limit) {
  std::vector<int64_t> out;
  callers_->Bind(1, graph::NameHash(name)).Bind(2, static_cast<int64_t>(limit));
  int rc;
  while ((rc = callers_->Step()) == SQLITE_ROW) out.push_back(callers_->Int(0));
  callers_->Reset();
  if (rc != SQLITE_DONE) return ReadError(db_, "callers by name");
  return out;
}

Result<std::vector<graph::Import>> GraphReader::ImportsOf(int64_t file_id) {
  auto it = imports_cache_.find(file_id);
  if (it != imports_cache_.end()) return it->second;
  imports_->Bind(1, file_id);
  int rc = imports_->Step();
  std::vector<graph::Import> out;
  if (rc == SQLITE_ROW) out = graph::DecodeImports(imports_->Text(0));
  imports_->Reset();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return ReadError(db_, "imports of file");
  imports_cache_[file_id] = out;
  return out;
}

Status GraphReader::ForEachSymbol(
    const std::function<Status(const graph::SymbolInfo&, std::string_view, std::string_view)>& f) {
  Statement q(db_, (std::string("SELECT ") + kSymbolColumns + ",calls,bases FROM symbols").c_str());
  if (!q.ok()) return ReadError(db_, "walk symbols");
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    graph::SymbolInfo s = ReadSymbol(q);
    std::string calls = q.Text(11), bases = q.Text(12);
    TS_RETURN_IF_ERROR(f(s, calls, bases));
  }
  if (rc != SQLITE_DONE) return ReadError(db_, "walk symbols");
  return Status::Ok();
}

Status GraphReader::ForEachFileImports(
    const std::function<Status(int64_t, const std::vector<graph::Import>&)>& f) {
  Statement q(db_, "SELECT file_id,imports FROM graph_files WHERE imports<>'' ORDER BY file_id");
  if (!q.ok()) return ReadError(db_, "walk imports");
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    TS_RETURN_IF_ERROR(f(q.Int(0), graph::DecodeImports(q.Text(1))));
  }
  if (rc != SQLITE_DONE) return ReadError(db_, "walk imports");
  return Status::Ok();
}

Result<std::unique_ptr<GraphReader>> GraphReaderPool::Lease(uint64_t generation,
                                                            uint64_t files_version) {
  std::unique_ptr<GraphReader> r;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      r = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!r) {
    TS_ASSIGN_OR_RETURN(r, GraphReader::Open(path_));
  }
  TS_RETURN_IF_ERROR(r->Begin());
  std::shared_ptr<const graph::PathSet> paths;
  std::shared_ptr<graph::ContextCache> contexts;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (paths_version_ == files_version) paths = paths_;
    if (contexts_generation_ != generation) {
      contexts_ = std::make_shared<graph::ContextCache>();
      contexts_generation_ = generation;
    }
    contexts = contexts_;
  }
  if (!paths) {
    auto loaded = r->LoadPaths();
    if (!loaded.ok()) {
      r->End();
      return loaded.status();
    }
    paths = *loaded;
    std::lock_guard<std::mutex> lock(mu_);
    paths_ = paths;
    paths_version_ = files_version;
  }
  r->SetPaths(std::move(paths), std::move(contexts));
  return r;
}

void GraphReaderPool::Return(std::unique_ptr<GraphReader> reader) {
  reader->End();
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.size() < kMaxIdleReaders) idle_.push_back(std::move(reader));
}

}  // namespace ts::index
