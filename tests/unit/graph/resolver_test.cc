// Resolution rules, call chains and edge walks over small multi-file trees
// (an in-memory Source; the catalog-backed one is exercised end to end by the
// integration tests).
#include <gtest/gtest.h>

#include <set>

#include "graph_test_util.h"

namespace ts::graph {
namespace {

using testing::MemorySource;

// Resolves every call of `caller` named `name`; returns the targets as
// "file:qualified", or "ambiguous"/"unresolved:<rule>".
std::vector<std::string> Targets(MemorySource& src, const std::string& file,
                                 const std::string& caller, const std::string& name) {
  Resolver r(&src);
  int64_t id = src.Id(file, caller);
  EXPECT_NE(id, 0) << caller;
  std::vector<std::string> out;
  if (id == 0) return out;
  auto calls = src.CallsOf(id);
  for (const auto& c : *calls) {
    if (c.name != name) continue;
    auto res = r.Resolve(src.Info(id), c);
    EXPECT_TRUE(res.ok());
    if (res->state == Resolution::State::kAmbiguous) {
      out.push_back("ambiguous");
    } else if (res->state == Resolution::State::kUnresolved) {
      out.push_back("unresolved:" + res->rule);
    } else {
      for (int64_t t : res->targets) {
        const SymbolInfo& s = src.Info(t);
        out.push_back(src.Paths().PathOf(s.file_id) + ":" +
                      QualifiedName(s.scope, s.name, src.Paths().LanguageOf(s.file_id)));
      }
    }
  }
  return out;
}

using V = std::vector<std::string>;

TEST(Resolve, PythonScopesImportsAndReceivers) {
  MemorySource src;
  src.AddFile("pkg/__init__.py", "");
  src.AddFile("pkg/util.py",
              "def helper():\n    return 1\n\n"
              "class Base:\n    def shared(self):\n        return 2\n");
  src.AddFile("pkg/main.py",
              "from .util import helper, Base\n"
              "from . import util as u\n"
              "import pkg.util\n"
              "\n"
              "def dotted(self):\n"
              "    pkg.util.helper()\n"
              "    self.util.helper()\n"
              "\n"
              "def run(cb):\n"
              "    def local_fn():\n"
              "        return 0\n"
              "    cb()\n"
              "    local_fn()\n"
              "    u.helper()\n"
              "    other()\n"
              "    return helper()\n"
              "\n"
              "def other():\n"
              "    return len([])\n"
              "\n"
              "class C(Base):\n"
              "    def other(self):\n"
              "        return other()\n"
              "    def go(self, x):\n"
              "        self.other()\n"
              "        self.shared()\n"
              "        x.other()\n"
              "        return Base()\n");
  src.AddFile("elsewhere.py", "def lonely():\n    pass\n");
  src.AddFile("caller.py", "def f():\n    return lonely()\n");
  src.Build();
  EXPECT_EQ(Targets(src, "pkg/main.py", "run", "cb"), (V{"unresolved:local"}));
  // a.b.f(): the module imported as a.b; x.a.f() with x a value is not.
  EXPECT_EQ(Targets(src, "pkg/main.py", "dotted", "helper"),
            (V{"pkg/util.py:helper", "unresolved:receiver_type_unknown"}));
  EXPECT_EQ(Targets(src, "pkg/main.py", "run", "local_fn"), (V{"pkg/main.py:run.local_fn"}));
  EXPECT_EQ(Targets(src, "pkg/main.py", "run", "helper"),
            (V{"pkg/util.py:helper", "pkg/util.py:helper"}));
  EXPECT_EQ(Targets(src, "pkg/main.py", "run", "other"), (V{"pkg/main.py:other"}));
  // A bare name in a method is the module's function, never the class's method.
  EXPECT_EQ(Targets(src, "pkg/main.py", "C.other", "other"), (V{"pkg/main.py:other"}));
  EXPECT_EQ(Targets(src, "pkg/main.py", "C.go", "other"),
            (V{"pkg/main.py:C.other", "unresolved:receiver_type_unknown"}));
  EXPECT_EQ(Targets(src, "pkg/main.py", "C.go", "shared"), (V{"pkg/util.py:Base.shared"}));
  EXPECT_EQ(Targets(src, "pkg/main.py", "C.go", "Base"), (V{"pkg/util.py:Base"}));
  // Built-ins and names never imported stay unresolved.
  EXPECT_EQ(Targets(src, "pkg/main.py", "other", "len"), (V{"unresolved:no_definition"}));
  EXPECT_EQ(Targets(src, "caller.py", "f", "lonely"), (V{"unresolved:not_imported"}));
}

TEST(Resolve, CIncludesDirectoriesAndAmbiguity) {
  MemorySource src;
  src.AddFile("include/linux/slab.h",
              "static inline void *kmalloc(int n, int f)\n{\n\treturn __kmalloc(n, f);\n}\n");
  src.AddFile("mm/slab.c", "void *__kmalloc(int n, int f)\n{\n\treturn 0;\n}\n");
  src.AddFile("drivers/a/probe.c", "static int probe(void)\n{\n\treturn 0;\n}\n");
  src.AddFile("drivers/b/probe.c", "static int probe(void)\n{\n\treturn 1;\n}\n");
  src.AddFile("drivers/a/core.c",
              "#include <linux/slab.h>\n"
              "#ifdef CONFIG_X\n"
              "static int setup(void) { return 1; }\n"
              "#else\n"
              "static int setup(void) { return 0; }\n"
              "#endif\n"
              "int start(void)\n"
              "{\n"
              "\tkmalloc(1, 2);\n"
              "\tsetup();\n"
              "\tprobe();\n"
              "\treturn start();\n"
              "}\n");
  src.AddFile("lib/use.c", "int use(void)\n{\n\treturn probe() + __kmalloc(1, 2);\n}\n");
  src.Build();
  EXPECT_EQ(Targets(src, "drivers/a/core.c", "start", "kmalloc"),
            (V{"include/linux/slab.h:kmalloc"}));
  EXPECT_EQ(Targets(src, "include/linux/slab.h", "kmalloc", "__kmalloc"),
            (V{"mm/slab.c:__kmalloc"}));
  // #ifdef alternatives in one file: both.
  EXPECT_EQ(Targets(src, "drivers/a/core.c", "start", "setup"),
            (V{"drivers/a/core.c:setup", "drivers/a/core.c:setup"}));
  EXPECT_EQ(Targets(src, "drivers/a/core.c", "start", "probe"), (V{"drivers/a/probe.c:probe"}));
  EXPECT_EQ(Targets(src, "drivers/a/core.c", "start", "start"), (V{"drivers/a/core.c:start"}));
  EXPECT_EQ(Targets(src, "lib/use.c", "use", "probe"), (V{"ambiguous"}));
  EXPECT_EQ(Targets(src, "lib/use.c", "use", "__kmalloc"), (V{"mm/slab.c:__kmalloc"}));
}

TEST(CallChain, CyclesRepeatsDepthAndLimits) {
  MemorySource src;
  src.AddFile("r.py",
              "def a():\n    b()\n    c()\n\n"
              "def b():\n    a()\n    c()\n\n"
              "def c():\n    d()\n\n"
              "def d():\n    pass\n\n"
              "def e():\n    a()\n");
  src.Build();
  ChainOptions o;
  o.depth = 5;
  auto chain = CallChain(&src, "a", "", o);
  ASSERT_TRUE(chain.ok()) << chain.status().ToString();
  ASSERT_EQ(chain->roots.size(), 1u);
  const ChainNode& a = chain->roots[0];
  EXPECT_EQ(a.file, "r.py");
  EXPECT_EQ(a.line, 1);
  // callees: a -> b -> (a: cycle, c -> d), a -> c (repeated)
  ASSERT_EQ(a.callees.size(), 2u);
  const ChainNode& b = a.callees[0];
  EXPECT_EQ(b.symbol, "b");
  EXPECT_EQ(b.call_line, 2);
  ASSERT_EQ(b.callees.size(), 2u);
  EXPECT_TRUE(b.callees[0].cycle);
  EXPECT_EQ(b.callees[1].symbol, "c");
  ASSERT_EQ(b.callees[1].callees.size(), 1u);
  EXPECT_EQ(b.callees[1].callees[0].symbol, "d");
  EXPECT_TRUE(a.callees[1].repeated);
  // callers: b (whose caller a is a cycle) and e
  std::set<std::string> callers;
  for (const auto& c : a.callers) callers.insert(c.symbol);
  EXPECT_EQ(callers, (std::set<std::string>{"b", "e"}));
  for (const auto& c : a.callers) {
    if (c.symbol == "b") {
      ASSERT_EQ(c.callers.size(), 1u);
      EXPECT_TRUE(c.callers[0].cycle);
    }
  }
  o.depth = 1;
  chain = CallChain(&src, "a", "", o);
  ASSERT_TRUE(chain.ok());
  EXPECT_TRUE(chain->roots[0].callees[0].callees.empty());
  o.depth = 5;
  o.max_nodes = 3;
  chain = CallChain(&src, "a", "", o);
  ASSERT_TRUE(chain.ok());
  EXPECT_TRUE(chain->truncated);
  EXPECT_LE(chain->nodes, 3u);
  EXPECT_FALSE(CallChain(&src, "nope", "", o).ok());
}

TEST(Edges, EveryKind) {
  MemorySource src;
  src.AddFile("lib/base.py",
              "class Base:\n    def run(self):\n        return self.step()\n"
              "    def step(self):\n        return 1\n");
  src.AddFile("lib/impl.py",
              "from .base import Base\n\nclass Impl(Base):\n    def step(self):\n"
              "        return self.run()\n");
  src.Build();
  auto edges = [&](std::string_view kind) {
    std::set<std::string> out;
    EdgeStats stats;
    Status s = ForEachEdge(
        &src, kind,
        [&](const Edge& e) {
          out.insert(e.from.file + ":" + std::to_string(e.from.line) + " " + e.from.symbol +
                     " -> " + e.to.file + ":" + std::to_string(e.to.line) + " " + e.to.symbol);
          return true;
        },
        &stats);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  };
  EXPECT_EQ(edges("calls"),
            (std::set<std::string>{"lib/base.py:2 Base.run -> lib/base.py:4 Base.step",
                                   "lib/impl.py:4 Impl.step -> lib/base.py:2 Base.run"}));
  EXPECT_EQ(edges("inherits"), (std::set<std::string>{"lib/impl.py:3 Impl -> lib/base.py:1 Base"}));
  EXPECT_EQ(edges("imports"), (std::set<std::string>{"lib/impl.py:1  -> lib/base.py:1 "}));
  EXPECT_EQ(
      edges("contains"),
      (std::set<std::string>{
          "lib/base.py:1  -> lib/base.py:1 Base", "lib/base.py:1 Base -> lib/base.py:2 Base.run",
          "lib/base.py:1 Base -> lib/base.py:4 Base.step", "lib/impl.py:1  -> lib/impl.py:3 Impl",
          "lib/impl.py:3 Impl -> lib/impl.py:4 Impl.step"}));
  EdgeStats stats;
  EXPECT_FALSE(ForEachEdge(
                   &src, "bogus", [](const Edge&) { return true; }, &stats)
                   .ok());
}

TEST(Imports, ResolvePerLanguage) {
  PathSet p;
  int64_t id = 1;
  for (const char* f :
       {"include/linux/slab.h", "tools/include/linux/slab.h", "drivers/x/local.h", "pkg/a/b.py",
        "pkg/a/__init__.py", "web/lib/x.ts", "web/lib/y/index.js", "src/lib.rs", "src/net/mod.rs",
        "src/net/tcp.rs", "go/srv/s.go", "go/srv/s_test.go", "src/main/java/a/c/D.java"})
    p.Add(id++, f, "");
  auto files = [&](const std::string& from, const std::string& lang, Import imp) {
    std::vector<std::string> out;
    for (int64_t f : ResolveImport(p, from, lang, imp)) out.push_back(p.PathOf(f));
    return out;
  };
  Import inc;
  inc.kind = "include";
  inc.module = "linux/slab.h";
  inc.system = true;
  EXPECT_EQ(files("drivers/x/a.c", "c", inc), (V{"include/linux/slab.h"}));
  EXPECT_EQ(files("tools/perf/a.c", "c", inc), (V{"tools/include/linux/slab.h"}));
  inc.module = "local.h";
  inc.system = false;
  EXPECT_EQ(files("drivers/x/a.c", "c", inc), (V{"drivers/x/local.h"}));
  Import py;
  py.kind = "from";
  py.module = ".b";
  EXPECT_EQ(files("pkg/a/c.py", "python", py), (V{"pkg/a/b.py"}));
  py.module = "pkg.a";
  EXPECT_EQ(files("x.py", "python", py), (V{"pkg/a/__init__.py"}));
  Import js;
  js.kind = "import";
  js.module = "../lib/x";
  EXPECT_EQ(files("web/app/m.ts", "typescript", js), (V{"web/lib/x.ts"}));
  js.module = "./lib/y";
  EXPECT_EQ(files("web/m.js", "javascript", js), (V{"web/lib/y/index.js"}));
  js.module = "react";
  EXPECT_TRUE(files("web/m.js", "javascript", js).empty());
  Import rs;
  rs.kind = "use";
  rs.module = "crate::net";
  rs.names = {{"tcp", ""}};
  EXPECT_EQ(files("src/net/tcp.rs", "rust", rs), (V{"src/net/mod.rs", "src/net/tcp.rs"}));
  Import go;
  go.kind = "import";
  go.module = "example.com/m/go/srv";
  EXPECT_EQ(files("go/main.go", "go", go), (V{"go/srv/s.go"}));
  Import java;
  java.kind = "import";
  java.module = "a.c.D";
  EXPECT_EQ(files("src/main/java/a/b/A.java", "java", java), (V{"src/main/java/a/c/D.java"}));
}

}  // namespace
}  // namespace ts::graph
