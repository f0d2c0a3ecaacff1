// QueryPlan: the query is read once, for every stage.
#include "index/query_plan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

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

TEST(QueryPlanTest, AQuestionsPlainWordsBringTheirOtherForms) {
  auto has = [](const QueryPlan& p, const std::string& w) {
    return std::find(p.word_forms.begin(), p.word_forms.end(), w) != p.word_forms.end();
  };
  const QueryPlan question = PlanQuery("how are factories registered and parseRoutes used");
  EXPECT_TRUE(has(question, "factory"));
  EXPECT_TRUE(has(question, "register"));
  EXPECT_TRUE(has(question, "registering"));
  // Parts of an identifier are code, not English.
  EXPECT_FALSE(has(question, "route"));
  EXPECT_FALSE(has(question, "parse"));
  for (const auto& form : question.word_forms) {
    EXPECT_EQ(std::find(question.terms.begin(), question.terms.end(), form), question.terms.end())
        << form << " is already a term";
  }
  // One identifier names its answer; a doc-comment sentence shares its words.
  EXPECT_TRUE(PlanQuery("Rails::Engine").word_forms.empty());
  EXPECT_TRUE(PlanQuery("middleware").word_forms.empty());
  EXPECT_TRUE(PlanQuery("Returns the registered factories.").word_forms.empty());
}

TEST(QueryPlanTest, ALongQuerysFormsAreEachListedOnce) {
  // A query at the daemon's 4 KiB limit, every word given twice.
  std::string text = "how";
  for (int i = 0; text.size() < 4000; ++i) {
    std::string word = "parse";
    for (int n = i; n > 0; n /= 26) word += static_cast<char>('a' + n % 26);
    text += " " + word + "ed " + word + "ed";
  }
  const QueryPlan plan = PlanQuery(text);
  ASSERT_FALSE(plan.word_forms.empty());
  std::set<std::string> unique(plan.word_forms.begin(), plan.word_forms.end());
  EXPECT_EQ(unique.size(), plan.word_forms.size());
  for (const auto& t : plan.terms) EXPECT_EQ(unique.count(t), 0u) << t;
}

TEST(QueryPlanTest, IdentifiersAreCodeShapedWords) {
  EXPECT_EQ(QueryIdentifiers("open a file"), (std::unordered_set<std::string>{}));
  EXPECT_EQ(QueryIdentifiers("getUserName()"), (std::unordered_set<std::string>{"getusername"}));
  EXPECT_EQ(QueryIdentifiers("`a.b.parse_x`?"), (std::unordered_set<std::string>{"parse_x"}));
  EXPECT_EQ(QueryIdentifiers("urlopen"), (std::unordered_set<std::string>{"urlopen"}));
}

}  // namespace
}  // namespace ts::index
