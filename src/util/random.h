// Secrets from the kernel's CSPRNG (getrandom), as lower-case hex.
#pragma once

#include <cstddef>
#include <string>

#include "util/status.h"

namespace ts {

// 2 * `bytes` hex digits of fresh randomness.
Result<std::string> RandomHex(size_t bytes);

}  // namespace ts
