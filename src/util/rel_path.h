// One spelling per file: a path a request names, made relative to an index root.
#pragma once

#include <string>
#include <string_view>

#include "util/status.h"

namespace ts {

// `path` as the index stores it: '/'-separated components relative to `root`,
// without "." or empty components ("./x", "x//y/" -> "x", "x/y"). An absolute
// path must lie under `root` (itself absolute, no trailing '/'). InvalidArgument
// for a NUL byte, a ".." component, a path outside the root, or nothing left.
Result<std::string> NormalizeRelativePath(std::string_view path, const std::string& root);

}  // namespace ts
