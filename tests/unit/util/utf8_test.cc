#include "util/utf8.h"

#include <gtest/gtest.h>

namespace ts {
namespace {

TEST(Utf8Test, AcceptsWellFormedText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80"));  // é € 😀
  EXPECT_TRUE(IsValidUtf8("\xF4\x8F\xBF\xBF"));                      // U+10FFFF
}

TEST(Utf8Test, RejectsMalformedText) {
  EXPECT_FALSE(IsValidUtf8("\xFF"));
  EXPECT_FALSE(IsValidUtf8("\x80"));              // stray continuation byte
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF"));      // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // UTF-16 surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xE2\x82"));          // truncated
}

TEST(Utf8Test, CountsInvalidBytesButNotACutFinalCharacter) {
  EXPECT_EQ(CountInvalidUtf8Bytes("abc"), 0u);
  EXPECT_EQ(CountInvalidUtf8Bytes("a\xFF"
                                  "b\xFE"),
            2u);
  EXPECT_EQ(CountInvalidUtf8Bytes("a\xE2\x82"), 0u);   // cut at the end
  EXPECT_EQ(CountInvalidUtf8Bytes("a\xE2\x82z"), 2u);  // malformed in the middle
  EXPECT_EQ(CountInvalidUtf8Bytes("\xC3\xA9\xFF"), 1u);
}

}  // namespace
}  // namespace ts
