// Named kill points for crash-safety tests. Once ArmCrashPoint("NAME") or
// ("NAME:N") ran (the daemon does it for $TRUSTY_CRASH_POINT), the process
// SIGKILLs itself the first (or N-th) time execution reaches
// CrashPoint("NAME"). Unarmed, a call costs one relaxed load. This is how
// tests prove that a kill at any step of a commit leaves the index at its
// last committed state.
#pragma once

#include <string_view>

namespace ts {

// Arms one crash point; call it once, before other threads run.
void ArmCrashPoint(std::string_view spec);
void CrashPoint(std::string_view name);

}  // namespace ts
