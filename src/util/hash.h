// Content fingerprints and checksums (XXH3-64). Stable across runs and
// machines: they are stored on disk.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ts {

uint64_t Hash64(std::string_view data);
// 16 lowercase hex digits.
std::string HexHash64(uint64_t h);

}  // namespace ts
