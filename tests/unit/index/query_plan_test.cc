// QueryPlan: the query is read once, for every stage.
#include "index/query_plan.h"

#include <gtest/gtest.h>

namespace ts::index {
namespace {

TEST(QueryPlanTest, ReadsTheQueryOnceForEveryStage) {
  const QueryPlan usage = PlanQuery("who calls parse_header");
  EXPECT_EQ(usage.intent.kind, fusion::Intent::Kind::kUsage);
  EXPECT_EQ(usage.intent.symbol, "parse_header");
  EXPECT_TRUE(usage.identifiers.count("parse_header"));
  EXPECT_FALSE(usage.identifiers.count("calls"));  // plain words are not identifiers
  EXPECT_FALSE(usage.terms.empty());

  const QueryPlan doc = PlanQuery("Return the path of the config file.");
  EXPECT_TRUE(doc.signals.describes_definition);
  EXPECT_TRUE(doc.identifiers.empty());

  const QueryPlan symbol = PlanQuery("Rails::Engine");
  EXPECT_EQ(symbol.intent.kind, fusion::Intent::Kind::kDefinition);
  EXPECT_EQ(symbol.signals.identifier, "engine");
  EXPECT_TRUE(symbol.identifiers.count("engine"));
}

TEST(QueryPlanTest, IdentifiersAreCodeShapedWords) {
  EXPECT_EQ(QueryIdentifiers("open a file"), (std::unordered_set<std::string>{}));
  EXPECT_EQ(QueryIdentifiers("getUserName()"), (std::unordered_set<std::string>{"getusername"}));
  EXPECT_EQ(QueryIdentifiers("`a.b.parse_x`?"), (std::unordered_set<std::string>{"parse_x"}));
  EXPECT_EQ(QueryIdentifiers("urlopen"), (std::unordered_set<std::string>{"urlopen"}));
}

}  // namespace
}  // namespace ts::index
