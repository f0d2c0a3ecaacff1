// The daemon's HTTP server: cpp-httplib's routing and responses, with each
// request head (request line and headers) read by us first, under limits
// cpp-httplib 0.11 lacks: a deadline for the whole head, a cap on its bytes
// and a cap on its header count. Without them one client that sends its
// headers a byte a second holds a server thread for as long as it likes, and
// one that sends endless headers grows the daemon without bound.
#pragma once

#include <httplib.h>

#include <cstddef>
#include <string>
#include <string_view>

namespace ts::daemon {

// The whole head must arrive within this time of its first byte's wait...
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
  // Serves one connected socket to its end and closes it, as a connection
  // the server accepted would be, without the server listening. For the
  // HTTP fuzz target, which hands it one end of a socket pair.
  bool ServeConnection(socket_t sock) { return Serve(sock, /*listening=*/false); }

 private:
  // Replaces cpp-httplib's per-connection loop (a virtual it declares): the
  // same keep-alive rules, each head read with CheckHead's limits, and then
  // cpp-httplib's own process_request on a stream that replays those bytes.
  bool process_and_close_socket(socket_t sock) override { return Serve(sock, true); }
  // `listening`: the loop also ends when the server stops.
  bool Serve(socket_t sock, bool listening);
};

}  // namespace ts::daemon
