#include <gtest/gtest.h>

#include "fusion/fusion.h"

namespace ts::fusion {
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
      {"parse the http header", Intent::Kind::kConceptual, ""},
      {"function that calls the api twice", Intent::Kind::kConceptual, ""},
      {"Return the value of the key.", Intent::Kind::kConceptual, ""},
      {"who calls", Intent::Kind::kSearch, ""},
      {"callers of two words", Intent::Kind::kConceptual, ""},
      {"parse http_header fields", Intent::Kind::kSearch, ""},
      {"call os.path.join on both", Intent::Kind::kSearch, ""},
      {"read the getUserName result", Intent::Kind::kSearch, ""},
      {"two words", Intent::Kind::kSearch, ""},
      {"TODO in the tokenizer", Intent::Kind::kDebt, ""},
      {"memory leak in parse_header", Intent::Kind::kDebt, ""},
      {"deprecated API calls", Intent::Kind::kDebt, ""},
      {"XXX in the scheduler", Intent::Kind::kDebt, ""},
      {"HACK around the lock", Intent::Kind::kDebt, ""},
      {"workaround for the kernel bug", Intent::Kind::kDebt, ""},
      {"which caches are not thread safe", Intent::Kind::kDebt, ""},
      {"code that is not thread-safe", Intent::Kind::kDebt, ""},
      {"thread safe queue", Intent::Kind::kConceptual, ""},
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
  EXPECT_EQ(ClassifyIntent("close the socket after a timeout").name(), "conceptual");
  EXPECT_EQ(ClassifyIntent("FIXME: unsafe cast").name(), "debt");
}

}  // namespace
}  // namespace ts::fusion
