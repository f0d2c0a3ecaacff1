// The committed model against the trainer's own float vectors (golden), and
// the model file's defences against damage.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "semantic/semantic.h"
#include "util/file.h"
#include "util/hash.h"

namespace ts::semantic {
namespace {

const std::string kModelDir = std::string(TS_SOURCE_DIR) + "/models";

std::string TempPath(const std::string& name) {
  return ::testing::TempDir() + "/" + name;
}

TEST(SemanticGolden, CommittedModelMatchesTrainerVectors) {
  auto model = Model::Load(kModelDir + "/code-nbow.tsmodel");
  ASSERT_TRUE(model.ok()) << model.status().message();
  std::ifstream in(kModelDir + "/golden.jsonl");
  ASSERT_TRUE(in.good());
  std::string line;
  int checked = 0, nonzero = 0;
  std::vector<float> v((*model)->dim());
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    std::vector<float> want = j["vector"].get<std::vector<float>>();
    ASSERT_EQ(want.size(), v.size());
    Tower tower = j["tower"] == "query" ? Tower::kQuery : Tower::kCode;
    bool any = (*model)->Embed(tower, j["text"].get<std::string>(), v);
    double dot = 0, nw = 0;
    for (size_t i = 0; i < v.size(); ++i) {
      dot += v[i] * want[i];
      nw += want[i] * want[i];
    }
    if (nw == 0) {
      EXPECT_FALSE(any) << j["text"];
    } else {
      ++nonzero;
      EXPECT_GE(dot / std::sqrt(nw), 0.999) << j["tower"] << ": " << j["text"];
    }
    ++checked;
  }
  EXPECT_GE(checked, 50);
  EXPECT_GE(nonzero, 50);
}

TEST(SemanticModel, SaveLoadRoundTripAndDamageIsDetected) {
  Vocabulary vocab({"parse", "header", "http"}, {1.0f, 2.0f, 3.0f}, 4, 5.0f);
  const uint32_t dim = 16;
  std::vector<float> q(vocab.rows() * dim), c(vocab.rows() * dim);
  for (size_t i = 0; i < q.size(); ++i) {
    q[i] = std::sin(0.37 * i);
    c[i] = std::cos(0.11 * i);
  }
  const std::string path = TempPath("round.tsmodel");
  ASSERT_TRUE(Model::Save(path, "tiny", vocab, dim, 1.0f, q, c).ok());
  auto model = Model::Load(path);
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_EQ((*model)->dim(), dim);
  EXPECT_EQ((*model)->name(), "tiny");
  EXPECT_EQ((*model)->vocabulary().Row("header"), 1u);
  EXPECT_EQ((*model)->vocabulary().Idf(2), 3.0f);
  std::vector<float> v(dim);
  EXPECT_TRUE((*model)->Embed(Tower::kCode, "parseHttpHeader", v));
  double n = 0;
  for (float x : v) n += x * x;
  EXPECT_NEAR(n, 1.0, 1e-5);
  EXPECT_FALSE((*model)->Embed(Tower::kQuery, "  ... ;; ", v));

  auto bytes = ReadFile(path);
  ASSERT_TRUE(bytes.ok());
  std::string flipped = *bytes;
  flipped[flipped.size() / 2] ^= 0x40;
  ASSERT_TRUE(WriteFileAtomic(TempPath("flipped.tsmodel"), flipped, false).ok());
  auto damaged = Model::Load(TempPath("flipped.tsmodel"));
  ASSERT_FALSE(damaged.ok());
  EXPECT_EQ(damaged.status().code(), Status::Code::kCorruption);
  EXPECT_NE(damaged.status().message().find("checksum"), std::string::npos);

  ASSERT_TRUE(WriteFileAtomic(TempPath("short.tsmodel"), bytes->substr(0, 40), false).ok());
  EXPECT_FALSE(Model::Load(TempPath("short.tsmodel")).ok());
  auto missing = Model::Load(TempPath("absent.tsmodel"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Status::Code::kUnavailable);
}

TEST(SemanticFeatures, WordsSplitIdentifiersStemAndDropStopWords) {
  std::vector<std::string> words;
  Words("Returns the parsedHTTPHeaders of a request_body", &words);
  std::vector<std::string> want = {"return", "parsedhttpheader", "pars",    "http",
                                   "header", "request_body",     "request", "body"};
  EXPECT_EQ(words, want);
  // The forms of one word share a key.
  Words("parse parsed parses parsing", &words);
  EXPECT_EQ(words, std::vector<std::string>(4, "pars"));
  Words("entries entry", &words);
  EXPECT_EQ(words[0], words[1]);
}

TEST(SemanticFeatures, UnseenWordsLandInStableBuckets) {
  Vocabulary vocab({"alpha"}, {1.0f}, 8, 2.0f);
  uint32_t a = vocab.Row("zzunseen");
  EXPECT_GE(a, 1u);
  EXPECT_LT(a, 9u);
  EXPECT_EQ(vocab.Row("zzunseen"), a);
  EXPECT_EQ(vocab.Idf(a), 2.0f);
  Features f = Featurize(vocab, "alpha alpha beta");
  ASSERT_EQ(f.rows.size(), 2u);
  EXPECT_EQ(f.rows[0], 0u);
  EXPECT_GT(f.weights[0], 1.0f);  // two occurrences weigh more than one
}

TEST(SemanticFeatures, HeaderWordsWeighMoreOnlyOnTheFirstLine) {
  Vocabulary vocab({"open", "loop", "event"}, {1.0f, 1.0f, 1.0f}, 8, 2.0f);
  Features plain = Featurize(vocab, "event loop open\nopen loop", 4096, 1.0f);
  Features boosted = Featurize(vocab, "event loop open\nopen loop", 4096, 3.0f);
  ASSERT_EQ(plain.rows, boosted.rows);
  for (size_t i = 0; i < plain.rows.size(); ++i) {
    EXPECT_FLOAT_EQ(boosted.weights[i], 3.0f * plain.weights[i]) << plain.rows[i];
  }
  // Only words of the first line: "open" is boosted, "loop" and "event" not.
  Features body = Featurize(vocab, "open\nevent loop", 4096, 3.0f);
  Features flat = Featurize(vocab, "open\nevent loop", 4096, 1.0f);
  ASSERT_EQ(body.rows.size(), 3u);
  EXPECT_FLOAT_EQ(body.weights[0], 3.0f * flat.weights[0]);  // open (row 0)
  EXPECT_FLOAT_EQ(body.weights[1], flat.weights[1]);         // loop (row 1)
  EXPECT_FLOAT_EQ(body.weights[2], flat.weights[2]);         // event (row 2)
  // A text without a newline has no header.
  Features one_line = Featurize(vocab, "open loop", 4096, 3.0f);
  Features one_line_flat = Featurize(vocab, "open loop", 4096, 1.0f);
  EXPECT_EQ(one_line.weights, one_line_flat.weights);
}

// The code tower applies the model's header weight; the query tower never
// does. A version-1 file (no header weight field) still loads, as weight 1.
TEST(SemanticModel, HeaderWeightIsStoredAndVersionOneStillLoads) {
  Vocabulary vocab({"parse", "header", "http"}, {1.0f, 2.0f, 3.0f}, 4, 5.0f);
  const uint32_t dim = 8;
  std::vector<float> q(vocab.rows() * dim), c(vocab.rows() * dim);
  for (size_t i = 0; i < q.size(); ++i) q[i] = c[i] = std::sin(0.53 * i + 0.1);
  const std::string path = TempPath("header.tsmodel");
  ASSERT_TRUE(Model::Save(path, "hw", vocab, dim, 4.0f, q, c).ok());
  EXPECT_FALSE(Model::Save(TempPath("bad.tsmodel"), "hw", vocab, dim, 0.0f, q, c).ok());
  auto model = Model::Load(path);
  ASSERT_TRUE(model.ok()) << model.status().message();
  EXPECT_EQ((*model)->header_weight(), 4.0f);

  const std::string text = "http\nparse header";
  std::vector<float> code(dim), query(dim), want(dim);
  ASSERT_TRUE((*model)->Embed(Tower::kCode, text, code));
  ASSERT_TRUE((*model)->EmbedFeatures(Tower::kCode, Featurize(vocab, text, 4096, 4.0f), want));
  for (uint32_t d = 0; d < dim; ++d) EXPECT_NEAR(code[d], want[d], 1e-6);
  ASSERT_TRUE((*model)->Embed(Tower::kQuery, text, query));
  ASSERT_TRUE((*model)->EmbedFeatures(Tower::kQuery, Featurize(vocab, text), want));
  for (uint32_t d = 0; d < dim; ++d) EXPECT_NEAR(query[d], want[d], 1e-6);

  // Rewrite as version 1: drop the f32 after the bucket IDF, re-checksum.
  auto bytes = ReadFile(path);
  ASSERT_TRUE(bytes.ok());
  std::string v1 = bytes->substr(0, bytes->size() - 8);
  const size_t version_at = 8, weight_at = 8 + 4 * 5;
  const uint32_t one = 1;
  v1.replace(version_at, 4, reinterpret_cast<const char*>(&one), 4);
  v1.erase(weight_at, 4);
  // Removing 4 bytes keeps every later offset's alignment, so the padding
  // stays valid.
  const uint64_t sum = Hash64(v1);
  v1.append(reinterpret_cast<const char*>(&sum), sizeof(sum));
  ASSERT_TRUE(WriteFileAtomic(TempPath("v1.tsmodel"), v1, false).ok());
  auto old = Model::Load(TempPath("v1.tsmodel"));
  ASSERT_TRUE(old.ok()) << old.status().message();
  EXPECT_EQ((*old)->header_weight(), 1.0f);
  EXPECT_EQ((*old)->vocabulary().Row("http"), 2u);
  ASSERT_TRUE((*old)->Embed(Tower::kCode, text, code));
  ASSERT_TRUE((*old)->EmbedFeatures(Tower::kCode, Featurize(vocab, text), want));
  for (uint32_t d = 0; d < dim; ++d) EXPECT_NEAR(code[d], want[d], 1e-6);
}

}  // namespace
}  // namespace ts::semantic

namespace ts::semantic {
namespace {

TEST(SemanticScan, FixedPointDotMatchesFloatDot) {
  const uint32_t dim = 256;
  std::vector<float> query(dim);
  std::vector<int8_t> row(dim);
  double norm = 0;
  for (uint32_t i = 0; i < dim; ++i) {
    query[i] = std::sin(0.7 * i + 0.3);
    norm += query[i] * query[i];
    row[i] = static_cast<int8_t>((i * 37) % 255 - 127);
  }
  for (float& x : query) x /= std::sqrt(norm);
  const ScanQuery scan = PrepareScan(query);
  const float exact = DotInt8(query, row.data(), dim);
  EXPECT_NEAR(DotScan(scan, row.data(), dim), exact, 1e-3 * std::fabs(exact) + 1e-3);
  // A zero query scans as zero.
  std::vector<float> zero(dim, 0.0f);
  EXPECT_EQ(DotScan(PrepareScan(zero), row.data(), dim), 0.0f);
}

}  // namespace
}  // namespace ts::semantic
