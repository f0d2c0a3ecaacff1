// util/file_cache: a cached file is served only while it is the same file.
#include "util/file_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <thread>

#include "util/file.h"

namespace ts {
namespace {

class FileCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ts-file-cache-test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    root_ = dir_ + "/root";
    ASSERT_TRUE(CreateDirectories(root_ + "/sub").ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Read(FileContentCache& cache, const std::string& rel) {
    auto r = cache.Read(root_, rel, 1 << 20);
    return r.ok() ? **r : "error: " + r.status().ToString();
  }
  std::string dir_, root_;
};

TEST_F(FileCacheTest, ASecondReadIsServedFromTheCacheUntilTheFileChanges) {
  FileContentCache cache(1 << 20, std::chrono::nanoseconds(0));
  ASSERT_TRUE(WriteFileAtomic(root_ + "/sub/a.txt", "first").ok());
  EXPECT_EQ(Read(cache, "sub/a.txt"), "first");
  EXPECT_EQ(cache.hits(), 0u);
  EXPECT_EQ(Read(cache, "sub/a.txt"), "first");
  EXPECT_EQ(cache.hits(), 1u);
  // Replaced (a new inode), then rewritten in place with as many bytes.
  ASSERT_TRUE(WriteFileAtomic(root_ + "/sub/a.txt", "second").ok());
  EXPECT_EQ(Read(cache, "sub/a.txt"), "second");
  // Past the file system's clock tick, so the rewrite has another mtime.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  {
    FILE* f = std::fopen((root_ + "/sub/a.txt").c_str(), "r+");
    ASSERT_NE(f, nullptr);
    std::fputs("third!", f);
    std::fclose(f);
  }
  EXPECT_EQ(Read(cache, "sub/a.txt"), "third!");
  EXPECT_EQ(cache.hits(), 1u);
}

TEST_F(FileCacheTest, AFileModifiedWithinTheSettleTimeIsNotKept) {
  FileContentCache cache(1 << 20);  // two seconds
  ASSERT_TRUE(WriteFileAtomic(root_ + "/fresh.txt", "fresh").ok());
  EXPECT_EQ(Read(cache, "fresh.txt"), "fresh");
  EXPECT_EQ(Read(cache, "fresh.txt"), "fresh");
  EXPECT_EQ(cache.hits(), 0u);
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST_F(FileCacheTest, AFileSwappedForASymlinkOutsideTheRootIsRefusedNotServed) {
  FileContentCache cache(1 << 20, std::chrono::nanoseconds(0));
  ASSERT_TRUE(WriteFileAtomic(root_ + "/sub/a.txt", "inside").ok());
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/secret.txt", "outside").ok());
  EXPECT_EQ(Read(cache, "sub/a.txt"), "inside");
  // The file becomes a symlink out of the root...
  ASSERT_EQ(::unlink((root_ + "/sub/a.txt").c_str()), 0);
  ASSERT_EQ(::symlink((dir_ + "/secret.txt").c_str(), (root_ + "/sub/a.txt").c_str()), 0);
  auto r = cache.Read(root_, "sub/a.txt", 1 << 20);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument) << r.status().ToString();
  // ...and its folder one: the cached copy is not served either.
  ASSERT_EQ(::unlink((root_ + "/sub/a.txt").c_str()), 0);
  ASSERT_TRUE(WriteFileAtomic(root_ + "/sub/b.txt", "inside too").ok());
  EXPECT_EQ(Read(cache, "sub/b.txt"), "inside too");
  ASSERT_TRUE(CreateDirectories(dir_ + "/elsewhere").ok());
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/elsewhere/b.txt", "elsewhere").ok());
  std::filesystem::rename(root_ + "/sub", dir_ + "/old-sub");
  ASSERT_EQ(::symlink((dir_ + "/elsewhere").c_str(), (root_ + "/sub").c_str()), 0);
  r = cache.Read(root_, "sub/b.txt", 1 << 20);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument) << r.status().ToString();
  EXPECT_EQ(cache.hits(), 0u);
}

TEST_F(FileCacheTest, TheLeastRecentlyUsedFilesLeaveFirstAndTheSizeStaysBounded) {
  FileContentCache cache(10, std::chrono::nanoseconds(0));
  ASSERT_TRUE(WriteFileAtomic(root_ + "/a", "aaaa").ok());
  ASSERT_TRUE(WriteFileAtomic(root_ + "/b", "bbbb").ok());
  ASSERT_TRUE(WriteFileAtomic(root_ + "/c", "cccc").ok());
  ASSERT_TRUE(WriteFileAtomic(root_ + "/big", std::string(11, 'x')).ok());
  EXPECT_EQ(Read(cache, "a"), "aaaa");
  EXPECT_EQ(Read(cache, "b"), "bbbb");
  EXPECT_EQ(Read(cache, "a"), "aaaa");  // a is now the most recent
  EXPECT_EQ(Read(cache, "c"), "cccc");  // b leaves
  EXPECT_EQ(cache.bytes(), 8u);
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(Read(cache, "a"), "aaaa");
  EXPECT_EQ(cache.hits(), 2u);
  EXPECT_EQ(Read(cache, "b"), "bbbb");
  EXPECT_EQ(cache.hits(), 2u);
  EXPECT_EQ(Read(cache, "big"), std::string(11, 'x'));  // larger than the cache: not kept
  EXPECT_LE(cache.bytes(), 10u);
  FileContentCache off(0);
  EXPECT_EQ(Read(off, "a"), "aaaa");
  EXPECT_EQ(Read(off, "a"), "aaaa");
  EXPECT_EQ(off.hits(), 0u);
  EXPECT_EQ(off.bytes(), 0u);
}

}  // namespace
}  // namespace ts
