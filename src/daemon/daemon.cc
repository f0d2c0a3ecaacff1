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
  int lock_fd = ::open(client::LockPath(dir).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  // Clients probe the lock with a brief shared flock (client::DaemonLockHeld),
  // and the CLI that started this daemon polls it: a probe that holds the lock
  // at the instant this tries must not make it give up. A daemon holds it for
  // good, so half a second of retries tells the two apart.
  bool locked = false;
  for (int attempt = 0; lock_fd >= 0 && attempt < 50; ++attempt) {
    if (::flock(lock_fd, LOCK_EX | LOCK_NB) == 0) {
      locked = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!locked) {
    auto port = client::RunningDaemonPort(dir);
    std::fprintf(stderr, "error: a daemon already runs for %s%s\n", dir.c_str(),
                 port.ok() ? (" on port " + std::to_string(*port)).c_str() : "");
    if (lock_fd >= 0) ::close(lock_fd);
    return 1;
  }
  // A killed daemon leaves its port file. Until this one writes its own, a
  // client must not take that port for ours: another daemon may hold it now.
  ::unlink(client::PortPath(dir).c_str());
  ::unlink(client::PidPath(dir).c_str());
  Log log(client::LogPath(dir), options.foreground);
  // Process-wide settings, before the service opens any index or starts a thread.
  ArmCrashPoint(options.crash_point);
  index::EngineOptions engine;
  engine.model_path = options.model_path;
  if (options.ann_min_vectors > 0) engine.ann_min_vectors = options.ann_min_vectors;
  index::ConfigureEngine(engine);
  auto service = Service::Start(dir, &log);
  if (!service.ok()) {
    log.Error("cannot start: " + service.status().message());
    if (!options.foreground)
      std::fprintf(stderr, "error: %s\n", service.status().message().c_str());
    ::close(lock_fd);
    return 1;
  }

  (*service)->SetRootPolicySource(options.home, options.config_path);
  index::QueryTuning tuning;
  tuning.fusion = fusion::FusionParams::WithOverrides(options.fusion_overrides);
  tuning.rerank = rank::WeightsWithOverrides(rank::DefaultWeights(), options.rerank_overrides);
  (*service)->SetQueryTuning(tuning);
  (*service)->SetUpdateSettings({options.round_bytes, options.max_segments, options.ctags});
  // Searches, status and SSE streams share a pool of kHttpThreads; indexing
  // has its own thread. A connection holds a pool thread only while it has a
  // whole request in hand: one parker thread holds the connections whose
  // next request is still arriving (slow clients, idle keep-alives), and a
  // request must arrive within kHeadDeadlineMs (guarded_server.h). Idle
  // threads cost address space, not memory.
  GuardedServer server(kHttpThreads);
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
  RegisterRoutes(server, **service);
  int port = options.port;
  bool bound = server.bind_to_port("127.0.0.1", port);
  for (int tries = 0; !bound && !options.port_explicit && tries < 100; ++tries) {
    bound = server.bind_to_port("127.0.0.1", ++port);
  }
  if (!bound) {
    log.Error("cannot bind 127.0.0.1:" + std::to_string(options.port));
    ::close(lock_fd);
    return 1;
  }
  // cpp-httplib listens with a backlog of 5 (compiled into Debian's library),
  // which drops connections when a few dozen clients arrive together; a
  // second listen() on Linux only changes the backlog.
  if (listen_fd >= 0 && ::listen(listen_fd, kListenBacklog) != 0) {
    log.Warn("cannot raise the listen backlog to " + std::to_string(kListenBacklog));
  }
  // Only the user gets in (access.h): the token of the data dir, made at first start.
  auto token = client::EnsureToken(dir);
  if (!token.ok()) {
    log.Error("cannot create the access token: " + token.status().message());
    ::close(lock_fd);
    return 1;
  }
  AccessOptions access;
  access.port = port;
  access.token = *token;
  access.token_path = client::TokenPath(dir);
  access.uid = ::getuid();
  access.require_token = options.require_token;
  RegisterAccessGuard(server, **service, std::make_shared<const AccessGuard>(std::move(access)));
  // MCP over Streamable HTTP: its tools call this daemon's own API on loopback,
  // exactly as the stdio transport does from another process.
  RegisterMcpRoutes(server, mcp::LoopbackApi(port, dir));
  if (!WriteFileAtomic(client::PortPath(dir), std::to_string(port) + "\n", /*crash_points=*/false)
           .ok() ||
      !WriteFileAtomic(client::PidPath(dir), std::to_string(::getpid()) + "\n",
                       /*crash_points=*/false)
           .ok()) {
    log.Error("cannot write the port and pid files in " + dir);
    ::close(lock_fd);
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
    (*service)->Shutdown();
    while (!server.is_running() && !listen_done.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    server.stop();
  });
  log.Info("listening on 127.0.0.1:" + std::to_string(port) + " (pid " +
           std::to_string(::getpid()) + ")");
  if (!stop_requested.load()) server.listen_after_bind();
  listen_done = true;

  // Stop accepting work, abandon the round in flight (nothing half-committed),
  // then remove the files that say a daemon runs.
  if (watcher) watcher->Stop();
  (*service)->Shutdown();
  ::unlink(client::PortPath(dir).c_str());
  ::unlink(client::PidPath(dir).c_str());
  log.Info("stopped");
  if (signal_thread.joinable()) {
    // The server may also stop without a signal (a fatal listen error).
    pthread_kill(signal_thread.native_handle(), SIGTERM);
    signal_thread.join();
  }
  ::close(lock_fd);
  return 0;
}

}  // namespace ts::daemon
