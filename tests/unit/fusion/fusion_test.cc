// Hybrid fusion: both methods, ranks kept for match reasons, lane weights.
#include <gtest/gtest.h>

#include "fusion/fusion.h"

namespace ts::fusion {
namespace {

const std::vector<LaneHit> kLexical = {{1, 10.0}, {2, 8.0}, {3, 1.0}};
const std::vector<LaneHit> kSemantic = {{3, 0.9}, {4, 0.5}, {1, 0.1}};

TEST(FusionTest, RrfSumsWeightedReciprocalRanks) {
  FusionParams p;
  p.method = FusionParams::Method::kRrf;
  p.rrf_k = 60;
  auto fused = Fuse(kLexical, kSemantic, {1.0, 1.0}, p);
  ASSERT_EQ(fused.size(), 4u);
  EXPECT_EQ(fused[0].key, 1u);  // lexical #1 + semantic #3
  EXPECT_EQ(fused[0].lexical_rank, 1u);
  EXPECT_EQ(fused[0].semantic_rank, 3u);
  EXPECT_DOUBLE_EQ(fused[0].score, 1.0 / 61 + 1.0 / 63);
  EXPECT_EQ(fused[1].key, 3u);  // lexical #3 + semantic #1
  EXPECT_EQ(fused.back().key, 4u);
  EXPECT_EQ(fused.back().lexical_rank, 0u);
}

TEST(FusionTest, InterpolationNormalisesEachLane) {
  FusionParams p;
  p.method = FusionParams::Method::kInterpolate;
  auto fused = Fuse(kLexical, kSemantic, {1.0, 0.5}, p);
  ASSERT_EQ(fused.size(), 4u);
  // key 1: 10/10 + 0.5 * (0.1 - 0.1) / 0.8; key 2: 8/10; key 3: 1/10 + 0.5 * 1.
  EXPECT_EQ(fused[0].key, 1u);
  EXPECT_DOUBLE_EQ(fused[0].score, 1.0);
  EXPECT_EQ(fused[1].key, 2u);
  EXPECT_EQ(fused[2].key, 3u);
  EXPECT_NEAR(fused[2].score, 0.6, 1e-12);
}

TEST(FusionTest, DepthLimitsEachLane) {
  FusionParams p;
  p.depth = 1;
  auto fused = Fuse(kLexical, kSemantic, {1.0, 1.0}, p);
  ASSERT_EQ(fused.size(), 2u);
  EXPECT_EQ(fused[0].key, 1u);
  EXPECT_EQ(fused[1].key, 3u);
}

TEST(FusionTest, WeightsFollowIntent) {
  FusionParams p;
  EXPECT_LT(WeightsFor(ClassifyIntent("parse_header"), p).semantic,
            WeightsFor(ClassifyIntent("read a file into a list of lines"), p).semantic + 1e-12);
  EXPECT_EQ(WeightsFor(ClassifyIntent("who calls parse_header"), p).semantic, p.usage.semantic);
}

TEST(FusionTest, ZScoreRewardsAgreementAndScoresExtras) {
  FusionParams p;
  p.method = FusionParams::Method::kZScore;
  const std::vector<LaneHit> lex = {{1, 10.0}, {2, 9.0}, {3, 1.0}};
  const std::vector<LaneHit> sem = {{4, 0.9}, {2, 0.85}, {5, 0.1}};
  auto fused = Fuse(lex, sem, {1.0, 1.0}, p);
  ASSERT_EQ(fused.size(), 5u);
  EXPECT_EQ(fused[0].key, 2u);  // high in both lanes
  auto rank_of = [](const std::vector<FusedHit>& f, uint64_t key) {
    for (size_t i = 0; i < f.size(); ++i) {
      if (f[i].key == key) return i;
    }
    return f.size();
  };
  EXPECT_GT(rank_of(fused, 1), rank_of(fused, 2));
  // Doc 1's cosine, outside the semantic list, now counts: it passes doc 4.
  auto with_extra = Fuse(lex, sem, {1.0, 1.0}, p, {{1, 0.88}});
  EXPECT_LT(rank_of(with_extra, 1), rank_of(with_extra, 4));
  EXPECT_EQ(with_extra[0].key, 1u);
}

TEST(FusionTest, OneEmptyLaneKeepsTheOthersOrder) {
  auto fused = Fuse(kLexical, {}, {1.0, 1.0}, FusionParams());
  ASSERT_EQ(fused.size(), 3u);
  EXPECT_EQ(fused[0].key, 1u);
  EXPECT_EQ(fused[2].key, 3u);
}

}  // namespace
}  // namespace ts::fusion
