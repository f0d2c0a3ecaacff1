#include "walk/ignore_rules.h"

#include <cstdint>

namespace ts::walk {
namespace {

// Outcomes of the glob matcher, as in git's wildmatch.c. The two abort codes
// prune the backtracking: once the text is exhausted no later starting point
// can match (kAbortAll), and a single "*" that meets a slash cannot help an
// enclosing "**" by consuming more (kAbortToStarStar). Without them a pattern
// such as "*a*a*a*a*b" is exponential in the length of the text.
enum class GlobResult { kMatch, kNoMatch, kAbortAll, kAbortToStarStar };

// The byte at `i`, or NUL past the end; the matcher mirrors git's C code,
// which relies on NUL terminators (file names and patterns contain no NUL).
unsigned char ByteAt(std::string_view s, size_t i) {
  return i < s.size() ? static_cast<unsigned char>(s[i]) : '\0';
}

bool IsGlobSpecial(unsigned char c) {
  return c == '*' || c == '?' || c == '[' || c == '\\';
}

bool HasGlobSpecial(std::string_view s) {
  for (char c : s) {
    if (IsGlobSpecial(static_cast<unsigned char>(c))) return true;
  }
  return false;
}

// POSIX character classes inside brackets ("[[:digit:]]"). Sets *known to
// false for a name git does not know, which makes the whole pattern fail.
bool InCharClass(std::string_view name, unsigned char c, bool* known) {
  *known = true;
  const bool ascii = c < 0x80;
  const bool upper = c >= 'A' && c <= 'Z';
  const bool lower = c >= 'a' && c <= 'z';
  const bool digit = c >= '0' && c <= '9';
  if (name == "alnum") return upper || lower || digit;
  if (name == "alpha") return upper || lower;
  if (name == "blank") return c == ' ' || c == '\t';
  if (name == "cntrl") return c < 0x20 || c == 0x7f;
  if (name == "digit") return digit;
  if (name == "graph") return ascii && c > 0x20 && c < 0x7f;
  if (name == "lower") return lower;
  if (name == "print") return ascii && c >= 0x20 && c < 0x7f;
  if (name == "punct") return ascii && c > 0x20 && c < 0x7f && !upper && !lower && !digit;
  if (name == "space") return c == ' ' || (c >= '\t' && c <= '\r');
  if (name == "upper") return upper;
  if (name == "xdigit") return digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  *known = false;
  return false;
}

// A port of git's dowild() with WM_PATHNAME set and case folding off.
GlobResult MatchGlobFrom(std::string_view pat, size_t p, std::string_view text, size_t t) {
  for (; p < pat.size(); ++t, ++p) {
    unsigned char p_ch = ByteAt(pat, p);
    unsigned char t_ch = ByteAt(text, t);
    if (t_ch == '\0' && p_ch != '*') return GlobResult::kAbortAll;
    switch (p_ch) {
      case '\\':
        // A backslash quotes the next byte; a trailing one matches nothing.
        p_ch = ByteAt(pat, ++p);
        [[fallthrough]];
      default:
        if (t_ch != p_ch) return GlobResult::kNoMatch;
        continue;
      case '?':
        if (t_ch == '/') return GlobResult::kNoMatch;
        continue;
      case '*': {
        bool match_slash = false;
        if (ByteAt(pat, ++p) == '*') {
          const size_t first_star = p - 1;
          while (ByteAt(pat, ++p) == '*') {
          }
          // "**" spans directories only as a whole path segment.
          const bool segment_start = first_star == 0 || pat[first_star - 1] == '/';
          const unsigned char next = ByteAt(pat, p);
          if (segment_start &&
              (next == '\0' || next == '/' || (next == '\\' && ByteAt(pat, p + 1) == '/'))) {
            // "**/" may match no directory at all: "a/**/b" matches "a/b".
            if (next == '/' && MatchGlobFrom(pat, p + 1, text, t) == GlobResult::kMatch) {
              return GlobResult::kMatch;
            }
            match_slash = true;
          }
        }
        if (p >= pat.size()) {
          // A trailing "**" matches everything, a trailing "*" one segment.
          if (!match_slash && text.find('/', t) != std::string_view::npos) {
            return GlobResult::kNoMatch;
          }
          return GlobResult::kMatch;
        }
        if (!match_slash && pat[p] == '/') {
          // "*/" consumes exactly the rest of the current segment.
          const size_t slash = text.find('/', t);
          if (slash == std::string_view::npos) return GlobResult::kNoMatch;
          t = slash;
          break;  // the loop's increments step over both slashes
        }
        while (t_ch != '\0') {
          // When a literal follows the star, skip straight to its next
          // occurrence; the bytes before it must belong to the star.
          const unsigned char literal = ByteAt(pat, p);
          if (!IsGlobSpecial(literal)) {
            while ((t_ch = ByteAt(text, t)) != '\0' && (match_slash || t_ch != '/')) {
              if (t_ch == literal) break;
              ++t;
            }
            if (t_ch != literal) return GlobResult::kNoMatch;
          }
          const GlobResult rest = MatchGlobFrom(pat, p, text, t);
          if (rest != GlobResult::kNoMatch) {
            if (!match_slash || rest != GlobResult::kAbortToStarStar) return rest;
          } else if (!match_slash && t_ch == '/') {
            return GlobResult::kAbortToStarStar;
          }
          t_ch = ByteAt(text, ++t);
        }
        return GlobResult::kAbortAll;
      }
      case '[': {
        p_ch = ByteAt(pat, ++p);
        if (p_ch == '^') p_ch = '!';
        const bool negated = p_ch == '!';
        if (negated) p_ch = ByteAt(pat, ++p);
        unsigned char prev_ch = 0;
        bool matched = false;
        // A ']' right after "[" or "[!" is a member, not the end.
        do {
          if (p_ch == '\0') return GlobResult::kAbortAll;
          if (p_ch == '\\') {
            p_ch = ByteAt(pat, ++p);
            if (p_ch == '\0') return GlobResult::kAbortAll;
            if (t_ch == p_ch) matched = true;
          } else if (p_ch == '-' && prev_ch != 0 && ByteAt(pat, p + 1) != '\0' &&
                     ByteAt(pat, p + 1) != ']') {
            p_ch = ByteAt(pat, ++p);
            if (p_ch == '\\') {
              p_ch = ByteAt(pat, ++p);
              if (p_ch == '\0') return GlobResult::kAbortAll;
            }
            if (t_ch <= p_ch && t_ch >= prev_ch) matched = true;
            p_ch = 0;  // a range cannot start another range
          } else if (p_ch == '[' && ByteAt(pat, p + 1) == ':') {
            const size_t name_start = p + 2;
            p = name_start;
            while ((p_ch = ByteAt(pat, p)) != '\0' && p_ch != ']') ++p;
            if (p_ch == '\0') return GlobResult::kAbortAll;
            if (p == name_start || pat[p - 1] != ':') {
              // No closing ":]": the "[" is an ordinary member.
              p = name_start - 2;
              p_ch = '[';
              if (t_ch == p_ch) matched = true;
              continue;
            }
            bool known;
            if (InCharClass(pat.substr(name_start, p - name_start - 1), t_ch, &known)) {
              matched = true;
            }
            if (!known) return GlobResult::kAbortAll;
            p_ch = 0;
          } else if (t_ch == p_ch) {
            matched = true;
          }
        } while (prev_ch = p_ch, (p_ch = ByteAt(pat, ++p)) != ']');
        if (matched == negated || t_ch == '/') return GlobResult::kNoMatch;
        continue;
      }
    }
  }
  return t < text.size() ? GlobResult::kNoMatch : GlobResult::kMatch;
}

// git's trim_trailing_spaces(): unescaped trailing spaces go, "\ " stays.
std::string_view TrimTrailingSpaces(std::string_view line) {
  size_t end = line.size();
  size_t first_trailing_space = std::string_view::npos;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] == ' ') {
      if (first_trailing_space == std::string_view::npos) first_trailing_space = i;
      continue;
    }
    if (line[i] == '\\') {
      if (++i == line.size()) return line;  // a lone trailing backslash: keep all
    }
    first_trailing_space = std::string_view::npos;
  }
  if (first_trailing_space != std::string_view::npos) end = first_trailing_space;
  return line.substr(0, end);
}

}  // namespace

bool GlobMatches(std::string_view glob, std::string_view text) {
  return MatchGlobFrom(glob, 0, text, 0) == GlobResult::kMatch;
}

void IgnoreRules::AddFile(std::string_view text) {
  constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
  if (text.starts_with(kUtf8Bom)) text.remove_prefix(kUtf8Bom.size());
  while (!text.empty()) {
    const size_t newline = text.find('\n');
    AddLine(text.substr(0, newline));
    if (newline == std::string_view::npos) break;
    text.remove_prefix(newline + 1);
  }
}

void IgnoreRules::AddLine(std::string_view line) {
  if (line.ends_with('\r')) line.remove_suffix(1);
  if (line.empty() || line.front() == '#') return;
  line = TrimTrailingSpaces(line);
  Pattern pattern;
  if (line.starts_with('!')) {
    pattern.negated = true;
    line.remove_prefix(1);
  }
  if (line.ends_with('/')) {
    pattern.dir_only = true;
    line.remove_suffix(1);
  }
  // Any remaining slash (leading or inner) ties the pattern to this directory.
  pattern.anchored = line.find('/') != std::string_view::npos;
  if (line.starts_with('/')) line.remove_prefix(1);
  if (line.empty()) return;
  pattern.glob = std::string(line);

  const std::string_view glob = pattern.glob;
  if (!HasGlobSpecial(glob)) {
    pattern.kind = Kind::kLiteral;
    pattern.fixed = pattern.glob;
  } else if (glob.front() == '*' && !HasGlobSpecial(glob.substr(1)) &&
             glob.find('/') == std::string_view::npos) {
    pattern.kind = Kind::kSuffix;
    pattern.fixed = std::string(glob.substr(1));
  } else if (glob.size() >= 2 && glob.back() == '*' && glob[glob.size() - 2] != '*' &&
             !HasGlobSpecial(glob.substr(0, glob.size() - 1))) {
    pattern.kind = Kind::kPrefix;
    pattern.fixed = std::string(glob.substr(0, glob.size() - 1));
  }
  patterns_.push_back(std::move(pattern));
}

bool IgnoreRules::Matches(const Pattern& pattern, std::string_view rel_path,
                          std::string_view basename) {
  const std::string_view subject = pattern.anchored ? rel_path : basename;
  switch (pattern.kind) {
    case Kind::kLiteral:
      return subject == pattern.fixed;
    case Kind::kSuffix:
      return subject.ends_with(pattern.fixed) &&
             subject.substr(0, subject.size() - pattern.fixed.size()).find('/') ==
                 std::string_view::npos;
    case Kind::kPrefix:
      return subject.starts_with(pattern.fixed) &&
             subject.find('/', pattern.fixed.size()) == std::string_view::npos;
    case Kind::kGlob:
      return GlobMatches(pattern.glob, subject);
  }
  return false;
}

IgnoreVerdict IgnoreRules::Match(std::string_view rel_path, bool is_dir) const {
  const size_t last_slash = rel_path.rfind('/');
  const std::string_view basename =
      last_slash == std::string_view::npos ? rel_path : rel_path.substr(last_slash + 1);
  for (size_t i = patterns_.size(); i-- > 0;) {
    const Pattern& pattern = patterns_[i];
    if (pattern.dir_only && !is_dir) continue;
    if (Matches(pattern, rel_path, basename)) {
      return pattern.negated ? IgnoreVerdict::kIncluded : IgnoreVerdict::kIgnored;
    }
  }
  return IgnoreVerdict::kNoMatch;
}

void IgnoreStack::Push(size_t base_len, const IgnoreRules* rules) {
  levels_.push_back({base_len, rules});
}

void IgnoreStack::Pop() {
  levels_.pop_back();
}

bool IgnoreStack::IsIgnored(std::string_view rel_path, bool is_dir) const {
  for (auto level = levels_.rbegin(); level != levels_.rend(); ++level) {
    // The root's base is empty; any other base is followed by a '/'.
    const std::string_view below =
        level->base_len == 0 ? rel_path : rel_path.substr(level->base_len + 1);
    const IgnoreVerdict verdict = level->rules->Match(below, is_dir);
    if (verdict != IgnoreVerdict::kNoMatch) return verdict == IgnoreVerdict::kIgnored;
  }
  return false;
}

}  // namespace ts::walk
