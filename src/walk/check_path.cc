#include <sys/stat.h>

#include <memory>

#include "util/file.h"
#include "walk/ignore_rules.h"
#include "walk/walk.h"

namespace ts::walk {

bool CheckPath(const std::string& root, const std::string& rel_path, const WalkOptions& options,
               SkipReason* reason, bool* grep_only) {
  if (grep_only != nullptr) *grep_only = false;
  if (rel_path.empty() || rel_path[0] == '/' || rel_path.find("..") != std::string::npos) {
    *reason = SkipReason::kOutsideRoot;
    return false;
  }
  // Directory components, shallowest first.
  std::vector<std::string> dirs;
  for (size_t pos = rel_path.find('/'); pos != std::string::npos;
       pos = rel_path.find('/', pos + 1)) {
    dirs.push_back(rel_path.substr(0, pos));
  }
  auto is_excluded = [&](std::string_view name) {
    for (const char* d : kDefaultExcludedDirs) {
      if (name == d) return true;
    }
    for (const auto& d : options.extra_excluded_dirs) {
      if (name == d) return true;
    }
    return false;
  };
  {
    const size_t slash = rel_path.find_last_of('/');
    if (IsSecretName(rel_path.substr(slash == std::string::npos ? 0 : slash + 1), false)) {
      *reason = SkipReason::kSecret;
      return false;
    }
  }
  for (const auto& d : dirs) {
    std::string_view name = std::string_view(d).substr(d.find_last_of('/') + 1);
    if (!options.follow_symlinks) {
      // The walk never enters a symlinked folder; nor may a named path
      // ("linkdir/secret.txt" with linkdir -> /elsewhere).
      struct stat dst {};
      if (::lstat((root + "/" + d).c_str(), &dst) == 0 && S_ISLNK(dst.st_mode)) {
        *reason = SkipReason::kSymlink;
        return false;
      }
    }
    if (IsSecretName(name, true)) {
      *reason = SkipReason::kSecret;
      return false;
    }
    if (is_excluded(name)) {
      if (options.include_grep_only && !name.starts_with('.') && grep_only != nullptr) {
        *grep_only = true;
        continue;
      }
      *reason = SkipReason::kExcludedDir;
      return false;
    }
  }
  if (options.respect_ignore_files) {
    // Same precedence as the walk: exclude < root files < deeper files; a
    // directory that is ignored hides everything below it.
    std::vector<std::unique_ptr<IgnoreRules>> owned;
    IgnoreStack stack;
    auto load = [&](const std::string& dir_rel, bool at_root) {
      auto rules = std::make_unique<IgnoreRules>();
      std::string prefix = root + "/" + (dir_rel.empty() ? "" : dir_rel + "/");
      if (at_root) {
        if (auto t = ReadFile(root + "/.git/info/exclude"); t.ok()) rules->AddFile(*t);
      }
      for (const char* name : {".gitignore", ".ignore"}) {
        if (auto t = ReadFile(prefix + name); t.ok()) rules->AddFile(*t);
      }
      if (!rules->empty()) {
        stack.Push(dir_rel.size(), rules.get());
        owned.push_back(std::move(rules));
      }
    };
    load("", true);
    for (const auto& d : dirs) {
      if (!stack.empty() && stack.IsIgnored(d, true)) {
        *reason = SkipReason::kIgnored;
        return false;
      }
      load(d, false);
    }
    if (!stack.empty() && stack.IsIgnored(rel_path, false)) {
      *reason = SkipReason::kIgnored;
      return false;
    }
  }
  struct stat st {};
  std::string full = root + "/" + rel_path;
  if (::lstat(full.c_str(), &st) != 0) {
    *reason = SkipReason::kNotRegular;
    return false;
  }
  if (S_ISLNK(st.st_mode) && !options.follow_symlinks) {
    *reason = SkipReason::kSymlink;
    return false;
  }
  if (S_ISLNK(st.st_mode) && ::stat(full.c_str(), &st) != 0) {
    *reason = SkipReason::kUnreadable;
    return false;
  }
  if (!S_ISREG(st.st_mode)) {
    *reason = SkipReason::kNotRegular;
    return false;
  }
  if (static_cast<uint64_t>(st.st_size) > options.max_file_size) {
    *reason = SkipReason::kTooLarge;
    return false;
  }
  return true;
}

}  // namespace ts::walk
