#include <gtest/gtest.h>

#include "lexical/lexical.h"

namespace ts::lexical {
namespace {

using Tokens = std::vector<std::string>;

TEST(Tokenizer, CamelCaseKeepsWholeAndParts) {
  EXPECT_EQ(TokenizeToVector("getUserName"), (Tokens{"getusername", "get", "user", "name"}));
}

TEST(Tokenizer, PascalCaseWithAcronym) {
  EXPECT_EQ(TokenizeToVector("HTTPServerError"),
            (Tokens{"httpservererror", "http", "server", "error"}));
}

TEST(Tokenizer, SnakeCase) {
  EXPECT_EQ(TokenizeToVector("read_file_prefix"),
            (Tokens{"read_file_prefix", "read", "file", "prefix"}));
}

TEST(Tokenizer, KebabCaseJoinsLettersOnly) {
  EXPECT_EQ(TokenizeToVector("max-width"), (Tokens{"max-width", "max", "width"}));
  // Subtraction between a name and a number is not an identifier.
  EXPECT_EQ(TokenizeToVector("count-10"), (Tokens{"count", "10"}));
}

TEST(Tokenizer, DigitRunsSplit) {
  EXPECT_EQ(TokenizeToVector("sha256sum"), (Tokens{"sha256sum", "sha", "256", "sum"}));
  EXPECT_EQ(TokenizeToVector("utf8"), (Tokens{"utf8", "utf"}));  // "8" is too short
}

TEST(Tokenizer, ShortAndLongTokensDropped) {
  EXPECT_EQ(TokenizeToVector("a b cd"), (Tokens{"cd"}));
  std::string longword(65, 'x');
  EXPECT_TRUE(TokenizeToVector(longword).empty());
}

TEST(Tokenizer, PunctuationSeparates) {
  EXPECT_EQ(TokenizeToVector("foo.bar(baz)->qux"), (Tokens{"foo", "bar", "baz", "qux"}));
}

TEST(Tokenizer, SingleWordNotRepeated) {
  EXPECT_EQ(TokenizeToVector("Parse"), (Tokens{"parse"}));
  EXPECT_EQ(TokenizeToVector("__init__"), (Tokens{"__init__", "init"}));
}

TEST(Tokenizer, NonAsciiStaysInWord) {
  EXPECT_EQ(TokenizeToVector("größe"), (Tokens{"größe"}));
}

TEST(Tokenizer, InvalidUtf8DoesNotCrash) {
  std::string bad = "abc\xff\xfe def";
  EXPECT_FALSE(TokenizeToVector(bad).empty());
}

}  // namespace
}  // namespace ts::lexical
