// Named kill points for crash-safety tests. When the environment variable
// TRUSTY_CRASH_POINT is "NAME" or "NAME:N", the process SIGKILLs itself the
// first (or N-th) time execution reaches CrashPoint("NAME"). Unset, a call
// costs one relaxed load. This is how tests prove that a kill at any step of a
// commit leaves the index at its last committed state.
#pragma once

#include <string_view>

namespace ts {

void CrashPoint(std::string_view name);

}  // namespace ts
