#include "util/hash.h"

#include <xxhash.h>

namespace ts {

uint64_t Hash64(std::string_view data) {
  return XXH3_64bits(data.data(), data.size());
}

std::string HexHash64(uint64_t h) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<size_t>(i)] = kDigits[h & 0xf];
    h >>= 4;
  }
  return out;
}

}  // namespace ts
