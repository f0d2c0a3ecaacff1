// The loopback HTTP client against a real socket server that answers with
// crafted bytes: sized, chunked and close-delimited bodies, a sink that stops
// early, and answers that break off, stall or are not HTTP.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "client/client.h"

namespace ts::client {
namespace {

// Accepts one connection on 127.0.0.1 (a free port), reads the request's
// head and body, writes `answer`, then waits `linger` before closing.
class OneShotServer {
 public:
  explicit OneShotServer(std::string answer,
                         std::chrono::milliseconds linger = std::chrono::milliseconds(0))
      : answer_(std::move(answer)), linger_(linger) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(::listen(listen_fd_, 1), 0);
    socklen_t len = sizeof(addr);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~OneShotServer() {
    thread_.join();
    ::close(listen_fd_);
  }
  int port() const { return port_; }
  const std::string& request() const { return request_; }

 private:
  void Serve() {
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) return;
    char buf[4096];
    while (true) {
      size_t head_end = request_.find("\r\n\r\n");
      if (head_end != std::string::npos) {
        size_t length = 0;
        size_t at = request_.find("Content-Length: ");
        if (at != std::string::npos) length = std::stoul(request_.substr(at + 16));
        if (request_.size() >= head_end + 4 + length) break;
      }
      ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) break;
      request_.append(buf, static_cast<size_t>(n));
    }
    ::send(fd, answer_.data(), answer_.size(), MSG_NOSIGNAL);
    std::this_thread::sleep_for(linger_);
    ::close(fd);
  }

  std::string answer_;
  std::chrono::milliseconds linger_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::string request_;
  std::thread thread_;
};

HttpRequest Post(std::string body) {
  HttpRequest r;
  r.method = "POST";
  r.target = "/indexes/x/grep";
  r.body = std::move(body);
  r.read_timeout_ms = 5000;
  return r;
}

TEST(LoopbackHttp, SizedBodyAndHeaders) {
  OneShotServer server("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Trusty-Matches: 3\r\n\r\nhello");
  auto res = Http(server.port(), Post("{\"a\":1}"));
  ASSERT_TRUE(res.ok()) << res.status().message();
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "hello");
  EXPECT_EQ(res->Header("x-trusty-matches"), "3");
  EXPECT_NE(server.request().find("Content-Length: 7\r\n\r\n{\"a\":1}"), std::string::npos);
}

TEST(LoopbackHttp, ChunkedBodyWithExtensionsAndTrailers) {
  OneShotServer server(
      "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n"
      "4;ext=1\r\nwiki\r\n5\r\npedia\r\n0\r\nTrailer: x\r\n\r\n");
  auto res = Http(server.port(), Post(""));
  ASSERT_TRUE(res.ok()) << res.status().message();
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(res->body, "wikipedia");
}

TEST(LoopbackHttp, BodyEndedByClose) {
  OneShotServer server("HTTP/1.1 200 OK\r\n\r\nuntil the end");
  auto res = Http(server.port(), Post(""));
  ASSERT_TRUE(res.ok()) << res.status().message();
  EXPECT_EQ(res->body, "until the end");
}

TEST(LoopbackHttp, SinkStopsTheStream) {
  OneShotServer server(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "6\r\nevent1\r\n6\r\nevent2\r\n",
      std::chrono::milliseconds(1500));  // the stream stays open: only the sink can end it
  std::string seen;
  auto started = std::chrono::steady_clock::now();
  auto res = Http(server.port(), Post(""), [&](std::string_view data) {
    seen.append(data);
    return seen.size() < 6;
  });
  ASSERT_TRUE(res.ok()) << res.status().message();
  EXPECT_EQ(seen.substr(0, 6), "event1");
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1200));
}

TEST(LoopbackHttp, BrokenAnswersAreUnavailable) {
  {
    OneShotServer server("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort");
    auto res = Http(server.port(), Post(""));
    ASSERT_FALSE(res.ok());
    EXPECT_EQ(res.status().code(), Status::Code::kUnavailable);
  }
  {
    OneShotServer server("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
    EXPECT_FALSE(Http(server.port(), Post("")).ok());
  }
  {
    OneShotServer server("SSH-2.0-OpenSSH\r\n");
    auto res = Http(server.port(), Post(""));
    ASSERT_FALSE(res.ok());
    EXPECT_NE(res.status().message().find("no HTTP status line"), std::string::npos);
  }
}

TEST(LoopbackHttp, AStalledDaemonTimesOut) {
  OneShotServer server("", std::chrono::milliseconds(1500));
  HttpRequest r = Post("");
  r.read_timeout_ms = 200;
  auto res = Http(server.port(), r);
  ASSERT_FALSE(res.ok());
  EXPECT_NE(res.status().message().find("did not answer within 200 ms"), std::string::npos)
      << res.status().message();
}

TEST(LoopbackHttp, NothingListeningIsUnavailable) {
  int port = 0;
  {
    OneShotServer server("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    port = server.port();
    ASSERT_TRUE(Http(port, Post("")).ok());
  }
  auto res = Http(port, Post(""));
  ASSERT_FALSE(res.ok());
  EXPECT_NE(res.status().message().find("cannot reach the daemon"), std::string::npos);
}

}  // namespace
}  // namespace ts::client
