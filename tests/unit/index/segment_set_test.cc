// SegmentSet: the live segments of an index opened with their companions,
// the previous set's readers reused, tombstones masked, and a missing or
// damaged companion left out with its lane saying why. Segments written by a
// real update (real ctags, real files).
#include "index/segment_set.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "index/index.h"
#include "index/layout.h"

namespace ts::index {
namespace {

namespace fs = std::filesystem;

class SegmentSetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ts-segment-set-test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    base_ = tmpl;
    const std::string root = base_ + "/src";
    fs::create_directories(root);
    for (int i = 0; i < 3; ++i) {
      std::ofstream(root + "/m" + std::to_string(i) + ".py")
          << "def handler_" << i << "(request):\n    return request.value * " << i << "\n";
    }
    auto idx = Index::Create(base_ + "/index", "t", root);
    ASSERT_TRUE(idx.ok()) << idx.status().ToString();
    UpdateOptions options;
    options.threads = 1;
    UpdateSummary summary;
    ASSERT_TRUE((*idx)->Update(options, nullptr, &summary).ok());
    options_.segment_dir = SegmentDir(base_ + "/index");
    for (const auto& entry : fs::directory_iterator(options_.segment_dir)) {
      const std::string name = entry.path().filename().string();
      if (name.ends_with(".tsseg")) options_.names.push_back(name);
    }
    std::sort(options_.names.begin(), options_.names.end());
    options_.tombstones = &tombstones_;
    options_.ann_min_vectors = 1u << 30;
  }
  void TearDown() override { fs::remove_all(base_); }

  std::string base_;
  std::unordered_set<uint64_t> tombstones_;
  SegmentSetOptions options_;
};

TEST_F(SegmentSetTest, OpensEachSegmentWithItsCompanionsAndReusesThem) {
  ASSERT_FALSE(options_.names.empty());
  SegmentSet first = SegmentSet::Open(options_, {});
  ASSERT_EQ(first.lexical.size(), options_.names.size());
  EXPECT_TRUE(first.lexical_error.empty()) << first.lexical_error;
  ASSERT_TRUE(first.grep);
  EXPECT_EQ(first.grep->views.size(), options_.names.size());
  EXPECT_EQ(first.grep_live_files, 3u);
  ASSERT_TRUE(first.vectors);
  EXPECT_EQ(first.vectors->live_docs, 3u);
  EXPECT_EQ(first.readers.lexical.size(), options_.names.size());

  // The next set reuses every reader the first one had open.
  SegmentSet second = SegmentSet::Open(options_, first.readers);
  ASSERT_EQ(second.lexical.size(), first.lexical.size());
  for (size_t i = 0; i < first.lexical.size(); ++i) {
    EXPECT_EQ(second.lexical[i].segment.get(), first.lexical[i].segment.get());
    EXPECT_EQ(second.grep->views[i].segment.get(), first.grep->views[i].segment.get());
  }
}

TEST_F(SegmentSetTest, TombstonesMaskTheirDocuments) {
  SegmentSet clean = SegmentSet::Open(options_, {});
  ASSERT_FALSE(clean.lexical.empty());
  const lexical::SegmentView& view = clean.lexical[0];
  EXPECT_EQ(view.deleted, nullptr);
  tombstones_.insert(view.segment->doc_key(0));
  SegmentSet masked = SegmentSet::Open(options_, clean.readers);
  ASSERT_NE(masked.lexical[0].deleted, nullptr);
  EXPECT_TRUE((*masked.lexical[0].deleted)[0]);
  EXPECT_EQ(std::count(masked.lexical[0].deleted->begin(), masked.lexical[0].deleted->end(), true),
            1);
  EXPECT_EQ(masked.vectors->live_docs, 2u);
}

// The masks of a set opened with the tombstones added since the previous set
// equal a full recompute's, and a segment that none of them touches keeps
// its mask object: it was not tested document by document again.
TEST_F(SegmentSetTest, AddedTombstonesExtendThePreviousMasks) {
  // A second segment: one more file, updated on its own.
  std::ofstream(base_ + "/src/m3.py") << "def handler_3(request):\n    return None\n";
  {
    auto idx = Index::Open(base_ + "/index");
    ASSERT_TRUE(idx.ok()) << idx.status().ToString();
    UpdateSummary summary;
    ASSERT_TRUE((*idx)->UpdatePaths({"m3.py"}, UpdateOptions(), &summary).ok());
  }
  options_.names.clear();
  for (const auto& entry : fs::directory_iterator(options_.segment_dir)) {
    const std::string name = entry.path().filename().string();
    if (name.ends_with(".tsseg")) options_.names.push_back(name);
  }
  std::sort(options_.names.begin(), options_.names.end());
  ASSERT_EQ(options_.names.size(), 2u);

  SegmentSet first = SegmentSet::Open(options_, {});
  ASSERT_EQ(first.lexical.size(), 2u);
  std::vector<uint64_t> added = {first.lexical[0].segment->doc_key(1)};
  tombstones_.insert(added[0]);
  options_.added_tombstones = &added;
  SegmentSet second = SegmentSet::Open(options_, first.readers);
  ASSERT_NE(second.lexical[0].deleted, nullptr);
  EXPECT_TRUE((*second.lexical[0].deleted)[1]);
  EXPECT_EQ(second.lexical[1].deleted, nullptr);

  // The second segment's document and its file's grep key.
  added = {second.lexical[1].segment->doc_key(0), second.grep->views[1].segment->doc_key(0)};
  tombstones_.insert(added.begin(), added.end());
  SegmentSet third = SegmentSet::Open(options_, second.readers);
  EXPECT_EQ(third.lexical[0].deleted.get(), second.lexical[0].deleted.get());
  ASSERT_NE(third.lexical[1].deleted, nullptr);
  EXPECT_TRUE((*third.lexical[1].deleted)[0]);
  EXPECT_EQ(third.grep_live_files, second.grep_live_files - 1);

  options_.added_tombstones = nullptr;
  SegmentSet full = SegmentSet::Open(options_, {});
  for (size_t i = 0; i < 2; ++i) {
    ASSERT_EQ(full.lexical[i].deleted == nullptr, third.lexical[i].deleted == nullptr) << i;
    if (full.lexical[i].deleted) {
      EXPECT_EQ(*full.lexical[i].deleted, *third.lexical[i].deleted);
    }
    ASSERT_EQ(full.grep->views[i].deleted == nullptr, third.grep->views[i].deleted == nullptr);
    if (full.grep->views[i].deleted) {
      EXPECT_EQ(*full.grep->views[i].deleted, *third.grep->views[i].deleted);
    }
  }
  EXPECT_EQ(third.grep_live_files, full.grep_live_files);
  EXPECT_EQ(third.vectors->live_docs, full.vectors->live_docs);
}

TEST_F(SegmentSetTest, AMissingOrDamagedCompanionIsLeftOutAndSaysWhy) {
  const std::string& name = options_.names.front();
  fs::remove(options_.segment_dir + "/" + GrepSegmentName(name));
  std::ofstream(options_.segment_dir + "/" + VectorSegmentName(name), std::ios::trunc)
      << "not a vector companion";
  SegmentSet set = SegmentSet::Open(options_, {});
  EXPECT_EQ(set.lexical.size(), options_.names.size());  // the segment itself still answers
  EXPECT_EQ(set.grep->views.size(), options_.names.size() - 1);
  EXPECT_FALSE(set.vectors->error.empty());
  EXPECT_GT(set.vectors->missing, 0u);
  // A damaged lexical segment is left out too, and the lexical lane says why.
  std::ofstream(options_.segment_dir + "/" + name, std::ios::trunc) << "damaged";
  SegmentSet damaged = SegmentSet::Open(options_, {});
  EXPECT_EQ(damaged.lexical.size(), options_.names.size() - 1);
  EXPECT_FALSE(damaged.lexical_error.empty());
}

}  // namespace
}  // namespace ts::index
