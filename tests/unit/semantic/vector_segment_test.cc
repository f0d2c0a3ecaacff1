// Vector companions: round trip, merge order and corruption detection.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "semantic/semantic.h"
#include "util/file.h"

namespace ts::semantic {
namespace {

class VectorSegmentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tsvec-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  // Three records of dimension 4; the middle one has no vector (scale 0).
  std::string WriteThree(const std::string& name, uint64_t first_key) {
    VectorSegmentBuilder b;
    const int8_t a[4] = {127, 0, -5, 3}, none[4] = {0, 0, 0, 0}, c[4] = {-127, 1, 2, 3};
    b.Add(first_key, 0xA1, a, 0.01f);
    b.Add(first_key + 1, 0xA2, none, 0.0f);
    b.Add(first_key + 2, 0xA3, c, 0.02f);
    auto info = b.FinishToFile(Path(name), 4, 0xFEED, "test-model");
    EXPECT_TRUE(info.ok()) << info.status().message();
    EXPECT_EQ(info->doc_count, 3u);
    EXPECT_EQ(b.doc_count(), 0u);
    return Path(name);
  }
  static VectorModelId Model() { return {4, 0xFEED, "test-model"}; }
  std::filesystem::path dir_;
};

TEST_F(VectorSegmentTest, RoundTrip) {
  auto r = VectorSegmentReader::Open(WriteThree("a.tsvec", 10));
  ASSERT_TRUE(r.ok()) << r.status().message();
  const auto& seg = **r;
  EXPECT_EQ(seg.doc_count(), 3u);
  EXPECT_EQ(seg.dim(), 4u);
  EXPECT_EQ(seg.model_checksum(), 0xFEEDu);
  EXPECT_EQ(seg.model_name(), "test-model");
  EXPECT_EQ(seg.key(0), 10u);
  EXPECT_EQ(seg.key(2), 12u);
  EXPECT_EQ(seg.content_hash(1), 0xA2u);
  EXPECT_FLOAT_EQ(seg.scale(0), 0.01f);
  EXPECT_FLOAT_EQ(seg.scale(1), 0.0f);
  EXPECT_EQ(seg.row(0)[0], 127);
  EXPECT_EQ(seg.row(2)[0], -127);
  EXPECT_EQ(seg.row(2)[3], 3);
  const float q[4] = {1, 0, 0, 0};
  EXPECT_FLOAT_EQ(DotInt8(q, seg.row(0), 4) * seg.scale(0), 1.27f);
}

TEST_F(VectorSegmentTest, EmptyCompanionIsValid) {
  VectorSegmentBuilder b;
  ASSERT_TRUE(b.FinishToFile(Path("e.tsvec"), 8, 1, "m").ok());
  auto r = VectorSegmentReader::Open(Path("e.tsvec"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ((*r)->doc_count(), 0u);
}

TEST_F(VectorSegmentTest, MergeKeepsLiveRecordsInInputOrder) {
  auto a = VectorSegmentReader::Open(WriteThree("a.tsvec", 10));
  auto b = VectorSegmentReader::Open(WriteThree("b.tsvec", 20));
  ASSERT_TRUE(a.ok() && b.ok());
  auto deleted = std::make_shared<std::vector<bool>>(std::vector<bool>{false, true, false});
  auto merged =
      MergeVectorSegmentsToFile({{*a, deleted, {}}, {*b, nullptr, {}}}, Model(), Path("m.tsvec"));
  ASSERT_TRUE(merged.ok()) << merged.status().message();
  EXPECT_EQ(merged->doc_count, 5u);
  auto m = VectorSegmentReader::Open(Path("m.tsvec"));
  ASSERT_TRUE(m.ok());
  std::vector<uint64_t> keys;
  for (uint64_t d = 0; d < (*m)->doc_count(); ++d) keys.push_back((*m)->key(d));
  EXPECT_EQ(keys, (std::vector<uint64_t>{10, 12, 20, 21, 22}));
  EXPECT_EQ((*m)->row(1)[0], -127);
  EXPECT_EQ((*m)->content_hash(1), 0xA3u);
}

TEST_F(VectorSegmentTest, MergeMarksRecordsWithoutUsableVectorsMissing) {
  auto a = VectorSegmentReader::Open(WriteThree("a.tsvec", 10));
  VectorSegmentBuilder other;
  const int8_t v[4] = {1, 2, 3, 4};
  other.Add(30, 0xB1, v, 0.5f);
  ASSERT_TRUE(other.FinishToFile(Path("o.tsvec"), 4, 0xBEEF, "other").ok());
  auto o = VectorSegmentReader::Open(Path("o.tsvec"));
  ASSERT_TRUE(a.ok() && o.ok());
  // An input of another model and one with no companion at all.
  std::vector<VectorSegmentView> in = {
      {*a, nullptr, {}}, {*o, nullptr, {}}, {nullptr, nullptr, {40, 41}}};
  auto merged = MergeVectorSegmentsToFile(in, Model(), Path("m.tsvec"));
  ASSERT_TRUE(merged.ok()) << merged.status().message();
  auto m = VectorSegmentReader::Open(Path("m.tsvec"));
  ASSERT_TRUE(m.ok());
  ASSERT_EQ((*m)->doc_count(), 6u);
  EXPECT_EQ((*m)->model_checksum(), 0xFEEDu);
  EXPECT_FLOAT_EQ((*m)->scale(0), 0.01f);
  for (uint64_t d : {3, 4, 5}) EXPECT_LT((*m)->scale(d), 0.0f) << d;
  EXPECT_EQ((*m)->key(3), 30u);
  EXPECT_EQ((*m)->key(5), 41u);
}

TEST_F(VectorSegmentTest, DetectsCorruption) {
  auto bytes = ReadFile(WriteThree("a.tsvec", 10));
  ASSERT_TRUE(bytes.ok());
  // Any flipped byte (header, columns, vectors or footer) is caught.
  for (size_t pos :
       {size_t{12}, size_t{60}, bytes->size() / 2, bytes->size() - 20, bytes->size() - 1}) {
    std::string damaged = *bytes;
    damaged[pos] ^= 0x40;
    auto r = VectorSegmentReader::FromBytes(damaged);
    ASSERT_FALSE(r.ok()) << "flip at " << pos;
    EXPECT_NE(r.status().message().find("damaged"), std::string::npos) << r.status().message();
  }
  EXPECT_FALSE(VectorSegmentReader::FromBytes(bytes->substr(0, bytes->size() - 9)).ok());
  EXPECT_FALSE(VectorSegmentReader::FromBytes("").ok());
  EXPECT_FALSE(VectorSegmentReader::Open(Path("missing.tsvec")).ok());
}

TEST_F(VectorSegmentTest, RefusesRowsOfTheWrongDimension) {
  VectorSegmentBuilder b;
  const int8_t v[3] = {1, 2, 3};
  b.Add(1, 2, v, 1.0f);
  EXPECT_FALSE(b.FinishToFile(Path("bad.tsvec"), 4, 1, "m").ok());
}

}  // namespace
}  // namespace ts::semantic

namespace ts::semantic {
namespace {

// A VectorSnapshot over two companions: the best live records of both, best
// first, without deleted records or records that have no vector; a filter
// and per-record scores.
TEST_F(VectorSegmentTest, ASnapshotFindsTheBestLiveRecordsOfEveryCompanion) {
  auto a = VectorSegmentReader::Open(WriteThree("a.tsvec", 10));
  auto b = VectorSegmentReader::Open(WriteThree("b.tsvec", 20));
  ASSERT_TRUE(a.ok() && b.ok());
  auto b_deleted = std::make_shared<std::vector<bool>>(std::vector<bool>{true, false, false});
  VectorSnapshot snap({{*a, nullptr, nullptr, 3, 0}, {*b, b_deleted, nullptr, 2, 1}}, 4);
  const std::vector<float> q = {1, 0, 0, 0};
  std::vector<uint64_t> keys;
  for (const VectorHit& h : snap.Top(q, 10)) keys.push_back(h.key);
  // 10 scores 1.27; 12 and 22 tie at -2.54 (smaller key first); 20 is
  // deleted; 11 and 21 have no vector.
  EXPECT_EQ(keys, (std::vector<uint64_t>{10, 12, 22}));
  auto top = snap.Top(q, 1);
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].segment_id, 0u);
  EXPECT_EQ(top[0].docno, 0u);
  EXPECT_NEAR(top[0].score, 1.27, 1e-3);
  // Only the second companion's records.
  auto only_b = snap.Top(q, 10, [](uint32_t segment, uint32_t) { return segment == 1; });
  ASSERT_EQ(only_b.size(), 1u);
  EXPECT_EQ(only_b[0].key, 22u);
  // A query with no word the model knows finds nothing.
  EXPECT_TRUE(snap.Top(std::vector<float>(4, 0.0f), 10).empty());
  double score = 0;
  ASSERT_TRUE(snap.Score(q, 0, 0, &score));
  EXPECT_NEAR(score, 1.27, 1e-3);
  EXPECT_FALSE(snap.Score(q, 0, 1, &score));  // no vector
  EXPECT_FALSE(snap.Score(q, 7, 0, &score));  // no such companion
  EXPECT_FALSE(snap.Score(q, 1, 3, &score));  // out of range
}

}  // namespace
}  // namespace ts::semantic
