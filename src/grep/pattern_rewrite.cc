// Pattern rewrites that need only a lexer, not a regex parser: Perl classes
// spelled out (Unicode as in ripgrep, or their ASCII restriction), and
// capitals marked so the trigram prefilter keeps their case.
#include "grep/pattern_impl.h"

namespace ts::grep {
namespace {

// Without brackets, so they also fit inside a bracket expression.
const char* const kUnicodeWord = R"(\p{L}\p{Nl}\p{M}\p{Nd}\p{Pc})";
const char* const kUnicodeSpace =
    R"(\t-\r \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000})";
const char* const kAsciiWord = "0-9A-Za-z_";
const char* const kAsciiSpace = R"(\t-\r )";

// Private-use code points U+E041..U+E05A stand for 'A'..'Z'; in UTF-8 they
// are EE 81 81..9A.
constexpr uint32_t kMarkBase = 0xE000;

void AppendUtf8(uint32_t cp, std::string* out) {
  out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
  out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
  out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
}

}  // namespace

const char* WordItems(bool unicode) {
  return unicode ? kUnicodeWord : kAsciiWord;
}

std::string PerlClasses(std::string_view p, bool unicode) {
  const std::string_view word = unicode ? kUnicodeWord : kAsciiWord;
  const std::string_view space = unicode ? kUnicodeSpace : kAsciiSpace;
  std::string out;
  bool in_class = false;
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      char e = p[++i];
      if (e == 'Q') {  // \Q...\E is literal text: copied untouched
        size_t end = p.find("\\E", i + 1);
        size_t stop = end == std::string_view::npos ? p.size() : end + 2;
        out.append(p.substr(i - 1, stop - (i - 1)));
        i = stop - 1;
        continue;
      }
      std::string_view items = (e == 'w' || e == 'W')   ? word
                               : (e == 's' || e == 'S') ? space
                                                        : std::string_view();
      if (e == 'd' || e == 'D') {
        if (unicode) {
          out.append(e == 'd' ? R"(\p{Nd})" : R"(\P{Nd})");
        } else {
          out.append(e == 'd' ? (in_class ? "0-9" : "[0-9]") : (in_class ? "\\D" : "[^0-9]"));
        }
      } else if (!items.empty() && !in_class) {
        out.append(e == 'w' || e == 's' ? "[" : "[^").append(items).append("]");
      } else if (!items.empty() && (e == 'w' || e == 's')) {
        out.append(items);
      } else {
        // Other escapes, and \W \S inside a bracket expression (a negated
        // class there has no RE2 spelling; it stays ASCII).
        out.push_back('\\');
        out.push_back(e);
      }
      continue;
    }
    if (!in_class && c == '[') {
      in_class = true;
      out.push_back(c);
      // A ']' right after '[' or '[^' is a member, not the end.
      if (i + 1 < p.size() && p[i + 1] == '^') out.push_back(p[++i]);
      if (i + 1 < p.size() && p[i + 1] == ']') out.push_back(p[++i]);
      continue;
    }
    if (in_class && c == '[' && i + 1 < p.size() && p[i + 1] == ':') {
      size_t end = p.find(":]", i + 2);
      if (end != std::string_view::npos) {  // [:alpha:] and friends
        out.append(p.substr(i, end + 2 - i));
        i = end + 1;
        continue;
      }
    }
    if (in_class && c == ']') in_class = false;
    out.push_back(c);
  }
  return out;
}

std::optional<std::string> MarkCapitals(std::string_view p) {
  std::string out;
  bool in_class = false;
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      char e = p[++i];
      // Escapes that spell a character by number, and quoted spans, could
      // hide a capital from the marking.
      if (e == 'x' || e == 'Q' || (e >= '0' && e <= '9')) return std::nullopt;
      out.push_back('\\');
      out.push_back(e);
      if ((e == 'p' || e == 'P') && i + 1 < p.size()) {  // \pL or \p{Name}: a name, not text
        if (p[i + 1] == '{') {
          size_t end = p.find('}', i + 1);
          if (end == std::string_view::npos) return std::nullopt;
          out.append(p.substr(i + 1, end - i));
          i = end;
        } else {
          out.push_back(p[++i]);
        }
      }
      continue;
    }
    if (!in_class && c == '(' && i + 1 < p.size() && p[i + 1] == '?') {
      // Flags and group names are not text. A case-insensitive flag means
      // atoms may match in any case.
      size_t end = p.find_first_of(":)>", i + 2);
      if (end == std::string_view::npos) return std::nullopt;
      std::string_view head = p.substr(i, end + 1 - i);
      size_t minus = head.find('-');
      if (head.substr(0, minus).find('i') != std::string_view::npos) return std::nullopt;
      out.append(head);
      i = end;
      continue;
    }
    if (!in_class && c == '[') {
      in_class = true;
      out.push_back(c);
      if (i + 1 < p.size() && p[i + 1] == '^') out.push_back(p[++i]);
      if (i + 1 < p.size() && p[i + 1] == ']') out.push_back(p[++i]);
      continue;
    }
    if (in_class && c == '[' && i + 1 < p.size() && p[i + 1] == ':') {
      size_t end = p.find(":]", i + 2);
      if (end == std::string_view::npos) return std::nullopt;
      out.append(p.substr(i, end + 2 - i));
      i = end + 1;
      continue;
    }
    if (in_class && c == ']') in_class = false;
    if (c >= 'A' && c <= 'Z') {
      AppendUtf8(kMarkBase + static_cast<uint8_t>(c), &out);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string MarkedAtomToText(std::string_view atom) {
  std::string out;
  for (size_t i = 0; i < atom.size(); ++i) {
    auto b = [&](size_t k) { return static_cast<uint8_t>(atom[k]); };
    if (i + 2 < atom.size() && b(i) == 0xEE && b(i + 1) == 0x81 && b(i + 2) >= 0x81 &&
        b(i + 2) <= 0x9A) {
      out.push_back(static_cast<char>('A' + (b(i + 2) - 0x81)));
      i += 2;
    } else {
      out.push_back(atom[i]);
    }
  }
  return out;
}

}  // namespace ts::grep
