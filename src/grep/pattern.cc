// Pattern compilation and line selection with ripgrep's semantics:
//  - lines are '\n'-terminated; "^"/"$" match at line boundaries; without -U a
//    match never spans a newline (RE2's never_nl) and a literal newline in the
//    pattern is an error, as in rg;
//  - -w is rg's "(?:^|\W)(?:P)(?:\W|$)", which differs from \b for patterns
//    that start or end with a non-word character;
//  - -m counts selected lines; after the last counted one, its after-context
//    window is still printed, with selected lines in it shown as matches.
#include <re2/filtered_re2.h>
#include <re2/re2.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "grep/byte_rank.h"
#include "grep/grep.h"
#include "grep/pattern_impl.h"
#include "grep/trigram.h"

namespace ts::grep {
namespace {

constexpr size_t kMaxPatternBytes = 64 << 10;
// RE2's budget for the compiled program and its DFA caches; a pattern beyond
// it fails to compile with a clear error instead of using unbounded memory.
constexpr int64_t kRegexMemoryBudget = 64 << 20;

// Whether an unescaped "\n" escape or a raw newline appears in the pattern.
bool HasLiteralNewline(std::string_view pattern) {
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\n') return true;
    if (pattern[i] == '\\' && i + 1 < pattern.size()) {
      if (pattern[i + 1] == 'n') return true;
      ++i;  // skip the escaped character
    }
  }
  return false;
}

// Lines containing a match, in ascending order; with -U one match may cover
// several lines. Each call yields the span [first_line, last_line] starting at
// byte `begin` of the first line and ending at byte `end` (exclusive, the
// newline of the last line or the end of the content).
class MatchedLines {
 public:
  MatchedLines(const RE2& re, std::string_view content, bool multiline)
      : re_(re), text_(content), multiline_(multiline) {}

  bool Next(uint64_t* first_line, uint64_t* last_line, size_t* begin, size_t* end) {
    const size_t n = text_.size();
    if (pos_ > n || n == 0) return false;
    re2::StringPiece m;
    if (!re_.Match(re2::StringPiece(text_.data(), n), pos_, n, RE2::UNANCHORED, &m, 1)) {
      return false;
    }
    size_t ms = static_cast<size_t>(m.data() - text_.data());
    size_t me = ms + m.size();
    // An empty match after the final newline is on no line at all.
    if (ms == n && text_[n - 1] == '\n') return false;
    const char* base = text_.data();
    const void* nl =
        ms > counted_pos_ ? memrchr(base + counted_pos_, '\n', ms - counted_pos_) : nullptr;
    size_t ls = nl ? static_cast<size_t>(static_cast<const char*>(nl) - base) + 1 : counted_pos_;
    line_ += CountNewlines({base + counted_pos_, ls - counted_pos_});
    counted_pos_ = ls;
    size_t last_byte = me > ms ? me - 1 : ms;
    const void* e = last_byte < n ? std::memchr(base + last_byte, '\n', n - last_byte) : nullptr;
    size_t le = e ? static_cast<size_t>(static_cast<const char*>(e) - base) : n;
    *first_line = line_;
    *last_line = line_ + (multiline_ ? CountNewlines({base + ls, le - ls}) : 0);
    *begin = ls;
    *end = le;
    if (multiline_) {
      // The next match may start on a line this one ended on.
      pos_ = me > ms ? me : ms + 1;
    } else {
      pos_ = le + 1;
      line_ += 1;
      counted_pos_ = std::min(le + 1, n);
      if (le + 1 > n) pos_ = n + 1;
    }
    return true;
  }

 private:
  const RE2& re_;
  std::string_view text_;
  bool multiline_;
  size_t pos_ = 0;          // where the next search starts
  size_t counted_pos_ = 0;  // a line start; line_ is its number
  uint64_t line_ = 1;
};

// The full regex around a pattern body: line anchors, and rg's -w form,
// which differs from \b for patterns that start or end with a non-word character.
std::string Enclose(const std::string& body, bool unicode, bool word) {
  if (!word) return "(?m)(?:" + body + ")";
  const std::string non_word = std::string("[^") + WordItems(unicode) + "]";
  return "(?m)(?:^|" + non_word + ")(?:" + body + ")(?:" + non_word + "|$)";
}

bool IsAscii(std::string_view text) {
  // Eight bytes at a time; the compiler vectorizes the loop further.
  uint64_t acc = 0;
  size_t i = 0;
  for (; i + 8 <= text.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, text.data() + i, 8);
    acc |= w;
  }
  for (; i < text.size(); ++i) acc |= static_cast<uint8_t>(text[i]);
  return (acc & 0x8080808080808080ull) == 0;
}

bool IsAsciiWordByte(uint8_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// -w on a literal whose first and last bytes are ASCII word characters:
// whether `line` matches rg's "(?:^|\W)literal(?:\W|$)", decided from the
// bytes around each occurrence; nullopt when a neighbour is not ASCII (then
// only the Unicode regex knows whether it is a word character).
std::optional<bool> WordLiteralMatch(const LiteralFinder& literal, std::string_view line) {
  const size_t n = literal.needle().size();
  bool undecided = false;
  // 1: a boundary, 0: a word character, -1: not ASCII.
  auto side = [&](size_t pos, bool before) {
    if (before ? pos == 0 : pos >= line.size()) return 1;
    auto c = static_cast<uint8_t>(line[before ? pos - 1 : pos]);
    if (c >= 0x80) return -1;
    return IsAsciiWordByte(c) ? 0 : 1;
  };
  for (size_t at = literal.Find(line); at != std::string_view::npos;
       at = literal.Find(line, at + 1)) {
    const int left = side(at, true), right = side(at + n, false);
    if (left == 1 && right == 1) return true;
    if (left != 0 && right != 0) undecided = true;
  }
  if (undecided) return std::nullopt;
  return false;
}

// Lines containing a match, found from the other end: every match contains
// one of `atoms` (exact, or ASCII-folded), so only lines holding an atom
// (found by LiteralFinder) are given to the regex. Same contract as
// MatchedLines; never used with -U or -v.
class AtomMatchedLines {
 public:
  // `ascii_re`, when not null, replaces `re` on lines without bytes >= 0x80;
  // `word_literal`, when not null, decides lines without the regex where it can.
  AtomMatchedLines(const RE2& re, const RE2* ascii_re, const LiteralFinder* word_literal,
                   std::string_view content, const std::vector<LiteralFinder>& atoms)
      : re_(re), ascii_re_(ascii_re), word_literal_(word_literal), text_(content) {
    const char* base = content.data();
    for (const auto& atom : atoms) {
      size_t from = 0;
      while (from < content.size()) {
        size_t at = atom.Find(content, from);
        if (at == std::string_view::npos) break;
        const void* nl_before = at > 0 ? memrchr(base, '\n', at) : nullptr;
        size_t ls =
            nl_before ? static_cast<size_t>(static_cast<const char*>(nl_before) - base) + 1 : 0;
        const void* nl_after = std::memchr(base + at, '\n', content.size() - at);
        size_t le = nl_after ? static_cast<size_t>(static_cast<const char*>(nl_after) - base)
                             : content.size();
        lines_.emplace_back(ls, le);
        from = le + 1;
      }
    }
    std::sort(lines_.begin(), lines_.end());
    lines_.erase(std::unique(lines_.begin(), lines_.end()), lines_.end());
  }

  bool Next(uint64_t* first_line, uint64_t* last_line, size_t* begin, size_t* end) {
    while (next_ < lines_.size()) {
      auto [ls, le] = lines_[next_++];
      re2::StringPiece line(text_.data() + ls, le - ls);
      std::optional<bool> decided;
      if (word_literal_ != nullptr) {
        decided = WordLiteralMatch(*word_literal_, std::string_view(line.data(), line.size()));
      }
      if (!decided) {
        const RE2& re = ascii_re_ != nullptr && IsAscii(std::string_view(line.data(), line.size()))
                            ? *ascii_re_
                            : re_;
        decided = re.Match(line, 0, line.size(), RE2::UNANCHORED, nullptr, 0);
      }
      if (!*decided) continue;
      line_ += CountNewlines({text_.data() + counted_pos_, ls - counted_pos_});
      counted_pos_ = ls;
      *first_line = *last_line = line_;
      *begin = ls;
      *end = le;
      return true;
    }
    return false;
  }

 private:
  const RE2& re_;
  const RE2* ascii_re_;
  const LiteralFinder* word_literal_;
  std::string_view text_;
  std::vector<std::pair<size_t, size_t>> lines_;  // [start, end) of lines holding an atom
  size_t next_ = 0;
  size_t counted_pos_ = 0;  // a line start; line_ is its number
  uint64_t line_ = 1;
};

struct LineRef {
  uint64_t number;
  size_t begin, end;
};

// Calls fn(LineRef) for each line of [begin, end) starting at line `first`.
template <typename Fn>
void ForEachLine(std::string_view text, uint64_t first, size_t begin, size_t end, Fn fn) {
  uint64_t number = first;
  size_t b = begin;
  while (true) {
    const void* nl = b < end ? std::memchr(text.data() + b, '\n', end - b) : nullptr;
    size_t e = nl ? static_cast<size_t>(static_cast<const char*>(nl) - text.data()) : end;
    if (!fn(LineRef{number, b, e})) return;
    if (!nl) return;
    b = e + 1;
    ++number;
    if (b >= end && e + 1 >= text.size()) return;  // the newline ended the content
  }
}

// Byte finders for a prefilter's atoms (index i: atom i): exact when
// `folded` is false, else folding ASCII case; null for atoms with bytes >=
// 0x80 (one such atom may stand for several spellings). Sets *need_ascii when
// a folded atom holds k or s, which RE2 also folds from U+212A and U+017F: on
// text with such characters those finders could miss a match.
std::vector<std::unique_ptr<LiteralFinder>> AtomFinders(const std::vector<std::string>& atoms,
                                                        bool folded, bool* need_ascii) {
  std::vector<std::unique_ptr<LiteralFinder>> finders;
  for (const std::string& atom : atoms) {
    bool ascii = !atom.empty() && std::all_of(atom.begin(), atom.end(), [](char c) {
      return static_cast<unsigned char>(c) < 0x80;
    });
    finders.push_back(ascii ? std::make_unique<LiteralFinder>(atom, folded) : nullptr);
    if (ascii && folded && atom.find_first_of("ksKS") != std::string::npos) *need_ascii = true;
  }
  return finders;
}

// A small set of atoms such that every match contains one of them, or empty
// when there is none: then only lines holding one of these need the regex.
// All atoms with a finder first; then, weakest first (short, made of common
// bytes), each is dropped when the rest still cover. Without an atom of S a
// line holds at most the others: S covers exactly when the prefilter fails
// with every atom but those of S present.
std::vector<LiteralFinder> CoverAtoms(const re2::FilteredRE2& filter,
                                      const std::vector<std::unique_ptr<LiteralFinder>>& finders) {
  std::vector<int> cover;
  for (size_t i = 0; i < finders.size(); ++i) {
    if (finders[i]) cover.push_back(static_cast<int>(i));
  }
  auto covers = [&](const std::vector<int>& set) {
    std::vector<int> present, passed;
    for (size_t i = 0; i < finders.size(); ++i) {
      if (std::find(set.begin(), set.end(), static_cast<int>(i)) == set.end()) {
        present.push_back(static_cast<int>(i));
      }
    }
    filter.AllPotentials(present, &passed);
    return passed.empty();
  };
  if (cover.empty() || !covers(cover)) return {};
  auto strength = [&](int i) {
    int sum = 0;
    for (char c : finders[i]->needle()) sum += kByteRank[static_cast<uint8_t>(c)];
    return sum;
  };
  std::vector<int> weakest_first = cover;
  std::stable_sort(weakest_first.begin(), weakest_first.end(),
                   [&](int a, int b) { return strength(a) < strength(b); });
  for (int atom : weakest_first) {
    std::vector<int> rest;
    for (int c : cover) {
      if (c != atom) rest.push_back(c);
    }
    if (!rest.empty() && covers(rest)) cover = std::move(rest);
  }
  std::vector<LiteralFinder> out;
  for (int i : cover) out.push_back(*finders[i]);
  return out;
}

}  // namespace

Pattern::Pattern(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Pattern::~Pattern() = default;

Result<std::unique_ptr<Pattern>> Pattern::Compile(std::string_view pattern,
                                                  const GrepOptions& options) {
  if (pattern.size() > kMaxPatternBytes) {
    return Status::InvalidArgument("pattern is " + std::to_string(pattern.size()) +
                                   " bytes; the limit is " + std::to_string(kMaxPatternBytes));
  }
  if (!options.multiline && (options.fixed_strings ? pattern.find('\n') != std::string_view::npos
                                                   : HasLiteralNewline(pattern))) {
    return Status::InvalidArgument(
        "the literal '\"\\n\"' is not allowed in a regex (use -U for multiline matching)");
  }
  // The verifying regex, with ripgrep's Unicode classes, and its ASCII twin
  // for files without bytes >= 0x80 (equivalent there, and faster).
  auto spell = [&](std::string_view p, bool unicode) {
    return Enclose(options.fixed_strings ? RE2::QuoteMeta(re2::StringPiece(p.data(), p.size()))
                                         : PerlClasses(p, unicode),
                   unicode, options.word);
  };
  const std::string regex = spell(pattern, true);
  const std::string ascii = spell(pattern, false);

  auto impl = std::make_unique<Impl>();
  impl->options.set_log_errors(false);
  impl->options.set_case_sensitive(!options.ignore_case);
  impl->options.set_never_nl(!options.multiline);
  impl->options.set_max_mem(kRegexMemoryBudget);
  impl->regex = std::make_unique<RE2>(regex, impl->options);
  if (!impl->regex->ok()) {
    std::string why = impl->regex->error();
    if (impl->regex->error_code() == RE2::ErrorPatternTooLarge) {
      why = "pattern too large for the regex memory budget of 64 MiB";
    }
    return Status::InvalidArgument("invalid pattern: " + why);
  }
  if (ascii != regex) {
    impl->ascii_regex = std::make_unique<RE2>(ascii, impl->options);
    if (!impl->ascii_regex->ok()) impl->ascii_regex.reset();
  }
  impl->multiline = options.multiline;

  // The prefilter: atoms (literals every match contains) whose presence the
  // trigram index can test, and the boolean structure over them. Capitals
  // are marked first so atoms keep their case; when that cannot be done (or
  // with -i) an atom matches in any case.
  std::optional<std::string> marked;
  if (!options.ignore_case) {
    marked = options.fixed_strings
                 ? MarkCapitals(RE2::QuoteMeta(re2::StringPiece(pattern.data(), pattern.size())))
                 : MarkCapitals(pattern);
  }
  RE2::Options filter_options = impl->options;
  std::string filter_regex = regex;
  if (marked) filter_regex = Enclose(PerlClasses(*marked, true), true, options.word);
  impl->filter = std::make_unique<re2::FilteredRE2>(3);
  // Atom i's text: exact when capitals were marked, else lower-cased.
  std::vector<std::string> atom_texts;
  int id = 0;
  if (impl->filter->Add(filter_regex, filter_options, &id) == RE2::NoError) {
    std::vector<std::string> atoms;
    impl->filter->Compile(&atoms);
    for (size_t i = 0; i < atoms.size(); ++i) {
      std::vector<uint32_t> trigrams;
      CollectTrigrams(marked ? MarkedAtomToText(atoms[i]) : atoms[i], &trigrams);
      std::vector<std::vector<uint32_t>> keys;
      for (uint32_t t : trigrams) {
        if (marked) {
          keys.push_back({t});
        } else {
          // A folded k or s may be U+212A or U+017F in the file, which
          // breaks every trigram through it: such a trigram is present in
          // some case, or the document holds one of those characters.
          keys.push_back(CaseVariants(t));
          if (HoldsFoldHazard(t)) keys.back().push_back(kFoldHazardKey);
        }
      }
      if (keys.empty()) impl->unknown_atoms.push_back(static_cast<int>(i));
      impl->atom_keys.push_back(std::move(keys));
      atom_texts.push_back(marked ? MarkedAtomToText(atoms[i]) : atoms[i]);
    }
    std::vector<int> passed;
    impl->filter->AllPotentials(impl->unknown_atoms, &passed);
    impl->full_scan = !passed.empty();
  } else {
    impl->full_scan = true;
  }
  if (options.invert) impl->full_scan = true;
  // Atoms searched for as bytes: exact-case ones, and, when the case is not
  // known (-i, or capitals that could not be marked), the prefilter's
  // lower-cased atom with ASCII letters matching either case.
  const bool folded = !marked;
  impl->atom_finders = AtomFinders(atom_texts, folded, &impl->finders_need_ascii);
  if (!options.multiline && !options.invert) {
    if (!impl->full_scan) {
      impl->line_atoms = CoverAtoms(*impl->filter, impl->atom_finders);
    } else {
      // No trigram to select files by, but every match may still hold a
      // shorter literal (`\wAh`): lines without one need no regex.
      re2::FilteredRE2 short_filter(2);
      std::vector<std::string> short_atoms;
      if (short_filter.Add(filter_regex, filter_options, &id) == RE2::NoError) {
        short_filter.Compile(&short_atoms);
        for (auto& atom : short_atoms) {
          if (marked) atom = MarkedAtomToText(atom);
        }
        auto finders = AtomFinders(short_atoms, folded, &impl->finders_need_ascii);
        impl->line_atoms = CoverAtoms(short_filter, finders);
      }
    }
  }
  // -w on a plain literal with word characters at both ends, exact case:
  // its one cover atom is the literal, and the bytes around an occurrence
  // decide most lines without the regex.
  if (options.word && !options.ignore_case && !options.multiline && !options.invert &&
      impl->line_atoms.size() == 1 && !impl->line_atoms[0].folds_case()) {
    const std::string& needle = impl->line_atoms[0].needle();
    const bool plain =
        options.fixed_strings || pattern.find_first_of("\\.+*?()|[]{}^$") == std::string_view::npos;
    impl->word_literal = plain && needle == pattern && !needle.empty() &&
                         IsAsciiWordByte(static_cast<uint8_t>(needle.front())) &&
                         IsAsciiWordByte(static_cast<uint8_t>(needle.back()));
  }
  // Every match starting with a byte >= 0x80 (`\p{Greek}`): text without
  // one cannot match. RE2 bounds the anchored matches: each is >= min.
  std::string min_match, max_match;
  impl->needs_non_ascii = impl->regex->PossibleMatchRange(&min_match, &max_match, 4) &&
                          !min_match.empty() && static_cast<uint8_t>(min_match[0]) >= 0x80;
  return std::unique_ptr<Pattern>(new Pattern(std::move(impl)));
}

bool Pattern::Impl::MayMatch(const std::vector<int>& present_atoms) const {
  std::vector<int> passed;
  filter->AllPotentials(present_atoms, &passed);
  return !passed.empty();
}

bool Pattern::Impl::AtomsAllow(std::string_view content, bool no_fold_hazard) const {
  // The line search itself is the check.
  if (full_scan || !line_atoms.empty()) return true;
  if (finders_need_ascii && !no_fold_hazard && !IsAscii(content)) return true;
  std::vector<int> present;
  bool checked = false;
  for (size_t i = 0; i < atom_finders.size(); ++i) {
    const LiteralFinder* finder = atom_finders[i].get();
    if (finder == nullptr || finder->Find(content) != std::string_view::npos) {
      present.push_back(static_cast<int>(i));
    }
    checked = checked || finder != nullptr;
  }
  return !checked || MayMatch(present);
}

FileMatches Pattern::SearchContent(std::string_view content, const GrepOptions& options,
                                   ContentFacts facts) const {
  FileMatches out;
  const Impl& impl = *impl_;
  const uint64_t limit = options.files_with_matches ? 1
                         : options.max_count > 0    ? options.max_count
                                                    : UINT64_MAX;
  const uint32_t after = options.files_with_matches ? 0 : options.after;
  const uint32_t before = options.files_with_matches ? 0 : options.before;

  // Selected lines, in order, until `limit` are counted and the last counted
  // one's after-context window is passed.
  std::vector<LineRef> selected;
  uint64_t counted = 0, window_end = 0;
  auto take = [&](const LineRef& line) {
    if (counted >= limit && line.number > window_end) return false;
    selected.push_back(line);
    if (counted < limit) {
      ++counted;
      window_end = line.number + after;
    }
    return true;
  };
  // Whether the content is all ASCII costs a pass over it: asked only when
  // an answer depends on it.
  int ascii_state = -1;
  auto ascii = [&] {
    if (ascii_state < 0) ascii_state = IsAscii(content) ? 1 : 0;
    return ascii_state == 1;
  };
  if (impl.needs_non_ascii && !options.invert && ascii()) return out;
  uint64_t first, last;
  size_t b, e;
  auto take_all = [&](auto& source) {
    uint64_t taken_through = 0;
    bool more = true;
    while (more && source.Next(&first, &last, &b, &e)) {
      ForEachLine(content, first, b, e, [&](const LineRef& line) {
        if (line.number <= taken_through) return true;
        taken_through = line.number;
        more = take(line);
        return more;
      });
    }
  };
  const bool finders_sound = !impl.finders_need_ascii || facts.no_fold_hazard || ascii();
  if (!options.invert && !impl.line_atoms.empty() && finders_sound) {
    // The regex is chosen per line: no match spans one outside -U.
    AtomMatchedLines atom_matches(*impl.regex, impl.ascii_regex.get(),
                                  impl.word_literal ? &impl.line_atoms[0] : nullptr, content,
                                  impl.line_atoms);
    take_all(atom_matches);
  } else {
    const RE2& re = impl.ascii_regex && ascii() ? *impl.ascii_regex : *impl.regex;
    MatchedLines matches(re, content, impl.multiline);
    if (!options.invert) {
      take_all(matches);
    } else if (!content.empty()) {
      bool have = matches.Next(&first, &last, &b, &e);
      ForEachLine(content, 1, 0, content.size(), [&](const LineRef& line) {
        while (have && last < line.number) have = matches.Next(&first, &last, &b, &e);
        bool matched = have && first <= line.number && line.number <= last;
        return matched ? true : take(line);
      });
    }
  }
  out.selected = counted;
  if (options.files_with_matches || selected.empty()) return out;

  auto emit = [&](const LineRef& line, bool is_selected) {
    out.lines.push_back(GrepLine{
        line.number, std::string(content.substr(line.begin, line.end - line.begin)), is_selected});
  };
  if (before == 0 && after == 0) {
    for (size_t i = 0; i < counted; ++i) emit(selected[i], true);
    return out;
  }
  // Context: the union of [L - before, L + after] over counted lines L, each
  // line printed as selected when it is. Line starts are indexed up to the
  // last line any window reaches.
  uint64_t last_needed = selected[counted - 1].number + after;
  std::vector<size_t> starts{0};
  for (size_t p = 0; starts.size() <= last_needed;) {
    const void* nl = std::memchr(content.data() + p, '\n', content.size() - p);
    if (!nl) break;
    p = static_cast<size_t>(static_cast<const char*>(nl) - content.data()) + 1;
    if (p >= content.size()) break;  // no line after the final newline
    starts.push_back(p);
  }
  const uint64_t total_lines = starts.size();
  auto line_at = [&](uint64_t number) {
    size_t lb = starts[number - 1];
    const void* nl = std::memchr(content.data() + lb, '\n', content.size() - lb);
    size_t le =
        nl ? static_cast<size_t>(static_cast<const char*>(nl) - content.data()) : content.size();
    return LineRef{number, lb, le};
  };
  uint64_t printed_through = 0;
  size_t next_selected = 0;
  for (size_t i = 0; i < counted; ++i) {
    uint64_t n = selected[i].number;
    uint64_t from = std::max<uint64_t>({1, n > before ? n - before : 1, printed_through + 1});
    uint64_t to = std::min<uint64_t>(n + after, total_lines);
    for (uint64_t l = from; l <= to; ++l) {
      while (next_selected < selected.size() && selected[next_selected].number < l) {
        ++next_selected;
      }
      bool is_selected = next_selected < selected.size() && selected[next_selected].number == l;
      if (is_selected && l > n && next_selected < counted) {
        break;  // a later counted line: its own iteration prints it and its window
      }
      emit(line_at(l), is_selected);
      printed_through = l;
    }
  }
  return out;
}

}  // namespace ts::grep
