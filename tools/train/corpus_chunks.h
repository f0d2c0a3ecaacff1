// Chunks every file of a folder the way the index does (walker, ctags in
// batches of 64 files, ChunkFile), for the offline tools that measure the
// model outside the daemon (tools/train/eval_dense, bench/encode_bench).
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "chunk/chunk.h"
#include "semantic/semantic.h"
#include "util/file.h"
#include "walk/walk.h"

namespace ts::tools {

struct CorpusChunk {
  std::string path;
  int start_line = 0, end_line = 0;
  std::string code_input;  // what the code tower reads (semantic::CodeInput)
};

inline Result<std::vector<CorpusChunk>> ChunkCorpus(const std::string& root) {
  TS_ASSIGN_OR_RETURN(chunk::Ctags ctags, chunk::Ctags::Find());
  std::vector<walk::FileEntry> files;
  walk::WalkStats stats;
  TS_RETURN_IF_ERROR(walk::Walk(
      root, walk::WalkOptions(), [&](walk::FileEntry&& e) { files.push_back(std::move(e)); },
      &stats));
  std::vector<CorpusChunk> out;
  for (size_t b = 0; b < files.size(); b += 64) {
    std::vector<std::string> paths, contents, langs;
    for (size_t i = b; i < std::min(files.size(), b + 64); ++i) {
      auto content = ReadFile(root + "/" + files[i].rel_path);
      if (!content.ok()) continue;
      paths.push_back(files[i].rel_path);
      langs.push_back(chunk::DetectLanguage(files[i].rel_path, content->substr(0, 256)));
      contents.push_back(std::move(content).value());
    }
    TS_ASSIGN_OR_RETURN(auto tags, ctags.Run(root, paths));
    for (size_t i = 0; i < paths.size(); ++i) {
      for (const auto& c : chunk::ChunkFile(paths[i], contents[i], langs[i], tags[i])) {
        out.push_back(
            {paths[i], c.start_line, c.end_line,
             semantic::CodeInput(
                 paths[i], c.scope, c.symbol,
                 std::string_view(contents[i]).substr(c.byte_begin, c.byte_end - c.byte_begin))});
      }
    }
  }
  return out;
}

}  // namespace ts::tools
