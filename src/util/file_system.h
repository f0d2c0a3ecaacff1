// The seam between durable writes and the operating system. Every durable
// artifact is written by WriteFileAtomic or AtomicFileWriter (file.h), and
// they make each call through the FileSystem in effect: the POSIX one, or
// in tests one that fails on purpose (fault_file_system.h), the way
// LevelDB's tests swap its Env.
//
// The file system in effect is process-wide, like the crash points: it is
// a test seam, not configuration, and swapping it while a write is in
// flight is not supported (tests swap it between updates).
#pragma once

#include <string>
#include <string_view>

#include "util/status.h"

namespace ts {

class FileSystem {
 public:
  virtual ~FileSystem() = default;
  // Creates or truncates `path` for writing, mode 0600 whatever the umask;
  // returns its descriptor.
  virtual Result<int> Create(const std::string& path) = 0;
  // Appends all of `data` (`path` names the file in errors).
  virtual Status Write(int fd, const std::string& path, std::string_view data) = 0;
  virtual Status Sync(int fd, const std::string& path) = 0;
  virtual void Close(int fd) = 0;
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  // fsync of a directory: makes the creates and renames inside it durable.
  virtual Status SyncDir(const std::string& dir) = 0;
  virtual void Remove(const std::string& path) = 0;

  // Asked by the catalog's SQLite VFS (index/catalog_vfs.cc) before each
  // write (or truncate) and each sync SQLite makes itself: an error fails
  // that call, SQLite answers SQLITE_IOERR and rolls its transaction back.
  // SQLite's journal is its durability, so nothing else is modelled. The
  // POSIX file system allows every call.
  enum class DatabaseOp { kWrite, kSync };
  virtual Status BeforeDatabaseCall(DatabaseOp /*op*/, const std::string& /*path*/) {
    return Status::Ok();
  }
};

// The operating system's calls, as they are.
FileSystem& PosixFileSystem();
// The file system durable writes use: PosixFileSystem() unless a
// ScopedFileSystem is alive.
FileSystem& CurrentFileSystem();

// Makes `fs` the file system in effect for its lifetime (tests).
class ScopedFileSystem {
 public:
  explicit ScopedFileSystem(FileSystem* fs);
  ~ScopedFileSystem();
  ScopedFileSystem(const ScopedFileSystem&) = delete;
  ScopedFileSystem& operator=(const ScopedFileSystem&) = delete;

 private:
  FileSystem* previous_;
};

}  // namespace ts
