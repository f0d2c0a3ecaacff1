// FaultInjectionFileSystem (fault_file_system.h).
#include "util/fault_file_system.h"

#include <unistd.h>

#include "util/file.h"

namespace ts {
namespace {

std::string DirOf(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// Puts `data` back at `path` with the POSIX calls (not through the file
// system in effect, which may be the caller holding its lock).
Status Restore(const std::string& path, const std::string& data) {
  FileSystem& posix = PosixFileSystem();
  TS_ASSIGN_OR_RETURN(int fd, posix.Create(path));
  Status s = posix.Write(fd, path, data);
  posix.Close(fd);
  return s;
}

}  // namespace

void FaultInjectionFileSystem::FailNth(Op op, uint64_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  if (n == 0) {
    fail_at_.erase(op);
  } else {
    fail_at_[op] = calls_[op] + n;
  }
}

uint64_t FaultInjectionFileSystem::Count(Op op) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = calls_.find(op);
  return it == calls_.end() ? 0 : it->second;
}

bool FaultInjectionFileSystem::ShouldFailLocked(Op op) {
  const uint64_t call = ++calls_[op];
  auto it = fail_at_.find(op);
  return it != fail_at_.end() && it->second == call;
}

Result<int> FaultInjectionFileSystem::Create(const std::string& path) {
  TS_ASSIGN_OR_RETURN(int fd, PosixFileSystem().Create(path));
  std::lock_guard<std::mutex> lock(mu_);
  open_[fd] = path;
  files_[path] = FileState{};
  return fd;
}

Status FaultInjectionFileSystem::Write(int fd, const std::string& path, std::string_view data) {
  bool fail;
  {
    std::lock_guard<std::mutex> lock(mu_);
    fail = ShouldFailLocked(Op::kWrite);
  }
  std::string_view part = fail ? data.substr(0, data.size() / 2) : data;
  Status s = PosixFileSystem().Write(fd, path, part);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (s.ok()) files_[path].written += part.size();
  }
  if (fail) return Status::IoError("injected fault: write of " + path + " cut short");
  return s;
}

Status FaultInjectionFileSystem::Sync(int fd, const std::string& path) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (ShouldFailLocked(Op::kSync)) return Status::IoError("injected fault: fsync of " + path);
  }
  // Durability is what this file system models, not what it asks of the
  // disk: it keeps the fsync's effect in its books and skips the slow call.
  (void)fd;
  std::lock_guard<std::mutex> lock(mu_);
  files_[path].synced = files_[path].written;
  return Status::Ok();
}

void FaultInjectionFileSystem::Close(int fd) {
  PosixFileSystem().Close(fd);
  std::lock_guard<std::mutex> lock(mu_);
  open_.erase(fd);
}

Status FaultInjectionFileSystem::Rename(const std::string& from, const std::string& to) {
  std::optional<std::string> previous;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (ShouldFailLocked(Op::kRename)) return Status::IoError("injected fault: rename onto " + to);
  }
  if (auto old = ReadFile(to); old.ok()) previous = std::move(old).value();
  TS_RETURN_IF_ERROR(PosixFileSystem().Rename(from, to));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = files_.find(from);
  if (it != files_.end()) {
    files_[to] = it->second;
    files_.erase(from);
  } else {
    files_.erase(to);
  }
  renames_.push_back({from, to, std::move(previous)});
  return Status::Ok();
}

Status FaultInjectionFileSystem::SyncDir(const std::string& dir) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (ShouldFailLocked(Op::kSyncDir)) return Status::IoError("injected fault: fsync of " + dir);
  }
  std::lock_guard<std::mutex> lock(mu_);  // (no fsync: see Sync)
  std::erase_if(renames_, [&](const PendingRename& r) { return DirOf(r.to) == dir; });
  return Status::Ok();
}

void FaultInjectionFileSystem::Remove(const std::string& path) {
  PosixFileSystem().Remove(path);
  std::lock_guard<std::mutex> lock(mu_);
  files_.erase(path);
}

Status FaultInjectionFileSystem::DropUnsyncedData() {
  std::lock_guard<std::mutex> lock(mu_);
  // Renames first, newest first: the file at `to` goes back to what it was.
  for (auto r = renames_.rbegin(); r != renames_.rend(); ++r) {
    auto moved = files_.find(r->to);
    if (moved != files_.end()) files_.erase(moved);
    if (r->previous) {
      TS_RETURN_IF_ERROR(Restore(r->to, *r->previous));
    } else {
      PosixFileSystem().Remove(r->to);
    }
  }
  renames_.clear();
  // Then every file keeps only what it had at its last fsync.
  for (const auto& [path, state] : files_) {
    if (state.synced < state.written &&
        ::truncate(path.c_str(), static_cast<off_t>(state.synced)) != 0)
      return Status::IoError("cannot truncate " + path);
  }
  files_.clear();
  return Status::Ok();
}

Status FaultInjectionFileSystem::BeforeDatabaseCall(DatabaseOp op, const std::string& path) {
  const bool sync = op == DatabaseOp::kSync;
  bool fail;
  {
    std::lock_guard<std::mutex> lock(mu_);
    fail = ShouldFailLocked(sync ? Op::kDatabaseSync : Op::kDatabaseWrite);
  }
  if (!fail) return Status::Ok();
  return Status::IoError(std::string("injected fault: database ") + (sync ? "sync" : "write") +
                         " of " + path);
}

}  // namespace ts
