// util/file: what CreateDirectories and WriteFileAtomic leave on disk.
#include "util/file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace ts {
namespace {

class FileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ts-file-test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    old_umask_ = ::umask(0);  // the most permissive umask: modes must not depend on it
  }
  void TearDown() override {
    ::umask(old_umask_);
    std::filesystem::remove_all(dir_);
  }
  static unsigned ModeOf(const std::string& path) {
    struct stat st {};
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 0777;
  }
  std::string dir_;
  mode_t old_umask_ = 0;
};

TEST_F(FileTest, CreatedDirectoriesAreOwnerOnly) {
  ASSERT_TRUE(CreateDirectories(dir_ + "/a/b/c").ok());
  EXPECT_EQ(ModeOf(dir_ + "/a"), 0700u);
  EXPECT_EQ(ModeOf(dir_ + "/a/b"), 0700u);
  EXPECT_EQ(ModeOf(dir_ + "/a/b/c"), 0700u);
  EXPECT_TRUE(CreateDirectories(dir_ + "/a/b/c").ok());  // existing: fine
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/file", "x", false).ok());
  EXPECT_FALSE(CreateDirectories(dir_ + "/file").ok());  // a file is in the way
  EXPECT_FALSE(CreateDirectories(dir_ + "/file/sub").ok());
}

TEST_F(FileTest, AtomicWritesAreOwnerOnlyAndReadBack) {
  const std::string path = dir_ + "/data.bin";
  ASSERT_TRUE(WriteFileAtomic(path, "hello", false).ok());
  EXPECT_EQ(ModeOf(path), 0600u);
  auto back = ReadFilePrefix(path, 100);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, "hello");
  ASSERT_TRUE(WriteFileAtomic(path, "replaced", false).ok());
  EXPECT_EQ(*ReadFilePrefix(path, 100), "replaced");
  EXPECT_EQ(*ReadFilePrefix(path, 3), "rep");
}

TEST_F(FileTest, ReadFileBeneathStaysInsideTheRoot) {
  const std::string root = dir_ + "/root";
  ASSERT_TRUE(CreateDirectories(root + "/sub").ok());
  ASSERT_TRUE(WriteFileAtomic(root + "/sub/a.txt", "inside").ok());
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/secret.txt", "outside").ok());
  ASSERT_EQ(::symlink((dir_ + "/secret.txt").c_str(), (root + "/link.txt").c_str()), 0);
  ASSERT_EQ(::symlink(dir_.c_str(), (root + "/linkdir").c_str()), 0);
  ASSERT_EQ(::symlink("sub/a.txt", (root + "/inner.txt").c_str()), 0);

  auto ok = ReadFileBeneath(root, "sub/a.txt", 100);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(*ok, "inside");
  for (const char* rel :
       {"link.txt", "linkdir/secret.txt", "../secret.txt", "sub/../../secret.txt"}) {
    auto r = ReadFileBeneath(root, rel, 100);
    EXPECT_FALSE(r.ok()) << rel;
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument)
        << rel << ": " << r.status().ToString();
  }
  // A symlink that stays inside the root leads to a file of the root.
  auto inner = ReadFileBeneath(root, "inner.txt", 100);
  ASSERT_TRUE(inner.ok()) << inner.status().ToString();
  EXPECT_EQ(*inner, "inside");
  EXPECT_FALSE(ReadFileBeneath(root, std::string("sub/a.txt\0x", 11), 100).ok());
  EXPECT_EQ(ReadFileBeneath(root, "missing.txt", 100).status().code(), Status::Code::kIoError);
}

}  // namespace
}  // namespace ts
