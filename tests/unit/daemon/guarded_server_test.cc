// CheckHead: where a request head ends, and the limits on its size.
#include "daemon/guarded_server.h"

#include <gtest/gtest.h>

#include <string>

namespace ts::daemon {
namespace {

TEST(CheckHeadTest, FindsTheEndOfAHead) {
  size_t n = 0;
  const std::string head = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  EXPECT_EQ(CheckHead(head + "{\"body\":1}", &n), HeadVerdict::kComplete);
  EXPECT_EQ(n, head.size());
  EXPECT_EQ(CheckHead("GET / HTTP/1.1\nHost: x\n\n", &n), HeadVerdict::kComplete);  // bare LF
  EXPECT_EQ(n, 24u);
  EXPECT_EQ(CheckHead("GET / HTTP/1.1\r\nHost: x\r\n", &n), HeadVerdict::kIncomplete);
  EXPECT_EQ(CheckHead("", &n), HeadVerdict::kIncomplete);
}

TEST(CheckHeadTest, CapsHeaderCountAndBytes) {
  size_t n = 0;
  std::string head = "GET / HTTP/1.1\r\n";
  for (size_t i = 0; i < kMaxHeaderCount; ++i) head += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_EQ(CheckHead(head + "\r\n", &n), HeadVerdict::kComplete);  // exactly at the cap
  EXPECT_EQ(CheckHead(head + "X-last: v\r\n", &n), HeadVerdict::kTooLarge);
  // Too many bytes without an end, even with few lines.
  EXPECT_EQ(CheckHead("GET / HTTP/1.1\r\nX: " + std::string(kMaxHeadBytes, 'a'), &n),
            HeadVerdict::kTooLarge);
  EXPECT_EQ(CheckHead("GET / HTTP/1.1\r\nX: " + std::string(kMaxHeadBytes / 2, 'a'), &n),
            HeadVerdict::kIncomplete);
}

}  // namespace
}  // namespace ts::daemon
