// A small per-language lexer for the graph extractor (internal to src/graph).
// It yields identifiers, punctuation, string literals and numbers with their
// lines, and drops comments, so that a call inside a comment or a string is
// never taken for one. It is not a parser: just enough to find call sites,
// definitions' bodies, imports and assignments.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace ts::graph {

enum class Tok : uint8_t {
  kIdent,
  kPunct,
  kString,
  kNumber,
  kInclude,    // C preprocessor #include/#import: text is the path with its delimiters
  kDirective,  // other preprocessor line (#define keeps lexing its body; the rest is skipped)
};

enum TokFlag : uint8_t {
  kLineStart = 1,  // first token of its physical line
  kStmtStart = 2,  // Python: first token of a logical line (outside brackets, no continuation)
  kPreproc = 4,    // inside a C preprocessor line
};

// Up to three punctuation characters packed in an integer: a punctuation
// token is compared by value, not through its text.
constexpr uint32_t PunctCode(std::string_view p) {
  uint32_t c = 0;
  for (size_t i = 0; i < p.size() && i < 3; ++i)
    c |= static_cast<uint32_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return c;
}

struct Token {
  uint32_t begin = 0, end = 0;  // byte offsets into the content
  uint32_t line = 0;            // 1-based
  uint32_t code = 0;            // kPunct: PunctCode of its text
  Tok kind = Tok::kPunct;
  uint8_t flags = 0;
  // Bracket depth at the token (opening brackets count before, closing after).
  uint16_t depth = 0;
};

struct LexOptions {
  bool slash_comments = true;  // // and /* */
  bool hash_comments = false;  // # to end of line
  bool dash_comments = false;  // -- (Lua, SQL)
  bool preprocessor = false;   // C: # at line start
  bool char_literals = false;  // 'x' is a character (C, Java, Go runes, Rust but lifetimes)
  bool rust = false;           // lifetimes, raw strings r#"..."#, nested block comments
  bool single_quote_strings = false;
  bool backtick_strings = false;   // Go raw strings
  bool template_literals = false;  // JS/TS `...${expr}...`: the expressions are lexed
  bool triple_quotes = false;      // """...""" (Python, Kotlin, Scala, Swift, Java)
  bool python = false;             // string prefixes, f-strings, logical lines
  bool dollar_idents = false;      // $ is an identifier character (JS, PHP)
};

LexOptions LexOptionsFor(std::string_view language);

std::vector<Token> Lex(std::string_view content, const LexOptions& options);

inline std::string_view TokText(std::string_view content, const Token& t) {
  return content.substr(t.begin, t.end - t.begin);
}

// The value of a string literal token without prefix and quotes (escapes kept).
std::string_view StringValue(std::string_view content, const Token& t);

}  // namespace ts::graph
