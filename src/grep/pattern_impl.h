// The inside of a compiled Pattern, shared by pattern.cc and executor.cc.
// Internal to src/grep.
#pragma once

#include <re2/filtered_re2.h>
#include <re2/re2.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "grep/grep.h"
#include "grep/literal_finder.h"

namespace ts::grep {

// The members of \w, for use inside a bracket expression: Unicode (as in
// ripgrep) or their ASCII restriction, which is equivalent on ASCII text.
const char* WordItems(bool unicode);
// The pattern with \w \W \d \D \s \S spelled out: with `unicode`, their
// Unicode meanings as in ripgrep; without, the ASCII restriction of those
// (the same on text without bytes >= 0x80, and much faster in RE2). \b stays
// ASCII either way: RE2 has no Unicode word boundary.
std::string PerlClasses(std::string_view pattern, bool unicode);

// For the trigram prefilter, which lower-cases its atoms: the pattern with
// every literal ASCII capital replaced by a private-use character that has no
// case, so the atoms keep their exact case (MarkedAtomToText undoes it).
// nullopt when the pattern has constructs this cannot do soundly (an (?i)
// flag, \x or octal escapes, \Q...\E); the caller then matches atoms in any case.
std::optional<std::string> MarkCapitals(std::string_view pattern);
std::string MarkedAtomToText(std::string_view atom);

struct Pattern::Impl {
  RE2::Options options;
  std::unique_ptr<RE2> regex;
  // The same pattern with ASCII Perl classes, used on files that are all
  // ASCII; null when it would be the same regex.
  std::unique_ptr<RE2> ascii_regex;
  // The prefilter over an equivalent regex. Atom i is testable through the
  // trigram index when atom_keys[i] is not empty: a file may hold the atom
  // when, for every trigram t of it, it holds one of the keys atom_keys[i][t]
  // (one key for an exact-case atom, its case variants otherwise). Other atoms
  // (unknown_atoms) are assumed present in every file.
  std::unique_ptr<re2::FilteredRE2> filter;
  std::vector<std::vector<std::vector<uint32_t>>> atom_keys;
  std::vector<int> unknown_atoms;
  // Non-empty when every match contains one of these strings: then only
  // lines holding one are given to the regex.
  std::vector<LiteralFinder> line_atoms;
  // Finders for the ASCII atoms (index i: atom i), null for the others;
  // exact-case, or folding ASCII case when the atom's case is not known.
  std::vector<std::unique_ptr<LiteralFinder>> atom_finders;
  // A folded finder holds k or s, which RE2 also folds from non-ASCII
  // characters: the finders decide only on all-ASCII text.
  bool finders_need_ascii = false;
  // Every match begins with a byte >= 0x80: all-ASCII text has none.
  bool needs_non_ascii = false;
  // -w on the literal line_atoms[0], with ASCII word characters at both ends.
  bool word_literal = false;
  // The index cannot narrow the pattern: every file is a candidate.
  bool full_scan = false;
  bool multiline = false;

  // Whether a file holding (at most) these atoms can match.
  bool MayMatch(const std::vector<int>& present_atoms) const;
  // Whether `content` holds enough of the exact atoms for a match to be
  // possible; true when the pattern has none to check.
  bool AtomsAllow(std::string_view content, bool no_fold_hazard = false) const;
};

}  // namespace ts::grep
