// ClassifyContent: the rules that need a file's name and bytes rather than its
// metadata. Thresholds are the ones documented in walk.h.
#include <algorithm>
#include <cstddef>
#include <cstring>

#include "util/utf8.h"
#include "walk/walk.h"

namespace ts::walk {
namespace {

constexpr size_t kBinarySniffBytes = 8 * 1024;
// "More than a few percent" of invalid UTF-8: a Latin-1 text with accented
// letters here and there stays below it, compressed or encoded data (about
// half its bytes invalid) is far above it.
constexpr size_t kMaxInvalidUtf8Percent = 5;

// Line-length rules apply only above this size, so a short one-line file is
// never taken for minified code.
constexpr size_t kMinSizeForLineRules = 2 * 1024;
constexpr size_t kMaxAverageLineLength = 300;
constexpr size_t kMaxLineLength = 5000;

// Generator markers are looked for in this many leading lines, enough to get
// past a license header (Go's "Code generated ... DO NOT EDIT." rule allows
// any line before the package clause).
constexpr size_t kMarkerLines = 20;

constexpr std::string_view kMinifiedSuffixes[] = {".min.js", ".min.css", ".map"};

constexpr std::string_view kLockFileNames[] = {
    "package-lock.json",
    "npm-shrinkwrap.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "bun.lockb",
    "Cargo.lock",
    "Gemfile.lock",
    "Pipfile.lock",
    "poetry.lock",
    "pdm.lock",
    "uv.lock",
    "composer.lock",
    "go.sum",
    "flake.lock",
    "mix.lock",
    "pubspec.lock",
    "Podfile.lock",
    "Package.resolved",
    "packages.lock.json",
    "gradle.lockfile",
    "Cartfile.resolved",
    "deno.lock",
};

// The generator markers: "Code generated ... DO NOT EDIT" contains the second.
constexpr std::string_view kGeneratedMarkers[] = {"@generated", "DO NOT EDIT"};

std::string_view BaseName(std::string_view rel_path) {
  const size_t slash = rel_path.rfind('/');
  return slash == std::string_view::npos ? rel_path : rel_path.substr(slash + 1);
}

bool IsMinifiedOrLockFileName(std::string_view name) {
  for (std::string_view suffix : kMinifiedSuffixes) {
    if (name.size() > suffix.size() && name.ends_with(suffix)) return true;
  }
  return std::find(std::begin(kLockFileNames), std::end(kLockFileNames), name) !=
         std::end(kLockFileNames);
}

bool LooksBinary(std::string_view content) {
  const std::string_view head = content.substr(0, kBinarySniffBytes);
  if (std::memchr(head.data(), '\0', head.size()) != nullptr) return true;
  return CountInvalidUtf8Bytes(head) * 100 > head.size() * kMaxInvalidUtf8Percent;
}

bool HasGeneratedMarker(std::string_view content) {
  size_t end = 0;
  for (size_t line = 0; line < kMarkerLines && end < content.size(); ++line) {
    end = content.find('\n', end);
    if (end == std::string_view::npos) {
      end = content.size();
      break;
    }
    ++end;
  }
  const std::string_view head = content.substr(0, end);
  for (std::string_view marker : kGeneratedMarkers) {
    if (head.find(marker) != std::string_view::npos) return true;
  }
  return false;
}

bool HasMinifiedLines(std::string_view content) {
  if (content.size() <= kMinSizeForLineRules) return false;
  size_t lines = 0;
  size_t start = 0;
  while (start < content.size()) {
    const void* newline = std::memchr(content.data() + start, '\n', content.size() - start);
    const size_t end =
        newline == nullptr
            ? content.size()
            : static_cast<size_t>(static_cast<const char*>(newline) - content.data());
    if (end - start > kMaxLineLength) return true;
    ++lines;
    start = end + 1;
  }
  return content.size() / lines > kMaxAverageLineLength;
}

}  // namespace

bool ClassifyContent(std::string_view rel_path, std::string_view content, SkipReason* reason) {
  if (IsMinifiedOrLockFileName(BaseName(rel_path))) {
    *reason = SkipReason::kMinified;
    return false;
  }
  if (LooksBinary(content)) {
    *reason = SkipReason::kBinary;
    return false;
  }
  if (HasGeneratedMarker(content) || HasMinifiedLines(content)) {
    *reason = SkipReason::kMinified;
    return false;
  }
  return true;
}

}  // namespace ts::walk
