// Pattern-level tests of gitignore parsing and matching, against git's
// documented behaviour (gitignore(5)) and git's own wildmatch test cases.
#include "walk/ignore_rules.h"

#include <chrono>
#include <string>

#include <gtest/gtest.h>

namespace ts::walk {
namespace {

IgnoreRules RulesOf(std::string_view text) {
  IgnoreRules rules;
  rules.AddFile(text);
  return rules;
}

bool Ignored(const IgnoreRules& rules, std::string_view path, bool is_dir = false) {
  return rules.Match(path, is_dir) == IgnoreVerdict::kIgnored;
}

TEST(GlobMatchesTest, StarAndQuestionMarkStayWithinASegment) {
  EXPECT_TRUE(GlobMatches("*.c", "main.c"));
  EXPECT_TRUE(GlobMatches("*", ""));
  EXPECT_FALSE(GlobMatches("*.c", "src/main.c"));
  EXPECT_TRUE(GlobMatches("src/*.c", "src/main.c"));
  EXPECT_FALSE(GlobMatches("src/*.c", "src/sub/main.c"));
  EXPECT_TRUE(GlobMatches("a?c", "abc"));
  EXPECT_FALSE(GlobMatches("a?c", "a/c"));
  EXPECT_FALSE(GlobMatches("a?c", "ac"));
  EXPECT_TRUE(GlobMatches("*/b", "a/b"));
  EXPECT_FALSE(GlobMatches("*/b", "x/a/b"));
}

TEST(GlobMatchesTest, DoubleStarSpansDirectoriesOnlyAsASegment) {
  EXPECT_TRUE(GlobMatches("**/foo", "foo"));
  EXPECT_TRUE(GlobMatches("**/foo", "a/b/foo"));
  EXPECT_FALSE(GlobMatches("**/foo", "a/xfoo"));
  EXPECT_TRUE(GlobMatches("abc/**", "abc/x"));
  EXPECT_TRUE(GlobMatches("abc/**", "abc/x/y"));
  EXPECT_FALSE(GlobMatches("abc/**", "abc"));
  EXPECT_TRUE(GlobMatches("a/**/b", "a/b"));
  EXPECT_TRUE(GlobMatches("a/**/b", "a/x/b"));
  EXPECT_TRUE(GlobMatches("a/**/b", "a/x/y/b"));
  EXPECT_FALSE(GlobMatches("a/**/b", "a/x/y/c"));
  // Not a whole segment: behaves as a single star.
  EXPECT_TRUE(GlobMatches("a**b", "axyb"));
  EXPECT_FALSE(GlobMatches("a**b", "ax/yb"));
}

TEST(GlobMatchesTest, BracketExpressions) {
  EXPECT_TRUE(GlobMatches("[a-c]x", "bx"));
  EXPECT_FALSE(GlobMatches("[a-c]x", "dx"));
  EXPECT_TRUE(GlobMatches("[!a-c]x", "dx"));
  EXPECT_FALSE(GlobMatches("[!a-c]x", "ax"));
  EXPECT_TRUE(GlobMatches("[^a]x", "bx"));
  EXPECT_TRUE(GlobMatches("[]]", "]"));
  EXPECT_TRUE(GlobMatches("[!]]", "a"));
  EXPECT_TRUE(GlobMatches("[a-]", "-"));
  EXPECT_TRUE(GlobMatches("[[:digit:]]x", "7x"));
  EXPECT_FALSE(GlobMatches("[[:digit:]]x", "ax"));
  EXPECT_FALSE(GlobMatches("a[/]b", "a/b"));
  EXPECT_FALSE(GlobMatches("[a", "a"));  // unterminated: matches nothing
}

TEST(GlobMatchesTest, BackslashQuotes) {
  EXPECT_TRUE(GlobMatches("\\*", "*"));
  EXPECT_FALSE(GlobMatches("\\*", "x"));
  EXPECT_TRUE(GlobMatches("a\\?", "a?"));
  EXPECT_FALSE(GlobMatches("a\\?", "ab"));
}

TEST(GlobMatchesTest, PathologicalPatternIsFast) {
  const std::string text(5000, 'a');
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(GlobMatches("*a*a*a*a*a*a*a*a*a*a*b", text));
  EXPECT_FALSE(GlobMatches("**/*a*a*a*a*a*a*a*a*a*b", "x/" + text));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::seconds(2));
}

TEST(IgnoreRulesTest, BlankLinesAndCommentsAreSkipped) {
  IgnoreRules rules = RulesOf("\n# comment\n   \n#*.c\n");
  EXPECT_TRUE(rules.empty());
  EXPECT_FALSE(Ignored(rules, "# comment"));
}

TEST(IgnoreRulesTest, EscapedHashAndBangAreLiterals) {
  IgnoreRules rules = RulesOf("\\#notes\n\\!important\n");
  EXPECT_EQ(rules.size(), 2u);
  EXPECT_TRUE(Ignored(rules, "#notes"));
  EXPECT_TRUE(Ignored(rules, "!important"));
  EXPECT_FALSE(Ignored(rules, "important"));
}

TEST(IgnoreRulesTest, TrailingSpacesAreTrimmedUnlessEscaped) {
  IgnoreRules rules = RulesOf("foo   \nbar\\ \n");
  EXPECT_TRUE(Ignored(rules, "foo"));
  EXPECT_FALSE(Ignored(rules, "foo "));
  EXPECT_TRUE(Ignored(rules, "bar "));
  EXPECT_FALSE(Ignored(rules, "bar"));
}

TEST(IgnoreRulesTest, CrLfLineEndingsAndBom) {
  IgnoreRules rules = RulesOf("\xEF\xBB\xBF*.o\r\nbuild/\r\n");
  EXPECT_TRUE(Ignored(rules, "main.o"));
  EXPECT_TRUE(Ignored(rules, "build", /*is_dir=*/true));
}

TEST(IgnoreRulesTest, PatternWithoutSlashMatchesBasenameAtAnyDepth) {
  IgnoreRules rules = RulesOf("*.log\ncore\n");
  EXPECT_TRUE(Ignored(rules, "a.log"));
  EXPECT_TRUE(Ignored(rules, "x/y/a.log"));
  EXPECT_TRUE(Ignored(rules, "x/core"));
  EXPECT_TRUE(Ignored(rules, "x/core", /*is_dir=*/true));
  EXPECT_FALSE(Ignored(rules, "core.c"));
  EXPECT_FALSE(Ignored(rules, "x/a.log.txt"));
}

TEST(IgnoreRulesTest, LeadingOrInnerSlashAnchors) {
  IgnoreRules rules = RulesOf("/top.txt\ndoc/*.md\n");
  EXPECT_TRUE(Ignored(rules, "top.txt"));
  EXPECT_FALSE(Ignored(rules, "sub/top.txt"));
  EXPECT_TRUE(Ignored(rules, "doc/a.md"));
  EXPECT_FALSE(Ignored(rules, "x/doc/a.md"));
  EXPECT_FALSE(Ignored(rules, "doc/sub/a.md"));
}

TEST(IgnoreRulesTest, TrailingSlashMatchesOnlyDirectories) {
  IgnoreRules rules = RulesOf("out/\n/gen/\n");
  EXPECT_TRUE(Ignored(rules, "out", /*is_dir=*/true));
  EXPECT_TRUE(Ignored(rules, "a/out", /*is_dir=*/true));
  EXPECT_FALSE(Ignored(rules, "out", /*is_dir=*/false));
  EXPECT_TRUE(Ignored(rules, "gen", /*is_dir=*/true));
  EXPECT_FALSE(Ignored(rules, "a/gen", /*is_dir=*/true));
}

TEST(IgnoreRulesTest, NegationAndLastMatchWins) {
  IgnoreRules rules = RulesOf("*.txt\n!keep.txt\n");
  EXPECT_TRUE(Ignored(rules, "a.txt"));
  EXPECT_EQ(rules.Match("keep.txt", false), IgnoreVerdict::kIncluded);
  EXPECT_EQ(rules.Match("other.c", false), IgnoreVerdict::kNoMatch);

  IgnoreRules reversed = RulesOf("!keep.txt\n*.txt\n");
  EXPECT_TRUE(Ignored(reversed, "keep.txt"));
}

TEST(IgnoreRulesTest, DoubleStarForms) {
  IgnoreRules rules = RulesOf("**/logs\nabc/**\na/**/z\n");
  EXPECT_TRUE(Ignored(rules, "logs", true));
  EXPECT_TRUE(Ignored(rules, "x/y/logs", true));
  EXPECT_TRUE(Ignored(rules, "abc/file"));
  EXPECT_TRUE(Ignored(rules, "abc/d/file"));
  EXPECT_FALSE(Ignored(rules, "abc", true));
  EXPECT_TRUE(Ignored(rules, "a/z"));
  EXPECT_TRUE(Ignored(rules, "a/b/c/z"));
  EXPECT_FALSE(Ignored(rules, "b/a/z"));
}

TEST(IgnoreRulesTest, FastPathKindsAgreeWithGlobSemantics) {
  IgnoreRules rules = RulesOf("*.o\nlib*\n/src/gen*\n/*.tmp\n");
  EXPECT_TRUE(Ignored(rules, "d/x.o"));
  EXPECT_FALSE(Ignored(rules, "d/x.oo"));
  EXPECT_TRUE(Ignored(rules, "d/libfoo"));
  EXPECT_FALSE(Ignored(rules, "d/xlib"));
  EXPECT_TRUE(Ignored(rules, "src/generated.c"));
  EXPECT_FALSE(Ignored(rules, "src/gen/x.c"));
  EXPECT_TRUE(Ignored(rules, "a.tmp"));
  EXPECT_FALSE(Ignored(rules, "d/a.tmp"));
}

TEST(IgnoreStackTest, DeeperRulesWinAndApplyRelativeToTheirDirectory) {
  IgnoreRules root = RulesOf("*.txt\n/sub/top\n");
  IgnoreRules sub = RulesOf("!keep.txt\n/local\n");
  IgnoreStack stack;
  stack.Push(0, &root);
  EXPECT_TRUE(stack.IsIgnored("sub/keep.txt", false));
  stack.Push(3, &sub);  // "sub"
  EXPECT_FALSE(stack.IsIgnored("sub/keep.txt", false));
  EXPECT_TRUE(stack.IsIgnored("sub/other.txt", false));
  EXPECT_TRUE(stack.IsIgnored("sub/local", false));
  EXPECT_FALSE(stack.IsIgnored("sub/x/local", false));
  EXPECT_TRUE(stack.IsIgnored("sub/top", false));
  stack.Pop();
  EXPECT_TRUE(stack.IsIgnored("sub/keep.txt", false));
  EXPECT_FALSE(stack.IsIgnored("sub/local", false));
}

}  // namespace
}  // namespace ts::walk
