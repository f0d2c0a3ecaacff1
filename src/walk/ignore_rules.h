// Gitignore patterns: parsing, matching, and the precedence between the ignore
// files of nested directories. Internal to src/walk.
//
// Semantics follow git's gitignore(5) and wildmatch.c (with WM_PATHNAME, case
// sensitive): a pattern without a slash (a trailing one aside) matches the
// basename at any depth; a pattern with a leading or inner slash matches the
// path relative to the directory of the file that holds it; a trailing slash
// restricts it to directories; "**" spans directories only as "**/", "/**/"
// or "/**"; "*", "?" and "[...]" never match a slash.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ts::walk {

// git's wildmatch(pattern, text, WM_PATHNAME): true when `text` matches `glob`.
bool GlobMatches(std::string_view glob, std::string_view text);

enum class IgnoreVerdict {
  kNoMatch,   // no pattern matched; shallower rules decide
  kIgnored,   // the last matching pattern is a plain pattern
  kIncluded,  // the last matching pattern is a negation (!)
};

// The patterns that apply to one directory: those of its .gitignore and
// .ignore (and, at the root, .git/info/exclude), in precedence order.
class IgnoreRules {
 public:
  // Appends the lines of one ignore file. Patterns added later take
  // precedence, so callers add the weakest file first.
  void AddFile(std::string_view text);
  // Appends a single line, with the same syntax as one line of a file.
  void AddLine(std::string_view line);

  // `rel_path` is relative to the directory that holds the rules, with '/'
  // separators and no leading or trailing slash.
  IgnoreVerdict Match(std::string_view rel_path, bool is_dir) const;

  bool empty() const { return patterns_.empty(); }
  size_t size() const { return patterns_.size(); }

 private:
  // How a pattern is matched; the fast kinds cover most real-world lines
  // (".o", "*.o", "build", "/foo") and avoid the general glob matcher.
  enum class Kind {
    kLiteral,  // no glob characters: equality
    kSuffix,   // "*" + literal without glob characters or slashes
    kPrefix,   // literal without glob characters + "*", no slash in the match
    kGlob,     // anything else
  };
  struct Pattern {
    std::string glob;   // without "!", the leading "/" and the trailing "/"
    std::string fixed;  // the literal part for kLiteral/kSuffix/kPrefix
    Kind kind = Kind::kGlob;
    bool negated = false;
    bool dir_only = false;
    bool anchored = false;  // matched against the relative path, not the basename
  };
  static bool Matches(const Pattern& pattern, std::string_view rel_path, std::string_view basename);

  std::vector<Pattern> patterns_;
};

// The rules in force at one point of a depth-first walk: one IgnoreRules per
// directory on the current path that has any, deepest last. Deeper rules win
// over shallower ones, as in git.
class IgnoreStack {
 public:
  // `base_len` is the length of the directory's path relative to the walk
  // root ("" for the root itself). The stack keeps a pointer to `rules`,
  // which must outlive the matching Pop().
  void Push(size_t base_len, const IgnoreRules* rules);
  void Pop();
  bool empty() const { return levels_.empty(); }

  // `rel_path` is relative to the walk root and lies below every pushed base.
  bool IsIgnored(std::string_view rel_path, bool is_dir) const;

 private:
  struct Level {
    size_t base_len;
    const IgnoreRules* rules;
  };
  std::vector<Level> levels_;
};

}  // namespace ts::walk
