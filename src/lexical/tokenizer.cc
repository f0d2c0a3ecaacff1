#include "lexical/lexical.h"

namespace ts::lexical {
namespace {

constexpr size_t kMinToken = 2;
constexpr size_t kMaxToken = 64;

inline bool IsUpper(unsigned char c) {
  return c >= 'A' && c <= 'Z';
}
inline bool IsLower(unsigned char c) {
  return (c >= 'a' && c <= 'z') || c >= 0x80;
}
inline bool IsDigit(unsigned char c) {
  return c >= '0' && c <= '9';
}
inline bool IsAlpha(unsigned char c) {
  return IsUpper(c) || IsLower(c);
}
// Bytes >= 0x80 (UTF-8 sequences) count as letters, so non-ASCII identifiers stay whole.
inline bool IsWordByte(unsigned char c) {
  return IsAlpha(c) || IsDigit(c) || c == '_';
}

// Lowercases `piece` into `buf` and emits it when its length is in range.
inline void EmitLower(std::string_view piece, std::string& buf,
                      const std::function<void(std::string_view)>& emit) {
  if (piece.size() < kMinToken || piece.size() > kMaxToken) return;
  buf.assign(piece);
  for (char& c : buf) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
  }
  emit(buf);
}

// Emits the whole identifier and, when it splits, its parts.
void EmitIdentifier(std::string_view ident, std::string& buf,
                    const std::function<void(std::string_view)>& emit) {
  EmitLower(ident, buf, emit);
  size_t part_start = 0;
  auto flush = [&](size_t end) {
    if (end > part_start) {
      // The whole identifier was emitted already; a single part equal to it is not repeated.
      if (!(part_start == 0 && end == ident.size())) {
        EmitLower(ident.substr(part_start, end - part_start), buf, emit);
      }
    }
  };
  for (size_t i = 0; i < ident.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(ident[i]);
    if (c == '_' || c == '-') {
      flush(i);
      part_start = i + 1;
      continue;
    }
    if (i == part_start) continue;
    unsigned char prev = static_cast<unsigned char>(ident[i - 1]);
    bool boundary = false;
    if (IsDigit(c) != IsDigit(prev))
      boundary = true;  // abc|123, 123|abc
    else if (IsUpper(c) && IsLower(prev))
      boundary = true;  // camel|Case
    else if (IsLower(c) && IsUpper(prev) && i >= 2 &&
             IsUpper(static_cast<unsigned char>(ident[i - 2])) && i - 1 > part_start) {
      // HTTPServer: the boundary is before the last capital: HTTP|Server.
      flush(i - 1);
      part_start = i - 1;
      continue;
    }
    if (boundary) {
      flush(i);
      part_start = i;
    }
  }
  flush(ident.size());
}

}  // namespace

void Tokenize(std::string_view text, const std::function<void(std::string_view)>& emit) {
  std::string buf;
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (!IsWordByte(c)) {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < n) {
      unsigned char d = static_cast<unsigned char>(text[i]);
      if (IsWordByte(d)) {
        ++i;
      } else if (d == '-' && i > start && i + 1 < n &&
                 IsAlpha(static_cast<unsigned char>(text[i - 1])) &&
                 IsAlpha(static_cast<unsigned char>(text[i + 1]))) {
        ++i;  // kebab-case joins letters on both sides
      } else {
        break;
      }
    }
    EmitIdentifier(text.substr(start, i - start), buf, emit);
  }
}

std::vector<std::string> TokenizeToVector(std::string_view text) {
  std::vector<std::string> out;
  Tokenize(text, [&](std::string_view t) { out.emplace_back(t); });
  return out;
}

}  // namespace ts::lexical
