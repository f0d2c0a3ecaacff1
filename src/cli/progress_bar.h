// A one-line progress display for a terminal: files done/total, throughput
// and ETA, redrawn in place on stderr. Does nothing when stderr is not a TTY,
// so logs and pipes stay clean.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace ts::cli {

class ProgressBar {
 public:
  explicit ProgressBar(bool enabled);
  ~ProgressBar();
  void Update(const std::string& phase, uint64_t done, uint64_t total, uint64_t bytes);
  // Erases the bar so the next output starts on a clean line.
  void Finish();

 private:
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace ts::cli
