// wire.h: request bodies parsed with precise errors and their limits, and the
// response shapes the HTTP API and its clients agree on.
#include "daemon/wire.h"

#include <gtest/gtest.h>

#include "daemon/service.h"

namespace ts::daemon {
namespace {

using nlohmann::json;

// The error message of a parse that must fail.
template <typename T>
std::string ErrorOf(const Result<T>& r) {
  EXPECT_FALSE(r.ok());
  return r.ok() ? "" : r.status().message();
}

TEST(WireTest, BodyMustBeAJsonObject) {
  EXPECT_TRUE(ParseBody("")->is_object());  // an empty body is {}
  EXPECT_NE(ErrorOf(ParseBody("{")).find("not valid JSON"), std::string::npos);
  EXPECT_NE(ErrorOf(ParseBody("[1]")).find("must be a JSON object"), std::string::npos);
  EXPECT_NE(ErrorOf(ParseBody("{\"a\":\"\xff\"}")).find("UTF-8"), std::string::npos);
}

TEST(WireTest, SearchDefaultsAndAlias) {
  auto r = ParseSearch(json{{"text", "route registration"}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->query, "route registration");
  EXPECT_EQ(r->options.top_k, 10u);
  EXPECT_EQ(r->options.mode, "hybrid");
  EXPECT_FALSE(r->compact);
  EXPECT_EQ(r->options.expand_graph, -1);  // by the query's intent
  r = ParseSearch(json{{"query", "x"}, {"expand_graph", false}, {"top_k", 1000}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->options.expand_graph, 0);
  EXPECT_EQ(r->options.top_k, 1000u);
}

TEST(WireTest, SearchErrorsNameTheField) {
  EXPECT_EQ(ErrorOf(ParseSearch(json::object())), "missing field 'text'");
  EXPECT_EQ(ErrorOf(ParseSearch(json{{"query", " \t"}})), "query is empty");
  EXPECT_EQ(ErrorOf(ParseSearch(json{{"query", 5}})), "field 'query' must be a string");
  EXPECT_NE(ErrorOf(ParseSearch(json{{"query", std::string(kMaxQueryBytes + 1, 'a')}}))
                .find("the limit is 4096"),
            std::string::npos);
  EXPECT_EQ(ErrorOf(ParseSearch(json{{"query", "x"}, {"top_k", 0}})),
            "field 'top_k' must be between 1 and 1000");
  EXPECT_EQ(ErrorOf(ParseSearch(json{{"query", "x"}, {"top_k", 2.5}})),
            "field 'top_k' must be an integer");
  // 2^64 - 1 is out of range, not -1 in disguise.
  EXPECT_EQ(ErrorOf(ParseSearch(json::parse(R"({"query":"x","top_k":18446744073709551615})"))),
            "field 'top_k' must be between 1 and 1000");
  EXPECT_EQ(ErrorOf(ParseSearch(json{{"query", "x"}, {"compact", "yes"}})),
            "field 'compact' must be a boolean");
}

TEST(WireTest, GrepAlwaysHasABudgetAndACap) {
  auto r = ParseGrep(json{{"pattern", "fn \\w+"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->options.max_results, static_cast<uint64_t>(kDefaultGrepResults));
  EXPECT_EQ(r->options.timeout_ms, kDefaultGrepTimeoutMs);
  EXPECT_FALSE(r->text);
  r = ParseGrep(json{{"pattern", "x"}, {"context", 2}, {"after", 5}, {"format", "text"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->options.before, 2u);  // context sets both sides; after overrides one
  EXPECT_EQ(r->options.after, 5u);
  EXPECT_TRUE(r->text);
  EXPECT_EQ(ErrorOf(ParseGrep(json::object())), "missing field 'pattern'");
  EXPECT_EQ(ErrorOf(ParseGrep(json{{"pattern", "x"}, {"timeout_ms", kMaxGrepTimeoutMs + 1}})),
            "field 'timeout_ms' must be between 1 and 120000");
  EXPECT_EQ(ErrorOf(ParseGrep(json{{"pattern", "x"}, {"globs", "*.rs"}})),
            "field 'globs' must be a list");
  EXPECT_EQ(ErrorOf(ParseGrep(json{{"pattern", "x"}, {"globs", {1}}})),
            "field 'globs' must hold strings");
  EXPECT_EQ(ErrorOf(ParseGrep(json{{"pattern", "x"}, {"format", "xml"}})),
            "field 'format' must be \"json\" or \"text\"");
}

TEST(WireTest, AddIndexNeedsAnAbsolutePath) {
  EXPECT_EQ(ErrorOf(ParseAddIndex(json{{"path", "src"}})), "path must be absolute");
  EXPECT_EQ(ErrorOf(ParseAddIndex(json::object())), "missing field 'path'");
  auto r = ParseAddIndex(json{{"path", "/srv/x"}, {"no_kg", true}, {"allow_shrink", true}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->graph, 0);
  EXPECT_EQ(r->shrink, index::ShrinkPolicy::kAllow);
  r = ParseAddIndex(json{{"path", "/srv/x"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->graph, 1);
  EXPECT_EQ(r->shrink, index::ShrinkPolicy::kRefuse);
  EXPECT_EQ(ErrorOf(ParseReindex(json{{"force", 1}})), "field 'force' must be a boolean");
  EXPECT_EQ(ErrorOf(ParseSimilar(json{{"top_k", 3}})), "missing field 'id'");
}

TEST(WireTest, CompactHitsCarryThreeLines) {
  index::Hit h;
  h.file = "a.py";
  h.content = "one\ntwo\nthree\nfour\n";
  EXPECT_EQ(HitJson(h, true)["snippet"], "one\ntwo\nthree");
  EXPECT_FALSE(HitJson(h, true).contains("content"));
  EXPECT_EQ(HitJson(h, false)["content"], h.content);
}

TEST(WireTest, SearchResultReportsALostWatch) {
  index::QueryResult r;
  r.mode = "hybrid";
  r.confidence = 0.12345;
  SearchRequest req;
  json ok = SearchResultJson(r, req, "proj", "ok");
  EXPECT_FALSE(ok["meta"].contains("watch"));
  EXPECT_EQ(ok["meta"]["confidence"], 0.123);
  EXPECT_EQ(ok["index"], "proj");
  EXPECT_EQ(ok["intent"], "search");
  json lost = SearchResultJson(r, req, "proj", "lost (root deleted)");
  EXPECT_EQ(lost["meta"]["watch"], "lost (root deleted)");
}

TEST(WireTest, SearchAllNamesEachIndexAndItsErrors) {
  SearchAllResult all;
  index::QueryResult r;
  r.meta["lexical"] = "ok";
  index::Hit h;
  h.file = "x.rs";
  h.score = 0.5;
  r.hits.push_back(h);
  all.answers.push_back({"a", r, "ok"});
  all.answers.push_back({"b", Status::NotFound("no index 'b'"), "off"});
  all.hits.push_back({0, h, 2.0});
  all.intent = "search";
  json j = SearchAllJson(all, true);
  ASSERT_EQ(j["results"].size(), 1u);
  EXPECT_EQ(j["results"][0]["index_id"], "a");
  EXPECT_EQ(j["results"][0]["index_score"], 2.0);
  EXPECT_EQ(j["results"][0]["score"], 0.5);
  EXPECT_EQ(j["meta"]["indexes"]["a"]["lexical"], "ok");
  EXPECT_EQ(j["meta"]["indexes"]["b"], "error: no index 'b'");
}

}  // namespace
}  // namespace ts::daemon
