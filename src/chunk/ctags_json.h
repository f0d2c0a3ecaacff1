// A minimal parser for universal-ctags' JSON lines: one flat object per line
// whose values are strings, integers or booleans. It is much faster than a
// general JSON parser on the millions of lines a large tree produces, and it
// never reads past the line (malformed lines are rejected, not trusted).
#pragma once

#include <string>
#include <string_view>

#include "chunk/chunk.h"

namespace ts::chunk {

// Fills *tag and *path from one output line. Returns false for lines that are
// not well-formed tag objects (e.g. "_type": "ptag" lines).
bool ParseCtagsJsonLine(std::string_view line, Tag* tag, std::string* path);

}  // namespace ts::chunk
