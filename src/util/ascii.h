// ASCII case for protocol tokens, identifiers and header names: bytes >= 0x80
// are left alone (no locale, no UTF-8 case mapping).
#pragma once

#include <string>
#include <string_view>

namespace ts {

inline std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace ts
