#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "walk/walk.h"

namespace ts::walk {
namespace {

class CheckPathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ts-check-path-XXXXXX";
    root_ = ::mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  void Write(const std::string& rel, const std::string& text) {
    std::filesystem::create_directories(std::filesystem::path(root_ + "/" + rel).parent_path());
    std::ofstream(root_ + "/" + rel) << text;
  }
  bool Check(const std::string& rel, SkipReason* r) { return CheckPath(root_, rel, {}, r); }
  std::string root_;
};

TEST_F(CheckPathTest, SecretsAreRefused) {
  Write("deploy/id_rsa", "key");
  Write(".ssh/config", "Host *");
  Write("src/.env", "A=1");
  Write("src/app.py", "x = 1");
  SkipReason r;
  for (const char* rel : {"deploy/id_rsa", ".ssh/config", "src/.env"}) {
    EXPECT_FALSE(Check(rel, &r)) << rel;
    EXPECT_EQ(r, SkipReason::kSecret) << rel;
  }
  EXPECT_TRUE(Check("src/app.py", &r));
}

// CheckPath must agree with Walk on every file of a tree with nested rules.
TEST_F(CheckPathTest, AgreesWithWalk) {
  Write(".gitignore", "*.log\nbuild-out/\n!keep.log\n");
  Write("a/.gitignore", "secret.txt\n");
  Write("a/b/.ignore", "*.tmp\n");
  Write("a/secret.txt", "x");
  Write("a/ok.txt", "x");
  Write("a/b/c.tmp", "x");
  Write("a/b/c.txt", "x");
  Write("x.log", "x");
  Write("keep.log", "x");
  Write("build-out/y.txt", "x");
  Write("node_modules/z.js", "x");
  Write("src/main.c", "int main(){}");
  std::set<std::string> walked;
  WalkStats stats;
  ASSERT_TRUE(Walk(
                  root_, {}, [&](FileEntry&& e) { walked.insert(e.rel_path); }, &stats)
                  .ok());
  for (const char* rel : {"a/secret.txt", "a/ok.txt", "a/b/c.tmp", "a/b/c.txt", "x.log", "keep.log",
                          "build-out/y.txt", "node_modules/z.js", "src/main.c"}) {
    SkipReason r;
    EXPECT_EQ(Check(rel, &r), walked.count(rel) == 1) << rel;
  }
}

TEST_F(CheckPathTest, ReasonsForMissingLargeAndEscaping) {
  SkipReason r;
  EXPECT_FALSE(Check("nope.c", &r));
  EXPECT_EQ(r, SkipReason::kNotRegular);
  Write("big.txt", std::string((1u << 20) + 1, 'a'));
  EXPECT_FALSE(Check("big.txt", &r));
  EXPECT_EQ(r, SkipReason::kTooLarge);
  EXPECT_FALSE(Check("../etc/passwd", &r));
  EXPECT_EQ(r, SkipReason::kOutsideRoot);
  Write("node_modules/m.js", "x");
  EXPECT_FALSE(Check("node_modules/m.js", &r));
  EXPECT_EQ(r, SkipReason::kExcludedDir);
  std::filesystem::create_symlink(root_ + "/big.txt", root_ + "/link.txt");
  EXPECT_FALSE(Check("link.txt", &r));
  EXPECT_EQ(r, SkipReason::kSymlink);
}

}  // namespace
}  // namespace ts::walk
