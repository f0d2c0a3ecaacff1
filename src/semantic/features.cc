// Text -> model input. The trainer (tools/train) and the encoder both come
// through here, so what the model saw in training is what it sees at query time.
#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "lexical/lexical.h"
#include "semantic/semantic.h"
#include "util/hash.h"

namespace ts::semantic {
namespace {

// Words that carry no meaning in either a docstring sentence or code; keeping
// them would spend the bag's weight on grammar.
constexpr std::array<std::string_view, 48> kStopWords = {
    "the",  "an",   "of",    "to",    "and",   "or",   "in",   "is",    "for",  "if",
    "it",   "be",   "by",    "on",    "as",    "at",   "this", "that",  "with", "from",
    "are",  "was",  "its",   "into",  "which", "when", "will", "can",   "not",  "no",
    "all",  "any",  "but",   "has",   "have",  "do",   "does", "so",    "we",   "you",
    "than", "then", "there", "these", "those", "such", "may",  "should"};

bool IsStopWord(std::string_view w) {
  // Every stop word is 2-6 bytes of a-z: most identifiers fail the first test.
  if (w.size() > 6) return false;
  return std::find(kStopWords.begin(), kStopWords.end(), w) != kStopWords.end();
}

bool AllDigits(std::string_view w) {
  return std::all_of(w.begin(), w.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

Vocabulary::Vocabulary(std::vector<std::string> words, std::vector<float> idf, uint32_t buckets,
                       float bucket_idf)
    : words_(std::move(words)), idf_(std::move(idf)), buckets_(buckets), bucket_idf_(bucket_idf) {
  idf_.resize(words_.size(), bucket_idf_);
  size_t slots = 16;
  while (slots < words_.size() * 2) slots *= 2;
  slots_.assign(slots, 0);
  for (uint32_t i = 0; i < words_.size(); ++i) {
    size_t s = Hash64(words_[i]) & (slots - 1);
    while (slots_[s] != 0) s = (s + 1) & (slots - 1);
    slots_[s] = i + 1;
  }
}

uint32_t Vocabulary::Row(std::string_view word) const {
  const uint64_t h = Hash64(word);
  if (!slots_.empty()) {
    const size_t mask = slots_.size() - 1;
    for (size_t s = h & mask; slots_[s] != 0; s = (s + 1) & mask) {
      if (words_[slots_[s] - 1] == word) return slots_[s] - 1;
    }
  }
  // Unseen words share buckets by hash; the high bits keep them independent
  // of the slot above.
  return buckets_ == 0 ? 0 : size() + static_cast<uint32_t>((h >> 32) % buckets_);
}

void Words(std::string_view text, std::vector<std::string>* out, size_t max_words) {
  out->clear();
  if (text.size() > max_words * 16) text = text.substr(0, max_words * 16);
  lexical::Tokenize(text, [&](std::string_view t) {
    if (out->size() >= max_words || t.size() < 2 || AllDigits(t) || IsStopWord(t)) return;
    std::string w(t);
    lexical::StemKey(&w);
    out->push_back(std::move(w));
  });
}

Features Featurize(const Vocabulary& vocab, std::string_view text, size_t max_words,
                   float header_weight) {
  thread_local std::vector<std::string> words;
  thread_local std::vector<std::pair<uint32_t, bool>> occurrences;  // row, read in the header
  Features f;
  if (vocab.rows() == 0) return f;
  occurrences.clear();
  // The header is the first line (CodeInput's path, scope and symbol); a
  // text without a newline has none.
  size_t header_end = 0;
  if (header_weight != 1.0f) {
    const size_t nl = text.find('\n');
    if (nl != std::string_view::npos) header_end = nl + 1;
  }
  if (header_end > 0) {
    Words(text.substr(0, header_end), &words, max_words);
    for (const auto& w : words) occurrences.push_back({vocab.Row(w), true});
  }
  if (occurrences.size() < max_words) {
    Words(text.substr(header_end), &words, max_words - occurrences.size());
    for (const auto& w : words) occurrences.push_back({vocab.Row(w), false});
  }
  if (occurrences.empty()) return f;
  // Distinct rows in ascending order, each with its count.
  std::sort(occurrences.begin(), occurrences.end());
  for (size_t i = 0; i < occurrences.size();) {
    size_t j = i;
    bool in_header = false;
    for (; j < occurrences.size() && occurrences[j].first == occurrences[i].first; ++j) {
      in_header = in_header || occurrences[j].second;
    }
    const uint32_t row = occurrences[i].first;
    f.rows.push_back(row);
    f.weights.push_back(vocab.Idf(row) * (1.0f + std::log(static_cast<float>(j - i))) *
                        (in_header ? header_weight : 1.0f));
    i = j;
  }
  return f;
}

std::string CodeInput(std::string_view path, std::string_view scope, std::string_view symbol,
                      std::string_view code) {
  size_t cut = path.size();
  for (int parts = 0; parts < 3 && cut != std::string_view::npos && cut > 0; ++parts) {
    cut = path.rfind('/', cut - 1);
  }
  std::string_view tail = cut == std::string_view::npos ? path : path.substr(cut + 1);
  std::string out;
  out.reserve(tail.size() + scope.size() + symbol.size() + code.size() + 3);
  out.append(tail).append(" ").append(scope).append(" ").append(symbol).append("\n").append(code);
  return out;
}

}  // namespace ts::semantic
