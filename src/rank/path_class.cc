// ClassifyPath: what a file is (test, doc, example, vendored, generated or
// source) from its path alone, so that it costs nothing at query time.
#include <algorithm>
#include <array>
#include <string>

#include "rank/rank.h"
#include "util/ascii.h"

namespace ts::rank {
namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

template <size_t N>
bool OneOf(std::string_view s, const std::array<std::string_view, N>& set) {
  return std::find(set.begin(), set.end(), s) != set.end();
}

constexpr std::array<std::string_view, 16> kTestDirs = {
    "test",      "tests",    "testing",   "spec",      "specs", "__tests__",
    "__test__",  "fixtures", "fixture",   "__mocks__", "mocks", "testdata",
    "test-data", "e2e",      "unittests", "testutil"};
constexpr std::array<std::string_view, 4> kDocDirs = {"docs", "doc", "documentation", "man"};
constexpr std::array<std::string_view, 13> kExampleDirs = {
    "example", "examples",  "sample",     "samples",  "demo",      "demos",     "bench",
    "benches", "benchmark", "benchmarks", "tutorial", "tutorials", "playground"};
constexpr std::array<std::string_view, 7> kVendorDirs = {
    "vendor", "third_party", "thirdparty", "third-party", "node_modules", "extern", "external"};
constexpr std::array<std::string_view, 10> kDocExtensions = {
    ".md", ".markdown", ".rst", ".txt", ".adoc", ".asciidoc", ".org", ".rdoc", ".textile", ".pod"};

// The file name (already lower case) says test: test_x.py, x_test.go,
// x.test.ts, x.spec.js, x_spec.rb, XTest.java / XTests.cs (the original case
// is checked by the caller for the CamelCase forms).
bool IsTestFileName(std::string_view lower, std::string_view original) {
  const size_t dot = lower.find('.');
  const std::string_view stem = lower.substr(0, dot);
  if (StartsWith(stem, "test_") || EndsWith(stem, "_test") || EndsWith(stem, "_tests") ||
      EndsWith(stem, "_spec") || stem == "test" || stem == "tests" || stem == "conftest")
    return true;
  if (lower.find(".test.") != std::string_view::npos ||
      lower.find(".spec.") != std::string_view::npos)
    return true;
  const std::string_view orig_stem = original.substr(0, original.find('.'));
  for (std::string_view suffix : {"Test", "Tests", "Spec", "TestCase", "IT"}) {
    if (orig_stem.size() > suffix.size() && EndsWith(orig_stem, suffix)) {
      // FooTest, not Latest / Contest: a capital or digit before the suffix
      // comes from a CamelCase name ("RequestTest"); a lower-case letter does
      // only when the suffix starts a new word ("requestTest").
      char before = orig_stem[orig_stem.size() - suffix.size() - 1];
      if (suffix == "IT") return std::islower(static_cast<unsigned char>(before)) != 0;
      return true;
    }
  }
  return false;
}

}  // namespace

PathClass ClassifyPath(std::string_view rel_path) {
  const std::string lower = LowerAscii(rel_path);
  const size_t slash = lower.rfind('/');
  const std::string_view name =
      std::string_view(lower).substr(slash == std::string::npos ? 0 : slash + 1);
  const std::string_view original_name =
      rel_path.substr(slash == std::string::npos ? 0 : slash + 1);
  // Go's own rules: a folder is a package, whatever its name (go/doc,
  // cobra's doc/, the testing package are source), a test is a _test.go
  // file, and testdata/ holds test inputs (`go help test`). 75 of the Go
  // docs benchmark's 3,000 queries ask for a .go file in a doc or test
  // folder.
  const bool go = EndsWith(name, ".go");
  // Folders, outermost first; the first telling folder decides.
  std::string_view dirs =
      slash == std::string::npos ? std::string_view() : std::string_view(lower).substr(0, slash);
  size_t pos = 0;
  while (pos < dirs.size()) {
    size_t end = dirs.find('/', pos);
    if (end == std::string_view::npos) end = dirs.size();
    const std::string_view dir = dirs.substr(pos, end - pos);
    pos = end + 1;
    if (OneOf(dir, kVendorDirs)) return PathClass::kVendor;
    if (go ? dir == "testdata" : OneOf(dir, kTestDirs)) return PathClass::kTest;
    if (OneOf(dir, kExampleDirs)) return PathClass::kExample;
    if (!go && OneOf(dir, kDocDirs)) return PathClass::kDoc;
    if (dir == "generated" || dir == "__generated__") return PathClass::kGenerated;
  }
  if (go ? EndsWith(name, "_test.go") : IsTestFileName(name, original_name))
    return PathClass::kTest;
  for (std::string_view ext : kDocExtensions) {
    if (EndsWith(name, ext)) return PathClass::kDoc;
  }
  if (name == "readme" || name == "changelog" || name == "license" || name == "copying")
    return PathClass::kDoc;
  if (EndsWith(name, ".min.js") || EndsWith(name, ".min.css") || EndsWith(name, "_pb2.py") ||
      EndsWith(name, ".pb.go") || EndsWith(name, ".pb.cc") || EndsWith(name, ".pb.h") ||
      name.find(".generated.") != std::string_view::npos || EndsWith(name, ".g.dart"))
    return PathClass::kGenerated;
  return PathClass::kSource;
}

std::string_view PathClassName(PathClass c) {
  switch (c) {
    case PathClass::kTest:
      return "test";
    case PathClass::kDoc:
      return "doc";
    case PathClass::kExample:
      return "example";
    case PathClass::kVendor:
      return "vendor";
    case PathClass::kGenerated:
      return "generated";
    default:
      return "source";
  }
}

}  // namespace ts::rank
