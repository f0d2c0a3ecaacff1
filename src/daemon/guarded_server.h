// The daemon's HTTP server: cpp-httplib's routing and responses, with each
// request head (request line and headers) read by us first, under limits
// cpp-httplib 0.11 lacks: a deadline for the whole head, a cap on its bytes
// and a cap on its header count. Without them one client that sends its
// headers a byte a second holds a server thread for as long as it likes, and
// one that sends endless headers grows the daemon without bound.
#pragma once

#include <httplib.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace ts::daemon {

// A request (head, and a body of known length) must be all there within this
// time of its first byte...
inline constexpr int kHeadDeadlineMs = 10000;
// ...hold at most this many bytes (cpp-httplib caps one line at 8 KB)...
inline constexpr size_t kMaxHeadBytes = 64u << 10;
// ...and at most this many header lines.
inline constexpr size_t kMaxHeaderCount = 100;

// What reading a request head found.
enum class HeadVerdict {
  kComplete,    // a whole head within the limits
  kIncomplete,  // not all there yet
  kTooLarge,    // over kMaxHeadBytes or kMaxHeaderCount: 431
  kClosed,      // the peer closed (or the socket failed) first
  kDeadline,    // kHeadDeadlineMs passed first: 408
};

// The verdict on `bytes`, the start of a request (head, then maybe a body or
// the next request): where the head ends is the first empty line ("\r\n\r\n"
// or a bare "\n\n", as cpp-httplib accepts either). `*head_bytes` gets the
// head's size when complete. Pure, for tests and the fuzz target.
HeadVerdict CheckHead(std::string_view bytes, size_t* head_bytes);

class GuardedServer : public httplib::Server {
 public:
  // `threads`: the pool that serves requests. A connection holds one of them
  // only while it has a whole request in hand; while its next request is
  // not all there (a slow client, an idle keep-alive), one parker thread
  // holds it (epoll), so slow clients cannot take every thread.
  explicit GuardedServer(size_t threads);
  ~GuardedServer() override;

  // Serves one connected socket to its end and closes it, as a connection
  // the server accepted would be, but on the calling thread and without the
  // server listening. For the HTTP fuzz target, which hands it one end of a
  // socket pair.
  bool ServeConnection(socket_t sock);

  struct Connection;  // guarded_server.cc

 private:
  class Parker;
  class PoolProxy;
  // Replaces cpp-httplib's per-connection loop (a virtual it declares): the
  // same keep-alive rules, each request checked with CheckHead's limits, and
  // then cpp-httplib's own process_request on a stream that replays the
  // bytes read ahead.
  bool process_and_close_socket(socket_t sock) override;
  // `listening`: park the connection between requests, and stop when the
  // server stops; otherwise wait for requests on this thread.
  void Serve(std::shared_ptr<Connection> c, bool listening);

  std::shared_ptr<httplib::ThreadPool> pool_;  // made when the server listens
  std::unique_ptr<Parker> parker_;
};

}  // namespace ts::daemon
