// Substring search tuned for code: memchr (vectorized, tens of GB/s) on the
// needle's rarest byte, then a compare. glibc's memmem (two-way) runs at a
// fraction of that speed for the identifiers grep looks for. Internal to src/grep.
#pragma once

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

namespace ts::grep {

class LiteralFinder {
 public:
  explicit LiteralFinder(std::string needle) : needle_(std::move(needle)) {
    int best = -1;
    for (size_t i = 0; i < needle_.size(); ++i) {
      int r = Rarity(static_cast<unsigned char>(needle_[i]));
      if (r >= best) {
        best = r;
        rare_ = i;
      }
    }
  }
  const std::string& needle() const { return needle_; }

  // The offset of the first occurrence at or after `from`, or npos.
  size_t Find(std::string_view hay, size_t from = 0) const {
    const size_t n = needle_.size();
    if (n == 0) return from <= hay.size() ? from : std::string_view::npos;
    const char rare = needle_[rare_];
    size_t scan = from + rare_;
    while (scan + (n - rare_) <= hay.size()) {
      const void* hit = std::memchr(hay.data() + scan, rare, hay.size() - scan - (n - rare_) + 1);
      if (hit == nullptr) return std::string_view::npos;
      size_t at = static_cast<size_t>(static_cast<const char*>(hit) - hay.data()) - rare_;
      if (std::memcmp(hay.data() + at, needle_.data(), n) == 0) return at;
      scan = at + rare_ + 1;
    }
    return std::string_view::npos;
  }

 private:
  // Higher is rarer in source code (a rough order, as ripgrep's heuristic).
  static int Rarity(unsigned char c) {
    if (c == ' ' || c == '\t' || c == '\n') return 0;
    if (std::strchr("etaoinsrlcdu", c) != nullptr && c != 0) return 1;
    if (c >= 'a' && c <= 'z') return 2;
    if (std::strchr("_(),;.*=->", c) != nullptr && c != 0) return 3;
    if (c >= '0' && c <= '9') return 4;
    if (c >= 'A' && c <= 'Z') return 5;
    return 6;
  }

  std::string needle_;
  size_t rare_ = 0;
};

}  // namespace ts::grep
