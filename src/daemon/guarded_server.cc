#include "daemon/guarded_server.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <thread>
#include <vector>

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

// Content-Length of a head whose body is awaited before the request is
// handed on (a body within kMaxBodyBytes); 0 when none is, or when the client
// waits for "100 Continue" first or sends chunks.
size_t BodyToAwait(std::string_view head) {
  size_t length = 0;
  size_t line_start = head.find('\n');
  while (line_start != std::string_view::npos && line_start + 1 < head.size()) {
    const size_t next = head.find('\n', line_start + 1);
    std::string_view line =
        head.substr(line_start + 1, next == std::string_view::npos ? std::string_view::npos
                                                                   : next - line_start - 1);
    line_start = next;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name(line.substr(0, colon));
    for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) value.remove_suffix(1);
    if (name == "expect" || name == "transfer-encoding") return 0;
    if (name == "content-length") {
      if (value.empty() || value.size() > 9 ||
          value.find_first_not_of("0123456789") != std::string_view::npos) {
        return 0;  // cpp-httplib answers it
      }
      length = std::stoul(std::string(value));
    }
  }
  return length <= kMaxBodyBytes ? length : 0;
}

void WriteAll(int sock, const std::string& bytes, int write_ms) {
  size_t sent = 0;
  while (sent < bytes.size() && WaitFor(sock, POLLOUT, write_ms)) {
    const ssize_t n = ::send(sock, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    sent += static_cast<size_t>(n);
  }
}

// A refusal before cpp-httplib saw the request: a JSON error, then close.
void Refuse(int sock, HeadVerdict verdict) {
  int status = 431;
  std::string reason = "Request Header Fields Too Large", code = "header_fields_too_large";
  std::string message = "a request head may hold " + std::to_string(kMaxHeaderCount) +
                        " headers and " + std::to_string(kMaxHeadBytes) + " bytes";
  if (verdict == HeadVerdict::kDeadline) {
    status = 408;
    reason = "Request Timeout";
    code = "request_timeout";
    message = "the request did not arrive within " + std::to_string(kHeadDeadlineMs / 1000) + " s";
  }
  const std::string body = Dump(ErrorJson(code, message));
  WriteAll(sock,
           "HTTP/1.1 " + std::to_string(status) + " " + reason +
               "\r\nContent-Type: application/json\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body,
           1000);
}

}  // namespace

// One connection, while a pool thread serves it or the parker holds it.
struct GuardedServer::Connection {
  Connection(int s, size_t requests) : sock(s), requests_left(requests) {}
  ~Connection() {
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
  }
  std::string_view unread() const { return std::string_view(buffered).substr(pos); }
  // Whether the unread bytes hold a whole request to hand on: the head, and
  // a Content-Length body too (so no thread waits on a slow body either).
  HeadVerdict Ready() const {
    size_t head = 0;
    const HeadVerdict verdict = CheckHead(unread(), &head);
    if (verdict != HeadVerdict::kComplete) return verdict;
    const size_t body = BodyToAwait(unread().substr(0, head));
    return unread().size() >= head + body ? HeadVerdict::kComplete : HeadVerdict::kIncomplete;
  }
  bool started() const { return head_started != Clock::time_point{}; }
  // When the awaited request is late: kHeadDeadlineMs after its first byte,
  // or `idle_until` (the keep-alive timeout) while no byte of it has come.
  Clock::time_point Deadline(Clock::time_point idle_until) const {
    return started() ? head_started + std::chrono::milliseconds(kHeadDeadlineMs) : idle_until;
  }
  // Appends what the socket holds now, without waiting; the first byte of a
  // request starts its clock. False when the peer closed or the socket failed.
  bool Receive() {
    char buf[16384];
    const size_t before = unread().size();
    bool open = true;
    while (unread().size() <= kMaxHeadBytes + kMaxBodyBytes) {
      const ssize_t n = ::recv(sock, buf, sizeof(buf), MSG_DONTWAIT);
      if (n > 0) {
        buffered.append(buf, static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      open = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
      break;
    }
    if (!started() && unread().size() > before) head_started = Clock::now();
    return open;
  }

  const int sock;
  std::string buffered;  // read ahead; bytes before pos were handed out
  size_t pos = 0;
  size_t requests_left;
  // When the first byte of the request awaited now arrived; {} before.
  Clock::time_point head_started{};
};

namespace {

// The connection as cpp-httplib's Stream: the bytes read ahead first.
class ReplayStream final : public httplib::Stream {
 public:
  ReplayStream(GuardedServer::Connection& c, int read_ms, int write_ms)
      : c_(c), read_ms_(read_ms), write_ms_(write_ms) {}

  bool is_readable() const override {
    return c_.pos < c_.buffered.size() || WaitFor(c_.sock, POLLIN, read_ms_);
  }
  bool is_writable() const override { return WaitFor(c_.sock, POLLOUT, write_ms_); }

  ssize_t read(char* ptr, size_t size) override {
    if (c_.pos < c_.buffered.size()) {
      const size_t n = std::min(size, c_.buffered.size() - c_.pos);
      std::memcpy(ptr, c_.buffered.data() + c_.pos, n);
      c_.pos += n;
      return static_cast<ssize_t>(n);
    }
    if (!WaitFor(c_.sock, POLLIN, read_ms_)) return -1;
    while (true) {
      const ssize_t n = ::recv(c_.sock, ptr, size, 0);
      if (n < 0 && errno == EINTR) continue;
      return n;
    }
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (!is_writable()) return -1;
    while (true) {
      const ssize_t n = ::send(c_.sock, ptr, size, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      return n;
    }
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    AddressOf(c_.sock, true, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    AddressOf(c_.sock, false, ip, port);
  }
  socket_t socket() const override { return c_.sock; }

 private:
  GuardedServer::Connection& c_;
  const int read_ms_, write_ms_;
};

// Blocks until the connection holds a whole request, for a server that is
// not listening (ServeConnection): kClosed when none comes within idle_ms.
HeadVerdict AwaitRequest(GuardedServer::Connection& c, int idle_ms) {
  const auto idle_until = Clock::now() + std::chrono::milliseconds(idle_ms);
  while (true) {
    const HeadVerdict verdict = c.Ready();
    if (verdict != HeadVerdict::kIncomplete) return verdict;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(c.Deadline(idle_until) - Clock::now())
            .count();
    if (left <= 0) return c.started() ? HeadVerdict::kDeadline : HeadVerdict::kClosed;
    if (!WaitFor(c.sock, POLLIN, static_cast<int>(left))) continue;
    if (!c.Receive() && c.Ready() != HeadVerdict::kComplete) return HeadVerdict::kClosed;
  }
}

}  // namespace

// One thread that holds every connection whose next request is not all
// there yet (epoll), so slow or idle clients hold no server thread: a
// connection goes back to the pool only with a whole request in hand.
class GuardedServer::Parker {
 public:
  Parker(std::function<void(std::shared_ptr<Connection>)> resume, int idle_ms)
      : resume_(std::move(resume)), idle_ms_(idle_ms) {
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = wake_fd_;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
    thread_ = std::thread([this] { Loop(); });
  }
  ~Parker() {
    stop_ = true;
    const uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof(one));
    thread_.join();
    parked_.clear();  // closes the connections still parked
    ::close(wake_fd_);
    ::close(epoll_fd_);
  }

  void Park(std::shared_ptr<Connection> c) {
    std::lock_guard<std::mutex> lock(mu_);
    const int sock = c->sock;
    parked_[sock] = {std::move(c), Clock::now() + std::chrono::milliseconds(idle_ms_)};
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.fd = sock;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, sock, &ev);
  }

 private:
  struct Parked {
    std::shared_ptr<Connection> conn;
    Clock::time_point idle_until;  // Connection::Deadline's, from when it was parked
  };

  void Loop() {
    epoll_event events[64];
    while (!stop_) {
      // Deadlines are checked at least every 200 ms: a 10 s bound, not a timer.
      const int n = ::epoll_wait(epoll_fd_, events, 64, 200);
      std::vector<std::shared_ptr<Connection>> ready;
      std::vector<std::pair<std::shared_ptr<Connection>, HeadVerdict>> refused;
      {
        std::lock_guard<std::mutex> lock(mu_);
        const auto now = Clock::now();
        for (int i = 0; i < n; ++i) {
          auto it = parked_.find(events[i].data.fd);
          if (it == parked_.end()) continue;  // the wake-up eventfd
          Connection& c = *it->second.conn;
          const bool open = c.Receive();
          const HeadVerdict verdict = c.Ready();
          if (verdict == HeadVerdict::kComplete) {
            ready.push_back(Unpark(it));
          } else if (verdict == HeadVerdict::kTooLarge) {
            refused.emplace_back(Unpark(it), verdict);
          } else if (!open) {
            Unpark(it);  // closed by the peer: dropped, which closes it
          }
        }
        for (auto it = parked_.begin(); it != parked_.end();) {
          auto next = std::next(it);
          if (it->second.conn->Deadline(it->second.idle_until) <= now) {
            const bool started = it->second.conn->started();
            auto conn = Unpark(it);
            // An idle keep-alive connection just closes; a late request is told.
            if (started) refused.emplace_back(std::move(conn), HeadVerdict::kDeadline);
          }
          it = next;
        }
      }
      for (auto& [conn, verdict] : refused) Refuse(conn->sock, verdict);
      for (auto& conn : ready) resume_(std::move(conn));
    }
  }

  // Under mu_: stops watching a connection and hands it out.
  std::shared_ptr<Connection> Unpark(std::map<int, Parked>::iterator it) {
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, it->first, nullptr);
    std::shared_ptr<Connection> conn = std::move(it->second.conn);
    parked_.erase(it);
    return conn;
  }

  const std::function<void(std::shared_ptr<Connection>)> resume_;
  const int idle_ms_;
  int epoll_fd_ = -1, wake_fd_ = -1;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::map<int, Parked> parked_;  // by socket
  std::thread thread_;
};

// cpp-httplib owns the task queue it asks for; this one forwards to the pool
// the server shares with its parker, which outlives it.
class GuardedServer::PoolProxy final : public httplib::TaskQueue {
 public:
  explicit PoolProxy(std::shared_ptr<httplib::ThreadPool> pool) : pool_(std::move(pool)) {}
  void enqueue(std::function<void()> fn) override { pool_->enqueue(std::move(fn)); }
  void shutdown() override { pool_->shutdown(); }

 private:
  std::shared_ptr<httplib::ThreadPool> pool_;
};

GuardedServer::GuardedServer(size_t threads) {
  new_task_queue = [this, threads]() -> httplib::TaskQueue* {
    pool_ = std::make_shared<httplib::ThreadPool>(threads);
    parker_ = std::make_unique<Parker>(
        [this](std::shared_ptr<Connection> c) {
          auto pool = pool_;
          pool->enqueue([this, c]() mutable { Serve(std::move(c), true); });
        },
        static_cast<int>(keep_alive_timeout_sec_ * 1000));
    return new PoolProxy(pool_);
  };
}

GuardedServer::~GuardedServer() {
  parker_.reset();  // before the pool: it hands connections to the pool
}

bool GuardedServer::process_and_close_socket(socket_t sock) {
  int one = 1;
  ::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  Serve(std::make_shared<Connection>(sock, keep_alive_max_count_), true);
  return true;
}

bool GuardedServer::ServeConnection(socket_t sock) {
  Serve(std::make_shared<Connection>(sock, keep_alive_max_count_), false);
  return true;
}

void GuardedServer::Serve(std::shared_ptr<Connection> c, bool listening) {
  ReplayStream stream(*c, Millis(read_timeout_sec_, read_timeout_usec_),
                      Millis(write_timeout_sec_, write_timeout_usec_));
  const int idle_ms = static_cast<int>(keep_alive_timeout_sec_ * 1000);
  // cpp-httplib's keep-alive rules: at most keep_alive_max_count_ requests,
  // each awaited for keep_alive_timeout_sec_, the last one answered with
  // "Connection: close"; the loop ends when the server stops.
  while (c->requests_left > 0 && (!listening || is_running())) {
    HeadVerdict verdict = c->Ready();
    if (verdict == HeadVerdict::kIncomplete) {
      if (listening && parker_) {
        c->buffered.erase(0, c->pos);
        c->pos = 0;
        parker_->Park(std::move(c));  // this thread goes back to the pool
        return;
      }
      verdict = AwaitRequest(*c, idle_ms);
    }
    if (verdict == HeadVerdict::kClosed) return;
    if (verdict != HeadVerdict::kComplete) return Refuse(c->sock, verdict);
    bool connection_closed = false;
    const bool ok = process_request(stream, c->requests_left == 1, connection_closed, nullptr);
    --c->requests_left;
    if (!ok || connection_closed) return;
    // A pipelined request already read ahead started arriving just now.
    c->head_started = c->unread().empty() ? Clock::time_point{} : Clock::now();
  }
}

}  // namespace ts::daemon
