// A FileSystem for tests that fails on purpose (LevelDB's fault-injection
// test env, in our terms): the n-th write, fsync, rename or directory fsync
// fails, a failing write is cut short first, and DropUnsyncedData() leaves
// what a power cut would: bytes written since a file's last fsync are gone,
// and renames not yet made durable by a fsync of their directory are undone.
// It forwards to the POSIX file system, except fsyncs, whose effect it keeps
// in its own books (a test needs the model, not the disk's durability);
// install it with ScopedFileSystem.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "util/file_system.h"

namespace ts {

class FaultInjectionFileSystem final : public FileSystem {
 public:
  // kDatabaseWrite and kDatabaseSync: SQLite's own writes and syncs of the
  // catalog (BeforeDatabaseCall); DropUnsyncedData leaves those files alone.
  enum class Op { kWrite, kSync, kRename, kSyncDir, kDatabaseWrite, kDatabaseSync };

  // The n-th call of `op` from now on (1-based) fails with IoError; a failing
  // write first writes the first half of its bytes. 0 clears it.
  void FailNth(Op op, uint64_t n);
  // Calls of `op` so far, failed ones included.
  uint64_t Count(Op op) const;
  // Undoes what a power cut would lose (see above). Files created through
  // this file system are the only ones it knows; others stay as they are.
  Status DropUnsyncedData();

  Result<int> Create(const std::string& path) override;
  Status Write(int fd, const std::string& path, std::string_view data) override;
  Status Sync(int fd, const std::string& path) override;
  void Close(int fd) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status SyncDir(const std::string& dir) override;
  void Remove(const std::string& path) override;
  Status BeforeDatabaseCall(DatabaseOp op, const std::string& path) override;

 private:
  bool ShouldFailLocked(Op op);

  struct FileState {
    uint64_t written = 0;
    uint64_t synced = 0;
  };
  struct PendingRename {
    std::string from, to;
    std::optional<std::string> previous;  // what `to` held before, if anything
  };
  mutable std::mutex mu_;
  std::map<Op, uint64_t> calls_;
  std::map<Op, uint64_t> fail_at_;          // the call number that fails
  std::map<int, std::string> open_;         // fd -> path
  std::map<std::string, FileState> files_;  // by current path
  std::vector<PendingRename> renames_;      // not yet made durable, oldest first
};

}  // namespace ts
