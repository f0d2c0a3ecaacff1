// Daemon lifecycle: the per-data-dir lock, pid and port files, signals, and
// the HTTP server's run loop.
#include "daemon/daemon.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <utility>

#include "daemon/guarded_server.h"
#include "daemon/http_api.h"
#include "daemon/log.h"
#include "daemon/mcp_http.h"
#include "daemon/service.h"
#include "daemon/stream_limit.h"
#include "daemon/watcher.h"
#include "util/crash_point.h"
#include "util/file.h"

namespace ts::daemon {
namespace {

constexpr int kListenBacklog = 512;

// The data dir's exclusive lock, held for the daemon's life.
class DataDirLock {
 public:
  // Takes the lock, or says which daemon holds it.
  static Result<DataDirLock> Take(const std::string& dir) {
    DataDirLock lock(::open(client::LockPath(dir).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    // Clients probe the lock with a brief shared flock (client::DaemonLockHeld),
    // and the CLI that started this daemon polls it: a probe that holds the
    // lock at the instant this tries must not make it give up. A daemon holds
    // it for good, so half a second of retries tells the two apart.
    for (int attempt = 0; lock.fd_ >= 0 && attempt < 50; ++attempt) {
      if (::flock(lock.fd_, LOCK_EX | LOCK_NB) == 0) return lock;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    auto port = client::RunningDaemonPort(dir);
    return Status::AlreadyExists("a daemon already runs for " + dir +
                                 (port.ok() ? " on port " + std::to_string(*port) : ""));
  }
  DataDirLock(DataDirLock&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;
  DataDirLock& operator=(DataDirLock&&) = delete;
  ~DataDirLock() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

// The service with the engine, ranking and update settings of `options`.
Result<std::unique_ptr<Service>> StartService(const DaemonOptions& options, Log* log) {
  // Process-wide settings, before the service opens any index or starts a thread.
  ArmCrashPoint(options.crash_point);
  index::EngineOptions engine;
  engine.model_path = options.model_path;
  if (options.ann_min_vectors > 0) engine.ann_min_vectors = options.ann_min_vectors;
  index::ConfigureEngine(engine);
  TS_ASSIGN_OR_RETURN(std::unique_ptr<Service> service, Service::Start(options.data_dir, log));
  service->SetRootPolicySource(options.home, options.config_path);
  index::QueryTuning tuning;
  tuning.fusion = fusion::FusionParams::WithOverrides(options.fusion_overrides);
  tuning.rerank = rank::WeightsWithOverrides(rank::DefaultWeights(), options.rerank_overrides);
  service->SetQueryTuning(tuning);
  service->SetUpdateSettings({options.round_bytes, options.max_segments, options.ctags});
  return service;
}

// Binds the server to 127.0.0.1 (options.port, or the next free port unless
// it was explicit) and returns the port.
Result<int> Bind(GuardedServer& server, const DaemonOptions& options, Log& log) {
  // SO_REUSEADDR only: cpp-httplib's default adds SO_REUSEPORT, which would let
  // a second daemon share the port and split the traffic between the two.
  int listen_fd = -1;  // the socket cpp-httplib binds (the last one it tried)
  server.set_socket_options([&listen_fd](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    listen_fd = sock;
  });
  // Without TCP_NODELAY a client that sends headers and body in two packets
  // waits ~40 ms for a delayed ACK on every keep-alive request.
  server.set_tcp_nodelay(true);
  int port = options.port;
  bool bound = server.bind_to_port("127.0.0.1", port);
  for (int tries = 0; !bound && !options.port_explicit && tries < 100; ++tries) {
    bound = server.bind_to_port("127.0.0.1", ++port);
  }
  if (!bound) return Status::IoError("cannot bind 127.0.0.1:" + std::to_string(options.port));
  // cpp-httplib listens with a backlog of 5 (compiled into Debian's library),
  // which drops connections when a few dozen clients arrive together; a
  // second listen() on Linux only changes the backlog.
  if (listen_fd >= 0 && ::listen(listen_fd, kListenBacklog) != 0) {
    log.Warn("cannot raise the listen backlog to " + std::to_string(kListenBacklog));
  }
  return port;
}

// The access guard in front of every route (access.h), MCP over Streamable
// HTTP, then the port and pid files that tell clients the daemon is up.
Status GuardAndAnnounce(GuardedServer& server, Service& service, int port,
                        const DaemonOptions& options) {
  const std::string& dir = options.data_dir;
  // Only the user gets in: the token of the data dir, made at first start.
  auto token = client::EnsureToken(dir);
  if (!token.ok()) {
    return Status::IoError("cannot create the access token: " + token.status().message());
  }
  AccessOptions access;
  access.port = port;
  access.token = *token;
  access.token_path = client::TokenPath(dir);
  access.uid = ::getuid();
  access.require_token = options.require_token;
  RegisterAccessGuard(server, service, std::make_shared<const AccessGuard>(std::move(access)));
  // Its tools call this daemon's own API on loopback, exactly as the stdio
  // transport does from another process.
  RegisterMcpRoutes(server, mcp::LoopbackApi(port, dir));
  if (!WriteFileAtomic(client::PortPath(dir), std::to_string(port) + "\n", /*crash_points=*/false)
           .ok() ||
      !WriteFileAtomic(client::PidPath(dir), std::to_string(::getpid()) + "\n",
                       /*crash_points=*/false)
           .ok()) {
    return Status::IoError("cannot write the port and pid files in " + dir);
  }
  return Status::Ok();
}

// Serves until one of `signals` arrives or the server stops by itself.
void ServeUntilSignal(GuardedServer& server, Service& service, const sigset_t& signals, int port,
                      Log& log) {
  // A signal may arrive before listen starts (it waits, blocked, until this
  // thread takes it); server.stop() is a no-op until the server runs, so wait
  // for that, or for listen to have been skipped.
  std::atomic<bool> stop_requested{false}, listen_done{false};
  std::thread signal_thread([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    stop_requested = true;
    log.Info(std::string("received ") +
             (sig == SIGTERM  ? "SIGTERM"
              : sig == SIGINT ? "SIGINT"
                              : "SIGHUP") +
             "; shutting down");
    // Cancel the job in flight first, so that handlers waiting on it return.
    service.Shutdown();
    while (!server.is_running() && !listen_done.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    server.stop();
  });
  log.Info("listening on 127.0.0.1:" + std::to_string(port) + " (pid " +
           std::to_string(::getpid()) + ")");
  if (!stop_requested.load()) server.listen_after_bind();
  listen_done = true;
  // The server may also stop without a signal (a fatal listen error).
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
}

}  // namespace

int RunDaemon(const DaemonOptions& options) {
  // Signals are taken by one thread with sigwait; every thread started from
  // here on inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  const std::string& dir = options.data_dir;
  if (Status s = CreateDirectories(dir); !s.ok()) {
    std::fprintf(stderr, "error: data dir %s is not writable: %s\n", dir.c_str(),
                 s.message().c_str());
    return 1;
  }
  // Only its user may enter the data dir, whichever version created it.
  ::chmod(dir.c_str(), 0700);
  auto lock = DataDirLock::Take(dir);
  if (!lock.ok()) {
    std::fprintf(stderr, "error: %s\n", lock.status().message().c_str());
    return 1;
  }
  // A killed daemon leaves its port file. Until this one writes its own, a
  // client must not take that port for ours: another daemon may hold it now.
  ::unlink(client::PortPath(dir).c_str());
  ::unlink(client::PidPath(dir).c_str());
  Log log(client::LogPath(dir), options.foreground);
  auto service = StartService(options, &log);
  if (!service.ok()) {
    log.Error("cannot start: " + service.status().message());
    if (!options.foreground)
      std::fprintf(stderr, "error: %s\n", service.status().message().c_str());
    return 1;
  }
  // Searches, status and SSE streams share a pool of kHttpThreads; indexing
  // has its own thread. A connection holds a pool thread only while it has a
  // whole request in hand: one parker thread holds the connections whose
  // next request is still arriving (slow clients, idle keep-alives), and a
  // request must arrive within kHeadDeadlineMs (guarded_server.h). Idle
  // threads cost address space, not memory.
  GuardedServer server(kHttpThreads);
  RegisterRoutes(server, **service);
  auto port = Bind(server, options, log);
  Status announced =
      port.ok() ? GuardAndAnnounce(server, **service, *port, options) : port.status();
  if (!announced.ok()) {
    log.Error(announced.message());
    return 1;
  }

  std::unique_ptr<Watcher> watcher;
  if (options.watch) {
    auto w = Watcher::Start(service->get());
    if (w.ok()) {
      watcher = std::move(w).value();
    } else {
      log.Warn("file watching unavailable: " + w.status().message());
    }
  }
  ServeUntilSignal(server, **service, signals, *port, log);

  // Stop accepting work, abandon the round in flight (nothing half-committed),
  // then remove the files that say a daemon runs.
  if (watcher) watcher->Stop();
  (*service)->Shutdown();
  ::unlink(client::PortPath(dir).c_str());
  ::unlink(client::PidPath(dir).c_str());
  log.Info("stopped");
  return 0;
}

}  // namespace ts::daemon
