// Public header of src/daemon: the machine-wide service. One daemon per data
// dir (an flock on daemon.lock), bound to 127.0.0.1, serving every index over
// HTTP (docs/API.md), keeping them fresh with inotify, and running index
// updates one at a time on a job thread of their own (Service), so that
// searches and /health, on the HTTP threads, never wait behind them.
#pragma once

#include <string>

#include "client/client.h"
#include "util/status.h"

namespace ts::daemon {

struct DaemonOptions {
  std::string data_dir;
  int port = client::kDefaultPort;
  bool port_explicit = false;  // an explicit --port must bind; the default may move up
  bool foreground = false;     // also log to stderr
  bool watch = true;           // inotify on every index root
  // Refuse callers that send no token, even the user's own processes
  // (access.h); by default a loopback peer of the daemon's uid is the user.
  bool require_token = false;
  // What may be indexed (walk/root_policy.h): the user's home and config file.
  std::string home;
  std::string config_path;
  // Ranking overrides for measurement runs ($TRUSTY_FUSION, $TRUSTY_RERANK):
  // fusion::FusionParams::WithOverrides and rank::WeightsWithOverrides specs.
  std::string fusion_overrides;
  std::string rerank_overrides;
  // Update sizes for crash tests ($TRUSTY_ROUND_BYTES, $TRUSTY_MAX_SEGMENTS); 0: defaults.
  uint64_t round_bytes = 0;
  size_t max_segments = 0;
  // The ctags program ($TRUSTY_CTAGS), the model ($TRUSTY_MODEL; "": the
  // usual places), the HNSW threshold ($TRUSTY_HNSW_MIN_VECTORS; 0: the
  // default) and a crash point to arm for crash tests ($TRUSTY_CRASH_POINT).
  std::string ctags = "ctags";
  std::string model_path;
  uint64_t ann_min_vectors = 0;
  std::string crash_point;
};

// Runs the daemon until SIGTERM/SIGINT or a fatal error. Returns the exit code.
int RunDaemon(const DaemonOptions& options);

}  // namespace ts::daemon
