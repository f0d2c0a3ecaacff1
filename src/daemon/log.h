// The daemon's log: one line per event, to a size-bounded file in the data dir
// (rotated to .1 past kMaxLogBytes) and, in the foreground, to stderr.
#pragma once

#include <cstdio>
#include <mutex>
#include <string>

namespace ts::daemon {

class Log {
 public:
  static constexpr long kMaxLogBytes = 8l << 20;
  Log(std::string path, bool to_stderr);
  ~Log();
  void Info(const std::string& message) { Write("info", message); }
  void Warn(const std::string& message) { Write("warn", message); }
  void Error(const std::string& message) { Write("error", message); }

 private:
  void Write(const char* level, const std::string& message);
  std::string path_;
  bool to_stderr_;
  std::mutex mu_;
  std::FILE* file_ = nullptr;
};

}  // namespace ts::daemon
