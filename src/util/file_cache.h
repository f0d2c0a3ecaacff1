// Recently read files of index roots, so the hits of one query, and of the
// next, need not read their files again. A file is read only through
// ReadFileBeneath (confined to its root); a cached copy is served only while
// the file's identity (device, inode, size, modification and change times,
// taken without following a final symlink) is the one it had when it was
// read, so an edited, replaced or swapped file is read again, confined as
// the first time. A file modified in the last `settle` (two seconds by
// default) is not kept: a rewrite within the clock tick of the read could
// leave its identity unchanged (git's "racily clean" entries).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "util/status.h"

namespace ts {

class FileContentCache {
 public:
  // Holds at most `capacity_bytes` of file contents; the least recently used
  // go first. A capacity of 0 caches nothing.
  explicit FileContentCache(size_t capacity_bytes,
                            std::chrono::nanoseconds settle = std::chrono::seconds(2))
      : capacity_bytes_(capacity_bytes), settle_(settle) {}
  FileContentCache(const FileContentCache&) = delete;
  FileContentCache& operator=(const FileContentCache&) = delete;

  // The first `max_bytes` of `root`/`rel_path`, as ReadFileBeneath reads it.
  // Thread-safe.
  Result<std::shared_ptr<const std::string>> Read(const std::string& root,
                                                  const std::string& rel_path, size_t max_bytes);

  size_t bytes() const;
  uint64_t hits() const;

 private:
  struct Identity {
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = 0;
    int64_t mtime_ns = 0, ctime_ns = 0;
    bool operator==(const Identity&) const = default;
  };
  struct Entry {
    std::string key;  // root + '\0' + rel_path + '\0' + max_bytes
    Identity identity;
    std::shared_ptr<const std::string> content;
  };
  // The identity of `path` now; false when it cannot be taken.
  static bool IdentityOf(const std::string& path, Identity* out);
  void Insert(std::string key, const Identity& identity,
              std::shared_ptr<const std::string> content);

  const size_t capacity_bytes_;
  const std::chrono::nanoseconds settle_;
  mutable std::mutex mu_;
  std::list<Entry> lru_;  // most recently used first; guarded by mu_
  std::unordered_map<std::string, std::list<Entry>::iterator> by_key_;  // guarded by mu_
  size_t bytes_ = 0;                                                    // guarded by mu_
  uint64_t hits_ = 0;                                                   // guarded by mu_
};

}  // namespace ts
