// File I/O primitives. Every durable artifact in the project is written through
// WriteFileAtomic (temp file, fsync, rename, fsync of the directory), so a
// reader sees either the old file or the new one, never a torn one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "util/status.h"

namespace ts {

Result<std::string> ReadFile(const std::string& path);
// Reads at most max_bytes; sets *truncated when the file was longer.
Result<std::string> ReadFilePrefix(const std::string& path, size_t max_bytes);

// Durably replaces `path` with `data`. On failure `path` is untouched.
// `crash_points`: whether the write passes the named kill points of
// crash_point.h; off for bookkeeping files that are not index data (the
// daemon's pid and port files), so crash tests count only index writes.
Status WriteFileAtomic(const std::string& path, std::string_view data, bool crash_points = true);

// fsync()s a directory so that a rename or create inside it survives power loss.
Status SyncDirectory(const std::string& dir);

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
