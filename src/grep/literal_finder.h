// Substring search tuned for code. The needle's two rarest bytes (by their
// frequency in source code, src/grep/byte_rank.h) are compared at once over
// 16 or 32 positions with vector instructions; only positions where both
// agree are compared in full. A needle made of common bytes (`_RESUME`) would
// stop memchr on its rarest byte every few dozen bytes; two bytes at their
// offsets rarely agree by chance. Internal to src/grep.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ts::grep {

class LiteralFinder {
 public:
  // With `fold_ascii_case`, an ASCII letter of the needle matches itself in
  // either case; every other byte matches only itself. That equals a
  // case-insensitive regex only on text whose letters are all ASCII (RE2's
  // folding also maps U+212A to k and U+017F to s); callers see to that.
  explicit LiteralFinder(std::string needle, bool fold_ascii_case = false);

  // The needle as given, or lower-cased when folding.
  const std::string& needle() const { return needle_; }
  bool folds_case() const { return fold_; }

  // The offset of the first occurrence at or after `from`, or npos.
  size_t Find(std::string_view hay, size_t from = 0) const;

 private:
  bool MatchesAt(const char* at) const;
  size_t FindScalar(std::string_view hay, size_t from) const;
  size_t FindSse2(std::string_view hay, size_t from) const;
  size_t FindAvx2(std::string_view hay, size_t from) const;

  std::string needle_;
  bool fold_ = false;
  // The two anchor bytes: hay[s + offset] | mask == byte for a start s.
  size_t offset1_ = 0, offset2_ = 0;
  uint8_t byte1_ = 0, byte2_ = 0, mask1_ = 0, mask2_ = 0;
};

// The number of '\n' bytes in `text`, 16 bytes a step (a plain std::count
// widens every byte to 64 bits and ran at a quarter of this speed).
size_t CountNewlines(std::string_view text);

}  // namespace ts::grep
