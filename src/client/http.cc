// A minimal HTTP/1.1 client for the daemon on loopback: one request per
// connection, bodies sized by Content-Length, chunked, or ended by close.
// Every wait is bounded by a timeout; nothing the daemon sends can make it
// read without limit (headers are capped, sizes are checked).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "client/client.h"
#include "util/ascii.h"

namespace ts::client {
namespace {

constexpr size_t kMaxHeaderBytes = 1 << 20;

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  Socket(Socket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

std::string Errno(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

Status WaitFor(int fd, short events, int timeout_ms, const char* what) {
  pollfd p{fd, events, 0};
  while (true) {
    int r = ::poll(&p, 1, timeout_ms);
    if (r > 0) return Status::Ok();
    if (r == 0) {
      return Status::Unavailable(std::string("the daemon did not ") + what + " within " +
                                 std::to_string(timeout_ms) + " ms");
    }
    if (errno != EINTR) return Status::Unavailable(Errno("poll"));
  }
}

Result<Socket> Connect(int port, int timeout_ms) {
  Socket s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (s.fd() < 0) return Status::Unavailable(Errno("socket"));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const std::string where = "cannot reach the daemon on 127.0.0.1:" + std::to_string(port);
  if (::connect(s.fd(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    if (errno != EINPROGRESS) return Status::Unavailable(where + ": " + std::strerror(errno));
    TS_RETURN_IF_ERROR(WaitFor(s.fd(), POLLOUT, timeout_ms, "accept the connection"));
    int err = 0;
    socklen_t len = sizeof(err);
    if (::getsockopt(s.fd(), SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
      return Status::Unavailable(where + ": " + std::strerror(err != 0 ? err : errno));
    }
  }
  int one = 1;
  ::setsockopt(s.fd(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return s;
}

Status SendAll(int fd, std::string_view data, int timeout_ms) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      TS_RETURN_IF_ERROR(WaitFor(fd, POLLOUT, timeout_ms, "take the request"));
    } else if (n < 0 && errno != EINTR) {
      return Status::Unavailable(Errno("lost the connection to the daemon"));
    }
  }
  return Status::Ok();
}

// Buffered reads from the socket, each wait bounded by the read timeout.
class Reader {
 public:
  Reader(int fd, int timeout_ms) : fd_(fd), timeout_ms_(timeout_ms) {}

  bool eof() const { return eof_ && pos_ == buf_.size(); }

  // A line without its CRLF (or LF), at most `limit` bytes.
  Result<std::string> Line(size_t limit) {
    while (true) {
      size_t nl = buf_.find('\n', pos_);
      if (nl != std::string::npos) {
        size_t end = nl > pos_ && buf_[nl - 1] == '\r' ? nl - 1 : nl;
        std::string line = buf_.substr(pos_, end - pos_);
        pos_ = nl + 1;
        return line;
      }
      if (buf_.size() - pos_ > limit)
        return Status::Unavailable("the daemon sent an overlong line");
      if (eof_)
        return Status::Unavailable("lost the connection to the daemon: its answer broke off");
      TS_RETURN_IF_ERROR(Fill());
    }
  }

  // Up to `n` bytes as they arrive (fewer at the end of the stream).
  Result<std::string_view> Some(size_t n) {
    if (pos_ == buf_.size()) {
      if (eof_) return std::string_view();
      TS_RETURN_IF_ERROR(Fill());
      if (pos_ == buf_.size()) return std::string_view();
    }
    size_t take = std::min(n, buf_.size() - pos_);
    std::string_view out(buf_.data() + pos_, take);
    pos_ += take;
    return out;
  }

 private:
  Status Fill() {
    if (pos_ > 0 && pos_ == buf_.size()) {
      buf_.clear();
      pos_ = 0;
    } else if (pos_ > (1 << 20)) {
      buf_.erase(0, pos_);
      pos_ = 0;
    }
    char chunk[1 << 16];
    while (true) {
      ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
      if (n > 0) {
        buf_.append(chunk, static_cast<size_t>(n));
        return Status::Ok();
      }
      if (n == 0) {
        eof_ = true;
        return Status::Ok();
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        TS_RETURN_IF_ERROR(WaitFor(fd_, POLLIN, timeout_ms_, "answer"));
      } else if (errno != EINTR) {
        return Status::Unavailable(Errno("lost the connection to the daemon"));
      }
    }
  }

  int fd_;
  int timeout_ms_;
  std::string buf_;
  size_t pos_ = 0;
  bool eof_ = false;
};

// Hands body bytes to the sink, or keeps them; false once the sink said stop.
class BodyOut {
 public:
  BodyOut(const BodySink& sink, std::string* body) : sink_(sink), body_(body) {}
  bool Put(std::string_view data) {
    if (data.empty()) return true;
    if (!sink_) {
      body_->append(data);
      return true;
    }
    return sink_(data);
  }

 private:
  const BodySink& sink_;
  std::string* body_;
};

Status ReadChunked(Reader& in, BodyOut& out) {
  while (true) {
    TS_ASSIGN_OR_RETURN(std::string line, in.Line(4096));
    errno = 0;
    char* end = nullptr;
    unsigned long long size = std::strtoull(line.c_str(), &end, 16);
    if (end == line.c_str() || errno != 0) {
      return Status::Unavailable("the daemon sent a malformed chunk size");
    }
    if (size == 0) {
      // Trailers, up to the empty line.
      while (true) {
        TS_ASSIGN_OR_RETURN(std::string trailer, in.Line(kMaxHeaderBytes));
        if (trailer.empty()) return Status::Ok();
      }
    }
    while (size > 0) {
      TS_ASSIGN_OR_RETURN(std::string_view data, in.Some(size));
      if (data.empty())
        return Status::Unavailable("lost the connection to the daemon: its answer broke off");
      size -= data.size();
      if (!out.Put(data)) return Status::Ok();
    }
    TS_ASSIGN_OR_RETURN(std::string crlf, in.Line(16));
    if (!crlf.empty()) return Status::Unavailable("the daemon sent a malformed chunk");
  }
}

}  // namespace

std::string HttpResponse::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return "";
}

Result<HttpResponse> Http(int port, const HttpRequest& request, const BodySink& sink) {
  TS_ASSIGN_OR_RETURN(Socket socket, Connect(port, request.connect_timeout_ms));
  std::string head = request.method + " " + request.target +
                     " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                     "\r\nConnection: close\r\n";
  if (!request.bearer_token.empty())
    head += "Authorization: Bearer " + request.bearer_token + "\r\n";
  if (request.method != "GET" || !request.body.empty()) {
    head += "Content-Type: " + request.content_type +
            "\r\nContent-Length: " + std::to_string(request.body.size()) + "\r\n";
  }
  head += "\r\n";
  TS_RETURN_IF_ERROR(SendAll(socket.fd(), head, request.read_timeout_ms));
  TS_RETURN_IF_ERROR(SendAll(socket.fd(), request.body, request.read_timeout_ms));

  Reader in(socket.fd(), request.read_timeout_ms);
  HttpResponse response;
  TS_ASSIGN_OR_RETURN(std::string status_line, in.Line(4096));
  if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) {
    return Status::Unavailable("the daemon sent no HTTP status line");
  }
  response.status = std::atoi(status_line.c_str() + 9);
  size_t header_bytes = 0;
  while (true) {
    TS_ASSIGN_OR_RETURN(std::string line, in.Line(kMaxHeaderBytes));
    if (line.empty()) break;
    header_bytes += line.size();
    if (header_bytes > kMaxHeaderBytes) return Status::Unavailable("the daemon sent huge headers");
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    size_t value = line.find_first_not_of(" \t", colon + 1);
    response.headers.emplace_back(LowerAscii(line.substr(0, colon)),
                                  value == std::string::npos ? "" : line.substr(value));
  }

  BodyOut out(sink, &response.body);
  Status read;
  const std::string length = response.Header("content-length");
  if (LowerAscii(response.Header("transfer-encoding")).find("chunked") != std::string::npos) {
    read = ReadChunked(in, out);
  } else if (!length.empty()) {
    unsigned long long remaining = std::strtoull(length.c_str(), nullptr, 10);
    while (remaining > 0 && read.ok()) {
      auto data = in.Some(remaining);
      if (!data.ok()) {
        read = data.status();
      } else if (data->empty()) {
        read = Status::Unavailable("lost the connection to the daemon: its answer broke off");
      } else {
        remaining -= data->size();
        if (!out.Put(*data)) break;
      }
    }
  } else {
    while (read.ok()) {
      auto data = in.Some(1 << 16);
      if (!data.ok()) {
        read = data.status();
      } else if (data->empty()) {
        break;
      } else if (!out.Put(*data)) {
        break;
      }
    }
  }
  if (!read.ok()) return read;
  return response;
}

}  // namespace ts::client
