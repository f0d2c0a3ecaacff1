// trusty-searchd: the daemon, started by `trusty-search start` (or any CLI
// command that needs it). A separate executable so that CLI calls do not load
// the HTTP server's libraries; see src/client/client.h.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "client/client.h"
#include "daemon/daemon.h"

namespace {

constexpr const char* kUsage =
    "usage: trusty-searchd [--data-dir DIR] [--port N [--port-auto]] [--no-watch] "
    "[--require-token]\n"
    "                      [--foreground]\n"
    "\n"
    "The trusty-search daemon: serves every index of DIR on 127.0.0.1 over HTTP\n"
    "(docs/API.md). Usually started by `trusty-search start`, which runs it detached.\n"
    "  --data-dir DIR  where indexes live (default: $TRUSTY_DATA_DIR, else\n"
    "                  $XDG_DATA_HOME/trusty-search, else ~/.local/share/trusty-search)\n"
    "  --port N        port to bind (default 7878); it must be free unless --port-auto\n"
    "  --port-auto     take the next free port when N is busy\n"
    "  --no-watch      do not watch index roots for changes\n"
    "  --require-token answer only requests that carry the data dir's token\n"
    "                  (`trusty-search token`), even from the user's own processes\n"
    "  --foreground    also log to stderr\n";

}  // namespace

int main(int argc, char** argv) {
  ts::daemon::DaemonOptions options;
  bool port_given = false, port_auto = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "error: %s needs a value\n%s", argv[i], kUsage);
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--data-dir") {
      options.data_dir = value();
    } else if (arg == "--port") {
      char* end = nullptr;
      const char* text = value();
      long port = std::strtol(text, &end, 10);
      if (*text == '\0' || *end != '\0' || port < 1 || port > 65535) {
        std::fprintf(stderr, "error: --port must be 1-65535, not '%s'\n", text);
        return 2;
      }
      options.port = static_cast<int>(port);
      port_given = true;
    } else if (arg == "--port-auto") {
      port_auto = true;
    } else if (arg == "--no-watch") {
      options.watch = false;
    } else if (arg == "--require-token") {
      options.require_token = true;
    } else if (arg == "--foreground") {
      options.foreground = true;
    } else if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else {
      std::fprintf(stderr, "error: unknown argument '%s'\n%s", argv[i], kUsage);
      return 2;
    }
  }
  if (options.data_dir.empty()) options.data_dir = ts::client::DefaultDataDir();
  options.home = ts::client::HomeDir();
  options.config_path = ts::client::DefaultConfigPath();
  if (const char* f = std::getenv("TRUSTY_FUSION")) options.fusion_overrides = f;
  if (const char* r = std::getenv("TRUSTY_RERANK")) options.rerank_overrides = r;
  if (const char* rb = std::getenv("TRUSTY_ROUND_BYTES"))
    options.round_bytes = std::strtoull(rb, nullptr, 10);
  if (const char* ms = std::getenv("TRUSTY_MAX_SEGMENTS"))
    options.max_segments = std::strtoull(ms, nullptr, 10);
  if (const char* c = std::getenv("TRUSTY_CTAGS"); c && *c) options.ctags = c;
  if (const char* m = std::getenv("TRUSTY_MODEL"); m && *m) options.model_path = m;
  if (const char* h = std::getenv("TRUSTY_HNSW_MIN_VECTORS"); h && *h)
    options.ann_min_vectors = std::strtoull(h, nullptr, 10);
  if (const char* p = std::getenv("TRUSTY_CRASH_POINT")) options.crash_point = p;
  options.port_explicit = port_given && !port_auto;
  return ts::daemon::RunDaemon(options);
}
