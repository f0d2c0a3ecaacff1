#include <gtest/gtest.h>

#include "chunk/chunk.h"

namespace ts::chunk {
namespace {

TEST(Language, ByExtension) {
  EXPECT_EQ(DetectLanguage("a/b.c", ""), "c");
  EXPECT_EQ(DetectLanguage("x.h", ""), "c");
  EXPECT_EQ(DetectLanguage("x.cc", ""), "cpp");
  EXPECT_EQ(DetectLanguage("x.HPP", ""), "cpp");
  EXPECT_EQ(DetectLanguage("x.py", ""), "python");
  EXPECT_EQ(DetectLanguage("x.go", ""), "go");
  EXPECT_EQ(DetectLanguage("x.mjs", ""), "javascript");
  EXPECT_EQ(DetectLanguage("x.tsx", ""), "typescript");
  EXPECT_EQ(DetectLanguage("x.rs", ""), "rust");
  EXPECT_EQ(DetectLanguage("X.java", ""), "java");
  EXPECT_EQ(DetectLanguage("README.md", ""), "markdown");
}

TEST(Language, BySpecialName) {
  EXPECT_EQ(DetectLanguage("Makefile", ""), "make");
  EXPECT_EQ(DetectLanguage("sub/CMakeLists.txt", ""), "cmake");
  EXPECT_EQ(DetectLanguage("Dockerfile", ""), "dockerfile");
  EXPECT_EQ(DetectLanguage("drivers/Kconfig", ""), "kconfig");
}

TEST(Language, ByShebang) {
  EXPECT_EQ(DetectLanguage("bin/tool", "#!/usr/bin/env python3\nprint(1)\n"), "python");
  EXPECT_EQ(DetectLanguage("run", "#!/bin/bash\n"), "shell");
  EXPECT_EQ(DetectLanguage("run", "#!/bin/sh\n"), "shell");
  EXPECT_EQ(DetectLanguage("srv", "#!/usr/bin/env node\n"), "javascript");
  EXPECT_EQ(DetectLanguage("x", "#!/usr/bin/perl -w\n"), "perl");
}

TEST(Language, Unknown) {
  EXPECT_EQ(DetectLanguage("LICENSE", "Permission is hereby granted"), "");
  EXPECT_EQ(DetectLanguage(".hidden", ""), "");
  EXPECT_EQ(DetectLanguage("x.unknownext", ""), "");
}

}  // namespace
}  // namespace ts::chunk
