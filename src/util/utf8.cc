#include "util/utf8.h"

#include <cstdint>

namespace ts {
namespace {

// Length of the well-formed sequence starting at text[pos], or 0 when the
// bytes there are malformed. Sets *truncated when the sequence is a valid
// prefix that the end of the text cuts short.
size_t Utf8SequenceLength(std::string_view text, size_t pos, bool* truncated) {
  *truncated = false;
  const auto lead = static_cast<uint8_t>(text[pos]);
  if (lead < 0x80) return 1;
  size_t length;
  // Bounds of the second byte; they exclude overlong forms, surrogates and
  // code points above U+10FFFF (RFC 3629, table 3-7 of the Unicode standard).
  uint8_t second_min = 0x80, second_max = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) second_min = 0xA0;
    if (lead == 0xED) second_max = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) second_min = 0x90;
    if (lead == 0xF4) second_max = 0x8F;
  } else {
    return 0;
  }
  for (size_t i = 1; i < length; ++i) {
    if (pos + i >= text.size()) {
      *truncated = true;
      return 0;
    }
    const auto byte = static_cast<uint8_t>(text[pos + i]);
    const uint8_t min = i == 1 ? second_min : 0x80;
    const uint8_t max = i == 1 ? second_max : 0xBF;
    if (byte < min || byte > max) return 0;
  }
  return length;
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    if (static_cast<uint8_t>(text[pos]) < 0x80) {
      ++pos;
      continue;
    }
    bool truncated;
    const size_t length = Utf8SequenceLength(text, pos, &truncated);
    if (length == 0) return false;
    pos += length;
  }
  return true;
}

size_t CountInvalidUtf8Bytes(std::string_view text) {
  size_t invalid = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    if (static_cast<uint8_t>(text[pos]) < 0x80) {
      ++pos;
      continue;
    }
    bool truncated;
    const size_t length = Utf8SequenceLength(text, pos, &truncated);
    if (truncated) break;
    if (length == 0) {
      ++invalid;
      ++pos;
    } else {
      pos += length;
    }
  }
  return invalid;
}

}  // namespace ts
