#include "util/file.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "util/crash_point.h"
#include "util/file_system.h"

namespace ts {
namespace {

std::string DirName(const std::string& path) {
  auto pos = path.find_last_of('/');
  if (pos == std::string::npos) return ".";
  if (pos == 0) return "/";
  return path.substr(0, pos);
}

}  // namespace

namespace {

// Reads at most max_bytes of an open regular file and closes it; `path` names it in errors.
Result<std::string> ReadOpenFile(int fd, const std::string& path, size_t max_bytes) {
  std::string out;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::IoError("not a regular file: " + path);
  }
  if (st.st_size > 0) {
    out.reserve(std::min<size_t>(static_cast<size_t>(st.st_size), max_bytes));
  }
  char buf[65536];
  while (out.size() < max_bytes) {
    ssize_t n = ::read(fd, buf, std::min(sizeof(buf), max_bytes - out.size()));
    if (n < 0) {
      if (errno == EINTR) continue;
      Status s = ErrnoStatus("cannot read", path);
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

// O_NONBLOCK: a path that became a FIFO must not hang the reader; it is then
// refused as not regular (the flag changes nothing for regular files).
constexpr int kReadFlags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;

// Opens `rel` under the directory `root_fd` one component at a time, never
// following a symlink: the fallback where openat2 is missing (kernels before
// 5.6, or a seccomp filter that refuses it).
int OpenBeneathByComponents(int root_fd, const std::string& rel) {
  int dir = ::dup(root_fd);
  if (dir < 0) return -1;
  size_t pos = 0;
  for (;;) {
    const size_t slash = rel.find('/', pos);
    const std::string part =
        rel.substr(pos, slash == std::string::npos ? std::string::npos : slash - pos);
    if (part.empty() || part == "." || part == "..") {
      ::close(dir);
      errno = EXDEV;
      return -1;
    }
    const bool last = slash == std::string::npos;
    const int flags =
        last ? (kReadFlags | O_NOFOLLOW) : (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    const int next = ::openat(dir, part.c_str(), flags);
    const int saved = errno;
    ::close(dir);
    if (next < 0) {
      errno = saved;
      return -1;
    }
    if (last) return next;
    dir = next;
    pos = slash + 1;
  }
}

}  // namespace

Result<std::string> ReadFilePrefix(const std::string& path, size_t max_bytes) {
  int fd = ::open(path.c_str(), kReadFlags);
  if (fd < 0) return ErrnoStatus("cannot open", path);
  return ReadOpenFile(fd, path, max_bytes);
}

Result<std::string> ReadFileBeneath(const std::string& root, const std::string& rel_path,
                                    size_t max_bytes) {
  const std::string shown = root + "/" + rel_path;
  if (rel_path.find('\0') != std::string::npos) {
    return Status::InvalidArgument("a path holds a NUL byte: " + shown);
  }
  const int root_fd = ::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0) return ErrnoStatus("cannot open", root);
  open_how how{};
  how.flags = kReadFlags;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  int fd = static_cast<int>(::syscall(SYS_openat2, root_fd, rel_path.c_str(), &how, sizeof(how)));
  if (fd < 0 && (errno == ENOSYS || errno == EPERM))
    fd = OpenBeneathByComponents(root_fd, rel_path);
  const int saved = errno;
  ::close(root_fd);
  if (fd < 0) {
    errno = saved;
    if (saved == EXDEV || saved == ELOOP) {
      return Status::InvalidArgument("refusing to read " + shown +
                                     ": it leads outside the index root");
    }
    return ErrnoStatus("cannot open", shown);
  }
  return ReadOpenFile(fd, shown, max_bytes);
}

Result<std::string> ReadFile(const std::string& path) {
  return ReadFilePrefix(path, static_cast<size_t>(-1));
}

Status SyncDirectory(const std::string& dir) {
  return CurrentFileSystem().SyncDir(dir);
}

Result<std::unique_ptr<AtomicFileWriter>> AtomicFileWriter::Create(const std::string& path,
                                                                   bool crash_points) {
  static std::atomic<uint64_t> counter{0};
  std::string tmp =
      path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter.fetch_add(1));
  FileSystem* fs = &CurrentFileSystem();
  TS_ASSIGN_OR_RETURN(int fd, fs->Create(tmp));
  return std::unique_ptr<AtomicFileWriter>(new AtomicFileWriter(fs, path, tmp, fd, crash_points));
}

AtomicFileWriter::~AtomicFileWriter() {
  if (fd_ >= 0) fs_->Close(fd_);
  if (!committed_) fs_->Remove(tmp_);
}

Status AtomicFileWriter::Append(std::string_view data) {
  // In pieces of at most 1 MiB; a kill after any piece leaves only a temp file.
  constexpr size_t kPiece = 1u << 20;
  size_t off = 0;
  while (off < data.size()) {
    const size_t n = std::min(kPiece, data.size() - off);
    TS_RETURN_IF_ERROR(fs_->Write(fd_, tmp_, data.substr(off, n)));
    off += n;
    size_ += n;
    if (crash_points_) CrashPoint("write_partial");
  }
  return Status::Ok();
}

Status AtomicFileWriter::Commit() {
  TS_RETURN_IF_ERROR(fs_->Sync(fd_, tmp_));
  fs_->Close(fd_);
  fd_ = -1;
  if (crash_points_) CrashPoint("before_rename");
  TS_RETURN_IF_ERROR(fs_->Rename(tmp_, path_));
  committed_ = true;
  return fs_->SyncDir(DirName(path_));
}

Status WriteFileAtomic(const std::string& path, std::string_view data, bool crash_points) {
  TS_ASSIGN_OR_RETURN(auto writer, AtomicFileWriter::Create(path, crash_points));
  TS_RETURN_IF_ERROR(writer->Append(data));
  return writer->Commit();
}

Status CreateDirectories(const std::string& dir) {
  // Component by component, so that every directory this creates is 0700
  // whatever the umask (the data dir holds copies of indexed files).
  std::string path;
  size_t pos = 0;
  while (pos <= dir.size()) {
    size_t slash = dir.find('/', pos);
    if (slash == std::string::npos) slash = dir.size();
    path = dir.substr(0, slash);
    pos = slash + 1;
    if (path.empty() || path == "." || path == "..") continue;
    if (::mkdir(path.c_str(), 0700) == 0) {
      ::chmod(path.c_str(), 0700);  // mkdir's mode is masked by the umask
    } else if (errno != EEXIST) {
      return ErrnoStatus("cannot create directory", path);
    }
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return Status::IoError("cannot create directory " + dir + ": not a directory");
  return Status::Ok();
}

bool PathExists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

Result<std::unique_ptr<MappedFile>> MappedFile::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("cannot open", path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    Status s = ErrnoStatus("cannot stat", path);
    ::close(fd);
    return s;
  }
  size_t size = static_cast<size_t>(st.st_size);
  void* addr = nullptr;
  if (size > 0) {
    addr = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
    if (addr == MAP_FAILED) {
      Status s = ErrnoStatus("cannot mmap", path);
      ::close(fd);
      return s;
    }
  }
  ::close(fd);  // the mapping keeps its own reference to the file
  return std::unique_ptr<MappedFile>(new MappedFile(addr, size));
}

MappedFile::~MappedFile() {
  if (addr_ != nullptr && size_ > 0) ::munmap(addr_, size_);
}

}  // namespace ts
