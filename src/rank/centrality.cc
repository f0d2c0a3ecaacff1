// File centrality: how much of an index names a file (rank.h).
#include <algorithm>
#include <array>
#include <cmath>

#include "rank/rank.h"
#include "util/ascii.h"

namespace ts::rank {
namespace {

// File names that say where a module is, not what it is: the folder names it.
constexpr std::array<std::string_view, 10> kFolderNamed = {
    "mod", "index", "__init__", "main", "lib", "init", "types", "utils", "util", "common"};

}  // namespace

double FileCentrality(uint64_t mentions, uint64_t chunks) {
  if (mentions == 0 || chunks < 2) return 0;
  const double c =
      std::log1p(static_cast<double>(mentions)) / std::log1p(static_cast<double>(chunks));
  return std::clamp(c, 0.0, 1.0);
}

std::string CentralityTerm(std::string_view rel_path) {
  size_t slash = rel_path.rfind('/');
  std::string_view name = rel_path.substr(slash == std::string_view::npos ? 0 : slash + 1);
  name = name.substr(0, name.find('.'));
  if (std::find(kFolderNamed.begin(), kFolderNamed.end(), LowerAscii(name)) != kFolderNamed.end()) {
    if (slash == std::string_view::npos) return "";
    std::string_view dir = rel_path.substr(0, slash);
    slash = dir.rfind('/');
    name = dir.substr(slash == std::string_view::npos ? 0 : slash + 1);
  }
  return name.size() >= 2 ? LowerAscii(name) : "";
}

}  // namespace ts::rank
