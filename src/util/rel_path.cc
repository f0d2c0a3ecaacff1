#include "util/rel_path.h"

#include <vector>

namespace ts {

Result<std::string> NormalizeRelativePath(std::string_view path, const std::string& root) {
  if (path.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument("the path holds a NUL byte");
  }
  std::vector<std::string_view> parts;
  auto split = [](std::string_view p, std::vector<std::string_view>* out) {
    size_t pos = 0;
    while (pos <= p.size()) {
      const size_t slash = p.find('/', pos);
      const std::string_view part =
          p.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos);
      if (!part.empty() && part != ".") out->push_back(part);
      if (slash == std::string_view::npos) break;
      pos = slash + 1;
    }
  };
  split(path, &parts);
  for (const auto& p : parts) {
    if (p == "..")
      return Status::InvalidArgument("the path may not hold '..': " + std::string(path));
  }
  if (!path.empty() && path[0] == '/') {
    std::vector<std::string_view> root_parts;
    split(root, &root_parts);
    bool under = parts.size() > root_parts.size();
    for (size_t i = 0; under && i < root_parts.size(); ++i) under = parts[i] == root_parts[i];
    if (!under) {
      return Status::InvalidArgument("path must lie inside the index root " + root + ": " +
                                     std::string(path));
    }
    parts.erase(parts.begin(), parts.begin() + static_cast<std::ptrdiff_t>(root_parts.size()));
  }
  if (parts.empty())
    return Status::InvalidArgument("the path names no file: '" + std::string(path) + "'");
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += '/';
    out += p;
  }
  return out;
}

}  // namespace ts
