// Trigram keys, shared by the segment builder and the query planner. Internal
// to src/grep.
//
// A byte is indexable when it is a tab or printable ASCII (0x20-0x7e); letters
// fold to lower case. Each indexable byte maps to a code in [0, 96), and a
// trigram's key is (c0 * 96 + c1) * 96 + c2, dense in [0, kTrigramKeys).
#pragma once

#include <array>
#include <cstdint>

namespace ts::grep {

inline constexpr uint32_t kTrigramKeys = 96 * 96 * 96;
inline constexpr uint8_t kNotIndexable = 0xff;

inline const std::array<uint8_t, 256>& TrigramCodes() {
  static const std::array<uint8_t, 256> codes = [] {
    std::array<uint8_t, 256> t{};
    t.fill(kNotIndexable);
    t['\t'] = 0;
    for (int c = 0x20; c <= 0x7e; ++c) {
      int folded = (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
      t[c] = static_cast<uint8_t>(folded - 0x20 + 1);
    }
    return t;
  }();
  return codes;
}

}  // namespace ts::grep
