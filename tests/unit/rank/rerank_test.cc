// The re-ranking stage: path classes, priors, file diversity, determinism.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "rank/rank.h"

namespace ts::rank {
namespace {

TEST(ClassifyPathTest, TellsTestsDocsExamplesVendorAndGeneratedFromSource) {
  EXPECT_EQ(ClassifyPath("src/router.go"), PathClass::kSource);
  EXPECT_EQ(ClassifyPath("router_test.go"), PathClass::kTest);
  EXPECT_EQ(ClassifyPath("tests/unit/foo.cc"), PathClass::kTest);
  EXPECT_EQ(ClassifyPath("pkg/test_parser.py"), PathClass::kTest);
  EXPECT_EQ(ClassifyPath("src/zod.test.ts"), PathClass::kTest);
  EXPECT_EQ(ClassifyPath("lib/app.spec.js"), PathClass::kTest);
  EXPECT_EQ(ClassifyPath("spec/rack/request_spec.rb"), PathClass::kTest);
  EXPECT_EQ(ClassifyPath("gson/src/main/java/GsonTest.java"), PathClass::kTest);
  EXPECT_EQ(ClassifyPath("src/Latest.java"), PathClass::kSource);  // "test" inside a word
  EXPECT_EQ(ClassifyPath("src/Contest.java"), PathClass::kSource);
  EXPECT_EQ(ClassifyPath("README.md"), PathClass::kDoc);
  EXPECT_EQ(ClassifyPath("docs/api/index.rst"), PathClass::kDoc);
  EXPECT_EQ(ClassifyPath("examples/basic/main.go"), PathClass::kExample);
  EXPECT_EQ(ClassifyPath("benches/parse.rs"), PathClass::kExample);
  EXPECT_EQ(ClassifyPath("vendor/github.com/x/y.go"), PathClass::kVendor);
  EXPECT_EQ(ClassifyPath("third_party/zlib/inflate.c"), PathClass::kVendor);
  EXPECT_EQ(ClassifyPath("web/app.min.js"), PathClass::kGenerated);
  EXPECT_EQ(ClassifyPath("api/service.pb.go"), PathClass::kGenerated);
  EXPECT_EQ(PathClassName(ClassifyPath("tests/a.py")), "test");
}

TEST(ClassifyPathTest, AGoFolderIsAPackageWhateverItsName) {
  // go/doc, cobra's doc/ and the testing package are source; Go's tests are
  // _test.go files and testdata/ folders.
  EXPECT_EQ(ClassifyPath("go/doc/comment.go"), PathClass::kSource);
  EXPECT_EQ(ClassifyPath("doc/man_docs.go"), PathClass::kSource);
  EXPECT_EQ(ClassifyPath("testing/fstest/mapfs.go"), PathClass::kSource);
  EXPECT_EQ(ClassifyPath("cmd/go/internal/test/test.go"), PathClass::kSource);
  EXPECT_EQ(ClassifyPath("internal/test_helpers.go"), PathClass::kSource);
  EXPECT_EQ(ClassifyPath("testing/fstest/mapfs_test.go"), PathClass::kTest);
  EXPECT_EQ(ClassifyPath("go/doc/testdata/a.go"), PathClass::kTest);
  EXPECT_EQ(ClassifyPath("vendor/golang.org/x/net/http2.go"), PathClass::kVendor);
  EXPECT_EQ(ClassifyPath("examples/basic/main.go"), PathClass::kExample);
  // Other languages keep the folder rules.
  EXPECT_EQ(ClassifyPath("doc/conf.py"), PathClass::kDoc);
  EXPECT_EQ(ClassifyPath("testing/helpers.py"), PathClass::kTest);
}

TEST(AnalyzeQueryTest, ContentWordsAndWhatTheQueryAsksFor) {
  QuerySignals q = AnalyzeQuery("How are the routes registered?");
  EXPECT_EQ(q.words, (std::vector<std::string>{"route", "registered"}));
  EXPECT_FALSE(q.wants_tests);
  EXPECT_TRUE(AnalyzeQuery("tests for the parser").wants_tests);
  EXPECT_TRUE(AnalyzeQuery("installation docs").wants_docs);
  EXPECT_TRUE(AnalyzeQuery("example of a middleware").wants_examples);
  // A sentence that describes one definition, as its doc comment would.
  EXPECT_TRUE(AnalyzeQuery("Return the path of the config file").describes_definition);
  EXPECT_TRUE(AnalyzeQuery("parses a header line").describes_definition);
  EXPECT_TRUE(AnalyzeQuery("Applies the patch to a tree").describes_definition);
  EXPECT_FALSE(AnalyzeQuery("how are routes registered").describes_definition);
  EXPECT_FALSE(AnalyzeQuery("session management").describes_definition);
  EXPECT_FALSE(AnalyzeQuery("parse header").describes_definition);  // two words: a name
  EXPECT_FALSE(AnalyzeQuery("returning users dashboard").describes_definition);
  EXPECT_TRUE(AnalyzeQuery("A context manager that changes directory").describes_definition);
  EXPECT_FALSE(AnalyzeQuery("the request object").describes_definition);
  // A full sentence, full stop included, reads like a doc comment's first line.
  EXPECT_TRUE(AnalyzeQuery("Interface for read-only transports.").describes_definition);
  EXPECT_TRUE(AnalyzeQuery("Same as the parent's method. ").describes_definition);
  EXPECT_FALSE(AnalyzeQuery("Rails::Paths.").describes_definition);  // one word
  EXPECT_FALSE(AnalyzeQuery("interface for read-only transports").describes_definition);
  // A call signature is one definition's.
  EXPECT_TRUE(AnalyzeQuery("quote('abc def') -> 'abc%20def'").describes_definition);
  EXPECT_TRUE(AnalyzeQuery("dup() -> socket object").describes_definition);
  EXPECT_TRUE(AnalyzeQuery("wrap_text(text, width)").describes_definition);
  EXPECT_FALSE(AnalyzeQuery("wrap_text()").describes_definition);  // one word: a name
  EXPECT_FALSE(AnalyzeQuery("retries (with backoff)").describes_definition);
}

Candidate C(uint64_t key, std::string path, double score, std::string kind = "function",
            uint32_t start = 1, uint32_t end = 10) {
  Candidate c;
  c.key = key;
  c.path = std::move(path);
  c.kind = std::move(kind);
  c.start_line = start;
  c.end_line = end;
  c.score = score;
  return c;
}

std::vector<uint64_t> Keys(const std::vector<Ranked>& ranked) {
  std::vector<uint64_t> keys;
  for (const auto& r : ranked) keys.push_back(r.key);
  return keys;
}

// Only the named feature on: every other weight neutral.
Weights Neutral() {
  Weights w;
  return w;
}

TEST(RerankTest, NeutralWeightsKeepTheFusedOrder) {
  std::vector<Candidate> pool = {C(1, "a.c", 3), C(2, "a.c", 2), C(3, "b.c", 1)};
  EXPECT_EQ(Keys(Rerank(pool, AnalyzeQuery("x"), Neutral())), (std::vector<uint64_t>{1, 2, 3}));
  EXPECT_TRUE(Rerank({}, AnalyzeQuery("x"), DefaultWeights()).empty());
}

TEST(RerankTest, OneIdentifierQueryLiftsTheFileNamedAfterIt) {
  EXPECT_EQ(AnalyzeQuery("Rails::Engine").identifier, "engine");
  EXPECT_EQ(AnalyzeQuery(" TypeToken ").identifier, "typetoken");
  EXPECT_EQ(AnalyzeQuery("Illuminate\\Http\\Request").identifier, "request");
  EXPECT_EQ(AnalyzeQuery("parse_header").identifier, "parseheader");
  EXPECT_EQ(AnalyzeQuery("how engines boot").identifier, "");
  // Ruby reopens `class Engine` in many files; engine.rb is its home.
  std::vector<Candidate> pool = {C(1, "lib/rails/engine/railties.rb", 10),
                                 C(2, "lib/rails/engine/updater.rb", 9.5),
                                 C(3, "lib/rails/engine.rb", 9), C(4, "lib/rails.rb", 1)};
  Weights w = Neutral();
  w.symbol_file_name = 0.6;
  EXPECT_EQ(Keys(Rerank(pool, AnalyzeQuery("Rails::Engine"), w)).front(), 3u);
  EXPECT_EQ(Keys(Rerank(pool, AnalyzeQuery("rails engine railties"), w)).front(), 1u);
  EXPECT_EQ(Keys(Rerank(pool, AnalyzeQuery("TypeToken"), w)).front(), 1u);  // no such file
}

TEST(RerankTest, AOneLineReopeningYieldsToTheNamesHomeFile) {
  // `class Railtie` on one line of railtie/configuration.rb wraps a nested
  // class; railtie.rb is where Railtie is defined.
  Candidate reopened = C(1, "lib/rails/railtie/configuration.rb", 10, "class", 6, 6);
  reopened.symbol = "Railtie";
  Candidate home = C(2, "lib/rails/railtie.rb", 7, "method", 278, 280);
  std::vector<Candidate> pool = {reopened, home, C(3, "lib/rails.rb", 1)};
  Weights w = Neutral();
  EXPECT_EQ(Keys(Rerank(pool, AnalyzeQuery("Railtie"), w)).front(), 1u);
  w.reopened_definition = 0.5;
  EXPECT_EQ(Keys(Rerank(pool, AnalyzeQuery("Railtie"), w)).front(), 2u);
  // Without the home file among the candidates the one-liner is the best there is.
  pool = {reopened, C(3, "lib/rails.rb", 7)};
  EXPECT_EQ(Keys(Rerank(pool, AnalyzeQuery("Railtie"), w)).front(), 1u);
  // A definition of several lines is no reopening.
  reopened.end_line = 40;
  pool = {reopened, home};
  EXPECT_EQ(Keys(Rerank(pool, AnalyzeQuery("Railtie"), w)).front(), 1u);
}

TEST(RerankTest, CentralFilesLiftForTopicQueriesOnly) {
  EXPECT_EQ(CentralityTerm("src/main/java/com/google/gson/Gson.java"), "gson");
  EXPECT_EQ(CentralityTerm("tokio/src/task/mod.rs"), "task");
  EXPECT_EQ(CentralityTerm("pkg/__init__.py"), "pkg");
  EXPECT_EQ(CentralityTerm("index.js"), "");
  EXPECT_DOUBLE_EQ(FileCentrality(0, 100), 0.0);
  EXPECT_DOUBLE_EQ(FileCentrality(100, 100), 1.0);
  EXPECT_GT(FileCentrality(50, 1000), FileCentrality(5, 1000));
  EXPECT_LE(FileCentrality(5000, 1000), 1.0);
  // Gson.java, named by much of the repository, over a leaf adapter.
  Candidate leaf = C(1, "gson/internal/bind/TreeTypeAdapter.java", 10);
  leaf.centrality = 0.1;
  Candidate hub = C(2, "gson/Gson.java", 9);
  hub.centrality = 0.8;
  std::vector<Candidate> pool = {leaf, hub, C(3, "x.java", 1)};
  Weights w = Neutral();
  const QuerySignals topic = AnalyzeQuery("how custom serializers are registered");
  EXPECT_EQ(Keys(Rerank(pool, topic, w)).front(), 1u);
  w.centrality = 0.35;
  EXPECT_EQ(Keys(Rerank(pool, topic, w)).front(), 2u);
  // Not for a query that names one identifier, nor one describing one definition.
  EXPECT_EQ(Keys(Rerank(pool, AnalyzeQuery("TreeTypeAdapter"), w)).front(), 1u);
  w.chunk_level_descriptions = 1;
  EXPECT_EQ(
      Keys(Rerank(pool, AnalyzeQuery("Return the adapter for a custom serializer."), w)).front(),
      1u);
}

TEST(RerankTest, PathWordsMeetByStem) {
  // "reads" meets the folder Readers/, not Writers/.
  std::vector<Candidate> pool = {C(1, "src/Writers/RST.hs", 10), C(2, "src/Readers/RST.hs", 9.8),
                                 C(3, "src/Other.hs", 1)};
  Weights w = Neutral();
  w.dir_word = 0.1;
  EXPECT_EQ(Keys(Rerank(pool, AnalyzeQuery("how pandoc reads RST documents"), w)).front(), 1u);
  w.stem_path_words = 1;
  EXPECT_EQ(Keys(Rerank(pool, AnalyzeQuery("how pandoc reads RST documents"), w)).front(), 2u);
  // "logging" meets logger.py; "routes" meets routing/.
  pool = {C(1, "app/handlers.py", 10), C(2, "app/logger.py", 9.8), C(3, "x.py", 1)};
  w.dir_word = 0;
  w.file_name_word = 0.1;
  EXPECT_EQ(Keys(Rerank(pool, AnalyzeQuery("request logging"), w)).front(), 2u);
  pool = {C(1, "app/handlers.py", 10), C(2, "app/routing/table.py", 9.8), C(3, "x.py", 1)};
  w.dir_word = 0.1;
  EXPECT_EQ(Keys(Rerank(pool, AnalyzeQuery("how routes are matched"), w)).front(), 2u);
}

TEST(RerankTest, SecondChunkOfAFileYieldsToAnotherFile) {
  std::vector<Candidate> pool = {C(1, "a.c", 10), C(2, "a.c", 9), C(3, "a.c", 8), C(4, "b.c", 5),
                                 C(5, "c.c", 1)};
  Weights w = Neutral();
  w.same_file_decay = 0.3;
  auto out = Rerank(pool, AnalyzeQuery("x"), w);
  EXPECT_EQ(Keys(out), (std::vector<uint64_t>{1, 4, 2, 3, 5}));
  for (size_t i = 1; i < out.size(); ++i) EXPECT_LE(out[i].score, out[i - 1].score);
  EXPECT_EQ(out[1].candidate, 3u);
}

TEST(RerankTest, TestsSinkUnlessTheQueryAsksForThem) {
  std::vector<Candidate> pool = {C(1, "tests/parser_test.py", 10), C(2, "parser.py", 9),
                                 C(3, "other.py", 0)};
  Weights w = Neutral();
  w.test = 0.5;
  EXPECT_EQ(Keys(Rerank(pool, AnalyzeQuery("parse a header"), w))[0], 2u);
  EXPECT_EQ(Keys(Rerank(pool, AnalyzeQuery("tests of the parser"), w))[0], 1u);
}

TEST(RerankTest, OneLineImportsSinkBelowDefinitions) {
  std::vector<Candidate> pool = {C(1, "a.php", 10, "alias", 5, 5), C(2, "b.php", 9, "class", 3, 40),
                                 C(3, "c.php", 0)};
  Weights w = Neutral();
  w.import_line = 0.5;
  EXPECT_EQ(Keys(Rerank(pool, AnalyzeQuery("Request"), w))[0], 2u);
  // A one-line function is no import.
  pool[0].kind = "function";
  EXPECT_EQ(Keys(Rerank(pool, AnalyzeQuery("Request"), w))[0], 1u);
}

TEST(RerankTest, QueryWordsInTheFileNameLift) {
  std::vector<Candidate> pool = {C(1, "lib/helpers.rb", 10), C(2, "lib/routing/mapper.rb", 9.8),
                                 C(3, "lib/session.rb", 9.4), C(4, "x.rb", 0)};
  Weights w = Neutral();
  w.file_name_word = 0.2;
  w.dir_word = 0.05;
  auto keys = Keys(Rerank(pool, AnalyzeQuery("session management"), w));
  EXPECT_EQ(keys[0], 3u);
  keys = Keys(Rerank(pool, AnalyzeQuery("how routing works"), w));
  EXPECT_EQ(keys[0], 2u);  // a folder word lifts less, but enough here
}

TEST(RerankTest, TheShareOfTopicWordsInAPathLiftsEvenAWeakChunk) {
  // "session" is the folder of store.rb; "configuration" starts with config.rb's name.
  std::vector<Candidate> pool = {C(1, "lib/helpers.rb", 10), C(2, "lib/sessions/store.rb", 8),
                                 C(3, "lib/config.rb", 7.5), C(4, "x.rb", 0)};
  Weights w = Neutral();
  EXPECT_EQ(Keys(Rerank(pool, AnalyzeQuery("session management"), w))[0], 1u);
  w.path_share = 0.6;
  EXPECT_EQ(Keys(Rerank(pool, AnalyzeQuery("session management"), w))[0], 2u);
  EXPECT_EQ(Keys(Rerank(pool, AnalyzeQuery("configuration loading"), w))[0], 3u);
  w.path_share_parent = 0;
  EXPECT_EQ(Keys(Rerank(pool, AnalyzeQuery("session management"), w))[0], 1u);
  // A one-identifier query names its answer: the path share is for topics.
  w.path_share_parent = 1;
  EXPECT_EQ(Keys(Rerank(pool, AnalyzeQuery("Session"), w))[0], 1u);
}

TEST(RerankTest, SeveralMatchingChunksMakeAFileLikelier) {
  std::vector<Candidate> pool = {C(1, "lone.c", 10), C(2, "many.c", 9.5), C(3, "many.c", 9),
                                 C(4, "many.c", 9), C(5, "z.c", 0)};
  Weights w = Neutral();
  w.file_evidence = 0.1;
  w.file_evidence_chunks = 2;
  EXPECT_EQ(Keys(Rerank(pool, AnalyzeQuery("x"), w))[0], 2u);
}

TEST(RerankTest, AChunkNamedByTheQueryIsSparedTheSameFileDecay) {
  std::vector<Candidate> pool = {C(1, "a.py", 10), C(2, "a.py", 9), C(3, "b.py", 8.5),
                                 C(4, "z.py", 0)};
  pool[0].symbol = "helper";
  pool[1].symbol = "parse_header";
  Weights w = Neutral();
  w.same_file_decay = 0.3;
  const QuerySignals q = AnalyzeQuery("parse the header of a message");
  EXPECT_EQ(Keys(Rerank(pool, q, w)), (std::vector<uint64_t>{1, 3, 2, 4}));
  w.symbol_exempt = 0.5;
  EXPECT_EQ(Keys(Rerank(pool, q, w)), (std::vector<uint64_t>{1, 2, 3, 4}));
  // Half its words are query words: lifted by symbol_word (9 * 1.25 > 10),
  // it leads its file, and the file's other chunk is decayed.
  pool[1].symbol = "parse_body";
  w.symbol_word = 0.5;
  auto out = Rerank(pool, q, w);
  EXPECT_EQ(Keys(out), (std::vector<uint64_t>{2, 3, 1, 4}));
  for (size_t i = 1; i < out.size(); ++i) EXPECT_LE(out[i].score, out[i - 1].score);
}

TEST(RerankTest, ADescribedDefinitionIsRankedChunkByChunk) {
  std::vector<Candidate> pool = {C(1, "a.py", 10), C(2, "a.py", 9), C(3, "b.py", 8.5),
                                 C(4, "z.py", 0)};
  Weights w = Neutral();
  w.same_file_decay = 0.3;
  EXPECT_EQ(Keys(Rerank(pool, AnalyzeQuery("how tokens are read"), w)),
            (std::vector<uint64_t>{1, 3, 2, 4}));
  w.chunk_level_descriptions = 1;
  EXPECT_EQ(Keys(Rerank(pool, AnalyzeQuery("how tokens are read"), w)),
            (std::vector<uint64_t>{1, 3, 2, 4}));
  EXPECT_EQ(Keys(Rerank(pool, AnalyzeQuery("Read the next token"), w)),
            (std::vector<uint64_t>{1, 2, 3, 4}));
}

TEST(RerankTest, ADescribedDefinitionIsADefinitionNotAWindowOfLines) {
  // A window of top-level lines and a Markdown section score a little above
  // a function; a doc-comment query wants the function.
  std::vector<Candidate> pool = {C(1, "a.py", 10, "window"), C(2, "b.md", 9.5, "section"),
                                 C(3, "c.py", 9, "function"), C(4, "z.py", 0)};
  Weights w = Neutral();
  w.description_non_definition = 0.6;
  EXPECT_EQ(Keys(Rerank(pool, AnalyzeQuery("Read the next token from the stream."), w)),
            (std::vector<uint64_t>{3, 1, 2, 4}));
  // A topic question is not one definition: windows keep their place.
  EXPECT_EQ(Keys(Rerank(pool, AnalyzeQuery("how tokens are read"), w)),
            (std::vector<uint64_t>{1, 2, 3, 4}));
}

TEST(RerankTest, TiesKeepTheInputOrderAndTheOutputIsAPermutation) {
  std::vector<Candidate> pool;
  for (uint64_t k = 0; k < 50; ++k) {
    std::string path = "f.c";
    path[0] = static_cast<char>('a' + k % 7);  // seven files
    pool.push_back(C(k, path, 1.0));
  }
  auto a = Rerank(pool, AnalyzeQuery("q"), DefaultWeights());
  auto b = Rerank(pool, AnalyzeQuery("q"), DefaultWeights());
  EXPECT_EQ(Keys(a), Keys(b));
  std::vector<uint64_t> sorted = Keys(a);
  std::sort(sorted.begin(), sorted.end());
  for (uint64_t k = 0; k < 50; ++k) EXPECT_EQ(sorted[k], k);
  EXPECT_EQ(a[0].key, 0u);
  EXPECT_EQ(a[1].key, 1u);  // the first chunk of each file, in input order
}

TEST(RerankTest, OverridesParseKnownKeysOnly) {
  Weights w = WeightsWithOverrides(Neutral(), "test=0.25,file_evidence_chunks=3,bogus=9,doc");
  EXPECT_DOUBLE_EQ(w.test, 0.25);
  EXPECT_EQ(w.file_evidence_chunks, 3);
  EXPECT_DOUBLE_EQ(w.doc, 1.0);
}

}  // namespace
}  // namespace ts::rank
