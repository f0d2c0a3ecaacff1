// Shared between the extractor's files (internal to src/graph).
#pragma once

#include <string_view>
#include <vector>

#include "graph/graph.h"
#include "graph/lexer.h"

namespace ts::graph {

// Import statements of one file, from its tokens.
std::vector<Import> ParseImports(std::string_view language, std::string_view content,
                                 const std::vector<Token>& toks);

// Index of the bracket that closes the one at `open` (same depth), or toks.size().
size_t MatchClose(const std::vector<Token>& toks, std::string_view content, size_t open);

inline bool IsPunct(std::string_view /*content*/, const Token& t, std::string_view p) {
  return t.kind == Tok::kPunct && t.code == PunctCode(p);
}
inline bool IsWord(std::string_view content, const Token& t, std::string_view w) {
  return t.kind == Tok::kIdent && TokText(content, t) == w;
}

}  // namespace ts::graph
