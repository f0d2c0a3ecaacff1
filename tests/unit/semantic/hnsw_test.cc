// HNSW graphs over vector companions: recall against the exact scan, the
// graph file's round trip and damage detection, filtering (tombstones).
#include "semantic/hnsw.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>
#include <unordered_set>

#include "util/file.h"

namespace ts::semantic {
namespace {

constexpr uint32_t kDim = 32;
constexpr uint32_t kRecords = 10000;

class HnswTest : public ::testing::Test {
 protected:
  // One companion shared by the tests (building it and its graph dominates).
  static void SetUpTestSuite() {
    dir_ = std::filesystem::temp_directory_path() / ("tshnsw-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    // Clustered unit vectors, as embeddings are; every 100th record has no
    // vector (scale 0) and must never be a node.
    std::mt19937 rng(7);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<std::vector<float>> centers(200, std::vector<float>(kDim));
    for (auto& c : centers) {
      for (float& x : c) x = normal(rng);
    }
    VectorSegmentBuilder builder;
    std::vector<float> v(kDim);
    std::vector<int8_t> q(kDim);
    for (uint32_t i = 0; i < kRecords; ++i) {
      const auto& c = centers[rng() % centers.size()];
      double norm = 0;
      for (uint32_t k = 0; k < kDim; ++k) {
        v[k] = c[k] + 0.7f * normal(rng);
        norm += v[k] * v[k];
      }
      for (float& x : v) x = static_cast<float>(x / std::sqrt(norm));
      float scale = QuantizeInt8(v, q);
      if (i % 100 == 0) {
        std::fill(q.begin(), q.end(), 0);
        scale = 0;
      }
      builder.Add(1000 + i, i, q, scale);
    }
    ASSERT_TRUE(builder.FinishToFile(CompanionPath(), kDim, 0xFEED, "test").ok());
    auto r = VectorSegmentReader::Open(CompanionPath());
    ASSERT_TRUE(r.ok()) << r.status().message();
    vectors_ = *r;
    // A smaller graph than the index's (GraphParams{}) keeps the test fast
    // under sanitizers; the synthetic clusters are easy enough for it.
    // One thread: the same graph every run.
    auto g = VectorGraph::Build(vectors_, GraphParams{.m = 12, .ef_construction = 48}, 1);
    ASSERT_TRUE(g.ok()) << g.status().message();
    graph_ = std::move(g).value();
  }
  static void TearDownTestSuite() {
    graph_.reset();
    vectors_.reset();
    std::filesystem::remove_all(dir_);
  }
  static std::string CompanionPath() { return (dir_ / "seg.tsvec").string(); }
  static std::string Path(const std::string& name) { return (dir_ / name).string(); }

  // Queries: perturbed copies of records, like a query near some chunks.
  static std::vector<ScanQuery> Queries(size_t n) {
    std::mt19937 rng(11);
    std::normal_distribution<float> normal(0.0f, 0.3f);
    const auto& vs = *vectors_;
    std::vector<ScanQuery> out;
    for (size_t i = 0; i < n; ++i) {
      const uint64_t d = rng() % kRecords;
      std::vector<float> v(kDim);
      for (uint32_t k = 0; k < kDim; ++k) v[k] = vs.row(d)[k] * (1.0f / 127) + normal(rng);
      out.push_back(PrepareScan(v));
    }
    return out;
  }
  // The exact scan: top k docnos by score among those `keep` accepts.
  static std::vector<uint32_t> Exact(const ScanQuery& q, size_t k,
                                     const std::function<bool(uint32_t)>& keep) {
    const auto& vs = *vectors_;
    std::vector<std::pair<double, uint32_t>> all;
    for (uint32_t d = 0; d < vs.doc_count(); ++d) {
      if (vs.scale(d) <= 0 || !keep(d)) continue;
      all.emplace_back(DotScan(q, vs.row(d), kDim) * vs.scale(d), d);
    }
    std::partial_sort(all.begin(), all.begin() + static_cast<long>(std::min(k, all.size())),
                      all.end(), [](auto& a, auto& b) { return a.first > b.first; });
    std::vector<uint32_t> out;
    for (size_t i = 0; i < k && i < all.size(); ++i) out.push_back(all[i].second);
    return out;
  }

  static inline std::filesystem::path dir_;
  static inline std::shared_ptr<const VectorSegmentReader> vectors_;
  static inline std::unique_ptr<VectorGraph> graph_;
};

TEST_F(HnswTest, RecallAt10AgainstExactScan) {
  EXPECT_EQ(graph_->node_count(), kRecords - kRecords / 100);  // no node without a vector
  size_t found = 0, wanted = 0;
  for (const ScanQuery& q : Queries(100)) {
    auto exact = Exact(q, 10, [](uint32_t) { return true; });
    // A low ef, so that the figure says something about the graph (at the
    // index's kGraphEfSearch a graph this small is searched almost exhaustively).
    auto hits = graph_->Search(q, 10, 32);
    ASSERT_TRUE(hits.ok()) << hits.status().message();
    ASSERT_EQ(hits->size(), 10u);
    std::unordered_set<uint32_t> got;
    for (const auto& h : *hits) {
      EXPECT_GT(vectors_->scale(h.docno), 0.0f);
      // The exact scan's score for the same record.
      EXPECT_DOUBLE_EQ(h.score,
                       DotScan(q, vectors_->row(h.docno), kDim) * vectors_->scale(h.docno));
      got.insert(h.docno);
    }
    for (uint32_t d : exact) found += got.count(d);
    wanted += exact.size();
  }
  const double recall = static_cast<double>(found) / static_cast<double>(wanted);
  EXPECT_GE(recall, 0.95) << "recall@10 " << recall;
  std::printf("recall@10 %.3f\n", recall);
}

TEST_F(HnswTest, SavedGraphReopensWithIdenticalResults) {
  ASSERT_TRUE(graph_->Save(Path("a.tshnsw")).ok());
  auto reopened = VectorGraph::Open(Path("a.tshnsw"), vectors_);
  ASSERT_TRUE(reopened.ok()) << reopened.status().message();
  EXPECT_EQ((*reopened)->node_count(), graph_->node_count());
  for (const ScanQuery& q : Queries(30)) {
    auto a = graph_->Search(q, 10, kGraphEfSearch);
    auto b = (*reopened)->Search(q, 10, kGraphEfSearch);
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_EQ(a->size(), b->size());
    for (size_t i = 0; i < a->size(); ++i) {
      EXPECT_EQ((*a)[i].docno, (*b)[i].docno);
      EXPECT_EQ((*a)[i].score, (*b)[i].score);
    }
  }
}

TEST_F(HnswTest, DamagedTruncatedOrForeignGraphIsRejected) {
  ASSERT_TRUE(graph_->Save(Path("good.tshnsw")).ok());
  auto bytes = ReadFile(Path("good.tshnsw"));
  ASSERT_TRUE(bytes.ok());
  std::string flipped = *bytes;
  flipped[flipped.size() / 2] ^= 0x40;
  ASSERT_TRUE(WriteFileAtomic(Path("flipped.tshnsw"), flipped).ok());
  ASSERT_TRUE(WriteFileAtomic(Path("short.tshnsw"), bytes->substr(0, bytes->size() - 100)).ok());
  ASSERT_TRUE(WriteFileAtomic(Path("empty.tshnsw"), "").ok());
  for (const char* name : {"flipped.tshnsw", "short.tshnsw", "empty.tshnsw"}) {
    auto g = VectorGraph::Open(Path(name), vectors_);
    ASSERT_FALSE(g.ok()) << name;
    EXPECT_EQ(g.status().code(), Status::Code::kCorruption) << name << ": " << g.status().message();
  }
  // A graph of another companion (same size, other content) does not apply.
  VectorSegmentBuilder other;
  std::vector<int8_t> row(kDim, 1);
  for (uint32_t i = 0; i < kRecords; ++i) other.Add(i, i, row, 0.01f);
  ASSERT_TRUE(other.FinishToFile(Path("other.tsvec"), kDim, 0xFEED, "test").ok());
  auto other_vectors = VectorSegmentReader::Open(Path("other.tsvec"));
  ASSERT_TRUE(other_vectors.ok());
  auto g = VectorGraph::Open(Path("good.tshnsw"), *other_vectors);
  ASSERT_FALSE(g.ok());
  EXPECT_NE(g.status().message().find("another vector companion"), std::string::npos);
}

TEST_F(HnswTest, FilteredSearchNeverReturnsRejectedRecords) {
  // A third of the records tombstoned, among them every query's best hits.
  std::vector<bool> deleted(kRecords, false);
  for (uint32_t d = 0; d < kRecords; d += 3) deleted[d] = true;
  const auto queries = Queries(30);
  for (const ScanQuery& q : queries) {
    for (uint32_t d : Exact(q, 5, [](uint32_t) { return true; })) deleted[d] = true;
  }
  auto keep = [&](uint32_t d) { return !deleted[d]; };
  size_t found = 0, wanted = 0;
  for (const ScanQuery& q : queries) {
    auto hits = graph_->SearchFiltered(q, 10, kGraphEfSearch, 0.6, keep);
    ASSERT_TRUE(hits.ok()) << hits.status().message();
    ASSERT_TRUE(hits->has_value());
    ASSERT_EQ((*hits)->size(), 10u);
    std::unordered_set<uint32_t> got;
    for (const auto& h : **hits) {
      EXPECT_FALSE(deleted[h.docno]) << h.docno;
      got.insert(h.docno);
    }
    for (uint32_t d : Exact(q, 10, keep)) found += got.count(d);
    wanted += 10;
  }
  EXPECT_GE(static_cast<double>(found) / static_cast<double>(wanted), 0.95);
}

TEST_F(HnswTest, FilterRejectingAlmostEverythingAsksForTheExactScan) {
  const auto q = Queries(1)[0];
  // Expected to keep 0.4%: the graph declines rather than fetch a quarter of itself.
  auto rare =
      graph_->SearchFiltered(q, 10, kGraphEfSearch, 0.004, [](uint32_t d) { return d % 250 == 1; });
  ASSERT_TRUE(rare.ok());
  EXPECT_FALSE(rare->has_value());
  // Expected to keep everything but keeping nothing: too few survive.
  auto none = graph_->SearchFiltered(q, 10, kGraphEfSearch, 1.0, [](uint32_t) { return false; });
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

}  // namespace
}  // namespace ts::semantic
