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
  ASSERT_TRUE(Model::Save(path, "tiny", vocab, dim, q, c).ok());
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
