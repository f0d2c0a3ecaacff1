#include <gtest/gtest.h>

#include "chunk/ctags_json.h"
#include "chunk_test_util.h"

namespace ts::chunk {
namespace {

using testing::RealCtags;
using testing::TempTree;

const Tag* FindTag(const std::vector<Tag>& tags, const std::string& name) {
  for (const auto& t : tags) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

TEST(Ctags, FindsUniversalCtags) {
  auto c = Ctags::Find();
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_FALSE(c->executable().empty());
}

TEST(Ctags, MissingExecutableIsUnavailable) {
  auto c = Ctags::Find("/nonexistent/ctags");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), Status::Code::kUnavailable);
  EXPECT_NE(c.status().message().find("apt-get install universal-ctags"), std::string::npos);
}

TEST(Ctags, BatchKeepsSlotsAndFields) {
  TempTree tree;
  tree.Write("a.py", "class Bar(Base):\n    def meth(self, x):\n        return x\n");
  tree.Write("dir with space/q'uote$.c", "static int add(int a, int b) {\n  return a + b;\n}\n");
  tree.Write("J.java", "class Child extends Parent {\n  void run() {\n  }\n}\n");
  tree.Write("k.cc", "class D : public B {\n public:\n  void f();\n};\n");
  std::vector<std::string> paths = {"a.py", "missing.go", "dir with space/q'uote$.c", "J.java",
                                    "k.cc"};
  auto r = RealCtags().Run(tree.root(), paths);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), paths.size());
  const auto& py = (*r)[0];
  const Tag* bar = FindTag(py, "Bar");
  ASSERT_NE(bar, nullptr);
  EXPECT_EQ(bar->kind, "class");
  EXPECT_EQ(bar->inherits, "Base");
  EXPECT_EQ(bar->line, 1);
  EXPECT_EQ(bar->end, 3);
  const Tag* meth = FindTag(py, "meth");
  ASSERT_NE(meth, nullptr);
  EXPECT_EQ(meth->scope, "Bar");
  EXPECT_EQ(meth->signature, "(self, x)");
  EXPECT_TRUE((*r)[1].empty());  // a missing file does not fail the batch
  const Tag* add = FindTag((*r)[2], "add");
  ASSERT_NE(add, nullptr);
  EXPECT_EQ(add->kind, "function");
  EXPECT_EQ(add->end, 3);
  const Tag* child = FindTag((*r)[3], "Child");
  ASSERT_NE(child, nullptr);
  EXPECT_EQ(child->inherits, "Parent");
  const Tag* d = FindTag((*r)[4], "D");
  ASSERT_NE(d, nullptr);
  EXPECT_NE(d->inherits.find("B"), std::string::npos);
}

TEST(Ctags, ManyFilesInOneBatch) {
  TempTree tree;
  std::vector<std::string> paths;
  for (int i = 0; i < 150; ++i) {
    std::string p = "m" + std::to_string(i) + ".go";
    tree.Write(p, "package m\n\nfunc F" + std::to_string(i) + "() int {\n\treturn " +
                      std::to_string(i) + "\n}\n");
    paths.push_back(p);
  }
  auto r = RealCtags().Run(tree.root(), paths);
  ASSERT_TRUE(r.ok());
  for (int i = 0; i < 150; ++i) {
    EXPECT_NE(FindTag((*r)[i], "F" + std::to_string(i)), nullptr) << i;
  }
}

TEST(CtagsJson, ParsesEscapesAndRejectsGarbage) {
  Tag t;
  std::string path;
  ASSERT_TRUE(ParseCtagsJsonLine(
      R"({"_type": "tag", "name": "a\"b\u00e9", "path": "x\\y.c", "line": 7, "kind": "function", "end": 9, "file": true})",
      &t, &path));
  EXPECT_EQ(t.name, "a\"b\xc3\xa9");
  EXPECT_EQ(path, "x\\y.c");
  EXPECT_EQ(t.line, 7);
  EXPECT_EQ(t.end, 9);
  EXPECT_FALSE(
      ParseCtagsJsonLine(R"({"_type": "ptag", "name": "JSON_OUTPUT_VERSION"})", &t, &path));
  EXPECT_FALSE(ParseCtagsJsonLine(R"({"_type": "tag", "name": "x", "line": )", &t, &path));
  EXPECT_FALSE(ParseCtagsJsonLine("not json", &t, &path));
  EXPECT_FALSE(ParseCtagsJsonLine(R"({"_type": "tag", "name": "unterminated)", &t, &path));
  EXPECT_FALSE(ParseCtagsJsonLine("", &t, &path));
  // Uninitialised memory in a Kotlin lambda's scope, as ctags 5.9 writes it.
  EXPECT_FALSE(ParseCtagsJsonLine(
      R"({"_type": "tag", "name": "<lambda>", "path": "T.kt", "line": 33, "kind": "method", "scope": "a.FormDslJsTest.8\n\u0005*WV"})",
      &t, &path));
  EXPECT_TRUE(ParseCtagsJsonLine(
      R"({"_type": "tag", "name": "<lambda>", "path": "T.kt", "line": 33, "kind": "method", "scope": "a.FormDslJsTest"})",
      &t, &path));
  // ... and in Kotlin names; a space-padded name is trimmed.
  EXPECT_FALSE(ParseCtagsJsonLine(
      R"({"_type": "tag", "name": "#_>b", "path": "T.kt", "line": 50, "kind": "method"})", &t,
      &path));
  ASSERT_TRUE(ParseCtagsJsonLine(
      R"({"_type": "tag", "name": " Key", "path": "T.kt", "line": 50, "kind": "class"})", &t,
      &path));
  EXPECT_EQ(t.name, "Key");
  EXPECT_TRUE(ParseCtagsJsonLine(
      R"({"_type": "tag", "name": "operator+", "path": "x.cpp", "line": 5, "kind": "function"})",
      &t, &path));
}

}  // namespace
}  // namespace ts::chunk

namespace ts::chunk {
namespace {

// Names that look like options or start with a space must not cost the batch its tags.
TEST(Ctags, HostileFileNames) {
  testing::TempTree tree;
  std::vector<std::string> paths = {"-dash.c", " space.c", "--version.c", "ok.c"};
  for (const auto& p : paths)
    tree.Write(p, "int f_" + std::to_string(p.size()) + "(void) {\n  return 1;\n}\n");
  auto r = testing::RealCtags().Run(tree.root(), paths);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  for (size_t i = 0; i < paths.size(); ++i) {
    ASSERT_EQ((*r)[i].size(), 1u) << "'" << paths[i] << "'";
    EXPECT_EQ((*r)[i][0].name, "f_" + std::to_string(paths[i].size()));
  }
}

}  // namespace
}  // namespace ts::chunk

namespace ts::chunk {
namespace {

// ctags parses the bytes it is handed, never the disk: no file of these
// names exists. A content that looks like a request cannot inject one (it is
// read as the file's bytes, by its size), and a name that is not UTF-8 still
// gets its tags.
TEST(Ctags, ParsesTheContentHandedToIt) {
  const std::string injected =
      "{\"command\":\"generate-tags\",\"filename\":\"/etc/passwd\"}\n"
      "def inner():\n    pass\n";
  const std::vector<Ctags::Input> inputs = {
      {"from/memory.py", "def from_memory():\n    return 1\n"},
      {"inject.py", injected},
      {"bad\xff name.c", "int latin(void) {\n  return 2;\n}\n"},
      {"quote\"and\\slash\nnewline.go", "package q\n\nfunc Quoted() {}\n"},
      {"empty.py", ""},
      {"bin/deploy", "#!/bin/sh\n\ndeploy() {\n  echo hi\n}\n"}};
  auto r = testing::RealCtags().Run(inputs);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), inputs.size());
  ASSERT_NE(FindTag((*r)[0], "from_memory"), nullptr);
  EXPECT_EQ(FindTag((*r)[0], "from_memory")->end, 2);
  ASSERT_EQ((*r)[1].size(), 1u);
  EXPECT_EQ((*r)[1][0].name, "inner");
  EXPECT_EQ((*r)[1][0].line, 2);
  EXPECT_NE(FindTag((*r)[2], "latin"), nullptr);
  EXPECT_NE(FindTag((*r)[3], "Quoted"), nullptr);
  EXPECT_TRUE((*r)[4].empty());
  // No extension: the shebang picks the parser, as ctags does for an
  // executable script on disk.
  EXPECT_NE(FindTag((*r)[5], "deploy"), nullptr);
}

}  // namespace
}  // namespace ts::chunk
