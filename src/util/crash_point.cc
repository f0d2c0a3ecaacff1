#include "util/crash_point.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <string>

namespace ts {
namespace {

struct CrashConfig {
  std::string name;
  long target = 1;
  std::atomic<long> hits{0};
};

std::atomic<CrashConfig*> armed{nullptr};

}  // namespace

void ArmCrashPoint(std::string_view spec) {
  if (spec.empty()) return;
  static CrashConfig config;
  const size_t colon = spec.find(':');
  config.name = std::string(spec.substr(0, colon));
  if (colon != std::string_view::npos) {
    config.target = std::max(1L, std::atol(std::string(spec.substr(colon + 1)).c_str()));
  }
  armed.store(&config, std::memory_order_release);
}

void CrashPoint(std::string_view name) {
  CrashConfig* config = armed.load(std::memory_order_relaxed);
  if (config == nullptr || name != config->name) return;
  if (config->hits.fetch_add(1) + 1 >= config->target) ::kill(::getpid(), SIGKILL);
}

}  // namespace ts
