#include <cstddef>

#include "walk/walk.h"

namespace ts::walk {

// Reports keep only a handful of examples; the counts carry the totals.
inline constexpr size_t kMaxUnreadableSamples = 10;

std::string_view SkipReasonName(SkipReason reason) {
  switch (reason) {
    case SkipReason::kIgnored:
      return "ignored";
    case SkipReason::kExcludedDir:
      return "excluded_dir";
    case SkipReason::kTooLarge:
      return "too_large";
    case SkipReason::kBinary:
      return "binary";
    case SkipReason::kMinified:
      return "minified";
    case SkipReason::kSymlink:
      return "symlink";
    case SkipReason::kOutsideRoot:
      return "outside_root";
    case SkipReason::kSymlinkLoop:
      return "symlink_loop";
    case SkipReason::kUnreadable:
      return "unreadable";
    case SkipReason::kNotRegular:
      return "not_regular";
    case SkipReason::kInvalidName:
      return "invalid_name";
    case SkipReason::kSecret:
      return "secret";
  }
  return "unknown";
}

void WalkStats::Count(SkipReason reason, std::string_view rel_path) {
  ++skipped[std::string(SkipReasonName(reason))];
  if (reason == SkipReason::kUnreadable && !rel_path.empty() &&
      unreadable_samples.size() < kMaxUnreadableSamples) {
    unreadable_samples.emplace_back(rel_path);
  }
}

}  // namespace ts::walk
