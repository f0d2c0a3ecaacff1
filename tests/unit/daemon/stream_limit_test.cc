// StreamLimit: at most kMaxOpenStreams tickets at once; a dropped ticket frees its slot.
#include "daemon/stream_limit.h"

#include <gtest/gtest.h>

#include <vector>

namespace ts::daemon {
namespace {

TEST(StreamLimitTest, RefusesBeyondTheCapAndFreesOnRelease) {
  StreamLimit limit;
  std::vector<std::shared_ptr<const int>> open;
  for (int i = 0; i < kMaxOpenStreams; ++i) {
    open.push_back(limit.TryOpen());
    ASSERT_NE(open.back(), nullptr) << i;
  }
  EXPECT_EQ(limit.open(), kMaxOpenStreams);
  EXPECT_EQ(limit.TryOpen(), nullptr);
  EXPECT_EQ(limit.open(), kMaxOpenStreams);  // a refusal leaves no trace
  auto copy = open.front();  // a copy (a provider copied by the server) holds it too
  open.erase(open.begin());
  EXPECT_EQ(limit.TryOpen(), nullptr);
  copy.reset();
  EXPECT_EQ(limit.open(), kMaxOpenStreams - 1);
  EXPECT_NE(limit.TryOpen(), nullptr);  // and the temporary is released at once
  EXPECT_EQ(limit.open(), kMaxOpenStreams - 1);
  open.clear();
  EXPECT_EQ(limit.open(), 0);
}

}  // namespace
}  // namespace ts::daemon
