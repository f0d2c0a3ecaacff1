// Public header of src/client: how a process finds the daemon of a data dir
// and talks to it. The daemon writes the files named here; the CLI and the
// MCP stdio bridge read them and send HTTP/1.1 requests to 127.0.0.1.
//
// This stage depends on util only, so that the CLI executable links neither
// the daemon nor its HTTP server library (cpp-httplib pulls in OpenSSL, whose
// loading alone costs ~3 ms of every CLI call; docs/BENCHMARKS.md).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/status.h"

namespace ts::client {

inline constexpr int kDefaultPort = 7878;

// --data-dir's default: $TRUSTY_DATA_DIR, else $XDG_DATA_HOME/trusty-search,
// else ~/.local/share/trusty-search.
std::string DefaultDataDir();
// The user's home folder: $HOME, else the password database's; "" when neither.
std::string HomeDir();
// The user config (walk/root_policy.h): $XDG_CONFIG_HOME/trusty-search/config.toml,
// else ~/.config/trusty-search/config.toml; "" when there is no home.
std::string DefaultConfigPath();
// 1-64 of A-Z a-z 0-9 . _ -, not starting with '.'.
bool IsValidIndexName(const std::string& name);

// The data dir as the daemon reports it on /health (its real path, or the
// path as given when it cannot be resolved): a client checks it to know that
// the daemon on a port is the one of its data dir.
std::string CanonicalDataDir(const std::string& data_dir);

// Files in the data dir that describe the running daemon.
std::string PidPath(const std::string& data_dir);
std::string PortPath(const std::string& data_dir);
std::string LockPath(const std::string& data_dir);
std::string LogPath(const std::string& data_dir);
// The daemon's access token (docs/SECURITY.md): 64 hex digits in a 0600 file.
std::string TokenPath(const std::string& data_dir);

// The token of `data_dir`; NotFound when it has none yet.
Result<std::string> ReadToken(const std::string& data_dir);
// Writes a fresh random token (atomically, 0600) and returns it.
Result<std::string> WriteNewToken(const std::string& data_dir);
// The existing token, or a new one when there is none (or it is malformed).
Result<std::string> EnsureToken(const std::string& data_dir);
// Whether `token` has the shape WriteNewToken gives (64 lower-case hex digits).
bool IsWellFormedToken(std::string_view token);

// Whether a daemon holds the lock of `data_dir` (it may not listen yet).
bool DaemonLockHeld(const std::string& data_dir);
// The port of the daemon running for `data_dir`, or NotFound when none holds
// its lock (a stale port file from a killed daemon does not count).
Result<int> RunningDaemonPort(const std::string& data_dir);
// Its pid, under the same rule.
Result<int> RunningDaemonPid(const std::string& data_dir);

struct HttpRequest {
  std::string method = "GET";
  std::string target;  // path and query, already percent-encoded
  std::string body;
  std::string content_type = "application/json";
  std::string bearer_token;  // sent as `Authorization: Bearer` when not empty
  int connect_timeout_ms = 3000;
  int read_timeout_ms = 120000;  // per read: a long job that streams progress never times out
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;                                          // empty when a body sink consumed it

  // The first header of that (lower-case) name, or "".
  std::string Header(std::string_view name) const;
};

// Receives the decoded body as it arrives; returning false ends the request
// (the answer is then what arrived so far, and Ok).
using BodySink = std::function<bool(std::string_view data)>;

// One request to the daemon at 127.0.0.1:port, on its own connection
// (Connection: close). Bodies may be sized, chunked or closed-delimited.
// Unavailable when the daemon cannot be reached or the answer breaks off.
Result<HttpResponse> Http(int port, const HttpRequest& request, const BodySink& sink = nullptr);

}  // namespace ts::client
