// The inside of a compiled Pattern, shared by pattern.cc and search.cc.
// Internal to src/grep.
#pragma once

#include <re2/filtered_re2.h>
#include <re2/re2.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "grep/grep.h"

namespace ts::grep {

// The Unicode \w and \s members, for use inside a bracket expression.
extern const char* const kUnicodeWordItems;
extern const char* const kUnicodeSpaceItems;
// The pattern with \w \W \d \D \s \S given their Unicode meanings (as in
// ripgrep). \b stays ASCII: RE2 has no Unicode word boundary.
std::string UnicodePerlClasses(std::string_view pattern);

struct Pattern::Impl {
  RE2::Options options;
  std::unique_ptr<RE2> regex;
  // The prefilter over the same regex. Atom i is testable through the trigram
  // index when atom_trigrams[i] is not empty; the others (unknown_atoms) are
  // assumed present in every file.
  std::unique_ptr<re2::FilteredRE2> filter;
  std::vector<std::vector<uint32_t>> atom_trigrams;
  std::vector<int> unknown_atoms;
  // The index cannot narrow the pattern: every file is a candidate.
  bool full_scan = false;
  bool multiline = false;

  // Whether a file holding (at most) these atoms can match.
  bool MayMatch(const std::vector<int>& present_atoms) const;
};

}  // namespace ts::grep
