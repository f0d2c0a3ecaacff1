// UTF-8 validation shared by the walker (file names), the content filter
// (binary detection) and the CLI (arguments sent as JSON). Validity follows RFC 3629: no overlong
// forms, no UTF-16 surrogates, nothing above U+10FFFF.
#pragma once

#include <cstddef>
#include <string_view>

namespace ts {

bool IsValidUtf8(std::string_view text);

// Counts the bytes of `text` that are not part of a well-formed sequence. A
// sequence cut off by the end of `text` is not counted, because callers often
// look at a truncated prefix of a file and the cut can fall inside a character.
size_t CountInvalidUtf8Bytes(std::string_view text);

}  // namespace ts
