#include <gtest/gtest.h>

#include "search/search.h"

namespace ts::search {
namespace {

struct Case {
  const char* query;
  Intent::Kind kind;
  const char* symbol;
};

TEST(Intent, Classifies) {
  const Case cases[] = {
      {"who calls parse_header", Intent::Kind::kUsage, "parse_header"},
      {"Who calls parse_header?", Intent::Kind::kUsage, "parse_header"},
      {"callers of the function kmalloc", Intent::Kind::kUsage, "kmalloc"},
      {"usages of Config.load", Intent::Kind::kUsage, "Config.load"},
      {"where is getUserName used", Intent::Kind::kUsage, "getUserName"},
      {"references to `ns::f`", Intent::Kind::kUsage, "ns::f"},
      {"parse_header callers", Intent::Kind::kUsage, "parse_header"},
      {"where is parse_header defined", Intent::Kind::kDefinition, "parse_header"},
      {"definition of TokenStream", Intent::Kind::kDefinition, "TokenStream"},
      {"class TokenStream", Intent::Kind::kDefinition, "TokenStream"},
      {"parse_header", Intent::Kind::kDefinition, "parse_header"},
      {"getUserName()", Intent::Kind::kDefinition, "getUserName"},
      {"os.path.join", Intent::Kind::kDefinition, "os.path.join"},
      {"parse", Intent::Kind::kDefinition, "parse"},
      {"parse.", Intent::Kind::kSearch, ""},
      {"parse the http header", Intent::Kind::kSearch, ""},
      {"function that calls the api twice", Intent::Kind::kSearch, ""},
      {"who calls", Intent::Kind::kSearch, ""},
      {"callers of two words", Intent::Kind::kSearch, ""},
      {"", Intent::Kind::kSearch, ""},
  };
  for (const auto& c : cases) {
    Intent i = ClassifyIntent(c.query);
    EXPECT_EQ(i.kind, c.kind) << c.query;
    EXPECT_EQ(i.symbol, c.symbol) << c.query;
  }
  EXPECT_EQ(ClassifyIntent("who calls f_x").name(), "usage");
  EXPECT_EQ(ClassifyIntent("f_x").name(), "definition");
  EXPECT_EQ(ClassifyIntent("some words").name(), "search");
}

}  // namespace
}  // namespace ts::search
