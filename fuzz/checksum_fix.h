// For the file-format fuzz targets: a mutation almost never keeps a file's
// checksum right, which would stop every input at the first check. Targets
// rewrite it for inputs of even length, so the parsing behind it is fuzzed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/hash.h"

// Puts XXH3-64 (little-endian) of bytes[0, covered) at bytes[at, at + 8).
inline void FixHash64(std::string& bytes, size_t covered, size_t at) {
  const uint64_t sum = ts::Hash64(std::string_view(bytes).substr(0, covered));
  for (int i = 0; i < 8; ++i)
    bytes[at + static_cast<size_t>(i)] = static_cast<char>(sum >> (8 * i));
}

// A 16-byte footer of checksum then end magic (lexical segments, vector
// companions), when the input is even and long enough.
inline void FixFooter(std::string& bytes, std::string_view end_magic) {
  const size_t size = bytes.size();
  if (size < 16 || size % 2 != 0) return;
  FixHash64(bytes, size - 16, size - 16);
  bytes.replace(size - 8, 8, end_magic);
}
