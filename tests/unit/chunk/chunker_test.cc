// Chunker behaviour on realistic fixtures in eight languages, with tags from
// the real universal-ctags.
#include <gtest/gtest.h>

#include "chunk_test_util.h"

namespace ts::chunk {
namespace {

using testing::ChunkWithCtags;
using testing::ExpectCovered;
using testing::Find;

struct Expect {
  std::string symbol, kind;
  int start, end;
};

void ExpectChunks(const std::string& rel, const std::string& src, const std::vector<Expect>& want) {
  auto chunks = ChunkWithCtags(rel, src);
  for (const auto& w : want) {
    const Chunk* c = Find(chunks, w.symbol);
    ASSERT_NE(c, nullptr) << rel << ": no chunk for " << w.symbol;
    EXPECT_EQ(c->kind, w.kind) << rel << " " << w.symbol;
    EXPECT_EQ(c->start_line, w.start) << rel << " " << w.symbol;
    EXPECT_EQ(c->end_line, w.end) << rel << " " << w.symbol;
    EXPECT_EQ(
        src.substr(c->byte_begin, c->byte_end - c->byte_begin).find('\n') != std::string::npos,
        true);
  }
  ExpectCovered(src, chunks);
}

TEST(Chunker, Python) {
  const std::string src =
      "import os\n"                     // 1
      "\n"                              // 2
      "# Reads the config.\n"           // 3
      "@cache\n"                        // 4
      "def load(path):\n"               // 5
      "    return open(path).read()\n"  // 6
      "\n"                              // 7
      "\n"                              // 8
      "class Store(Base):\n"            // 9
      "    \"\"\"A store.\"\"\"\n"      // 10
      "    limit = 3\n"                 // 11
      "\n"                              // 12
      "    @property\n"                 // 13
      "    def size(self):\n"           // 14
      "        return 1\n"              // 15
      "\n"                              // 16
      "    def put(self, k, v):\n"      // 17
      "        def helper():\n"         // 18
      "            return k\n"          // 19
      "        return helper()\n";      // 20
  ExpectChunks("s.py", src,
               {{"load", "function", 3, 6},
                {"Store", "class", 9, 12},
                {"size", "method", 13, 15},
                {"put", "method", 17, 20}});
  auto chunks = ChunkWithCtags("s.py", src);
  EXPECT_EQ(Find(chunks, "helper"), nullptr);  // nested in a function: part of put
  EXPECT_EQ(Find(chunks, "size")->scope, "Store");
  EXPECT_EQ(Find(chunks, "Store")->inherits, "Base");
}

TEST(Chunker, C) {
  const std::string src =
      "#include <stdio.h>\n"            // 1
      "\n"                              // 2
      "/**\n"                           // 3
      " * Adds two numbers.\n"          // 4
      " */\n"                           // 5
      "static int add(int a, int b)\n"  // 6
      "{\n"                             // 7
      "  return a + b;\n"               // 8
      "}\n"                             // 9
      "\n"                              // 10
      "struct point {\n"                // 11
      "  int x;\n"                      // 12
      "  int y;\n"                      // 13
      "};\n"                            // 14
      "\n"                              // 15
      "#define MAX(a, b) \\\n"          // 16
      "  ((a) > (b) ? (a) : (b))\n";    // 17
  ExpectChunks("m.c", src,
               {{"add", "function", 3, 9}, {"point", "struct", 11, 14}, {"MAX", "macro", 16, 17}});
}

TEST(Chunker, AnonymousTypedefStructTakesTheTypedefName) {
  const std::string src =
      "typedef struct {\n"  // 1
      "  int x;\n"          // 2
      "  int y;\n"          // 3
      "} point_t;\n";       // 4
  auto chunks = ChunkWithCtags("p.h", src);
  const Chunk* c = Find(chunks, "point_t");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->start_line, 1);
  EXPECT_EQ(c->end_line, 4);
  for (const auto& ch : chunks)
    EXPECT_EQ(ch.symbol.rfind("__anon", 0), std::string::npos) << ch.symbol;
}

TEST(Chunker, Cpp) {
  const std::string src =
      "namespace geo {\n"              // 1
      "\n"                             // 2
      "// A shape.\n"                  // 3
      "class Shape : public Base {\n"  // 4
      " public:\n"                     // 5
      "  double Area() const {\n"      // 6
      "    return 0;\n"                // 7
      "  }\n"                          // 8
      "};\n"                           // 9
      "\n"                             // 10
      "int Count(int n) {\n"           // 11
      "  return n;\n"                  // 12
      "}\n"                            // 13
      "\n"                             // 14
      "}  // namespace geo\n";         // 15
  ExpectChunks(
      "g.cc", src,
      {{"Shape", "class", 3, 5}, {"Area", "function", 6, 8}, {"Count", "function", 11, 13}});
  EXPECT_EQ(Find(ChunkWithCtags("g.cc", src), "geo"), nullptr);  // namespaces are transparent
}

TEST(Chunker, Go) {
  const std::string src =
      "package server\n"                    // 1
      "\n"                                  // 2
      "// Server holds state.\n"            // 3
      "type Server struct {\n"              // 4
      "\tport int\n"                        // 5
      "}\n"                                 // 6
      "\n"                                  // 7
      "// Start starts it.\n"               // 8
      "func (s *Server) Start() error {\n"  // 9
      "\treturn nil\n"                      // 10
      "}\n"                                 // 11
      "\n"                                  // 12
      "func helper(x int) int {\n"          // 13
      "\treturn x\n"                        // 14
      "}\n";                                // 15
  ExpectChunks(
      "s.go", src,
      {{"Server", "struct", 3, 6}, {"Start", "function", 8, 11}, {"helper", "function", 13, 15}});
}

TEST(Chunker, JavaScript) {
  const std::string src =
      "const x = 1;\n"                 // 1
      "\n"                             // 2
      "/** Greets. */\n"               // 3
      "function greet(name) {\n"       // 4
      "  return 'hi ' + name;\n"       // 5
      "}\n"                            // 6
      "\n"                             // 7
      "class Widget extends Base {\n"  // 8
      "  render() {\n"                 // 9
      "    return null;\n"             // 10
      "  }\n"                          // 11
      "}\n";                           // 12
  ExpectChunks(
      "w.js", src,
      {{"greet", "function", 3, 6}, {"Widget", "class", 8, 8}, {"render", "method", 9, 11}});
}

TEST(Chunker, TypeScript) {
  const std::string src =
      "export interface Point {\n"                                // 1
      "  x: number;\n"                                            // 2
      "}\n"                                                       // 3
      "\n"                                                        // 4
      "// Distance between points.\n"                             // 5
      "export function distance(a: Point, b: Point): number {\n"  // 6
      "  return Math.hypot(a.x - b.x);\n"                         // 7
      "}\n"                                                       // 8
      "\n"                                                        // 9
      "export class Grid {\n"                                     // 10
      "  @Input() size = 1;\n"                                    // 11
      "  cells(): number {\n"                                     // 12
      "    return this.size;\n"                                   // 13
      "  }\n"                                                     // 14
      "}\n";                                                      // 15
  ExpectChunks("p.ts", src, {{"distance", "function", 5, 8}, {"cells", "method", 12, 14}});
}

TEST(Chunker, Rust) {
  const std::string src =
      "use std::fmt;\n"                     // 1
      "\n"                                  // 2
      "/// A point.\n"                      // 3
      "#[derive(Debug)]\n"                  // 4
      "pub struct Point {\n"                // 5
      "    x: i32,\n"                       // 6
      "}\n"                                 // 7
      "\n"                                  // 8
      "impl Point {\n"                      // 9
      "    /// Makes one.\n"                // 10
      "    pub fn new(x: i32) -> Self {\n"  // 11
      "        Point { x }\n"               // 12
      "    }\n"                             // 13
      "}\n"                                 // 14
      "\n"                                  // 15
      "#[test]\n"                           // 16
      "fn it_works() {\n"                   // 17
      "    assert!(true);\n"                // 18
      "}\n";                                // 19
  ExpectChunks("p.rs", src, {{"new", "method", 10, 13}, {"it_works", "function", 16, 19}});
  auto chunks = ChunkWithCtags("p.rs", src);
  const Chunk* point = nullptr;
  for (const auto& c : chunks) {
    if (c.symbol == "Point" && c.kind == "struct") point = &c;
  }
  ASSERT_NE(point, nullptr);
  EXPECT_EQ(point->start_line, 3);
  EXPECT_EQ(point->end_line, 7);
}

TEST(Chunker, Java) {
  const std::string src =
      "package a;\n"                          // 1
      "\n"                                    // 2
      "/** A runner. */\n"                    // 3
      "public class Runner extends Base {\n"  // 4
      "  private int n;\n"                    // 5
      "\n"                                    // 6
      "  @Override\n"                         // 7
      "  public void run() {\n"               // 8
      "    n++;\n"                            // 9
      "  }\n"                                 // 10
      "}\n";                                  // 11
  ExpectChunks("Runner.java", src, {{"Runner", "class", 3, 6}, {"run", "method", 7, 10}});
}

TEST(Chunker, PhpUseLinesStayInTheFileHeader) {
  // ctags tags `use X;` as an "alias"; an import is no definition of its own.
  const std::string src =
      "<?php\n"                                 // 1
      "\n"                                      // 2
      "namespace App\\Http;\n"                  // 3
      "\n"                                      // 4
      "use Illuminate\\Http\\Request;\n"        // 5
      "use Foo\\Bar as Baz;\n"                  // 6
      "\n"                                      // 7
      "class Kernel\n"                          // 8
      "{\n"                                     // 9
      "    public function handle($request)\n"  // 10
      "    {\n"                                 // 11
      "        return $request;\n"              // 12
      "    }\n"                                 // 13
      "}\n";                                    // 14
  auto chunks = ChunkWithCtags("Kernel.php", src);
  EXPECT_EQ(Find(chunks, "Request"), nullptr);
  EXPECT_EQ(Find(chunks, "Baz"), nullptr);
  ASSERT_NE(Find(chunks, "handle"), nullptr);
  ASSERT_FALSE(chunks.empty());
  EXPECT_EQ(chunks.front().kind, "imports");  // the header: namespace and use lines
  EXPECT_EQ(chunks.front().start_line, 1);
  EXPECT_GE(chunks.front().end_line, 6);
  ExpectCovered(src, chunks);
}

TEST(Chunker, ModulesWithTheirOwnWordsAreChunks) {
  // Ruby: `module Helpers` and its comment is the module's chunk (the query
  // "Sinatra::Helpers" wants it); `module Rack`, a bare wrapper line, stays
  // in the file's header window.
  const std::string rb =
      "# frozen_string_literal: true\n"                    // 1
      "\n"                                                 // 2
      "module Rack\n"                                      // 3
      "  # Methods available to routes and views.\n"       // 4
      "  module Helpers\n"                                 // 5
      "    # Set or retrieve the response status code.\n"  // 6
      "    def status(value = nil)\n"                      // 7
      "      value\n"                                      // 8
      "    end\n"                                          // 9
      "  end\n"                                            // 10
      "end\n";                                             // 11
  ExpectChunks("helpers.rb", rb, {{"Helpers", "module", 4, 5}, {"status", "method", 6, 9}});
  auto chunks = ChunkWithCtags("helpers.rb", rb);
  EXPECT_EQ(Find(chunks, "Rack"), nullptr);
  EXPECT_EQ(chunks.front().kind, "window");
  EXPECT_EQ(chunks.front().start_line, 1);
  EXPECT_EQ(chunks.front().end_line, 3);
  // Elixir: the header of a `defmodule` carries its @moduledoc.
  const std::string ex =
      "defmodule Phoenix.Router do\n"  // 1
      "  @moduledoc \"\"\"\n"          // 2
      "  Defines a Phoenix router.\n"  // 3
      "  \"\"\"\n"                     // 4
      "\n"                             // 5
      "  def scope(path, opts) do\n"   // 6
      "    {path, opts}\n"             // 7
      "  end\n"                        // 8
      "end\n";                         // 9
  chunks = ChunkWithCtags("router.ex", ex);
  const Chunk* router = Find(chunks, "Phoenix.Router");
  if (router == nullptr) router = Find(chunks, "Router");
  ASSERT_NE(router, nullptr);
  EXPECT_EQ(router->kind, "module");
  EXPECT_EQ(router->start_line, 1);
  EXPECT_GE(router->end_line, 4);
  ASSERT_NE(Find(chunks, "scope"), nullptr);
  ExpectCovered(ex, chunks);
}

TEST(Chunker, HaskellDefinitionsKeepTheirSignatureAndEquations) {
  // ctags tags the first equation; the doc comment and type signature above
  // it and the equations and `where` below it are the same definition.
  const std::string hs =
      "module Text.Meta (metaBlock, stopLine) where\n"  // 1
      "\n"                                              // 2
      "-- | Parse a metadata block.\n"                  // 3
      "metaBlock :: Monad m\n"                          // 4
      "          => Parser m Meta\n"                    // 5
      "metaBlock = do\n"                                // 6
      "  open\n"                                        // 7
      "  body <- manyTill anyLine stopLine\n"           // 8
      "  pure (toMeta body)\n"                          // 9
      "  where open = string \"---\"\n"                 // 10
      "\n"                                              // 11
      "stopLine :: Parser m ()\n"                       // 12
      "stopLine [] = pure ()\n"                         // 13
      "stopLine _ = string \"...\"\n";                  // 14
  ExpectChunks("Meta.hs", hs, {{"metaBlock", "function", 3, 10}, {"stopLine", "function", 12, 14}});
}

TEST(Chunker, PseudoTagsAndClosersMakeNoChunks) {
  // Kotlin: ctags tags lambdas as methods named `<lambda>`, one at line 1
  // here (a brace scan from there would swallow the file); none is a chunk.
  const std::string kt =
      "package io.ktor.cookies\n"                                  // 1
      "\n"                                                         // 2
      "val HttpCookies = createClientPlugin(\"HttpCookies\") {\n"  // 3
      "    onRequest { request, _ ->\n"                            // 4
      "        request.headers.append(\"Cookie\", \"a=b\")\n"      // 5
      "    }\n"                                                    // 6
      "}\n";                                                       // 7
  auto chunks = ChunkWithCtags("HttpCookies.kt", kt);
  for (const Chunk& c : chunks) {
    EXPECT_NE(c.symbol, "<lambda>") << c.start_line;
  }
  ExpectCovered(kt, chunks);
  // Ruby: the `end` lines ctags leaves outside a definition are no window.
  const std::string rb =
      "module Outer\n"       // 1
      "  # Inner things.\n"  // 2
      "  module Inner\n"     // 3
      "    def run\n"        // 4
      "      1\n"            // 5
      "    end\n"            // 6
      "  end\n"              // 7
      "end\n";               // 8
  chunks = ChunkWithCtags("outer.rb", rb);
  for (const Chunk& c : chunks) {
    EXPECT_FALSE(c.kind == "window" && c.start_line >= 7) << c.start_line << "-" << c.end_line;
  }
}

TEST(Chunker, HeaderWindowsOfImportsAreMarked) {
  const std::string go =
      "// Package x does things.\n"  // 1
      "package x\n"                  // 2
      "\n"                           // 3
      "import (\n"                   // 4
      "\t\"fmt\"\n"                  // 5
      "\t\"os\"\n"                   // 6
      ")\n"                          // 7
      "\n"                           // 8
      "func F() {\n"                 // 9
      "\tfmt.Println(os.Args)\n"     // 10
      "}\n";                         // 11
  auto chunks = ChunkWithCtags("x.go", go);
  ASSERT_FALSE(chunks.empty());
  EXPECT_EQ(chunks.front().kind, "imports");
  EXPECT_EQ(Find(chunks, "F")->kind, "function");
  // Loose code that does something is still a window, imports or not.
  const std::string py = "import os\nprint(os.getcwd())\n";
  chunks = ChunkWithCtags("run.py", py);
  ASSERT_EQ(chunks.size(), 1u);
  EXPECT_EQ(chunks[0].kind, "window");
}

TEST(Chunker, LongDefinitionIsWindowedWithOverlap) {
  std::string src = "def big():\n";
  for (int i = 0; i < 199; ++i)
    src += "    x" + std::to_string(i) + " = " + std::to_string(i) + "\n";
  ChunkOptions opts;
  auto chunks = ChunkWithCtags("big.py", src, opts);
  std::vector<const Chunk*> parts;
  for (const auto& c : chunks) {
    if (c.symbol == "big") parts.push_back(&c);
  }
  ASSERT_GE(parts.size(), 4u);
  EXPECT_EQ(parts.front()->start_line, 1);
  EXPECT_EQ(parts.back()->end_line, 200);
  for (size_t i = 1; i < parts.size(); ++i) {
    EXPECT_EQ(parts[i]->start_line, parts[i - 1]->end_line - opts.window_overlap + 1);
    EXPECT_NE(parts[i]->id, parts[i - 1]->id);
  }
  ExpectCovered(src, chunks);
}

TEST(Chunker, LooseCodeAndUnknownLanguageBecomeWindows) {
  std::string src;
  for (int i = 0; i < 130; ++i) src += "setting_" + std::to_string(i) + " = value\n";
  auto chunks = ChunkFile("conf.ini", src, "", {});
  ASSERT_GE(chunks.size(), 2u);
  for (const auto& c : chunks) EXPECT_EQ(c.kind, "window");
  ExpectCovered(src, chunks);
}

TEST(Chunker, MarkdownByHeading) {
  const std::string src =
      "Intro text.\n"      // 1
      "\n"                 // 2
      "# Install\n"        // 3
      "Run make.\n"        // 4
      "```\n"              // 5
      "# not a heading\n"  // 6
      "```\n"              // 7
      "## Usage\n"         // 8
      "Call it.\n";        // 9
  auto chunks = ChunkFile("README.md", src, "markdown", {});
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0].start_line, 1);
  EXPECT_EQ(chunks[1].symbol, "Install");
  EXPECT_EQ(chunks[1].start_line, 3);
  EXPECT_EQ(chunks[1].end_line, 7);
  EXPECT_EQ(chunks[2].symbol, "Usage");
  EXPECT_EQ(chunks[2].kind, "section");
}

TEST(Chunker, CrlfNoTrailingNewlineAndEmpty) {
  const std::string crlf = "def a():\r\n    return 1\r\n\r\ndef b():\r\n    return 2";
  auto chunks = ChunkWithCtags("c.py", crlf);
  const Chunk* b = Find(chunks, "b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->start_line, 4);
  EXPECT_EQ(b->end_line, 5);
  EXPECT_EQ(b->byte_end, crlf.size());
  EXPECT_EQ(crlf.substr(b->byte_begin, b->byte_end - b->byte_begin), "def b():\r\n    return 2");
  EXPECT_TRUE(ChunkFile("e.py", "", "python", {}).empty());
}

TEST(Chunker, IdsAreStableWhenCodeAboveMoves) {
  const std::string body = "def target():\n    return 1\n\n\ndef other():\n    return 2\n";
  auto before = ChunkWithCtags("m.py", body);
  auto after = ChunkWithCtags("m.py", "import sys\nimport os\n\n\n" + body);
  ASSERT_NE(Find(before, "target"), nullptr);
  ASSERT_NE(Find(after, "target"), nullptr);
  EXPECT_EQ(Find(before, "target")->id, Find(after, "target")->id);
  EXPECT_NE(Find(before, "target")->id, Find(before, "other")->id);
  // The same symbol in another file is another chunk.
  auto elsewhere = ChunkWithCtags("n.py", body);
  EXPECT_NE(Find(before, "target")->id, Find(elsewhere, "target")->id);
}

}  // namespace
}  // namespace ts::chunk
