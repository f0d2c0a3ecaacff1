// Public header of src/daemon: the machine-wide service. One daemon per data
// dir (an flock on daemon.lock), bound to 127.0.0.1, serving every index over
// HTTP (docs/API.md), keeping them fresh with inotify, and running indexing on
// a bounded worker pool so that searches and /health never wait behind it.
#pragma once

#include <string>

#include "util/status.h"

namespace ts::daemon {

inline constexpr int kDefaultPort = 7878;

struct DaemonOptions {
  std::string data_dir;
  int port = kDefaultPort;
  bool port_explicit = false;  // an explicit --port must bind; the default may move up
  bool foreground = false;     // also log to stderr
  bool watch = true;           // inotify on every index root
};

// Runs the daemon until SIGTERM/SIGINT or a fatal error. Returns the exit code.
int RunDaemon(const DaemonOptions& options);

// Files in the data dir that describe the running daemon.
std::string PidPath(const std::string& data_dir);
std::string PortPath(const std::string& data_dir);
std::string LockPath(const std::string& data_dir);
std::string LogPath(const std::string& data_dir);

// The port of the daemon running for `data_dir`, or NotFound when none holds
// its lock (a stale port file from a killed daemon does not count).
Result<int> RunningDaemonPort(const std::string& data_dir);
// Its pid, under the same rule.
Result<int> RunningDaemonPid(const std::string& data_dir);

}  // namespace ts::daemon
