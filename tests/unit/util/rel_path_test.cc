// util/rel_path: one spelling per file.
#include "util/rel_path.h"

#include <gtest/gtest.h>

namespace ts {
namespace {

TEST(NormalizeRelativePathTest, OneSpellingPerFile) {
  const std::string root = "/src/app";
  for (const char* p : {"x", "./x", "x/", ".//x", "/src/app/x", "/src//app/./x"}) {
    auto r = NormalizeRelativePath(p, root);
    ASSERT_TRUE(r.ok()) << p << ": " << r.status().ToString();
    EXPECT_EQ(*r, "x") << p;
  }
  EXPECT_EQ(*NormalizeRelativePath("a//b/./c", root), "a/b/c");
  EXPECT_EQ(*NormalizeRelativePath("a..b/c", root), "a..b/c");  // a name, not a parent
}

TEST(NormalizeRelativePathTest, RefusesWhatLeavesTheRootOrNamesNothing) {
  const std::string root = "/src/app";
  for (std::string p : {std::string("../x"), std::string("a/../../x"), std::string("/etc/passwd"),
                        std::string("/src/application/x"), std::string("/src/app"), std::string(""),
                        std::string("./"), std::string("x\0y", 3)}) {
    auto r = NormalizeRelativePath(p, root);
    EXPECT_FALSE(r.ok()) << p;
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument) << p;
  }
  EXPECT_NE(NormalizeRelativePath(std::string("x\0y", 3), root).status().message().find("NUL"),
            std::string::npos);
}

}  // namespace
}  // namespace ts
