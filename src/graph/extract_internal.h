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

// The token accessors that the extractor's passes and the import parser
// share: a mixin for a class `Self` with members `s_` (the file's text) and
// `toks_` (its tokens), which names TokenAccessors<Self> a friend. An index
// past the last token is neither punctuation, a word nor an identifier.
template <typename Self>
class TokenAccessors {
 protected:
  std::string_view Text(size_t i) const { return TokText(Content(), Toks()[i]); }
  bool Punct(size_t i, std::string_view p) const {
    return i < Toks().size() && IsPunct(Content(), Toks()[i], p);
  }
  bool Word(size_t i, std::string_view w) const {
    return i < Toks().size() && IsWord(Content(), Toks()[i], w);
  }
  bool Ident(size_t i) const { return i < Toks().size() && Toks()[i].kind == Tok::kIdent; }

 private:
  std::string_view Content() const { return static_cast<const Self*>(this)->s_; }
  const std::vector<Token>& Toks() const { return static_cast<const Self*>(this)->toks_; }
};

}  // namespace ts::graph
