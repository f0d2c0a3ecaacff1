#include "graph/lexer.h"

#include <cstring>
#include <string>

namespace ts::graph {
namespace {

bool IsIdentStart(unsigned char c, bool dollar) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80 ||
         (dollar && c == '$');
}
bool IsIdentChar(unsigned char c, bool dollar) {
  return IsIdentStart(c, dollar) || (c >= '0' && c <= '9');
}
bool IsDigit(unsigned char c) {
  return c >= '0' && c <= '9';
}

// The length of the operator starting with a, b, c: "...", "**=", "//=", ">>=",
// "<<=", "===", "!==", "..=" and two-character ones ("->", "::", "?.", "=>",
// ":=", "==", "!=", "<=", ">=", "op=", "**", "//", "<<", ">>", "&&", "||",
// "++", "--", "..") are one token.
size_t PunctLength(unsigned char a, unsigned char b, unsigned char c) {
  switch (a) {
    case '.':
      if (b == '.') return c == '.' || c == '=' ? 3 : 2;
      return 1;
    case '*':
    case '/':
    case '<':
    case '>':
      if (b == a) return c == '=' ? 3 : 2;
      if (b == '=') return 2;
      if (a == '<' && b == '=') return 2;
      return 1;
    case '=':
    case '!':
      if (b == '=') return c == '=' ? 3 : 2;
      if (a == '=' && b == '>') return 2;
      return 1;
    case '-':
      return b == '>' || b == '-' || b == '=' ? 2 : 1;
    case '+':
      return b == '+' || b == '=' ? 2 : 1;
    case ':':
      return b == ':' || b == '=' ? 2 : 1;
    case '?':
      return b == '.' ? 2 : 1;
    case '&':
    case '|':
      return b == a || b == '=' ? 2 : 1;
    case '%':
    case '^':
    case '@':
      return b == '=' ? 2 : 1;
    default:
      return 1;
  }
}

class Lexer {
 public:
  Lexer(std::string_view src, const LexOptions& o, std::vector<Token>* out)
      : s_(src), o_(o), out_(out) {}

  // Lexes [begin, end) starting at `line`. Used recursively for f-string fields.
  void Run(size_t begin, size_t end, uint32_t line) {
    i_ = begin;
    end_ = end;
    line_ = line;
    line_has_token_ = false;
    while (i_ < end_) Step();
  }

 private:
  unsigned char At(size_t i) const { return i < end_ ? static_cast<unsigned char>(s_[i]) : 0; }

  void Newline() {
    ++line_;
    line_has_token_ = false;
    if (in_preproc_ && !continued_) in_preproc_ = false;
    stmt_pending_ = depth_ == 0 && !continued_;
    continued_ = false;
  }

  // Moves i_ past the first `close` at or after `search_from` (to the end when
  // there is none), counting the lines it crosses.
  void SkipPast(std::string_view close, size_t search_from) {
    size_t stop = s_.find(close, search_from);
    size_t j = stop == std::string_view::npos || stop >= end_ ? end_ : stop + close.size();
    for (size_t x = i_; x < j; ++x) {
      if (s_[x] == '\n') Newline();
    }
    i_ = j;
  }

  void Emit(Tok kind, size_t b, size_t e, uint32_t line) {
    Token t;
    t.begin = static_cast<uint32_t>(b);
    t.end = static_cast<uint32_t>(e);
    t.line = line;
    t.kind = kind;
    if (!line_has_token_) t.flags |= kLineStart;
    if (o_.python && (stmt_pending_ || out_->empty())) t.flags |= kStmtStart;
    if (in_preproc_) t.flags |= kPreproc;
    if (kind == Tok::kPunct) t.code = PunctCode(s_.substr(b, std::min<size_t>(e - b, 3)));
    stmt_pending_ = false;
    line_has_token_ = true;
    t.depth = static_cast<uint16_t>(depth_ < 0 ? 0 : depth_ > 65535 ? 65535 : depth_);
    out_->push_back(t);
  }

  // Skips to the end of the line (not past the newline).
  void SkipToEol() {
    const void* nl = std::memchr(s_.data() + i_, '\n', end_ - i_);
    i_ = nl == nullptr ? end_ : static_cast<size_t>(static_cast<const char*>(nl) - s_.data());
  }

  void BlockComment() {
    int nest = 1;
    i_ += 2;
    while (i_ < end_ && nest > 0) {
      if (s_[i_] == '\n') {
        Newline();
        ++i_;
      } else if (s_[i_] == '*' && At(i_ + 1) == '/') {
        --nest;
        i_ += 2;
      } else if (o_.rust && s_[i_] == '/' && At(i_ + 1) == '*') {
        ++nest;
        i_ += 2;
      } else {
        ++i_;
      }
    }
  }

  // A quoted string starting at i_ (the quote). `raw`: no escapes.
  void QuotedString(size_t tok_begin, char quote, bool raw, bool multiline) {
    uint32_t line = line_;
    ++i_;
    while (i_ < end_) {
      char c = s_[i_];
      if (c == '\\' && !raw) {
        if (At(i_ + 1) == '\n') Newline();
        i_ += 2;
        continue;
      }
      if (c == '\n') {
        if (!multiline) break;  // unterminated: stop at the line's end
        Newline();
      }
      ++i_;
      if (c == quote) break;
    }
    Emit(Tok::kString, tok_begin, std::min(i_, end_), line);
  }

  // Python strings (with prefixes), triple-quoted or not; f-strings have
  // their {fields} lexed as code.
  void PythonString(size_t tok_begin, std::string_view prefix) {
    bool fmt = prefix.find_first_of("fF") != std::string_view::npos;
    char q = s_[i_];
    bool triple =
        At(i_ + 1) == static_cast<unsigned char>(q) && At(i_ + 2) == static_cast<unsigned char>(q);
    uint32_t line = line_;
    size_t body = i_ + (triple ? 3 : 1);
    size_t j = body;
    size_t body_end = end_;
    uint32_t newlines = 0;
    while (j < end_) {
      char c = s_[j];
      if (c == '\\') {  // raw strings cannot end on an escaped quote either
        if (At(j + 1) == '\n') ++newlines;
        j += 2;
        continue;
      }
      if (c == '\n') {
        if (!triple) {
          body_end = j;
          break;
        }
        ++newlines;
      }
      if (c == q && (!triple || (At(j + 1) == static_cast<unsigned char>(q) &&
                                 At(j + 2) == static_cast<unsigned char>(q)))) {
        body_end = j;
        j += triple ? 3 : 1;
        break;
      }
      ++j;
    }
    if (j > end_) j = end_;
    if (body_end > j) body_end = j;
    Emit(Tok::kString, tok_begin, j, line);
    if (fmt) FStringFields(body, body_end, line);
    line_ += newlines;
    i_ = j;
  }

  // Lexes the {expression} fields of an f-string body as code.
  void FStringFields(size_t body, size_t body_end, uint32_t line) {
    size_t k = body;
    uint32_t l = line;
    while (k < body_end) {
      char c = s_[k];
      if (c == '\n') ++l;
      if (c == '{' && k + 1 < body_end && s_[k + 1] == '{') {
        k += 2;
        continue;
      }
      if (c != '{') {
        ++k;
        continue;
      }
      int depth = 1;
      size_t f = k + 1;
      while (f < body_end && depth > 0) {
        if (s_[f] == '{') ++depth;
        if (s_[f] == '}') --depth;
        if (depth > 0) ++f;
      }
      // A nested lexer over the field; it shares the output.
      Lexer inner(s_, o_, out_);
      inner.depth_ = 1;  // inside the string's expression: never a statement start
      inner.stmt_pending_ = false;
      inner.Run(k + 1, f, l);
      for (size_t x = k; x < f; ++x) {
        if (s_[x] == '\n') ++l;
      }
      k = f + 1;
    }
  }

  // C++ raw string R"delim( ... )delim".
  bool CppRawString(size_t tok_begin) {
    size_t open = s_.find('(', i_ + 1);
    if (open == std::string_view::npos || open >= end_ || open - i_ - 1 > 16) return false;
    // Built by appends: GCC 12's -Wrestrict misfires on `"x" + std::string`
    // at -O3 (its bug 105651).
    std::string close(1, ')');
    close.append(s_.substr(i_ + 1, open - i_ - 1));
    close.push_back('"');
    uint32_t line = line_;
    SkipPast(close, open + 1);
    Emit(Tok::kString, tok_begin, i_, line);
    return true;
  }

  // Rust r"..." / r#"..."# (after the r or br prefix, i_ at '#' or '"').
  void RustRawString(size_t tok_begin) {
    size_t hashes = 0;
    while (At(i_) == '#') {
      ++hashes;
      ++i_;
    }
    uint32_t line = line_;
    ++i_;  // the quote
    std::string close(1, '"');
    close.append(hashes, '#');
    SkipPast(close, i_);
    Emit(Tok::kString, tok_begin, i_, line);
  }

  // A template literal's text from i_ up to its end or to a "${" (then the
  // expression is lexed as code until the matching '}').
  void TemplateText(size_t tok_begin) {
    uint32_t line = line_;
    while (i_ < end_) {
      char c = s_[i_];
      if (c == '\\') {
        if (At(i_ + 1) == '\n') Newline();
        i_ += 2;
        continue;
      }
      if (c == '\n') Newline();
      if (c == '`') {
        ++i_;
        break;
      }
      if (c == '$' && At(i_ + 1) == '{') {
        i_ += 2;
        templates_.push_back(0);
        break;
      }
      ++i_;
    }
    Emit(Tok::kString, tok_begin, std::min(i_, end_), line);
  }

  void Preprocessor() {
    // i_ at '#', first non-blank of the line.
    size_t j = i_ + 1;
    while (j < end_ && (s_[j] == ' ' || s_[j] == '\t')) ++j;
    size_t name_b = j;
    while (j < end_ && IsIdentChar(static_cast<unsigned char>(s_[j]), false)) ++j;
    std::string_view name = s_.substr(name_b, j - name_b);
    if (name == "include" || name == "import" || name == "include_next") {
      while (j < end_ && (s_[j] == ' ' || s_[j] == '\t')) ++j;
      size_t b = j;
      uint32_t line = line_;
      SkipLogicalLine(j);
      size_t e = i_;
      while (e > b && (s_[e - 1] == ' ' || s_[e - 1] == '\t' || s_[e - 1] == '\r')) --e;
      Emit(Tok::kInclude, b, e, line);
      return;
    }
    if (name == "define") {
      in_preproc_ = true;
      Emit(Tok::kDirective, i_, j, line_);
      i_ = j;
      return;
    }
    // #if, #ifdef, #else, #endif, #pragma, #error, ...: nothing to find there.
    uint32_t line = line_;
    size_t b = i_;
    SkipLogicalLine(j);
    Emit(Tok::kDirective, b, name_b + name.size(), line);
  }

  // Moves i_ to the end of a preprocessor logical line (backslash continuations), not past the
  // final newline; comments inside are skipped.
  void SkipLogicalLine(size_t j) {
    i_ = j;
    while (i_ < end_) {
      char c = s_[i_];
      if (c == '\\' && At(i_ + 1) == '\n') {
        i_ += 2;
        ++line_;
        line_has_token_ = false;
        continue;
      }
      if (c == '\n') break;
      if (c == '/' && At(i_ + 1) == '*') {
        BlockComment();
        continue;
      }
      if (c == '/' && At(i_ + 1) == '/') {
        SkipToEol();
        break;
      }
      ++i_;
    }
  }

  void Step() {
    unsigned char c = static_cast<unsigned char>(s_[i_]);
    if (SkipSpaceOrComment(c)) return;
    if (IsIdentStart(c, o_.dollar_idents)) {
      Word();
    } else if (IsDigit(c) || (c == '.' && IsDigit(At(i_ + 1)))) {
      Number();
    } else if (c == '"') {
      DoubleQuoted();
    } else if (c == '\'' && SingleQuoted()) {
      return;
    } else if (c == '`' && (o_.backtick_strings || o_.template_literals)) {
      Backticked();
    } else {
      Punctuation(c);
    }
  }

  // Whitespace, a line continuation, a comment or a preprocessor line at
  // i_: skipped (true), or nothing of the kind (false).
  bool SkipSpaceOrComment(unsigned char c) {
    if (c == '\n') {
      Newline();
      ++i_;
      return true;
    }
    if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
      ++i_;
      while (i_ < end_ && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
      return true;
    }
    if (c == '\\' && At(i_ + 1) == '\n') {  // line continuation
      continued_ = true;
      ++i_;
      return true;
    }
    if (c == '\\' && At(i_ + 1) == '\r' && At(i_ + 2) == '\n') {
      continued_ = true;
      i_ += 2;
      return true;
    }
    if (o_.slash_comments && c == '/' && At(i_ + 1) == '/') {
      SkipToEol();
      return true;
    }
    if (o_.slash_comments && c == '/' && At(i_ + 1) == '*') {
      BlockComment();
      return true;
    }
    if (o_.hash_comments && c == '#' && !(o_.rust && At(i_ + 1) == '[')) {
      SkipToEol();
      return true;
    }
    if (o_.dash_comments && c == '-' && At(i_ + 1) == '-') {
      if (At(i_ + 2) == '[' && (At(i_ + 3) == '[' || At(i_ + 3) == '=')) {
        SkipPast("]]", i_);
      } else {
        SkipToEol();
      }
      return true;
    }
    if (o_.preprocessor && c == '#' && !line_has_token_) {
      Preprocessor();
      return true;
    }
    return false;
  }

  // An identifier, or a string with a prefix (r"..", b'..', u8"..", R"(..)").
  void Word() {
    size_t b = i_;
    while (i_ < end_ && IsIdentChar(static_cast<unsigned char>(s_[i_]), o_.dollar_idents)) ++i_;
    std::string_view word = s_.substr(b, i_ - b);
    unsigned char next = At(i_);
    if (o_.python && (next == '"' || next == '\'') && word.size() <= 2 &&
        word.find_first_not_of("rRbBuUfF") == std::string_view::npos) {
      PythonString(b, word);
      return;
    }
    if (o_.rust && (word == "r" || word == "br") && (next == '"' || next == '#')) {
      size_t j = i_;
      while (At(j) == '#') ++j;
      if (At(j) == '"') {
        RustRawString(b);
        return;
      }
    }
    if (o_.rust && word == "b" && (next == '"' || next == '\'')) {
      if (next == '"') {
        QuotedString(b, '"', false, true);
      } else {
        QuotedString(b, '\'', false, false);
      }
      return;
    }
    if (o_.preprocessor && next == '"' && !word.empty() && word.back() == 'R' &&
        (word == "R" || word == "u8R" || word == "LR" || word == "uR" || word == "UR")) {
      if (CppRawString(b)) return;
    }
    if (o_.preprocessor && next == '"' &&
        (word == "L" || word == "u" || word == "U" || word == "u8")) {  // wide/UTF strings
      QuotedString(b, '"', false, false);
      return;
    }
    Emit(Tok::kIdent, b, i_, line_);
    return;
  }

  void Number() {
    size_t b = i_;
    ++i_;
    while (i_ < end_) {
      unsigned char d = static_cast<unsigned char>(s_[i_]);
      if (IsIdentChar(d, false) || d == '.') {
        // 1..2 is a range in Rust: stop before "..".
        if (d == '.' && At(i_ + 1) == '.') break;
        ++i_;
      } else if (d == '\'' && o_.char_literals && !o_.rust && IsDigit(At(i_ + 1))) {
        ++i_;  // C++14 digit separator
      } else if ((d == '+' || d == '-') && (s_[i_ - 1] == 'e' || s_[i_ - 1] == 'E' ||
                                            s_[i_ - 1] == 'p' || s_[i_ - 1] == 'P')) {
        ++i_;
      } else {
        break;
      }
    }
    Emit(Tok::kNumber, b, i_, line_);
    return;
  }

  void DoubleQuoted() {
    if (o_.python) {
      PythonString(i_, {});
      return;
    }
    if (o_.triple_quotes && At(i_ + 1) == '"' && At(i_ + 2) == '"') {
      const size_t b = i_;
      const uint32_t line = line_;
      SkipPast("\"\"\"", i_ + 3);
      Emit(Tok::kString, b, i_, line);
      return;
    }
    QuotedString(i_, '"', false, o_.rust);
    return;
  }

  // A quoted string or character at i_; false when the language has neither
  // (a quote is then punctuation).
  bool SingleQuoted() {
    if (o_.python) {
      PythonString(i_, {});
      return true;
    }
    if (o_.single_quote_strings) {
      QuotedString(i_, '\'', false, false);
      return true;
    }
    if (o_.char_literals) {
      if (o_.rust) {
        // 'a' or '\n' is a char; 'a without a closing quote is a lifetime.
        size_t j = i_ + 1;
        if (At(j) == '\\') {
          QuotedString(i_, '\'', false, false);
          return true;
        }
        size_t k = j + 1;
        while (k < end_ && k < j + 4 && (static_cast<unsigned char>(s_[k]) & 0xC0) == 0x80) ++k;
        if (At(k) == '\'') {
          Emit(Tok::kString, i_, k + 1, line_);
          i_ = k + 1;
          return true;
        }
        Emit(Tok::kPunct, i_, i_ + 1, line_);  // lifetime tick
        ++i_;
        return true;
      }
      QuotedString(i_, '\'', false, false);
      return true;
    }
    return false;
  }

  void Backticked() {
    if (o_.template_literals) {
      size_t b = i_;
      ++i_;
      TemplateText(b);
      return;
    }
    const size_t b = i_;
    const uint32_t line = line_;
    SkipPast("`", i_ + 1);
    Emit(Tok::kString, b, i_, line);
    return;
  }

  void Punctuation(unsigned char c) {
    if (!templates_.empty()) {
      if (c == '{') {
        ++templates_.back();
      } else if (c == '}') {
        if (templates_.back() == 0) {
          templates_.pop_back();
          size_t b = i_;
          ++i_;
          TemplateText(b);
          return;
        }
        --templates_.back();
      }
    }
    size_t len = PunctLength(c, At(i_ + 1), At(i_ + 2));
    // "//" is an operator only where it is not a comment (Python floor division).
    if (len == 1) {
      if (c == '(' || c == '[' || c == '{') {
        Emit(Tok::kPunct, i_, i_ + 1, line_);
        ++depth_;
        ++i_;
        return;
      }
      if (c == ')' || c == ']' || c == '}') {
        --depth_;
        Emit(Tok::kPunct, i_, i_ + 1, line_);
        ++i_;
        return;
      }
    }
    Emit(Tok::kPunct, i_, i_ + len, line_);
    if (o_.python && len == 1 && c == ';' && depth_ == 0) stmt_pending_ = true;
    i_ += len;
  }

  std::string_view s_;
  const LexOptions& o_;
  std::vector<Token>* out_;
  size_t i_ = 0, end_ = 0;
  uint32_t line_ = 1;
  int depth_ = 0;
  bool line_has_token_ = false;
  bool stmt_pending_ = true;
  bool continued_ = false;
  bool in_preproc_ = false;
  std::vector<int> templates_;  // open ${ expressions: brace depth inside each
};

}  // namespace

LexOptions LexOptionsFor(std::string_view lang) {
  LexOptions o;
  if (lang == "python") {
    o.slash_comments = false;
    o.hash_comments = true;
    o.python = true;
  } else if (lang == "c" || lang == "cpp" || lang == "objc") {
    o.preprocessor = true;
    o.char_literals = true;
  } else if (lang == "csharp") {
    o.preprocessor = true;
    o.char_literals = true;
  } else if (lang == "java" || lang == "kotlin" || lang == "scala" || lang == "groovy") {
    o.char_literals = lang != "groovy";
    o.single_quote_strings = lang == "groovy";
    o.triple_quotes = true;
  } else if (lang == "go") {
    o.char_literals = true;
    o.backtick_strings = true;
  } else if (lang == "rust") {
    o.rust = true;
    o.char_literals = true;
  } else if (lang == "javascript" || lang == "typescript" || lang == "vue" || lang == "svelte") {
    o.single_quote_strings = true;
    o.template_literals = true;
    o.dollar_idents = true;
  } else if (lang == "swift") {
    o.triple_quotes = true;
  } else if (lang == "dart") {
    o.single_quote_strings = true;
    o.triple_quotes = true;
  } else if (lang == "php") {
    o.hash_comments = true;
    o.single_quote_strings = true;
    o.dollar_idents = true;
  } else if (lang == "ruby" || lang == "shell" || lang == "perl" || lang == "r" ||
             lang == "elixir" || lang == "make" || lang == "cmake") {
    o.slash_comments = false;
    o.hash_comments = true;
    o.single_quote_strings = true;
    o.backtick_strings = lang != "r";
  } else if (lang == "lua" || lang == "sql") {
    o.slash_comments = false;
    o.dash_comments = true;
    o.single_quote_strings = true;
  }
  return o;
}

std::vector<Token> Lex(std::string_view content, const LexOptions& options) {
  std::vector<Token> out;
  out.reserve(content.size() / 6 + 16);
  Lexer lexer(content, options, &out);
  lexer.Run(0, content.size(), 1);
  return out;
}

std::string_view StringValue(std::string_view content, const Token& t) {
  std::string_view s = TokText(content, t);
  size_t q = s.find_first_of("\"'`<");
  if (q == std::string_view::npos) return {};
  char quote = s[q];
  char close = quote == '<' ? '>' : quote;
  size_t n = 1;
  while (q + n < s.size() && s[q + n] == quote && n < 3 && quote != '<') ++n;
  if (n == 2) n = 1;  // "" is an empty string, not an open triple quote
  size_t b = q + n;
  size_t e = s.size();
  while (e > b && (s[e - 1] == close || s[e - 1] == '#') && s.size() - e < n + 1) --e;
  if (e < b) e = b;
  return s.substr(b, e - b);
}

}  // namespace ts::graph
