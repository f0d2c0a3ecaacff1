// Word forms (lexical.h): the stem key the embedding model's features rely
// on, the forms a query word expands to, and how weighted query terms score.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "lexical/lexical.h"

namespace ts::lexical {
namespace {

std::string Key(std::string w) {
  StemKey(&w);
  return w;
}

bool Has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST(StemKeyTest, TheFormsOfOneWordShareAKey) {
  EXPECT_EQ(Key("returns"), "return");
  EXPECT_EQ(Key("returned"), "return");
  EXPECT_EQ(Key("returning"), "return");
  EXPECT_EQ(Key("entries"), Key("entry"));
  EXPECT_EQ(Key("parse"), Key("parsed"));
  EXPECT_EQ(Key("parse"), Key("parses"));
  // Short words, and anything but plain lowercase letters, stay as they are.
  EXPECT_EQ(Key("map"), "map");
  EXPECT_EQ(Key("class"), "class");
  EXPECT_EQ(Key("http2s"), "http2s");
}

TEST(WordFormsTest, AWordExpandsToItsOtherFormsNotToItself) {
  const auto registered = WordForms("registered");
  EXPECT_TRUE(Has(registered, "register"));
  EXPECT_TRUE(Has(registered, "registers"));
  EXPECT_TRUE(Has(registered, "registering"));
  EXPECT_FALSE(Has(registered, "registered"));
  EXPECT_TRUE(Has(WordForms("factories"), "factory"));
  EXPECT_TRUE(Has(WordForms("factory"), "factories"));
  EXPECT_TRUE(Has(WordForms("routes"), "route"));
  EXPECT_TRUE(Has(WordForms("routes"), "routing"));
  for (const std::string& form : registered) EXPECT_EQ(Key(form), Key("registered")) << form;
  EXPECT_TRUE(WordForms("map").empty());
  EXPECT_TRUE(WordForms("parse_url").empty());
}

// A weighted term counts its idf times its weight: the query "registered"
// with the form "register" at 0.5 finds the document that says "register"
// at half of what the query "register" alone gives it, and leaves the score
// of the one that says "registered" as it was.
TEST(WordFormsTest, AWeightedTermScoresItsShareOfItsIdf) {
  SegmentBuilder builder;
  const char* bodies[] = {"handlers are registered here", "register a handler", "nothing to see"};
  for (uint64_t i = 0; i < 3; ++i) {
    StoredDoc d;
    d.key = i + 1;
    d.chunk_id = "c" + std::to_string(i);
    d.path = "f" + std::to_string(i) + ".c";
    builder.Add(d, bodies[i], "", d.path);
  }
  const std::string bytes = builder.Finish();
  auto seg = SegmentReader::FromBytes(bytes);
  ASSERT_TRUE(seg.ok()) << seg.status().ToString();
  Snapshot snap({SegmentView{*seg, nullptr, ""}});
  SearchOptions opts;
  opts.top_k = 10;

  const auto plain = snap.SearchTerms({"registered"}, opts);
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_EQ(plain[0].key, 1u);
  const auto direct = snap.SearchTerms({"register"}, opts);
  ASSERT_EQ(direct.size(), 1u);
  EXPECT_EQ(direct[0].key, 2u);

  const auto with = snap.SearchWeighted({{"registered", 1.0}, {"register", 0.5}}, opts);
  ASSERT_EQ(with.size(), 2u);
  EXPECT_EQ(with[0].key, 1u);
  EXPECT_DOUBLE_EQ(with[0].score, plain[0].score);
  EXPECT_EQ(with[1].key, 2u);
  EXPECT_NEAR(with[1].score, 0.5 * direct[0].score, 1e-9);
  // A term given twice counts twice; a weight of 0 is no term.
  const auto twice = snap.SearchWeighted({{"register", 0.5}, {"register", 0.5}}, opts);
  ASSERT_EQ(twice.size(), 1u);
  EXPECT_NEAR(twice[0].score, direct[0].score, 1e-9);
  EXPECT_TRUE(snap.SearchWeighted({{"register", 0.0}}, opts).empty());
}

}  // namespace
}  // namespace ts::lexical
