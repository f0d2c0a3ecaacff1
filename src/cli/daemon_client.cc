#include "cli/daemon_client.h"

#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <sys/wait.h>
#include <cstring>
#include "client/client.h"
#include "util/file.h"

extern char** environ;

namespace ts::cli {
namespace {

std::string SelfExe() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string("trusty-search");
}

Status FromHttp(int status, const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  std::string message = "daemon answered HTTP " + std::to_string(status);
  if (!j.is_discarded() && j.is_object() && j.contains("error") && j["error"].is_object()) {
    message = j["error"].value("message", message);
  }
  switch (status) {
    case 400:
    case 401:  // the token is refused (rotated meanwhile?): the message says
    case 403:
    case 413:
    case 415:
      return Status::InvalidArgument(message);
    case 404:
      return Status::NotFound(message);
    case 409:
      return Status::AlreadyExists(message);
    case 503:
      return Status::Unavailable(message);
    default:
      return Status::Internal(message);
  }
}

Result<nlohmann::json> Decode(const Result<client::HttpResponse>& res) {
  if (!res.ok()) return res.status();
  if (res->status >= 400) return FromHttp(res->status, res->body);
  auto j = nlohmann::json::parse(res->body, nullptr, false);
  if (j.is_discarded()) return Status::Internal("daemon sent a body that is not JSON");
  return j;
}

client::HttpRequest MakeRequest(std::string method, std::string path, int read_timeout_s) {
  client::HttpRequest r;
  r.method = std::move(method);
  r.target = std::move(path);
  r.read_timeout_ms = read_timeout_s * 1000;
  return r;
}

// Strings the caller did not validate are repaired, never a throw.
std::string Dump(const nlohmann::json& body) {
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// ": <first line of the daemon's stderr>" for an error message, or "".
std::string ReadFilePrefixForError(const std::string& path) {
  auto text = ReadFilePrefix(path, 4096);
  if (!text.ok() || text->empty()) return "";
  std::string line = text->substr(0, text->find('\n'));
  if (line.rfind("error: ", 0) == 0) line = line.substr(7);
  return ": " + line;
}

// Whether the daemon on `port` answers and serves `data_dir` (a port file
// can name a port that another daemon has taken since).
bool Healthy(int port, const std::string& data_dir) {
  auto res = client::Http(port, MakeRequest("GET", "/health", 5));
  if (!res.ok() || res->status != 200) return false;
  auto j = nlohmann::json::parse(res->body, nullptr, false);
  return j.is_object() && j.value("data_dir", std::string()) == client::CanonicalDataDir(data_dir);
}

// The daemon is its own executable beside this one, so that CLI calls do not
// load the HTTP server's libraries.
std::string DaemonExe() {
  std::string self = SelfExe();
  size_t slash = self.rfind('/');
  return (slash == std::string::npos ? std::string() : self.substr(0, slash + 1)) +
         "trusty-searchd";
}

// The daemon's command line; its executable must exist.
Result<std::vector<std::string>> DaemonCommand(const std::string& data_dir,
                                               const StartOptions& options) {
  std::string exe = DaemonExe();
  if (::access(exe.c_str(), X_OK) != 0) {
    return Status::Unavailable("cannot start the daemon: " + exe +
                               " is missing (it is built and installed beside trusty-search)");
  }
  std::vector<std::string> args = {
      exe, "--data-dir", data_dir, "--foreground", "--port", std::to_string(options.port)};
  if (!options.port_explicit) args.push_back("--port-auto");
  if (!options.watch) args.push_back("--no-watch");
  if (options.require_token) args.push_back("--require-token");
  return args;
}

}  // namespace

Status RunDaemonInForeground(const std::string& data_dir, const StartOptions& options) {
  TS_ASSIGN_OR_RETURN(std::vector<std::string> args, DaemonCommand(data_dir, options));
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execv(argv[0], argv.data());
  return Status::Unavailable("cannot run " + args[0] + ": " + std::strerror(errno));
}

Result<int> StartDaemon(const std::string& data_dir, const StartOptions& options) {
  TS_ASSIGN_OR_RETURN(std::vector<std::string> args, DaemonCommand(data_dir, options));
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  std::string err_path = data_dir + "/daemon.stderr";
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);  // outlives this terminal
  pid_t pid;
  int rc = posix_spawn(&pid, argv[0], &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0)
    return Status::Unavailable("cannot start the daemon: " + std::string(std::strerror(rc)));
  // The child is reaped by init once this process exits; until then, watch for an early death.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  bool ours_exited = false;
  while (std::chrono::steady_clock::now() < deadline) {
    auto port = client::RunningDaemonPort(data_dir);
    if (port.ok() && Healthy(*port, data_dir)) return *port;
    int status = 0;
    if (!ours_exited && ::waitpid(pid, &status, WNOHANG) == pid) ours_exited = true;
    // When ours exited, another daemon may have won the race for the lock:
    // that one serves us once it has written its port.
    if (ours_exited && !client::DaemonLockHeld(data_dir)) {
      auto why = ReadFilePrefixForError(err_path);
      return Status::Unavailable("the daemon exited at start" + why);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Status::Unavailable("the daemon did not answer within 20 s; see " +
                             client::LogPath(data_dir));
}

Result<int> AnsweringDaemonPort(const std::string& data_dir, std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    if (!client::DaemonLockHeld(data_dir)) {
      return Status::NotFound("no daemon is running for " + data_dir);
    }
    auto port = client::RunningDaemonPort(data_dir);
    if (port.ok() && Healthy(*port, data_dir)) return *port;
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::Unavailable("a daemon holds the lock of " + data_dir +
                                 " but does not answer; see " + client::LogPath(data_dir));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Result<DaemonClient> DaemonClient::Connect(const std::string& data_dir, bool autostart) {
  auto port = client::RunningDaemonPort(data_dir);
  if (!port.ok()) {
    if (!autostart)
      return Status::Unavailable("no daemon is running for " + data_dir +
                                 " (start one with `trusty-search start`)");
    TS_ASSIGN_OR_RETURN(port, StartDaemon(data_dir, StartOptions()));
  }
  // The daemon writes its token before its port file; a missing token (an
  // older daemon) leaves the request without one, and the daemon says so.
  auto token = client::ReadToken(data_dir);
  return DaemonClient(*port, token.ok() ? *token : std::string());
}

client::HttpRequest DaemonClient::Request(std::string method, std::string path,
                                          int read_timeout_s) const {
  client::HttpRequest r = MakeRequest(std::move(method), std::move(path), read_timeout_s);
  r.bearer_token = token_;
  return r;
}

Result<nlohmann::json> DaemonClient::Get(const std::string& path) const {
  return Decode(client::Http(port_, Request("GET", path, 120)));
}

Result<nlohmann::json> DaemonClient::Post(const std::string& path,
                                          const nlohmann::json& body) const {
  auto request = Request("POST", path, 120);
  request.body = Dump(body);
  return Decode(client::Http(port_, request));
}

Result<std::string> DaemonClient::PostText(const std::string& path, const nlohmann::json& body,
                                           std::multimap<std::string, std::string>* headers) const {
  auto request = Request("POST", path, 180);
  request.body = Dump(body);
  TS_ASSIGN_OR_RETURN(client::HttpResponse res, client::Http(port_, request));
  if (res.status >= 400) return FromHttp(res.status, res.body);
  for (auto& [k, v] : res.headers) headers->emplace(std::move(k), std::move(v));
  return std::move(res.body);
}

Result<nlohmann::json> DaemonClient::Delete(const std::string& path) const {
  return Decode(client::Http(port_, Request("DELETE", path, 120)));
}

Status DaemonClient::Stream(const std::string& path,
                            const std::function<bool(const std::string& event,
                                                     const nlohmann::json& data)>& on_event) const {
  // An error answer is one JSON body without a blank line: it stays whole
  // in the buffer for its message.
  std::string buffer;
  auto res = client::Http(port_, Request("GET", path, 3600), [&](std::string_view data) {
    buffer.append(data);
    size_t end;
    while ((end = buffer.find("\n\n")) != std::string::npos) {
      std::string block = buffer.substr(0, end);
      buffer.erase(0, end + 2);
      std::string ev = "message", payload;
      size_t pos = 0;
      while (pos < block.size()) {
        size_t nl = block.find('\n', pos);
        std::string line =
            block.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
        pos = nl == std::string::npos ? block.size() : nl + 1;
        if (line.rfind("event: ", 0) == 0) ev = line.substr(7);
        if (line.rfind("data: ", 0) == 0) payload += line.substr(6);
      }
      auto j = nlohmann::json::parse(payload, nullptr, false);
      if (!on_event(ev, j.is_discarded() ? nlohmann::json() : j)) return false;
    }
    return true;
  });
  if (!res.ok()) return res.status();
  if (res->status >= 400) return FromHttp(res->status, buffer);
  return Status::Ok();
}

}  // namespace ts::cli
