// The extractor on small fixtures per language, with tags from the real ctags:
// which definitions own which calls, how calls are qualified, first lines,
// imports and bases.
#include <gtest/gtest.h>

#include "graph/lexer.h"
#include "graph_test_util.h"

namespace ts::graph {
namespace {

using testing::CallsOf;
using testing::ExtractWithCtags;
using testing::FindDef;
using V = std::vector<std::string>;

TEST(Extract, PythonOwnershipMatchesPythonScoping) {
  const std::string src =
      "import os\n"                                              // 1
      "from .util import helper as h, other\n"                   // 2
      "\n"                                                       // 3
      "def top(a, fn=default_factory()):\n"                      // 4
      "    def inner(x):\n"                                      // 5
      "        return nested_only(x)\n"                          // 6
      "    key = lambda v: in_lambda(v)\n"                       // 7
      "    fn(a)\n"                                              // 8
      "    a(1)\n"                                               // 9
      "    local = make()\n"                                     // 10
      "    local()\n"                                            // 11
      "    for item in items():\n"                               // 12
      "        item()\n"                                         // 13
      "    with opener() as fh:\n"                               // 14
      "        fh()\n"                                           // 15
      "    print('call_in_string()')  # in_comment()\n"          // 16
      "    return f'{formatted(a)}' + inner(a) + helper_fn()\n"  // 17
      "\n"                                                       // 18
      "\n"                                                       // 19
      "@decorator(arg=deco_arg())\n"                             // 20
      "@other.decorator\n"                                       // 21
      "def decorated():\n"                                       // 22
      "    return top(1)\n"                                      // 23
      "\n"                                                       // 24
      "main()\n";                                                // 25
  FileGraph g = ExtractWithCtags("m.py", src);
  const Definition* top = FindDef(g, "top");
  ASSERT_NE(top, nullptr);
  EXPECT_EQ(top->line, 4);
  EXPECT_EQ(top->end_line, 17);
  // Not: default_factory (default, evaluated outside), nested_only (inner's), in_lambda
  // (the lambda's), call_in_string / in_comment (not code).
  EXPECT_EQ(CallsOf(top), (V{"bare:formatted", "bare:helper_fn", "bare:inner", "bare:items",
                             "bare:make", "bare:opener", "bare:print", "local:a", "local:fh",
                             "local:fn", "local:item", "local:local"}));
  const Definition* inner = FindDef(g, "inner");
  ASSERT_NE(inner, nullptr);
  EXPECT_EQ(CallsOf(inner), (V{"bare:nested_only"}));
  EXPECT_EQ(g.defs[inner->parent].name, "top");
  const Definition* decorated = FindDef(g, "decorated");
  ASSERT_NE(decorated, nullptr);
  EXPECT_EQ(decorated->line, 20);  // the first decorator
  EXPECT_EQ(decorated->def_line, 22);
  EXPECT_EQ(CallsOf(decorated), (V{"bare:top"}));  // not deco_arg: a decorator argument
  const Definition* module = FindDef(g, "<module>");
  ASSERT_NE(module, nullptr);
  EXPECT_EQ(module->role, Role::kModule);
  EXPECT_EQ(CallsOf(module), (V{"bare:main"}));
  ASSERT_EQ(g.imports.size(), 2u);
  EXPECT_EQ(g.imports[0].module, "os");
  EXPECT_EQ(g.imports[1].kind, "from");
  EXPECT_EQ(g.imports[1].module, ".util");
  ASSERT_EQ(g.imports[1].names.size(), 2u);
  EXPECT_EQ(g.imports[1].names[0].name, "helper");
  EXPECT_EQ(g.imports[1].names[0].alias, "h");
}

TEST(Extract, PythonMethodsSelfClsAndClassBody) {
  const std::string src =
      "class Base:\n"                                // 1
      "    def run(self):\n"                         // 2
      "        return self.step() + other.step()\n"  // 3
      "\n"                                           // 4
      "class C(Base, mod.Mixin, metaclass=Meta):\n"  // 5
      "    table = build_table()\n"                  // 6
      "\n"                                           // 7
      "    def step(self):\n"                        // 8
      "        super().step()\n"                     // 9
      "        self.helper.go()\n"                   // 10
      "        return helper(self)\n"                // 11
      "\n"                                           // 12
      "    @classmethod\n"                           // 13
      "    def make(cls):\n"                         // 14
      "        self = cls.__new__(cls)\n"            // 15
      "        self.step()\n"                        // 16
      "        return cls.create()\n"                // 17
      "\n"                                           // 18
      "    @staticmethod\n"                          // 19
      "    def util(x):\n"                           // 20
      "        return x.step()\n";                   // 21
  FileGraph g = ExtractWithCtags("c.py", src);
  EXPECT_EQ(CallsOf(FindDef(g, "run")), (V{"member:other.step", "self:step"}));
  const Definition* c = FindDef(g, "C");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->role, Role::kType);
  EXPECT_EQ(c->bases, (V{"Base", "mod.Mixin"}));
  EXPECT_EQ(CallsOf(c), (V{"bare:build_table"}));  // class-body code belongs to the class
  const Definition* step = FindDef(g, "step", "C");
  ASSERT_NE(step, nullptr);
  EXPECT_EQ(step->self_scope, "C");
  EXPECT_EQ(CallsOf(step), (V{"bare:helper", "bare:super", "member:self.helper.go", "super:step"}));
  const Definition* make = FindDef(g, "make");
  ASSERT_NE(make, nullptr);
  EXPECT_EQ(make->line, 13);
  EXPECT_EQ(CallsOf(make), (V{"self:__new__", "self:create", "self:step"}));
  EXPECT_EQ(CallsOf(FindDef(g, "util")), (V{"member:x.step"}));
}

TEST(Extract, CKeywordsMacrosIncludesAndPointers) {
  const std::string src =
      "#include \"local.h\"\n"                                    // 1
      "#include <linux/slab.h>\n"                                 // 2
      "#define MAX(a, b) pick_max(a, b)\n"                        // 3
      "/* not_a_call(1) */\n"                                     // 4
      "static int\n"                                              // 5
      "helper(int (*cb)(void *), struct dev *d)\n"                // 6
      "{\n"                                                       // 7
      "#if defined(CONFIG_X)\n"                                   // 8
      "\tif (d && sizeof(*d) > 0)\n"                              // 9
      "\t\treturn cb(d) + MAX(1, 2);\n"                           // 10
      "#endif\n"                                                  // 11
      "\td->ops->open(d);\n"                                      // 12
      "\tlist_for_each_entry(d, &head, node) {\n"                 // 13
      "\t\tprintk(\"helper(%d)\\n\", kmalloc(8, GFP_KERNEL));\n"  // 14
      "\t}\n"                                                     // 15
      "\treturn 0;\n"                                             // 16
      "}\n";                                                      // 17
  FileGraph g = ExtractWithCtags("drivers/x.c", src);
  const Definition* helper = FindDef(g, "helper");
  ASSERT_NE(helper, nullptr);
  EXPECT_EQ(helper->def_line, 6);
  EXPECT_EQ(helper->end_line, 17);
  EXPECT_EQ(CallsOf(helper), (V{"bare:MAX", "bare:kmalloc", "bare:list_for_each_entry",
                                "bare:printk", "local:cb", "member:open"}));
  const Definition* max = FindDef(g, "MAX");
  ASSERT_NE(max, nullptr);
  EXPECT_EQ(max->kind, "macro");
  EXPECT_EQ(CallsOf(max), (V{"bare:pick_max"}));
  ASSERT_EQ(g.imports.size(), 2u);
  EXPECT_EQ(g.imports[0].module, "local.h");
  EXPECT_FALSE(g.imports[0].system);
  EXPECT_EQ(g.imports[1].module, "linux/slab.h");
  EXPECT_TRUE(g.imports[1].system);
}

TEST(Extract, CppMembersAndBases) {
  const std::string src =
      "namespace ns {\n"                                          // 1
      "class A : public B, private C {\n"                         // 2
      " public:\n"                                                // 3
      "  void f();\n"                                             // 4
      "  void g() { f(); this->h(); }\n"                          // 5
      "  void h() {}\n"                                           // 6
      "};\n"                                                      // 7
      "void A::f() { auto* p = new Widget(1); Util::run(p); }\n"  // 8
      "}\n";                                                      // 9
  FileGraph g = ExtractWithCtags("a.cpp", src);
  const Definition* a = FindDef(g, "A");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->bases, (V{"B", "C"}));
  const Definition* gm = FindDef(g, "g");
  ASSERT_NE(gm, nullptr);
  EXPECT_EQ(gm->self_scope, "ns::A");
  EXPECT_EQ(CallsOf(gm), (V{"bare:f", "self:h"}));
  const Definition* f = FindDef(g, "f");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->scope, "ns::A");
  EXPECT_EQ(CallsOf(f), (V{"new:Widget", "scoped:Util.run"}));
}

TEST(Extract, GoReceiversImportsAndEmbedding) {
  const std::string src =
      "package server\n"                   // 1
      "\n"                                 // 2
      "import (\n"                         // 3
      "\t\"fmt\"\n"                        // 4
      "\tlog \"example.com/x/logging\"\n"  // 5
      ")\n"                                // 6
      "\n"                                 // 7
      "type S struct {\n"                  // 8
      "\tBase\n"                           // 9
      "\t*pkg.Other\n"                     // 10
      "\tname string\n"                    // 11
      "}\n"                                // 12
      "\n"                                 // 13
      "func (s *S) Run() {\n"              // 14
      "\ts.Stop()\n"                       // 15
      "\tfmt.Println(helper())\n"          // 16
      "\tlog.Info(`raw helper()`)\n"       // 17
      "}\n"                                // 18
      "\n"                                 // 19
      "func (s *S) Stop() {}\n"            // 20
      "\n"                                 // 21
      "func helper() int { return 1 }\n";  // 22
  FileGraph g = ExtractWithCtags("srv/s.go", src);
  const Definition* s = FindDef(g, "S");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->scope, "");  // the package is not a scope
  EXPECT_EQ(s->bases, (V{"Base", "pkg.Other"}));
  const Definition* run = FindDef(g, "Run");
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(run->self_scope, "S");
  EXPECT_EQ(CallsOf(run), (V{"bare:helper", "member:fmt.Println", "member:log.Info", "self:Stop"}));
  ASSERT_EQ(g.imports.size(), 2u);
  EXPECT_EQ(g.imports[0].module, "fmt");
  EXPECT_EQ(g.imports[1].module, "example.com/x/logging");
  EXPECT_EQ(g.imports[1].alias, "log");
}

TEST(Extract, RustImplsMacrosAndUses) {
  const std::string src =
      "use crate::a::b::{C, d as e};\n"                             // 1
      "mod foo;\n"                                                  // 2
      "struct S;\n"                                                 // 3
      "trait T { fn t(&self); }\n"                                  // 4
      "impl T for S {\n"                                            // 5
      "    fn t(&self) {\n"                                         // 6
      "        self.u();\n"                                         // 7
      "        let c = 'x'; let r: &'static str = \"helper()\";\n"  // 8
      "        println!(\"{}\", helper());\n"                       // 9
      "    }\n"                                                     // 10
      "}\n"                                                         // 11
      "impl S { fn u(&self) { Self::v(); } fn v() {} }\n"           // 12
      "fn helper() -> i32 { 1 }\n";                                 // 13
  FileGraph g = ExtractWithCtags("src/lib.rs", src);
  const Definition* t = FindDef(g, "t", "S");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->end_line, 10);
  EXPECT_EQ(CallsOf(t), (V{"bare:helper", "macro:println", "self:u"}));
  const Definition* u = FindDef(g, "u");
  ASSERT_NE(u, nullptr);
  EXPECT_EQ(CallsOf(u), (V{"self:v"}));
  bool impl_t_for_s = false;
  for (const auto& d : g.defs) {
    if (d.role == Role::kImpl && d.name == "S" && d.bases == V{"T"}) impl_t_for_s = true;
  }
  EXPECT_TRUE(impl_t_for_s);
  ASSERT_EQ(g.imports.size(), 2u);
  EXPECT_EQ(g.imports[0].module, "crate::a::b");
  ASSERT_EQ(g.imports[0].names.size(), 2u);
  EXPECT_EQ(g.imports[0].names[1].alias, "e");
  EXPECT_EQ(g.imports[1].kind, "mod");
  EXPECT_EQ(g.imports[1].module, "foo");
}

TEST(Extract, JavaScriptImportsArrowsAndTemplates) {
  const std::string src =
      "import Def, { x, y as z } from './x';\n"    // 1
      "import * as ns from \"../lib/ns\";\n"       // 2
      "const req = require('./req');\n"            // 3
      "class A extends B {\n"                      // 4
      "  m() { this.n(); helper(); }\n"            // 5
      "  n() { return `t ${inTemplate()} u`; }\n"  // 6
      "}\n"                                        // 7
      "function helper() { return ns.f(); }\n"     // 8
      "const arrow = (v) => helper(v);\n"          // 9
      "setup();\n";                                // 10
  FileGraph g = ExtractWithCtags("web/a.js", src);
  EXPECT_EQ(CallsOf(FindDef(g, "m")), (V{"bare:helper", "self:n"}));
  EXPECT_EQ(CallsOf(FindDef(g, "n")), (V{"bare:inTemplate"}));
  const Definition* arrow = FindDef(g, "arrow");
  ASSERT_NE(arrow, nullptr);
  EXPECT_EQ(arrow->role, Role::kCallable);
  EXPECT_EQ(CallsOf(arrow), (V{"bare:helper"}));
  EXPECT_EQ(CallsOf(FindDef(g, "<module>")), (V{"bare:setup"}));
  ASSERT_EQ(g.imports.size(), 3u);
  EXPECT_EQ(g.imports[0].module, "./x");
  EXPECT_EQ(g.imports[0].names.size(), 3u);  // default as Def, x, y as z
  EXPECT_EQ(g.imports[1].alias, "ns");
  EXPECT_EQ(g.imports[2].kind, "require");
  EXPECT_EQ(g.imports[2].alias, "req");
}

TEST(Extract, JavaAnnotationsImportsBases) {
  const std::string src =
      "package a.b;\n"                                    // 1
      "import a.c.D;\n"                                   // 2
      "import static a.c.Util.max;\n"                     // 3
      "public class A extends B implements I {\n"         // 4
      "  @Override\n"                                     // 5
      "  @SuppressWarnings(\"x\")\n"                      // 6
      "  public void m() { n(); this.n(); D.make(); }\n"  // 7
      "  void n() {}\n"                                   // 8
      "}\n";                                              // 9
  FileGraph g = ExtractWithCtags("src/a/b/A.java", src);
  const Definition* m = FindDef(g, "m");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->line, 5);
  EXPECT_EQ(CallsOf(m), (V{"bare:n", "member:D.make", "self:n"}));
  EXPECT_EQ(FindDef(g, "A")->bases, (V{"B", "I"}));
  ASSERT_EQ(g.imports.size(), 2u);
  EXPECT_EQ(g.imports[0].module, "a.c.D");
  EXPECT_EQ(g.imports[1].module, "a.c.Util.max");
}

TEST(Extract, LuaBlocksEndWhereTheirEndIs) {
  const std::string src =
      "local function f(x)\n"          // 1
      "  for i = 1, 3 do g(i) end\n"   // 2
      "  if x then return h(x) end\n"  // 3
      "  return g(x)\n"                // 4
      "end\n"                          // 5
      "function g(y) return y end\n"   // 6
      "top()\n";                       // 7
  FileGraph g = ExtractWithCtags("a.lua", src);
  const Definition* f = FindDef(g, "f");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->end_line, 5);
  EXPECT_EQ(CallsOf(f), (V{"bare:g", "bare:h"}));
  EXPECT_EQ(CallsOf(FindDef(g, "<module>")), (V{"bare:top"}));
}

TEST(Lexer, StringsCommentsAndLines) {
  const std::string py =
      "x = r'\\d' + b\"q\" + '''a\n'b'\n''' + f\"{g('}')}\"\n"  // 1-3
      "y = call()  # note()\n";                                 // 4
  auto toks = Lex(py, LexOptionsFor("python"));
  std::vector<std::string> idents;
  for (const auto& t : toks) {
    if (t.kind == Tok::kIdent)
      idents.push_back(std::string(TokText(py, t)) + "@" + std::to_string(t.line));
  }
  EXPECT_EQ(idents, (V{"x@1", "g@3", "y@4", "call@4"}));

  const std::string rs =
      "fn f<'a>(s: &'a str) -> char { let c = 'x'; let q = '\\''; r#\"g()\"#; h() }\n";
  auto rt = Lex(rs, LexOptionsFor("rust"));
  std::vector<std::string> words;
  for (const auto& t : rt) {
    if (t.kind == Tok::kIdent) words.push_back(std::string(TokText(rs, t)));
  }
  EXPECT_EQ(words, (V{"fn", "f", "a", "s", "a", "str", "char", "let", "c", "let", "q", "h"}));

  const std::string c = "const char* s = R\"x(a \")\" b)x\"; int t = u8\"v\"; /* w() */ z();\n";
  auto ct = Lex(c, LexOptionsFor("cpp"));
  words.clear();
  for (const auto& t : ct) {
    if (t.kind == Tok::kIdent) words.push_back(std::string(TokText(c, t)));
  }
  EXPECT_EQ(words, (V{"const", "char", "s", "int", "t", "z"}));
}

TEST(Encoding, RoundTrips) {
  std::vector<CallRef> calls = {{"f", CallKind::kBare, "", 3}, {"g", CallKind::kMember, "x", 9}};
  auto back = DecodeCalls(EncodeCalls(calls));
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[1].name, "g");
  EXPECT_EQ(back[1].kind, CallKind::kMember);
  EXPECT_EQ(back[1].receiver, "x");
  EXPECT_EQ(back[1].line, 9);
  Import imp;
  imp.line = 2;
  imp.kind = "from";
  imp.module = "..a.b";
  imp.wildcard = true;
  imp.names = {{"c", ""}, {"d", "e"}};
  auto imps = DecodeImports(EncodeImports({imp}));
  ASSERT_EQ(imps.size(), 1u);
  EXPECT_EQ(imps[0].module, "..a.b");
  EXPECT_TRUE(imps[0].wildcard);
  ASSERT_EQ(imps[0].names.size(), 2u);
  EXPECT_EQ(imps[0].names[1].alias, "e");
  EXPECT_EQ(DecodeBases(EncodeBases({"A", "b.C"})), (V{"A", "b.C"}));
  EXPECT_TRUE(DecodeCalls("garbage\nf\tx\t1\t\n").empty());
}

}  // namespace
}  // namespace ts::graph
