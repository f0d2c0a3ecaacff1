#include "daemon/guarded_server.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "daemon/wire.h"

namespace ts::daemon {

HeadVerdict CheckHead(std::string_view bytes, size_t* head_bytes) {
  const std::string_view window = bytes.substr(0, kMaxHeadBytes);
  size_t lines = 0;
  size_t line_start = 0;
  for (size_t nl = window.find('\n'); nl != std::string_view::npos;
       nl = window.find('\n', line_start)) {
    std::string_view line = window.substr(line_start, nl - line_start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      *head_bytes = nl + 1;
      return HeadVerdict::kComplete;
    }
    if (++lines > kMaxHeaderCount + 1) return HeadVerdict::kTooLarge;  // + the request line
    line_start = nl + 1;
  }
  return bytes.size() >= kMaxHeadBytes ? HeadVerdict::kTooLarge : HeadVerdict::kIncomplete;
}

namespace {

using Clock = std::chrono::steady_clock;

int Millis(time_t sec, time_t usec) {
  return static_cast<int>(sec * 1000 + usec / 1000);
}

// Waits up to `ms` for `events` on `sock`; false on timeout. An error or a
// hang-up counts as ready: the read or write that follows fails at once.
bool WaitFor(int sock, short events, int ms) {
  pollfd pfd{sock, events, 0};
  const auto deadline = Clock::now() + std::chrono::milliseconds(ms);
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    const int pr = ::poll(&pfd, 1, static_cast<int>(std::max<long long>(left, 0)));
    if (pr < 0 && errno == EINTR) continue;
    return pr > 0 && (pfd.revents & (events | POLLHUP | POLLERR | POLLNVAL)) != 0;
  }
}

void AddressOf(int sock, bool peer, std::string& ip, int& port) {
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  const int rc = peer ? ::getpeername(sock, reinterpret_cast<sockaddr*>(&addr), &len)
                      : ::getsockname(sock, reinterpret_cast<sockaddr*>(&addr), &len);
  if (rc != 0) return;
  char host[NI_MAXHOST];
  if (::getnameinfo(reinterpret_cast<sockaddr*>(&addr), len, host, sizeof(host), nullptr, 0,
                    NI_NUMERICHOST) == 0) {
    ip = host;
  }
  if (addr.ss_family == AF_INET) {
    port = ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    port = ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  }
}

// A connection's socket as cpp-httplib's Stream, which first replays the
// bytes read ahead while checking a head (the head itself, and whatever
// followed it in the same packets: a body, a pipelined request).
class ReplayStream final : public httplib::Stream {
 public:
  ReplayStream(int sock, int read_ms, int write_ms)
      : sock_(sock), read_ms_(read_ms), write_ms_(write_ms) {}

  bool is_readable() const override {
    return pos_ < buffered_.size() || WaitFor(sock_, POLLIN, read_ms_);
  }
  bool is_writable() const override { return WaitFor(sock_, POLLOUT, write_ms_); }

  ssize_t read(char* ptr, size_t size) override {
    if (pos_ < buffered_.size()) {
      const size_t n = std::min(size, buffered_.size() - pos_);
      std::memcpy(ptr, buffered_.data() + pos_, n);
      pos_ += n;
      return static_cast<ssize_t>(n);
    }
    if (!WaitFor(sock_, POLLIN, read_ms_)) return -1;
    while (true) {
      const ssize_t n = ::recv(sock_, ptr, size, 0);
      if (n < 0 && errno == EINTR) continue;
      return n;
    }
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    while (true) {
      const ssize_t n = ::send(sock_, ptr, size, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      return n;
    }
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    AddressOf(sock_, true, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    AddressOf(sock_, false, ip, port);
  }
  socket_t socket() const override { return sock_; }

  bool has_buffered() const { return pos_ < buffered_.size(); }

  // Reads until the unread bytes start with a whole head, or a limit is hit.
  HeadVerdict ReadHead() {
    buffered_.erase(0, pos_);
    pos_ = 0;
    const auto deadline = Clock::now() + std::chrono::milliseconds(kHeadDeadlineMs);
    char buf[4096];
    while (true) {
      size_t head_bytes = 0;
      const HeadVerdict verdict = CheckHead(buffered_, &head_bytes);
      if (verdict != HeadVerdict::kIncomplete) return verdict;
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return HeadVerdict::kDeadline;
      if (!WaitFor(sock_, POLLIN, static_cast<int>(left))) continue;  // the loop checks the time
      const ssize_t n = ::recv(sock_, buf, sizeof(buf), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return HeadVerdict::kClosed;
      buffered_.append(buf, static_cast<size_t>(n));
    }
  }

 private:
  const int sock_;
  const int read_ms_, write_ms_;
  std::string buffered_;  // read ahead; bytes before pos_ were handed out
  size_t pos_ = 0;
};

// A refusal before cpp-httplib saw the request: a JSON error, then close.
void Refuse(ReplayStream& stream, int status, std::string_view reason, std::string_view code,
            const std::string& message) {
  const std::string body = Dump(ErrorJson(code, message));
  const std::string response =
      "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nConnection: close\r\n\r\n" + body;
  (void)stream.write(response.data(), response.size());
}

}  // namespace

bool GuardedServer::Serve(socket_t sock, bool listening) {
  int one = 1;
  ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  ReplayStream stream(sock, Millis(read_timeout_sec_, read_timeout_usec_),
                      Millis(write_timeout_sec_, write_timeout_usec_));
  bool ok = false;
  // cpp-httplib's keep-alive rules: at most keep_alive_max_count_ requests,
  // each awaited for keep_alive_timeout_sec_, the last one answered with
  // "Connection: close"; the loop ends when the server stops.
  for (size_t count = keep_alive_max_count_; count > 0 && (!listening || is_running()); --count) {
    if (!stream.has_buffered() &&
        !WaitFor(sock, POLLIN, static_cast<int>(keep_alive_timeout_sec_ * 1000))) {
      break;
    }
    const HeadVerdict verdict = stream.ReadHead();
    if (verdict == HeadVerdict::kClosed) break;
    if (verdict == HeadVerdict::kDeadline) {
      Refuse(stream, 408, "Request Timeout", "request_timeout",
             "the request head did not arrive within " + std::to_string(kHeadDeadlineMs / 1000) +
                 " s");
      break;
    }
    if (verdict == HeadVerdict::kTooLarge) {
      Refuse(stream, 431, "Request Header Fields Too Large", "header_fields_too_large",
             "a request head may hold " + std::to_string(kMaxHeaderCount) + " headers and " +
                 std::to_string(kMaxHeadBytes) + " bytes");
      break;
    }
    bool connection_closed = false;
    ok = process_request(stream, count == 1, connection_closed, nullptr);
    if (!ok || connection_closed) break;
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ok;
}

}  // namespace ts::daemon
