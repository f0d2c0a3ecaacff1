// Helpers for chunk tests: a temp tree of source files and the real ctags.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "chunk/chunk.h"
#include "util/file.h"

namespace ts::chunk::testing {

class TempTree {
 public:
  TempTree() {
    char tmpl[] = "/tmp/ts-chunk-test-XXXXXX";
    root_ = ::mkdtemp(tmpl);
  }
  ~TempTree() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  void Write(const std::string& rel, const std::string& content) const {
    std::filesystem::create_directories(std::filesystem::path(root_ + "/" + rel).parent_path());
    ASSERT_TRUE(WriteFileAtomic(root_ + "/" + rel, content).ok());
  }
  const std::string& root() const { return root_; }

 private:
  std::string root_;
};

inline Ctags RealCtags() {
  auto c = Ctags::Find();
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return std::move(c).value();
}

// Chunks `content` as file `rel` with tags from the real ctags.
inline std::vector<Chunk> ChunkWithCtags(const std::string& rel, const std::string& content,
                                         const ChunkOptions& options = {}) {
  TempTree tree;
  tree.Write(rel, content);
  auto tags = RealCtags().Run(tree.root(), {rel});
  EXPECT_TRUE(tags.ok()) << tags.status().ToString();
  return ChunkFile(rel, content, DetectLanguage(rel, content.substr(0, 256)), (*tags)[0], options);
}

// The invariant every chunking must keep: every line with a letter or digit is
// covered, except lone short lines between definitions.
inline void ExpectCovered(const std::string& content, const std::vector<Chunk>& chunks) {
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < content.size()) {
    size_t nl = content.find('\n', pos);
    if (nl == std::string::npos) nl = content.size();
    lines.push_back(content.substr(pos, nl - pos));
    pos = nl + 1;
  }
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    bool wordy = std::any_of(l.begin(), l.end(),
                             [](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
    size_t b = l.find_first_not_of(" \t"), e = l.find_last_not_of(" \t\r");
    bool lone_short = b != std::string::npos && e - b + 1 < 40;
    if (!wordy || lone_short) continue;
    int line = static_cast<int>(i) + 1;
    bool covered = std::any_of(chunks.begin(), chunks.end(), [&](const Chunk& c) {
      return c.start_line <= line && line <= c.end_line;
    });
    EXPECT_TRUE(covered) << "line " << line << " not in any chunk: " << l;
  }
  for (const Chunk& c : chunks) {
    EXPECT_LE(c.start_line, c.end_line);
    EXPECT_LE(c.byte_end, content.size());
  }
}

inline const Chunk* Find(const std::vector<Chunk>& chunks, const std::string& symbol) {
  for (const auto& c : chunks) {
    if (c.symbol == symbol) return &c;
  }
  return nullptr;
}

}  // namespace ts::chunk::testing
