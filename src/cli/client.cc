#include "cli/client.h"

#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

#include <httplib.h>
#include <chrono>
#include <thread>

#include <sys/wait.h>
#include <cstring>
#include "daemon/daemon.h"
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
    case 413:
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

Result<nlohmann::json> Decode(const httplib::Result& res) {
  if (!res) {
    return Status::Unavailable("cannot reach the daemon: " + httplib::to_string(res.error()));
  }
  if (res->status >= 400) return FromHttp(res->status, res->body);
  auto j = nlohmann::json::parse(res->body, nullptr, false);
  if (j.is_discarded()) return Status::Internal("daemon sent a body that is not JSON");
  return j;
}

httplib::Client MakeClient(int port, int read_timeout_s) {
  httplib::Client c("127.0.0.1", port);
  c.set_connection_timeout(3);
  c.set_read_timeout(read_timeout_s);
  c.set_keep_alive(false);
  return c;
}

// ": <first line of the daemon's stderr>" for an error message, or "".
std::string ReadFilePrefixForError(const std::string& path) {
  auto text = ReadFilePrefix(path, 4096);
  if (!text.ok() || text->empty()) return "";
  std::string line = text->substr(0, text->find('\n'));
  if (line.rfind("error: ", 0) == 0) line = line.substr(7);
  return ": " + line;
}

bool Healthy(int port) {
  auto c = MakeClient(port, 5);
  auto res = c.Get("/health");
  return res && res->status == 200;
}

}  // namespace

Result<int> StartDaemon(const std::string& data_dir, const StartOptions& options) {
  std::string exe = SelfExe();
  std::vector<std::string> args = {
      exe, "--data-dir", data_dir, "start", "--foreground", "--port", std::to_string(options.port)};
  if (!options.port_explicit) args.push_back("--port-auto");
  if (!options.watch) args.push_back("--no-watch");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  std::string err_path = data_dir + "/daemon.stderr";
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID);  // outlives this terminal
  pid_t pid;
  int rc = posix_spawn(&pid, exe.c_str(), &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0)
    return Status::Unavailable("cannot start the daemon: " + std::string(std::strerror(rc)));
  // The child is reaped by init once this process exits; until then, watch for an early death.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    auto port = daemon::RunningDaemonPort(data_dir);
    if (port.ok() && Healthy(*port)) return *port;
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      // Another daemon may have won the race for the lock; that one serves us.
      auto other = daemon::RunningDaemonPort(data_dir);
      if (other.ok() && Healthy(*other)) return *other;
      auto why = ReadFilePrefixForError(err_path);
      return Status::Unavailable("the daemon exited at start" + why);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Status::Unavailable("the daemon did not answer within 20 s; see " +
                             daemon::LogPath(data_dir));
}

Result<DaemonClient> DaemonClient::Connect(const std::string& data_dir, bool autostart) {
  auto port = daemon::RunningDaemonPort(data_dir);
  if (port.ok()) return DaemonClient(*port);
  if (!autostart)
    return Status::Unavailable("no daemon is running for " + data_dir +
                               " (start one with `trusty-search start`)");
  TS_ASSIGN_OR_RETURN(int started, StartDaemon(data_dir, StartOptions()));
  return DaemonClient(started);
}

Result<nlohmann::json> DaemonClient::Get(const std::string& path) const {
  auto c = MakeClient(port_, 120);
  return Decode(c.Get(path));
}

Result<nlohmann::json> DaemonClient::Post(const std::string& path,
                                          const nlohmann::json& body) const {
  auto c = MakeClient(port_, 120);
  // Strings the caller did not validate are repaired, never a throw.
  return Decode(c.Post(path, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                       "application/json"));
}

Result<std::string> DaemonClient::PostText(const std::string& path, const nlohmann::json& body,
                                           std::multimap<std::string, std::string>* headers) const {
  auto c = MakeClient(port_, 180);
  auto res = c.Post(path, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                    "application/json");
  if (!res) {
    return Status::Unavailable("cannot reach the daemon: " + httplib::to_string(res.error()));
  }
  if (res->status >= 400) return FromHttp(res->status, res->body);
  for (const auto& [k, v] : res->headers) headers->emplace(k, v);
  return std::move(res->body);
}

Result<nlohmann::json> DaemonClient::Delete(const std::string& path) const {
  auto c = MakeClient(port_, 120);
  return Decode(c.Delete(path));
}

Status DaemonClient::Stream(const std::string& path,
                            const std::function<bool(const std::string& event,
                                                     const nlohmann::json& data)>& on_event) const {
  auto c = MakeClient(port_, 3600);
  std::string buffer, event;
  int status = 0;
  bool stopped = false;
  auto res = c.Get(
      path,
      [&](const httplib::Response& r) {
        status = r.status;
        return true;
      },
      [&](const char* data, size_t len) {
        if (status >= 400) {
          buffer.append(data, len);
          return true;
        }
        buffer.append(data, len);
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
          if (!on_event(ev, j.is_discarded() ? nlohmann::json() : j)) {
            stopped = true;
            return false;
          }
        }
        return true;
      });
  if (stopped) return Status::Ok();
  if (status >= 400) return FromHttp(status, buffer);
  if (!res)
    return Status::Unavailable("lost the connection to the daemon: " +
                               httplib::to_string(res.error()));
  return Status::Ok();
}

}  // namespace ts::cli
