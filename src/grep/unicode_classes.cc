// ripgrep's Perl classes (\w \d \s) are Unicode-aware; RE2's are ASCII. This
// rewrites a pattern so RE2 uses the Unicode definitions (UTS #18 Annex C, as
// rg's regex crate does).
#include "grep/pattern_impl.h"

namespace ts::grep {

// Without brackets, so they also fit inside a bracket expression.
const char* const kUnicodeWordItems = R"(\p{L}\p{Nl}\p{M}\p{Nd}\p{Pc})";
const char* const kUnicodeSpaceItems =
    R"(\t-\r \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000})";

std::string UnicodePerlClasses(std::string_view p) {
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
      std::string_view items = (e == 'w' || e == 'W')   ? kUnicodeWordItems
                               : (e == 's' || e == 'S') ? kUnicodeSpaceItems
                                                        : std::string_view();
      if (e == 'd' || e == 'D') {
        out.append(e == 'd' ? R"(\p{Nd})" : R"(\P{Nd})");
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

}  // namespace ts::grep
