// Whole HTTP requests, as a client sends them on one connection, through the
// daemon's server: the head check (guarded_server.h), cpp-httplib's request
// parser, the access guard and every route of a daemon with no index. It must
// answer or close, never crash, hang or leak. The seeds carry the fuzz
// token and Host, so mutations reach the routes behind the guard.
#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "daemon/access.h"
#include "daemon/guarded_server.h"
#include "daemon/http_api.h"
#include "daemon/log.h"
#include "daemon/service.h"

namespace {

struct Daemon {
  std::unique_ptr<ts::daemon::Log> log;
  std::unique_ptr<ts::daemon::Service> service;
  ts::daemon::GuardedServer server{1};  // never listens: ServeConnection serves
};

std::string& DataDir() {
  static std::string dir;
  return dir;
}

Daemon* StartDaemon() {
  char dir[] = "/tmp/ts-http-fuzz-XXXXXX";
  if (::mkdtemp(dir) == nullptr) std::abort();
  DataDir() = dir;
  std::atexit([] {
    std::error_code ec;
    std::filesystem::remove_all(DataDir(), ec);
  });
  auto* d = new Daemon();  // lives for the whole run
  d->log = std::make_unique<ts::daemon::Log>(std::string(dir) + "/daemon.log", false);
  auto service = ts::daemon::Service::Start(dir, d->log.get());
  if (!service.ok()) std::abort();
  d->service = std::move(service).value();
  ts::daemon::RegisterRoutes(d->server, *d->service);
  ts::daemon::AccessOptions access;
  access.port = 7777;
  access.token = std::string(64, 'f');
  access.uid = ::getuid();
  // A socket pair has no TCP peer to look up: only the token proves the caller.
  access.peer_uid = [](int, int) -> std::optional<unsigned> { return std::nullopt; };
  ts::daemon::RegisterAccessGuard(
      d->server, *d->service, std::make_shared<const ts::daemon::AccessGuard>(std::move(access)));
  return d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Daemon* daemon = StartDaemon();
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return 0;
  // The whole request is written first (inputs stay far below a socket
  // buffer), then the client's side of the stream ends: the server never
  // waits for bytes that will not come.
  size_t sent = 0;
  while (sent < size) {
    const ssize_t n = ::send(sv[1], data + sent, size - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  ::shutdown(sv[1], SHUT_WR);
  daemon->server.ServeConnection(sv[0]);  // closes sv[0]
  char buf[4096];
  while (::read(sv[1], buf, sizeof(buf)) > 0) {
  }
  ::close(sv[1]);
  return 0;
}
