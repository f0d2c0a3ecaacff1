#include "util/crash_point.h"

#include <signal.h>
#include <unistd.h>

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

CrashConfig* LoadConfig() {
  const char* env = std::getenv("TRUSTY_CRASH_POINT");
  if (env == nullptr || *env == '\0') return nullptr;
  static CrashConfig config;
  std::string spec(env);
  auto colon = spec.find(':');
  config.name = spec.substr(0, colon);
  if (colon != std::string::npos) config.target = std::max(1L, std::atol(spec.c_str() + colon + 1));
  return &config;
}

}  // namespace

void CrashPoint(std::string_view name) {
  static CrashConfig* config = LoadConfig();
  if (config == nullptr || name != config->name) return;
  if (config->hits.fetch_add(1) + 1 >= config->target) ::kill(::getpid(), SIGKILL);
}

}  // namespace ts
