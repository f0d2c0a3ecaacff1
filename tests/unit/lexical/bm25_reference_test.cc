// Checks block-max WAND against a brute-force BM25 over the same tokens.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>

#include <filesystem>
#include "lexical/lexical.h"
#include "util/file.h"
#include "util/hash.h"

namespace ts::lexical {
namespace {

struct Doc {
  StoredDoc stored;
  std::string body, symbol, path;
  std::map<std::string, uint32_t> tf;  // weighted term frequencies, filled by Precompute
};

std::vector<std::string> MakeVocab(std::mt19937& rng, size_t n) {
  std::set<std::string> words;
  std::uniform_int_distribution<int> len(3, 8), letter(0, 25);
  while (words.size() < n) {
    std::string w;
    for (int i = len(rng); i > 0; --i) w.push_back(static_cast<char>('a' + letter(rng)));
    words.insert(w);
  }
  return {words.begin(), words.end()};
}

std::vector<Doc> MakeCorpus(std::mt19937& rng, const std::vector<std::string>& vocab, size_t n,
                            uint64_t first_key) {
  // Zipf-like: low indexes are frequent, so some postings lists span many blocks.
  std::uniform_real_distribution<double> u(0, 1);
  auto word = [&]() {
    size_t i = static_cast<size_t>(std::pow(u(rng), 3.0) * vocab.size());
    return vocab[std::min(i, vocab.size() - 1)];
  };
  std::uniform_int_distribution<int> body_len(1, 80), sym_len(0, 2);
  std::vector<Doc> docs;
  for (size_t i = 0; i < n; ++i) {
    Doc d;
    d.stored.key = first_key + i;
    d.stored.chunk_id = "c" + std::to_string(first_key + i);
    d.stored.path = (i % 3 == 0 ? "src/" : "lib/") + word() + ".c";
    d.path = d.stored.path;
    for (int j = body_len(rng); j > 0; --j) d.body += word() + " ";
    for (int j = sym_len(rng); j > 0; --j) d.symbol += word() + " ";
    d.stored.symbol = d.symbol;
    FieldWeights w;
    for (auto& t : TokenizeToVector(d.body)) d.tf[t] += w.body;
    for (auto& t : TokenizeToVector(d.symbol)) d.tf[t] += w.symbol;
    for (auto& t : TokenizeToVector(d.path)) d.tf[t] += w.path;
    docs.push_back(d);
  }
  return docs;
}

// The obviously-correct scorer: every document, every query term.
std::vector<std::pair<uint64_t, double>> BruteForce(const std::vector<Doc>& live,
                                                    const std::vector<Doc>& all_stored,
                                                    const std::vector<std::string>& query, size_t k,
                                                    const std::string& prefix = "") {
  FieldWeights w;
  Bm25Params p;
  auto weighted_tf = [&](const Doc& d) {
    std::map<std::string, uint32_t> tf;
    for (auto& t : TokenizeToVector(d.body)) tf[t] += w.body;
    for (auto& t : TokenizeToVector(d.symbol)) tf[t] += w.symbol;
    for (auto& t : TokenizeToVector(d.path)) tf[t] += w.path;
    return tf;
  };
  auto length = [&](const std::map<std::string, uint32_t>& tf) {
    uint64_t l = 0;
    for (auto& [t, f] : tf) l += f;
    return l;
  };
  // df and avgdl over stored docs (deleted included), N over live docs: the documented model.
  std::map<std::string, uint64_t> df;
  uint64_t total = 0;
  for (const auto& d : all_stored) {
    const auto& tf = d.tf.empty() ? weighted_tf(d) : d.tf;
    total += length(tf);
    for (auto& [t, f] : tf) ++df[t];
  }
  double avgdl = std::max(1.0, static_cast<double>(total) / all_stored.size());
  double n = static_cast<double>(live.size());
  std::map<std::string, uint32_t> qtf;
  for (auto& t : query) ++qtf[t];
  std::vector<std::pair<uint64_t, double>> scored;
  for (const auto& d : live) {
    if (!prefix.empty() && d.stored.path.rfind(prefix, 0) != 0) continue;
    const auto& tf = d.tf.empty() ? weighted_tf(d) : d.tf;
    double dl = static_cast<double>(length(tf));
    double s = 0;
    bool matched = false;
    for (auto& [t, c] : qtf) {
      auto it = tf.find(t);
      if (it == tf.end()) continue;
      matched = true;
      double dft = std::min<double>(static_cast<double>(df[t]), n);
      double idf = std::log(1.0 + (n - dft + 0.5) / (dft + 0.5));
      double f = it->second;
      s += idf * c * f * (p.k1 + 1) / (f + p.k1 * (1 - p.b + p.b * dl / avgdl));
    }
    if (matched) scored.emplace_back(d.stored.key, s);
  }
  std::sort(scored.begin(), scored.end(), [](auto& a, auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (scored.size() > k) scored.resize(k);
  return scored;
}

std::string BuildSegment(const std::vector<Doc>& docs) {
  SegmentBuilder builder;
  for (const auto& d : docs) builder.Add(d.stored, d.body, d.symbol, d.path);
  return builder.Finish();
}

// Scores must agree to 1e-5; ids must agree wherever the score is not tied
// with a neighbour (tie order among equal scores is not part of the contract).
void ExpectSameTopK(const std::vector<std::pair<uint64_t, double>>& want,
                    const std::vector<ScoredDoc>& got) {
  ASSERT_EQ(want.size(), got.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_NEAR(want[i].second, got[i].score, 1e-5) << "rank " << i;
    bool tied = (i > 0 && std::abs(want[i - 1].second - want[i].second) < 1e-9) ||
                (i + 1 < want.size() && std::abs(want[i + 1].second - want[i].second) < 1e-9);
    if (!tied) {
      EXPECT_EQ(want[i].first, got[i].key) << "rank " << i;
    }
  }
}

std::vector<std::vector<std::string>> MakeQueries(std::mt19937& rng,
                                                  const std::vector<std::string>& vocab) {
  std::vector<std::vector<std::string>> queries;
  std::uniform_int_distribution<size_t> pick(0, vocab.size() - 1), small(0, 15);
  std::uniform_int_distribution<int> nterms(1, 5);
  for (int q = 0; q < 30; ++q) {
    std::vector<std::string> terms;
    for (int i = nterms(rng); i > 0; --i) terms.push_back(vocab[q % 2 ? pick(rng) : small(rng)]);
    queries.push_back(terms);
  }
  queries.push_back({"zzzznotaword"});
  return queries;
}

TEST(Bm25Reference, SingleSegmentMatchesBruteForce) {
  std::mt19937 rng(42);
  auto vocab = MakeVocab(rng, 300);
  auto docs = MakeCorpus(rng, vocab, 3000, 1);
  std::string bytes = BuildSegment(docs);
  auto seg = SegmentReader::FromBytes(bytes);
  ASSERT_TRUE(seg.ok()) << seg.status().ToString();
  Snapshot snap({SegmentView{*seg, nullptr, ""}});
  for (const auto& q : MakeQueries(rng, vocab)) {
    for (size_t k : {1, 10, 50}) {
      SearchOptions opts;
      opts.top_k = k;
      ExpectSameTopK(BruteForce(docs, docs, q, k), snap.SearchTerms(q, opts));
    }
  }
}

TEST(Bm25Reference, ManySegmentsAndPathPrefix) {
  std::mt19937 rng(7);
  auto vocab = MakeVocab(rng, 200);
  std::vector<Doc> all;
  std::vector<std::string> images;
  for (int s = 0; s < 4; ++s) {
    auto docs = MakeCorpus(rng, vocab, 700, all.size() + 1);
    images.push_back(BuildSegment(docs));
    all.insert(all.end(), docs.begin(), docs.end());
  }
  std::vector<SegmentView> views;
  for (const auto& img : images) views.push_back({*SegmentReader::FromBytes(img), nullptr, "s"});
  Snapshot snap(views);
  for (const auto& q : MakeQueries(rng, vocab)) {
    SearchOptions opts;
    ExpectSameTopK(BruteForce(all, all, q, 10), snap.SearchTerms(q, opts));
    opts.path_prefix = "src/";
    ExpectSameTopK(BruteForce(all, all, q, 10, "src/"), snap.SearchTerms(q, opts));
  }
}

TEST(Bm25Reference, TombstonesHideDocsAndMergeDropsThem) {
  std::mt19937 rng(99);
  auto vocab = MakeVocab(rng, 150);
  auto a = MakeCorpus(rng, vocab, 900, 1);
  auto b = MakeCorpus(rng, vocab, 900, 1001);
  std::string ia = BuildSegment(a), ib = BuildSegment(b);
  auto deleted_a = std::make_shared<std::vector<bool>>(a.size(), false);
  auto deleted_b = std::make_shared<std::vector<bool>>(b.size(), false);
  std::vector<Doc> live, stored = a;
  stored.insert(stored.end(), b.begin(), b.end());
  for (size_t i = 0; i < a.size(); ++i) {
    if (i % 3 == 0) {
      (*deleted_a)[i] = true;
    } else {
      live.push_back(a[i]);
    }
  }
  for (size_t i = 0; i < b.size(); ++i) {
    if (i % 5 == 1) {
      (*deleted_b)[i] = true;
    } else {
      live.push_back(b[i]);
    }
  }
  std::vector<SegmentView> views = {{*SegmentReader::FromBytes(ia), deleted_a, "a"},
                                    {*SegmentReader::FromBytes(ib), deleted_b, "b"}};
  Snapshot snap(views);
  EXPECT_EQ(snap.live_docs(), live.size());
  auto queries = MakeQueries(rng, vocab);
  for (const auto& q : queries) {
    SearchOptions opts;
    opts.top_k = 20;
    ExpectSameTopK(BruteForce(live, stored, q, 20), snap.SearchTerms(q, opts));
  }
  // After a merge the deleted documents are gone from the statistics too.
  std::string merged = MergeSegments(views);
  auto mseg = SegmentReader::FromBytes(merged);
  ASSERT_TRUE(mseg.ok());
  EXPECT_EQ((*mseg)->doc_count(), live.size());
  Snapshot msnap({SegmentView{*mseg, nullptr, "m"}});
  for (const auto& q : queries) {
    SearchOptions opts;
    opts.top_k = 20;
    ExpectSameTopK(BruteForce(live, live, q, 20), msnap.SearchTerms(q, opts));
  }
}

TEST(Segment, StoredFieldsRoundTrip) {
  SegmentBuilder builder;
  StoredDoc d;
  d.key = 77;
  d.chunk_id = "0123456789abcdef";
  d.path = "src/a b/файл.py";
  d.symbol = "parse";
  d.scope = "Parser";
  d.kind = "method";
  d.language = "python";
  d.start_line = 10;
  d.end_line = 42;
  builder.Add(d, "def parse(self): pass", "parse", d.path);
  std::string bytes = builder.Finish();
  auto seg = SegmentReader::FromBytes(bytes);
  ASSERT_TRUE(seg.ok());
  StoredDoc got = (*seg)->Doc(0);
  EXPECT_EQ(got.key, 77u);
  EXPECT_EQ(got.chunk_id, d.chunk_id);
  EXPECT_EQ(got.path, d.path);
  EXPECT_EQ(got.scope, "Parser");
  EXPECT_EQ(got.kind, "method");
  EXPECT_EQ(got.start_line, 10u);
  EXPECT_EQ(got.end_line, 42u);
  // The view has the same fields, read in place from the segment's bytes.
  StoredDocView view = (*seg)->DocView(0);
  EXPECT_EQ(view.key, 77u);
  EXPECT_EQ(view.chunk_id, d.chunk_id);
  EXPECT_EQ(view.path, d.path);
  EXPECT_EQ(view.symbol, "parse");
  EXPECT_EQ(view.language, "python");
  EXPECT_EQ(view.end_line, 42u);
  EXPECT_GE(view.path.data(), bytes.data());
  EXPECT_LE(view.path.data() + view.path.size(), bytes.data() + bytes.size());
  // A docno past the end reads as an empty record, as Doc does.
  EXPECT_TRUE((*seg)->DocView(1).path.empty());
}

TEST(Segment, CorruptionIsDetected) {
  SegmentBuilder builder;
  StoredDoc d;
  d.key = 1;
  builder.Add(d, "hello world", "", "a.c");
  std::string bytes = builder.Finish();
  ASSERT_TRUE(SegmentReader::FromBytes(bytes).ok());
  for (size_t pos : {size_t{0}, size_t{9}, bytes.size() / 2, bytes.size() - 1}) {
    std::string bad = bytes;
    bad[pos] = static_cast<char>(bad[pos] ^ 0x5a);
    auto r = SegmentReader::FromBytes(bad);
    ASSERT_FALSE(r.ok()) << "flip at " << pos;
    EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
  }
  EXPECT_FALSE(SegmentReader::FromBytes(bytes.substr(0, bytes.size() - 5)).ok());
  EXPECT_FALSE(SegmentReader::FromBytes("").ok());
}

}  // namespace
}  // namespace ts::lexical

namespace ts::lexical {
namespace {

// Writing a segment straight to a file must give the same bytes as building it
// in memory, and the reported checksum must be that of the file.
TEST(Segment, StreamedFileEqualsInMemoryImage) {
  std::mt19937 rng(5);
  auto vocab = MakeVocab(rng, 100);
  auto docs = MakeCorpus(rng, vocab, 500, 1);
  std::string image = BuildSegment(docs);
  char dir[] = "/tmp/ts-seg-test-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  std::string path = std::string(dir) + "/s.tsseg";
  SegmentBuilder builder;
  for (const auto& d : docs) builder.Add(d.stored, d.body, d.symbol, d.path);
  auto info = builder.FinishToFile(path);
  ASSERT_TRUE(info.ok()) << info.status().ToString();
  auto bytes = ReadFile(path);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, image);
  EXPECT_EQ(info->byte_size, image.size());
  EXPECT_EQ(info->doc_count, docs.size());
  EXPECT_EQ(info->checksum, Hash64(image));
  auto views = std::vector<SegmentView>{{*SegmentReader::FromBytes(image), nullptr, "a"}};
  auto merged = MergeSegmentsToFile(views, path + ".m");
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(*ReadFile(path + ".m"), MergeSegments(views));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ts::lexical
