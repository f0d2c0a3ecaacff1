#include "daemon/log.h"

#include <ctime>

namespace ts::daemon {

Log::Log(std::string path, bool to_stderr) : path_(std::move(path)), to_stderr_(to_stderr) {
  file_ = std::fopen(path_.c_str(), "a");
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
      file_ = std::fopen(path_.c_str(), "a");
    }
    if (file_ != nullptr) {
      std::fprintf(file_, "%s %s %s\n", stamp, level, message.c_str());
      std::fflush(file_);
    }
  }
  if (to_stderr_) std::fprintf(stderr, "%s %s %s\n", stamp, level, message.c_str());
}

}  // namespace ts::daemon
