// Updates and merges under injected I/O faults (util/fault_file_system.h):
// the n-th write, fsync, rename or directory fsync fails, with or without a
// power cut after it. Whatever fails, the index reopens, holds each file in
// one whole version (the one before the update or the one after), and the
// next clean update brings it exactly to the tree on disk. A power cut after
// an update that succeeded loses nothing of it: breaking the commit protocol
// (a segment not fsynced before the catalog names it) fails these tests.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "index/index.h"
#include "util/fault_file_system.h"
#include "util/file_system.h"

namespace ts::index {
namespace {

namespace fs = std::filesystem;
using Op = FaultInjectionFileSystem::Op;
// Every kind of call the seam can fail: our durable writes, then SQLite's
// writes and syncs of the catalog (index/catalog_vfs.cc).
constexpr Op kOps[] = {Op::kWrite,   Op::kSync,          Op::kRename,
                       Op::kSyncDir, Op::kDatabaseWrite, Op::kDatabaseSync};

constexpr int kFiles = 24;     // files 0..23 before the update
constexpr int kModified = 10;  // 0..9 get a new version
constexpr int kDeleted = 4;    // 10..13 are deleted
constexpr int kAdded = 6;      // 24..29 are added

// One token per (file, version): "zqold" + two letters.
std::string VersionWord(const std::string& version, int i) {
  return "zq" + version + static_cast<char>('a' + i / 26) + static_cast<char>('a' + i % 26);
}

std::string FilePath(int i) {
  return "m/f" + std::to_string(i) + ".py";
}

class FaultInjectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ts-fault-test.XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    base_ = tmpl;
  }
  void TearDown() override { fs::remove_all(base_); }

  void Write(const std::string& root, int i, const std::string& version) {
    fs::create_directories(root + "/m");
    std::ofstream(root + "/" + FilePath(i))
        << "def " << VersionWord(version, i) << "(value):\n    return value * " << i << "\n";
  }
  static UpdateOptions Small() {
    UpdateOptions o;
    o.threads = 2;
    o.round_bytes = 400;  // a commit every few files
    o.max_segments = 2;   // and merges, in the background and at the end
    return o;
  }
  // The index of the "before" tree, kept aside as a template, and the tree
  // changed to "after" (every scenario starts from a copy of the template;
  // the root's path, stored in the index, stays the same).
  void Prepare() {
    const std::string root = base_ + "/src";
    for (int i = 0; i < kFiles; ++i) Write(root, i, "old");
    {
      auto idx = Index::Create(base_ + "/template", "t", root);
      ASSERT_TRUE(idx.ok()) << idx.status().ToString();
      UpdateSummary summary;
      Status s = (*idx)->Update(Small(), nullptr, &summary);
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
    for (int i = 0; i < kModified; ++i) Write(root, i, "new");
    for (int i = kModified; i < kModified + kDeleted; ++i) fs::remove(root + "/" + FilePath(i));
    for (int i = kFiles; i < kFiles + kAdded; ++i) Write(root, i, "new");
  }
  // A fresh copy of the template; returns its directory.
  std::string Fresh() {
    const std::string dir = base_ + "/index";
    fs::remove_all(dir);
    fs::copy(base_ + "/template", dir, fs::copy_options::recursive);
    return dir;
  }
  static std::vector<std::string> Files(const Index& idx, const std::string& word) {
    QueryOptions q;
    q.mode = "lexical";
    q.top_k = 10;
    q.include_content = false;
    auto r = idx.Query(word, q);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<std::string> files;
    if (r.ok()) {
      for (const auto& h : r->hits) files.push_back(h.file);
    }
    return files;
  }
  // Every file is there in one whole version: before or after the update.
  static void ExpectWholeVersions(const Index& idx, const std::string& what) {
    for (int i = 0; i < kFiles + kAdded; ++i) {
      const auto old_hits = Files(idx, VersionWord("old", i));
      const auto new_hits = Files(idx, VersionWord("new", i));
      const std::vector<std::string> one = {FilePath(i)};
      const bool has_old = old_hits == one, has_new = new_hits == one;
      EXPECT_TRUE(old_hits.empty() || has_old) << what << " file " << i;
      EXPECT_TRUE(new_hits.empty() || has_new) << what << " file " << i;
      EXPECT_FALSE(has_old && has_new) << what << " file " << i << " is there twice";
      if (i < kModified) {
        EXPECT_TRUE(has_old || has_new) << what << " lost file " << i;
      }
      if (i >= kModified && i < kFiles) {
        EXPECT_FALSE(has_new) << what << " file " << i;
      }
      if (i >= kFiles) {
        EXPECT_FALSE(has_old) << what << " file " << i;
      }
      if (i >= kModified + kDeleted && i < kFiles) {
        EXPECT_TRUE(has_old) << what << " lost unchanged file " << i;
      }
    }
  }
  // Exactly the "after" tree.
  static void ExpectAfter(const Index& idx, const std::string& what) {
    EXPECT_EQ(idx.Info().files, static_cast<uint64_t>(kFiles - kDeleted + kAdded)) << what;
    for (int i = 0; i < kFiles + kAdded; ++i) {
      const bool deleted = i >= kModified && i < kModified + kDeleted;
      const bool is_new = i < kModified || i >= kFiles;
      const std::vector<std::string> one = {FilePath(i)};
      EXPECT_EQ(Files(idx, VersionWord("old", i)),
                deleted || is_new ? std::vector<std::string>{} : one)
          << what << " file " << i;
      EXPECT_EQ(Files(idx, VersionWord("new", i)), is_new ? one : std::vector<std::string>{})
          << what << " file " << i;
    }
  }

  // The update under `faults`, then maybe a power cut; the index must reopen
  // whole, and a clean update must finish the job.
  // `update_failed`: whether the update under the fault failed.
  void RunScenario(const std::string& name, Op op, uint64_t n, bool power_cut,
                   bool* update_failed) {
    const std::string index_dir = Fresh();
    FaultInjectionFileSystem faults;
    {
      ScopedFileSystem scope(&faults);
      faults.FailNth(op, n);
      auto idx = Index::Open(index_dir);
      ASSERT_TRUE(idx.ok()) << idx.status().ToString();
      UpdateSummary summary;
      // It may fail: that is the point.
      *update_failed = !(*idx)->Update(Small(), nullptr, &summary).ok();
    }
    if (power_cut) {
      ASSERT_TRUE(faults.DropUnsyncedData().ok()) << name;
    }
    auto reopened = Index::Open(index_dir);
    ASSERT_TRUE(reopened.ok()) << name << ": " << reopened.status().ToString();
    ExpectWholeVersions(**reopened, name);
    UpdateSummary summary;
    Status s = (*reopened)->Update(Small(), nullptr, &summary);
    ASSERT_TRUE(s.ok()) << name << ": " << s.ToString();
    ExpectAfter(**reopened, name + ", then a clean update");
  }

  std::string base_;
};

TEST_F(FaultInjectionTest, APowerCutAfterASuccessfulUpdateLosesNothing) {
  Prepare();
  ASSERT_FALSE(HasFatalFailure());
  const std::string index_dir = Fresh();
  FaultInjectionFileSystem faults;
  {
    ScopedFileSystem scope(&faults);
    auto idx = Index::Open(index_dir);
    ASSERT_TRUE(idx.ok()) << idx.status().ToString();
    UpdateSummary summary;
    Status s = (*idx)->Update(Small(), nullptr, &summary);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_GT(summary.commits, 2u);
  }
  EXPECT_GT(faults.Count(Op::kSync), 2u) << "the update's writes went through the seam";
  ASSERT_TRUE(faults.DropUnsyncedData().ok());
  auto reopened = Index::Open(index_dir);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  ExpectAfter(**reopened, "after a power cut");
}

TEST_F(FaultInjectionTest, EveryFailedWriteLeavesACommittedStateAndNothingLost) {
  Prepare();
  ASSERT_FALSE(HasFatalFailure());
  // How many calls of each kind a fault-free update makes.
  std::map<Op, uint64_t> calls;
  {
    const std::string index_dir = Fresh();
    FaultInjectionFileSystem counter;
    ScopedFileSystem scope(&counter);
    auto idx = Index::Open(index_dir);
    ASSERT_TRUE(idx.ok());
    UpdateSummary summary;
    ASSERT_TRUE((*idx)->Update(Small(), nullptr, &summary).ok());
    for (Op op : kOps) calls[op] = counter.Count(op);
  }
  int scenarios = 0;
  int failed_database_updates = 0;  // the catalog's faults reach the update
  for (Op op : kOps) {
    ASSERT_GT(calls[op], 0u) << static_cast<int>(op);
    // Three points per kind: the update's first call, its middle one and its last.
    std::set<uint64_t> points;
    for (uint64_t k = 0; k <= 2; ++k) points.insert(1 + k * (calls[op] - 1) / 2);
    // The catalog's own files are SQLite's to keep whole across a power cut
    // (its journal); the seam fails its calls, it does not model its cache.
    const bool database = op == Op::kDatabaseWrite || op == Op::kDatabaseSync;
    for (uint64_t n : points) {
      for (bool power_cut : {false, true}) {
        if (database && power_cut) continue;
        bool update_failed = false;
        RunScenario("op" + std::to_string(static_cast<int>(op)) + "_n" + std::to_string(n) +
                        (power_cut ? "_cut" : ""),
                    op, n, power_cut, &update_failed);
        ++scenarios;
        if (database && update_failed) ++failed_database_updates;
        if (HasFatalFailure()) return;
      }
    }
  }
  EXPECT_GE(scenarios, 18);
  EXPECT_GT(failed_database_updates, 0);
}

}  // namespace
}  // namespace ts::index
