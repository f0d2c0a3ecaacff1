// The catalog's SQLite VFS (catalog.h, CatalogVfsName): the platform's
// default VFS with every write, truncate and sync SQLite makes first asked
// of the FileSystem in effect (util/file_system.h, BeforeDatabaseCall). So
// the catalog's own writes go through the I/O seam too, and tests can fail
// them; with the POSIX file system every call passes straight through.
#include <sqlite3.h>

#include <cstring>
#include <mutex>
#include <string>

#include "index/catalog.h"
#include "util/file_system.h"

namespace ts::index {
namespace {

constexpr const char* kVfsName = "trusty-seam";

sqlite3_vfs* Real() {
  static sqlite3_vfs* real = sqlite3_vfs_find(nullptr);
  return real;
}

// An open file: our methods in front, the default VFS's file right after.
struct SeamFile {
  sqlite3_file base;
  const char* path;  // SQLite keeps the name alive while the file is open
  sqlite3_file* Inner() { return reinterpret_cast<sqlite3_file*>(this + 1); }
};

SeamFile* Seam(sqlite3_file* f) {
  return reinterpret_cast<SeamFile*>(f);
}

int Ask(FileSystem::DatabaseOp op, SeamFile* f) {
  Status s = CurrentFileSystem().BeforeDatabaseCall(op, f->path ? f->path : "(temporary)");
  if (s.ok()) return SQLITE_OK;
  return op == FileSystem::DatabaseOp::kSync ? SQLITE_IOERR_FSYNC : SQLITE_IOERR_WRITE;
}

int Close(sqlite3_file* f) {
  return Seam(f)->Inner()->pMethods->xClose(Seam(f)->Inner());
}
int Read(sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
  return Seam(f)->Inner()->pMethods->xRead(Seam(f)->Inner(), buf, n, off);
}
int Write(sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
  if (int rc = Ask(FileSystem::DatabaseOp::kWrite, Seam(f)); rc != SQLITE_OK) return rc;
  return Seam(f)->Inner()->pMethods->xWrite(Seam(f)->Inner(), buf, n, off);
}
int Truncate(sqlite3_file* f, sqlite3_int64 size) {
  if (int rc = Ask(FileSystem::DatabaseOp::kWrite, Seam(f)); rc != SQLITE_OK) {
    return SQLITE_IOERR_TRUNCATE;
  }
  return Seam(f)->Inner()->pMethods->xTruncate(Seam(f)->Inner(), size);
}
int Sync(sqlite3_file* f, int flags) {
  if (int rc = Ask(FileSystem::DatabaseOp::kSync, Seam(f)); rc != SQLITE_OK) return rc;
  return Seam(f)->Inner()->pMethods->xSync(Seam(f)->Inner(), flags);
}
int FileSize(sqlite3_file* f, sqlite3_int64* size) {
  return Seam(f)->Inner()->pMethods->xFileSize(Seam(f)->Inner(), size);
}
int Lock(sqlite3_file* f, int level) {
  return Seam(f)->Inner()->pMethods->xLock(Seam(f)->Inner(), level);
}
int Unlock(sqlite3_file* f, int level) {
  return Seam(f)->Inner()->pMethods->xUnlock(Seam(f)->Inner(), level);
}
int CheckReservedLock(sqlite3_file* f, int* out) {
  return Seam(f)->Inner()->pMethods->xCheckReservedLock(Seam(f)->Inner(), out);
}
int FileControl(sqlite3_file* f, int op, void* arg) {
  return Seam(f)->Inner()->pMethods->xFileControl(Seam(f)->Inner(), op, arg);
}
int SectorSize(sqlite3_file* f) {
  return Seam(f)->Inner()->pMethods->xSectorSize(Seam(f)->Inner());
}
int DeviceCharacteristics(sqlite3_file* f) {
  return Seam(f)->Inner()->pMethods->xDeviceCharacteristics(Seam(f)->Inner());
}
// The shared-memory index of WAL mode: memory, not a durable write.
int ShmMap(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return Seam(f)->Inner()->pMethods->xShmMap(Seam(f)->Inner(), page, size, extend, out);
}
int ShmLock(sqlite3_file* f, int offset, int n, int flags) {
  return Seam(f)->Inner()->pMethods->xShmLock(Seam(f)->Inner(), offset, n, flags);
}
void ShmBarrier(sqlite3_file* f) {
  Seam(f)->Inner()->pMethods->xShmBarrier(Seam(f)->Inner());
}
int ShmUnmap(sqlite3_file* f, int delete_flag) {
  return Seam(f)->Inner()->pMethods->xShmUnmap(Seam(f)->Inner(), delete_flag);
}
int Fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** out) {
  return Seam(f)->Inner()->pMethods->xFetch(Seam(f)->Inner(), off, n, out);
}
int Unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
  return Seam(f)->Inner()->pMethods->xUnfetch(Seam(f)->Inner(), off, p);
}

// Version 3 methods: the default Unix VFS's files have all of them.
const sqlite3_io_methods kMethods = {3,
                                     Close,
                                     Read,
                                     Write,
                                     Truncate,
                                     Sync,
                                     FileSize,
                                     Lock,
                                     Unlock,
                                     CheckReservedLock,
                                     FileControl,
                                     SectorSize,
                                     DeviceCharacteristics,
                                     ShmMap,
                                     ShmLock,
                                     ShmBarrier,
                                     ShmUnmap,
                                     Fetch,
                                     Unfetch};

int Open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  SeamFile* seam = Seam(f);
  seam->base.pMethods = nullptr;  // SQLite must not close a file that failed to open
  seam->path = name;
  int rc = Real()->xOpen(Real(), name, seam->Inner(), flags, out_flags);
  if (rc == SQLITE_OK && seam->Inner()->pMethods != nullptr) seam->base.pMethods = &kMethods;
  return rc;
}
int Delete(sqlite3_vfs*, const char* name, int sync_dir) {
  return Real()->xDelete(Real(), name, sync_dir);
}
int Access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return Real()->xAccess(Real(), name, flags, out);
}
int FullPathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return Real()->xFullPathname(Real(), name, n, out);
}
void* DlOpen(sqlite3_vfs*, const char* name) {
  return Real()->xDlOpen(Real(), name);
}
void DlError(sqlite3_vfs*, int n, char* out) {
  Real()->xDlError(Real(), n, out);
}
void (*DlSym(sqlite3_vfs*, void* handle, const char* symbol))(void) {
  return Real()->xDlSym(Real(), handle, symbol);
}
void DlClose(sqlite3_vfs*, void* handle) {
  Real()->xDlClose(Real(), handle);
}
int Randomness(sqlite3_vfs*, int n, char* out) {
  return Real()->xRandomness(Real(), n, out);
}
int Sleep(sqlite3_vfs*, int us) {
  return Real()->xSleep(Real(), us);
}
int CurrentTime(sqlite3_vfs*, double* out) {
  return Real()->xCurrentTime(Real(), out);
}
int GetLastError(sqlite3_vfs*, int n, char* out) {
  return Real()->xGetLastError(Real(), n, out);
}
int CurrentTimeInt64(sqlite3_vfs*, sqlite3_int64* out) {
  return Real()->xCurrentTimeInt64(Real(), out);
}

}  // namespace

const char* CatalogVfsName() {
  static std::once_flag once;
  static sqlite3_vfs vfs;
  std::call_once(once, [] {
    sqlite3_vfs* real = Real();
    std::memset(&vfs, 0, sizeof(vfs));
    vfs.iVersion = 2;
    vfs.szOsFile = static_cast<int>(sizeof(SeamFile)) + real->szOsFile;
    vfs.mxPathname = real->mxPathname;
    vfs.zName = kVfsName;
    vfs.xOpen = Open;
    vfs.xDelete = Delete;
    vfs.xAccess = Access;
    vfs.xFullPathname = FullPathname;
    vfs.xDlOpen = DlOpen;
    vfs.xDlError = DlError;
    vfs.xDlSym = DlSym;
    vfs.xDlClose = DlClose;
    vfs.xRandomness = Randomness;
    vfs.xSleep = Sleep;
    vfs.xCurrentTime = CurrentTime;
    vfs.xGetLastError = GetLastError;
    vfs.xCurrentTimeInt64 = CurrentTimeInt64;
    sqlite3_vfs_register(&vfs, /*makeDflt=*/0);
  });
  return kVfsName;
}

}  // namespace ts::index
