// Trigram keys, shared by the segment builder and the query planner. Internal
// to src/grep.
//
// A byte is indexable when it is a tab or printable ASCII (0x20-0x7e). Each
// indexable byte maps to a code in [0, 96) and a trigram's key is
// (c0 * 96 + c1) * 96 + c2, dense in [0, kTrigramKeys). Keys keep case: a
// case-sensitive literal narrows to the files holding it exactly, and a
// case-insensitive one takes the union over its trigrams' case variants.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace ts::grep {

inline constexpr uint32_t kTrigramKeys = 96 * 96 * 96;
// One more key: documents holding U+017F or U+212A, which case-insensitive
// matching finds as s and k (see HoldsFoldHazard). Keys are < kKeyCount.
inline constexpr uint32_t kFoldHazardKey = kTrigramKeys;
inline constexpr uint32_t kKeyCount = kTrigramKeys + 1;
inline constexpr uint8_t kNotIndexable = 0xff;

inline const std::array<uint8_t, 256>& TrigramCodes() {
  static const std::array<uint8_t, 256> codes = [] {
    std::array<uint8_t, 256> t{};
    t.fill(kNotIndexable);
    t['\t'] = 0;
    for (int c = 0x20; c <= 0x7e; ++c) t[c] = static_cast<uint8_t>(c - 0x20 + 1);
    return t;
  }();
  return codes;
}

// The keys of every ASCII case variant of `key` (itself included; up to 8).
inline std::vector<uint32_t> CaseVariants(uint32_t key) {
  auto byte_of = [](uint32_t code) {
    return code == 0 ? '\t' : static_cast<char>(code - 1 + 0x20);
  };
  uint32_t codes[3] = {key / (96 * 96), (key / 96) % 96, key % 96};
  std::vector<uint32_t> out{0};
  for (uint32_t code : codes) {
    char c = byte_of(code);
    std::vector<uint32_t> next;
    for (uint32_t prefix : out) {
      next.push_back(prefix * 96 + code);
      char other = (c >= 'a' && c <= 'z') ? c - 32 : (c >= 'A' && c <= 'Z') ? c + 32 : 0;
      if (other != 0) next.push_back(prefix * 96 + TrigramCodes()[static_cast<uint8_t>(other)]);
    }
    out = std::move(next);
  }
  return out;
}

// Whether a trigram holds k or s in either case: letters that case-insensitive
// matching also finds as U+212A (KELVIN SIGN) and U+017F (LATIN SMALL LETTER
// LONG S), whose bytes are not indexable. A document may hold such a trigram
// "spelled" with one of those when it has kFoldHazardKey.
inline bool HoldsFoldHazard(uint32_t key) {
  uint32_t codes[3] = {key / (96 * 96), (key / 96) % 96, key % 96};
  for (uint32_t code : codes) {
    char c = code == 0 ? '\t' : static_cast<char>((code - 1 + 0x20) | 0x20);
    if (c == 'k' || c == 's') return true;
  }
  return false;
}

}  // namespace ts::grep
