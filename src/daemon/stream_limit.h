// A cap on responses that hold a server thread for long (SSE progress streams,
// streamed graph edges, MCP progress streams): each holds one of the HTTP
// pool's threads until it ends, so without a cap a few dozen idle streams
// would leave no thread for /health or a search. Beyond the cap a new stream
// gets 503 at once.
#pragma once

#include <atomic>
#include <memory>

namespace ts::daemon {

// The HTTP server's threads (daemon.cc), and at most this many streams at once.
inline constexpr int kHttpThreads = 128;
inline constexpr int kMaxOpenStreams = 16;

class StreamLimit {
 public:
  // A ticket held by the stream's content provider (captured by its lambda):
  // the stream counts until the provider is destroyed. Null when at the cap.
  std::shared_ptr<const int> TryOpen() {
    if (open_.fetch_add(1) >= kMaxOpenStreams) {
      open_.fetch_sub(1);
      return nullptr;
    }
    return std::shared_ptr<const int>(new int(0), [this](const int* p) {
      delete p;
      open_.fetch_sub(1);
    });
  }
  int open() const { return open_.load(); }

 private:
  std::atomic<int> open_{0};
};

// The daemon's one limit, shared by the REST and MCP routes.
StreamLimit& OpenStreams();

}  // namespace ts::daemon
