// The CLI's side of the daemon: find the daemon of a data dir (starting one
// when absent), and make JSON requests to it.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "client/client.h"
#include "util/status.h"

namespace ts::cli {

struct StartOptions {
  int port = 7878;
  bool port_explicit = false;
  bool watch = true;
  bool require_token = false;  // trusty-searchd --require-token
};

// Starts a detached daemon for `data_dir` (trusty-searchd beside this
// executable, in its own session, output to the daemon log) and waits until it answers
// /health. Returns its port.
Result<int> StartDaemon(const std::string& data_dir, const StartOptions& options);

// Replaces this process with the daemon for `data_dir`, logging to stderr
// too. Returns only when the daemon executable cannot be run.
Status RunDaemonInForeground(const std::string& data_dir, const StartOptions& options);

// The port of the data dir's daemon once it answers /health. A daemon that
// holds the lock may be starting, or dying (a killed process keeps its lock
// while the kernel tears down its memory): this waits up to `wait` for it to
// answer or to let go. NotFound when no daemon holds the lock (any more);
// Unavailable when one holds it but never answered.
Result<int> AnsweringDaemonPort(const std::string& data_dir, std::chrono::milliseconds wait);

class DaemonClient {
 public:
  // Connects to the running daemon; with `autostart`, starts one when absent.
  static Result<DaemonClient> Connect(const std::string& data_dir, bool autostart);

  Result<nlohmann::json> Get(const std::string& path) const;
  Result<nlohmann::json> Post(const std::string& path, const nlohmann::json& body) const;
  Result<nlohmann::json> Delete(const std::string& path) const;
  // A POST whose successful answer is text (grep's rg format); `headers`
  // receives the answer's headers, names lower-cased.
  Result<std::string> PostText(const std::string& path, const nlohmann::json& body,
                               std::multimap<std::string, std::string>* headers) const;
  // Reads server-sent events until on_event returns false or the stream ends.
  Status Stream(const std::string& path,
                const std::function<bool(const std::string& event, const nlohmann::json& data)>&
                    on_event) const;
  int port() const { return port_; }

 private:
  DaemonClient(int port, std::string token) : port_(port), token_(std::move(token)) {}
  // A request to this daemon, with the data dir's token (docs/SECURITY.md).
  client::HttpRequest Request(std::string method, std::string path, int read_timeout_s) const;

  int port_;
  std::string token_;
};

}  // namespace ts::cli
