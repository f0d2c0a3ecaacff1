// The inside of a compiled Pattern, shared by pattern.cc and search.cc.
// Internal to src/grep.
#pragma once

#include <re2/filtered_re2.h>
#include <re2/re2.h>

#include <memory>
#include <vector>

#include "grep/grep.h"

namespace ts::grep {

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
