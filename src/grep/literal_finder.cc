#include "grep/literal_finder.h"

#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "grep/byte_rank.h"

namespace ts::grep {
namespace {

bool IsAsciiLetter(uint8_t c) {
  return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}
uint8_t AsciiLower(uint8_t c) {
  return c >= 'A' && c <= 'Z' ? c | 0x20 : c;
}

// A folded letter is as common as its more common case.
int Rank(uint8_t c, bool fold) {
  if (!fold || !IsAsciiLetter(c)) return kByteRank[c];
  return std::min(kByteRank[c | 0x20], kByteRank[c & ~0x20]);
}

const bool kHaveAvx2 = [] {
  __builtin_cpu_init();  // this may run before the library's own constructors
  return __builtin_cpu_supports("avx2") != 0;
}();

}  // namespace

LiteralFinder::LiteralFinder(std::string needle, bool fold_ascii_case)
    : needle_(std::move(needle)), fold_(fold_ascii_case) {
  if (fold_) {
    for (char& c : needle_) c = static_cast<char>(AsciiLower(static_cast<uint8_t>(c)));
  }
  const size_t n = needle_.size();
  if (n == 0) return;
  auto rank_at = [&](size_t i) { return Rank(static_cast<uint8_t>(needle_[i]), fold_); };
  for (size_t i = 1; i < n; ++i) {
    if (rank_at(i) > rank_at(offset1_)) offset1_ = i;
  }
  offset2_ = offset1_ == 0 && n > 1 ? 1 : 0;
  for (size_t i = 0; i < n; ++i) {
    if (i != offset1_ && rank_at(i) > rank_at(offset2_)) offset2_ = i;
  }
  auto anchor = [&](size_t offset, uint8_t* byte, uint8_t* mask) {
    *byte = static_cast<uint8_t>(needle_[offset]);
    *mask = fold_ && IsAsciiLetter(*byte) ? 0x20 : 0;
  };
  anchor(offset1_, &byte1_, &mask1_);
  anchor(offset2_, &byte2_, &mask2_);
}

bool LiteralFinder::MatchesAt(const char* at) const {
  if (!fold_) return std::memcmp(at, needle_.data(), needle_.size()) == 0;
  for (size_t i = 0; i < needle_.size(); ++i) {
    if (AsciiLower(static_cast<uint8_t>(at[i])) != static_cast<uint8_t>(needle_[i])) return false;
  }
  return true;
}

size_t LiteralFinder::FindScalar(std::string_view hay, size_t from) const {
  const size_t n = needle_.size();
  const auto* h = reinterpret_cast<const uint8_t*>(hay.data());
  for (size_t s = from; s + n <= hay.size(); ++s) {
    if ((h[s + offset1_] | mask1_) == byte1_ && (h[s + offset2_] | mask2_) == byte2_ &&
        MatchesAt(hay.data() + s)) {
      return s;
    }
  }
  return std::string_view::npos;
}

// Invariant of both vector loops: a block covers starts [s, s + width), and
// it is taken only while its loads at s + offset stay inside the haystack;
// the remaining starts go to FindScalar.
size_t LiteralFinder::FindSse2(std::string_view hay, size_t from) const {
  const size_t n = needle_.size();
  const size_t reach = std::max({offset1_, offset2_, n - 1}) + 16;
  const __m128i b1 = _mm_set1_epi8(static_cast<char>(byte1_));
  const __m128i b2 = _mm_set1_epi8(static_cast<char>(byte2_));
  const __m128i m1 = _mm_set1_epi8(static_cast<char>(mask1_));
  const __m128i m2 = _mm_set1_epi8(static_cast<char>(mask2_));
  const char* h = hay.data();
  size_t s = from;
  for (; s + reach <= hay.size(); s += 16) {
    __m128i x1 =
        _mm_or_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h + s + offset1_)), m1);
    __m128i x2 =
        _mm_or_si128(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h + s + offset2_)), m2);
    auto bits = static_cast<uint32_t>(
        _mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(x1, b1), _mm_cmpeq_epi8(x2, b2))));
    while (bits != 0) {
      size_t at = s + static_cast<size_t>(__builtin_ctz(bits));
      if (MatchesAt(h + at)) return at;
      bits &= bits - 1;
    }
  }
  return FindScalar(hay, s);
}

__attribute__((target("avx2"))) size_t LiteralFinder::FindAvx2(std::string_view hay,
                                                               size_t from) const {
  const size_t n = needle_.size();
  const size_t reach = std::max({offset1_, offset2_, n - 1}) + 32;
  const __m256i b1 = _mm256_set1_epi8(static_cast<char>(byte1_));
  const __m256i b2 = _mm256_set1_epi8(static_cast<char>(byte2_));
  const __m256i m1 = _mm256_set1_epi8(static_cast<char>(mask1_));
  const __m256i m2 = _mm256_set1_epi8(static_cast<char>(mask2_));
  const char* h = hay.data();
  size_t s = from;
  for (; s + reach <= hay.size(); s += 32) {
    __m256i x1 =
        _mm256_or_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(h + s + offset1_)), m1);
    __m256i x2 =
        _mm256_or_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(h + s + offset2_)), m2);
    auto bits = static_cast<uint32_t>(_mm256_movemask_epi8(
        _mm256_and_si256(_mm256_cmpeq_epi8(x1, b1), _mm256_cmpeq_epi8(x2, b2))));
    while (bits != 0) {
      size_t at = s + static_cast<size_t>(__builtin_ctz(bits));
      if (MatchesAt(h + at)) return at;
      bits &= bits - 1;
    }
  }
  return FindSse2(hay, s);
}

size_t LiteralFinder::Find(std::string_view hay, size_t from) const {
  const size_t n = needle_.size();
  if (n == 0) return from <= hay.size() ? from : std::string_view::npos;
  if (from >= hay.size() || hay.size() - from < n) return std::string_view::npos;
  if (n == 1 && !fold_) {
    const void* hit = std::memchr(hay.data() + from, needle_[0], hay.size() - from);
    return hit ? static_cast<size_t>(static_cast<const char*>(hit) - hay.data())
               : std::string_view::npos;
  }
  return kHaveAvx2 ? FindAvx2(hay, from) : FindSse2(hay, from);
}

size_t CountNewlines(std::string_view text) {
  const char* p = text.data();
  const size_t n = text.size();
  const __m128i newline = _mm_set1_epi8('\n');
  size_t i = 0, total = 0;
  while (n - i >= 16) {
    // Each byte lane counts up to 255 hits before the lanes are summed.
    __m128i lanes = _mm_setzero_si128();
    const size_t steps = std::min<size_t>((n - i) / 16, 255);
    for (size_t k = 0; k < steps; ++k, i += 16) {
      __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      lanes = _mm_sub_epi8(lanes, _mm_cmpeq_epi8(x, newline));
    }
    __m128i sums = _mm_sad_epu8(lanes, _mm_setzero_si128());
    total += static_cast<size_t>(_mm_cvtsi128_si64(sums)) +
             static_cast<size_t>(_mm_extract_epi16(sums, 4));
  }
  for (; i < n; ++i) total += p[i] == '\n' ? 1 : 0;
  return total;
}

}  // namespace ts::grep
