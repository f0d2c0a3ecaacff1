// The per-data-dir access token: shape, file mode, reuse and replacement.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "client/client.h"

namespace ts::client {
namespace {

class TokenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ts-token-test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(TokenTest, ShapeIsSixtyFourLowerHexDigits) {
  EXPECT_TRUE(IsWellFormedToken(std::string(64, 'a')));
  EXPECT_TRUE(
      IsWellFormedToken("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
  EXPECT_FALSE(IsWellFormedToken(std::string(63, 'a')));
  EXPECT_FALSE(IsWellFormedToken(std::string(65, 'a')));
  EXPECT_FALSE(IsWellFormedToken(std::string(64, 'A')));
  EXPECT_FALSE(IsWellFormedToken(std::string(64, 'g')));
  EXPECT_FALSE(IsWellFormedToken(""));
}

TEST_F(TokenTest, EnsureCreatesAnOwnerOnlyFileAndThenReusesIt) {
  EXPECT_EQ(ReadToken(dir_).status().code(), Status::Code::kNotFound);
  const mode_t old_umask = ::umask(0);  // even a permissive umask gives 0600
  auto first = EnsureToken(dir_);
  ::umask(old_umask);
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_TRUE(IsWellFormedToken(*first));
  struct stat st {};
  ASSERT_EQ(::stat(TokenPath(dir_).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = EnsureToken(dir_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *first);
  auto read = ReadToken(dir_);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(*read, *first);
}

TEST_F(TokenTest, NewTokensDifferAndMalformedFilesAreReplaced) {
  auto a = WriteNewToken(dir_);
  auto b = WriteNewToken(dir_);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  std::ofstream(TokenPath(dir_)) << "not a token\n";
  EXPECT_EQ(ReadToken(dir_).status().code(), Status::Code::kCorruption);
  auto fresh = EnsureToken(dir_);
  ASSERT_TRUE(fresh.ok());
  EXPECT_TRUE(IsWellFormedToken(*fresh));
  EXPECT_NE(*fresh, *b);
}

}  // namespace
}  // namespace ts::client
