// File I/O primitives. Every durable artifact in the project is written through
// WriteFileAtomic (temp file, fsync, rename, fsync of the directory), so a
// reader sees either the old file or the new one, never a torn one. The
// writes' system calls go through the file system in effect (file_system.h),
// where tests inject faults.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "util/status.h"

namespace ts {

class FileSystem;

Result<std::string> ReadFile(const std::string& path);
// Reads at most max_bytes; sets *truncated when the file was longer.
Result<std::string> ReadFilePrefix(const std::string& path, size_t max_bytes);
// ReadFilePrefix of `root`/`rel_path`, confined to `root`: the path is
// resolved beneath it (openat2 RESOLVE_BENEATH; where that is missing, one
// component at a time without following any symlink), so neither `..` nor a
// symlink, even one swapped in a moment ago, leads the read outside.
// InvalidArgument when it would; IoError when the file cannot be read.
Result<std::string> ReadFileBeneath(const std::string& root, const std::string& rel_path,
                                    size_t max_bytes);

// Durably replaces `path` with `data`. On failure `path` is untouched.
// `crash_points`: whether the write passes the named kill points of
// crash_point.h; off for bookkeeping files that are not index data (the
// daemon's pid and port files), so crash tests count only index writes.
Status WriteFileAtomic(const std::string& path, std::string_view data, bool crash_points = true);

// Builds a file durably and atomically, in pieces: bytes go to a temp file
// beside the target; Commit() fsyncs it, renames it over the target and
// fsyncs the directory. A writer destroyed before Commit() removes its temp
// file, so an abandoned write never becomes visible.
class AtomicFileWriter {
 public:
  // `crash_points`: as for WriteFileAtomic.
  static Result<std::unique_ptr<AtomicFileWriter>> Create(const std::string& path,
                                                          bool crash_points = true);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  Status Append(std::string_view data);
  uint64_t size() const { return size_; }
  Status Commit();

 private:
  AtomicFileWriter(FileSystem* fs, std::string path, std::string tmp, int fd, bool crash_points)
      : fs_(fs),
        path_(std::move(path)),
        tmp_(std::move(tmp)),
        fd_(fd),
        crash_points_(crash_points) {}
  FileSystem* fs_;  // the one in effect at Create, for every call of this writer
  std::string path_, tmp_;
  int fd_;
  bool crash_points_;
  bool committed_ = false;
  uint64_t size_ = 0;
};

// fsync()s a directory so that a rename or create inside it survives power loss.
Status SyncDirectory(const std::string& dir);

// Creates `dir` and its missing parents; the ones it creates are 0700.
Status CreateDirectories(const std::string& dir);
bool PathExists(const std::string& path);

// A read-only memory mapping of a whole file. The mapping lives as long as the
// object; callers hand out string_views into it only while they hold it.
class MappedFile {
 public:
  static Result<std::unique_ptr<MappedFile>> Open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::string_view data() const { return {static_cast<const char*>(addr_), size_}; }
  size_t size() const { return size_; }

 private:
  MappedFile(void* addr, size_t size) : addr_(addr), size_(size) {}
  void* addr_;
  size_t size_;
};

}  // namespace ts
