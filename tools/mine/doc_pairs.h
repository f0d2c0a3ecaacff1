// What a definition's doc comment says, as the query of a (query, code)
// training pair: the comment found (leading comments or a docstring),
// cleaned, cut to its first sentence and judged usable. Internal to
// mine_pairs.
#pragma once

#include <string>
#include <string_view>

namespace ts::mine {

inline constexpr int kMinWords = 4, kMaxWords = 30;  // as make_pydoc_eval.py
inline constexpr int kMaxCodeLines = 200;

// Languages whose definitions are mined; everything else is skipped unread.
bool MinedLanguage(std::string_view lang);
// Chunk kinds that are definitions (functions, methods, types).
bool DefinitionKind(std::string_view kind);
bool StartsWith(std::string_view s, std::string_view p);
// The first `max_lines` lines of `code`.
std::string CutLines(std::string_view code, int max_lines);
// The pair a definition chunk makes: its doc comment's first sentence and
// its code without the comment; false when it has no usable comment.
bool PairFromChunk(std::string_view lang, std::string_view text, std::string* query,
                   std::string* code);

}  // namespace ts::mine
