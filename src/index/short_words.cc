// IndexImpl::RankShortWords: a query whose words are all too short for the
// lexical lane ("g" in flask, "x y"). The tokenizer indexes words of two
// characters or more, so the grep lane finds the lines that name such words
// as whole words, a file's definition of one ranking above its mentions, and
// each file's best line becomes the chunk that holds it.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <set>
#include <utility>

#include "grep/grep.h"
#include "index/index_impl.h"
#include "index/query_plan.h"
#include "lexical/lexical.h"

namespace ts::index {
namespace {

bool IsWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// The query's identifier-like words the lexical lane has no term for.
std::vector<std::string> ShortWords(std::string_view text) {
  std::set<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !IsWordChar(text[i])) ++i;
    const size_t b = i;
    while (i < text.size() && IsWordChar(text[i])) ++i;
    if (i > b && lexical::TokenizeToVector(text.substr(b, i - b)).empty()) {
      out.insert(std::string(text.substr(b, i - b)));
    }
  }
  return {out.begin(), out.end()};
}

// 2 when `line` defines `word` ("def g(", "g = ...", "g: T = ...", "let g"),
// 1 when it only names it.
int DefinitionStrength(std::string_view line, const std::string& word) {
  static const std::set<std::string_view> kDefiners = {
      "def",   "class", "func",      "fn",     "function",  "var",   "let",   "const",
      "val",   "type",  "struct",    "enum",   "interface", "trait", "macro", "sub",
      "local", "defn",  "defmodule", "module", "alias",     "my",    "our"};
  std::string_view previous;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && !IsWordChar(line[i])) ++i;
    const size_t b = i;
    while (i < line.size() && IsWordChar(line[i])) ++i;
    if (i == b) break;
    const std::string_view token = line.substr(b, i - b);
    if (token == word) {
      if (kDefiners.count(previous)) return 2;
      // First on its line and assigned or annotated: `g = `, `g: T`, `g := `;
      // not a keyword argument or a dictionary entry (`g=g,`).
      const size_t last = line.find_last_not_of(" \t\r");
      const bool first = line.find_first_not_of(" \t") == b && line[last] != ',';
      size_t k = i;
      while (k < line.size() && line[k] == ' ') ++k;
      if (first && k < line.size() &&
          ((line[k] == '=' && (k + 1 == line.size() || line[k + 1] != '=')) || line[k] == ':')) {
        return 2;
      }
    }
    previous = token;
  }
  return 1;
}

}  // namespace

std::vector<IndexImpl::RankedDoc> IndexImpl::RankShortWords(const Snapshots& snaps,
                                                            const QueryPlan& plan,
                                                            const QueryOptions& options,
                                                            QueryResult* result) const {
  std::vector<RankedDoc> ranked;
  const std::vector<std::string> words = ShortWords(plan.text);
  if (words.empty() || !snaps.grep) return ranked;
  std::string alternation;
  for (const std::string& w : words) alternation += (alternation.empty() ? "" : "|") + w;
  grep::GrepOptions grep_options;
  grep_options.word = true;
  grep_options.max_results = kShortWordMaxLines;
  grep_options.timeout_ms = kShortWordBudgetMs;
  auto pattern = grep::Pattern::Compile(alternation, grep_options);
  if (!pattern.ok()) return ranked;
  auto found = grep::Search(snaps.grep->views, {}, root_, **pattern, grep_options);
  if (!found.ok()) return ranked;
  // Never silent: the hits come from the grep lane, not the ranked lanes.
  result->meta["short_words"] =
      found->partial ? "ok: grep lane (partial: " + found->partial_reason + ")" : "ok: grep lane";

  // Each file's best line: its first definition of a word, else its first mention.
  struct FileEvidence {
    std::string path;
    int strength = 0;
    uint64_t line = 0, mentions = 0;
  };
  std::vector<FileEvidence> files;
  for (const grep::FileMatches& f : found->files) {
    if (!options.path_prefix.empty() && f.path.rfind(options.path_prefix, 0) != 0) continue;
    FileEvidence e{f.path};
    for (const grep::GrepLine& l : f.lines) {
      if (!l.selected) continue;
      ++e.mentions;
      for (const std::string& w : words) {
        const int s = DefinitionStrength(l.text, w);
        if (s > e.strength) {
          e.strength = s;
          e.line = l.number;
        }
      }
    }
    if (e.mentions > 0) files.push_back(std::move(e));
  }
  std::stable_sort(files.begin(), files.end(), [](const FileEvidence& a, const FileEvidence& b) {
    return a.strength != b.strength ? a.strength > b.strength : a.mentions > b.mentions;
  });

  // The chunk that holds each file's line: every chunk of a file carries its
  // path's words, so a search for them under the path finds them all.
  const lexical::Snapshot& snap = *snaps.lexical;
  for (const FileEvidence& e : files) {
    if (ranked.size() >= options.top_k) break;
    lexical::SearchOptions so;
    so.top_k = kShortWordChunksPerFile;
    so.path_prefix = e.path;
    // The smallest chunk that holds the line, else the nearest one (a lone
    // short line between definitions is in no chunk).
    const lexical::ScoredDoc* holder = nullptr;
    std::pair<uint64_t, uint32_t> best{UINT64_MAX, UINT32_MAX};  // (distance, span)
    const std::vector<lexical::ScoredDoc> chunks =
        snap.SearchTerms(lexical::TokenizeToVector(e.path), so);
    for (const lexical::ScoredDoc& d : chunks) {
      const lexical::StoredDoc doc = snap.segments()[d.segment].segment->Doc(d.docno);
      if (doc.path != e.path) continue;
      const uint64_t distance = e.line < doc.start_line ? doc.start_line - e.line
                                : e.line > doc.end_line ? e.line - doc.end_line
                                                        : 0;
      const std::pair<uint64_t, uint32_t> rank{distance, doc.end_line - doc.start_line};
      if (rank < best) {
        best = rank;
        holder = &d;
      }
    }
    if (holder == nullptr) continue;
    lexical::ScoredDoc doc = *holder;
    // Scores fall with the rank: 1, 1/2, 1/3 ... (definitions come first).
    doc.score = 1.0 / static_cast<double>(ranked.size() + 1);
    char why[96];
    std::snprintf(why, sizeof(why), "grep: %s at line %llu (%llu line(s) of the file name it)",
                  e.strength == 2 ? "defined" : "named", static_cast<unsigned long long>(e.line),
                  static_cast<unsigned long long>(e.mentions));
    ranked.push_back({doc, why});
  }
  return ranked;
}

}  // namespace ts::index
