// The POSIX file system and the process-wide choice of file system (file_system.h).
#include "util/file_system.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

namespace ts {
namespace {

class Posix final : public FileSystem {
 public:
  Result<int> Create(const std::string& path) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return ErrnoStatus("cannot create", path);
    return fd;
  }
  Status Write(int fd, const std::string& path, std::string_view data) override {
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = ::write(fd, data.data() + off, data.size() - off);
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("cannot write", path);
      }
      off += static_cast<size_t>(n);
    }
    return Status::Ok();
  }
  Status Sync(int fd, const std::string& path) override {
    if (::fsync(fd) != 0) return ErrnoStatus("cannot fsync", path);
    return Status::Ok();
  }
  void Close(int fd) override { ::close(fd); }
  Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return ErrnoStatus("cannot rename onto", to);
    return Status::Ok();
  }
  Status SyncDir(const std::string& dir) override {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus("cannot open directory", dir);
    int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) return ErrnoStatus("cannot fsync directory", dir);
    return Status::Ok();
  }
  void Remove(const std::string& path) override { ::unlink(path.c_str()); }
};

std::atomic<FileSystem*> current{nullptr};

}  // namespace

FileSystem& PosixFileSystem() {
  static Posix posix;
  return posix;
}

FileSystem& CurrentFileSystem() {
  FileSystem* fs = current.load(std::memory_order_acquire);
  return fs != nullptr ? *fs : PosixFileSystem();
}

ScopedFileSystem::ScopedFileSystem(FileSystem* fs) : previous_(current.exchange(fs)) {}

ScopedFileSystem::~ScopedFileSystem() {
  current.store(previous_);
}

}  // namespace ts
