// Fixtures for the walk tests: a fresh temporary directory per test, removed
// afterwards, with helpers to populate it.
#pragma once

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include <gtest/gtest.h>

#include "walk/walk.h"

namespace ts::walk::testing {

class TempTree {
 public:
  TempTree() {
    std::string pattern = (std::filesystem::temp_directory_path() / "ts_walk_XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    root_ = pattern;
  }
  ~TempTree() {
    // Restore permissions a test removed, so that removal works for non-root.
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(
             root_, std::filesystem::directory_options::skip_permission_denied, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_directory(ec) && !it->is_symlink(ec)) ::chmod(it->path().c_str(), 0755);
    }
    std::filesystem::remove_all(root_, ec);
  }
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;

  const std::string& root() const { return root_; }
  std::string Path(const std::string& rel) const { return root_ + "/" + rel; }

  // Creates the file and any missing parent directories.
  void Write(const std::string& rel, const std::string& content = "text\n") const {
    std::filesystem::path path(Path(rel));
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    ASSERT_FALSE(ec) << ec.message();
    FILE* file = std::fopen(path.c_str(), "wb");
    ASSERT_NE(file, nullptr) << path;
    ASSERT_EQ(std::fwrite(content.data(), 1, content.size(), file), content.size());
    std::fclose(file);
  }
  void MakeDir(const std::string& rel) const {
    std::error_code ec;
    std::filesystem::create_directories(Path(rel), ec);
    ASSERT_FALSE(ec) << ec.message();
  }
  void Symlink(const std::string& target, const std::string& rel) const {
    ASSERT_EQ(::symlink(target.c_str(), Path(rel).c_str()), 0) << rel;
  }

 private:
  std::string root_;
};

struct WalkOutput {
  Status status;
  std::vector<std::string> paths;
  std::vector<FileEntry> entries;
  WalkStats stats;

  uint64_t Skipped(SkipReason reason) const {
    auto it = stats.skipped.find(std::string(SkipReasonName(reason)));
    return it == stats.skipped.end() ? 0 : it->second;
  }
};

inline WalkOutput RunWalk(const std::string& root, const WalkOptions& options = {}) {
  WalkOutput out;
  out.status = Walk(
      root, options,
      [&out](FileEntry&& entry) {
        out.paths.push_back(entry.rel_path);
        out.entries.push_back(std::move(entry));
      },
      &out.stats);
  return out;
}

}  // namespace ts::walk::testing
