#include "daemon/log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctime>

namespace ts::daemon {
namespace {

// The log names indexed paths and queries: the user's only (0600), whatever the umask.
std::FILE* OpenLog(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return nullptr;
  ::fchmod(fd, 0600);  // a log from before this rule
  std::FILE* f = ::fdopen(fd, "a");
  if (f == nullptr) ::close(fd);
  return f;
}

}  // namespace

Log::Log(std::string path, bool to_stderr) : path_(std::move(path)), to_stderr_(to_stderr) {
  file_ = OpenLog(path_);
}

Log::~Log() {
  if (file_ != nullptr) std::fclose(file_);
}

void Log::Write(const char* level, const std::string& message) {
  char stamp[32];
  std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  std::lock_guard<std::mutex> lock(mu_);
  if (file_ != nullptr) {
    if (std::ftell(file_) > kMaxLogBytes) {
      std::fclose(file_);
      std::rename(path_.c_str(), (path_ + ".1").c_str());
      file_ = OpenLog(path_);
    }
    if (file_ != nullptr) {
      std::fprintf(file_, "%s %s %s\n", stamp, level, message.c_str());
      std::fflush(file_);
    }
  }
  if (to_stderr_) std::fprintf(stderr, "%s %s %s\n", stamp, level, message.c_str());
}

}  // namespace ts::daemon
