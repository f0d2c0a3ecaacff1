#include "cli/progress_bar.h"

#include <cstdio>

namespace ts::cli {

ProgressBar::ProgressBar(bool enabled)
    : enabled_(enabled), start_(std::chrono::steady_clock::now()) {}

ProgressBar::~ProgressBar() {
  Finish();
}

void ProgressBar::Update(const std::string& phase, uint64_t done, uint64_t total, uint64_t bytes) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  double secs = std::chrono::duration<double>(now - start_).count();
  double rate = secs > 0 ? done / secs : 0;
  constexpr int kWidth = 28;
  int filled = total > 0 ? static_cast<int>(kWidth * static_cast<double>(done) / total) : 0;
  std::string bar(static_cast<size_t>(filled), '=');
  if (filled < kWidth) bar += '>';
  bar.resize(kWidth, ' ');
  char eta[32] = "--:--";
  if (rate > 0 && total >= done) {
    long left = static_cast<long>((total - done) / rate);
    std::snprintf(eta, sizeof(eta), "%ld:%02ld", left / 60, left % 60);
  }
  std::fprintf(stderr, "\r\033[K%-9s [%s] %llu/%llu files  %.1f MB  %.0f files/s  ETA %s",
               phase.c_str(), bar.c_str(), static_cast<unsigned long long>(done),
               static_cast<unsigned long long>(total), bytes / 1e6, rate, eta);
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::Finish() {
  if (enabled_ && drawn_) {
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  }
  drawn_ = false;
}

}  // namespace ts::cli
