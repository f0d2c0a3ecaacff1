// Public header of src/walk: lists the files of a tree that are worth indexing.
//
// Rules (each has a unit test in tests/unit/walk/):
//  - .gitignore, .ignore (same syntax) in any directory, applying to that
//    directory's subtree, and .git/info/exclude at the root; negation (!),
//    anchoring (/ prefix or a slash inside), directory-only patterns (trailing
//    /), **, *, ?, [...] and backslash escapes, with git's precedence (a deeper
//    file and a later line win). A directory that is ignored is not entered, so
//    a negation cannot re-include a file inside it (as in git).
//  - Default excluded directory names (kDefaultExcludedDirs) are never entered.
//  - Symlinks are not followed unless follow_symlinks is set; even then a link
//    whose target resolves outside the root, or back into a directory already
//    on the current path (a loop), is skipped.
//  - Files larger than max_file_size are skipped as too large.
//  - Unreadable files and directories are counted and reported, never fatal.
// Content rules (binary, minified/generated) need the bytes, so they live in
// ClassifyContent, which the indexer calls after reading a file.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace ts::walk {

inline constexpr const char* kDefaultExcludedDirs[] = {
    ".git",        ".hg",           ".svn",        "node_modules", "target", "build",
    "dist",        "vendor",        "__pycache__", ".venv",        "venv",   ".tox",
    ".mypy_cache", ".pytest_cache", ".idea",       ".gradle",      ".next",  ".cache"};

struct WalkOptions {
  uint64_t max_file_size = 1u << 20;  // 1 MiB
  bool follow_symlinks = false;
  bool respect_ignore_files = true;
  std::vector<std::string> extra_excluded_dirs;
  // Also yield, marked grep_only, the files under default or extra excluded
  // directories (unless the directory is hidden or ignored): ripgrep
  // searches them, so grep must see them, while search keeps skipping them.
  bool include_grep_only = false;
};

// Why a path was not indexed. Names (SkipReasonName) appear in CLI summaries
// and JSON status, so they are stable.
enum class SkipReason {
  kIgnored,      // matched an ignore rule
  kExcludedDir,  // a default or configured excluded directory (counted once per dir)
  kTooLarge,
  kBinary,
  kMinified,     // minified or machine-generated text
  kSymlink,      // a symlink that was not followed
  kOutsideRoot,  // a followed symlink that leads outside the root
  kSymlinkLoop,
  kUnreadable,   // permission denied or I/O error
  kNotRegular,   // sockets, fifos, devices
  kInvalidName,  // a name that is not valid UTF-8 or holds a newline
  kSecret,       // a name that holds credentials (IsSecretName)
};
std::string_view SkipReasonName(SkipReason reason);

// Whether a file or directory name is one that holds credentials: private
// keys (id_rsa*, id_ed25519*, *.pem, *.key, *.p12, *.pfx, *.jks), .env and
// .env.* (but not .env.example, .sample, .template, .dist), .netrc, .pgpass,
// .htpasswd, credentials*; directories .ssh, .gnupg, .aws, .kube, .azure,
// .password-store. Such entries are skipped with reason "secret" even when
// an ignore file would let them in.
bool IsSecretName(std::string_view name, bool is_dir);

struct FileEntry {
  std::string rel_path;  // '/'-separated, relative to the root, no leading "./"
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  bool grep_only = false;  // see WalkOptions::include_grep_only
};

struct WalkStats {
  uint64_t files_seen = 0;                      // files yielded
  std::map<std::string, uint64_t> skipped;      // SkipReasonName -> count
  std::vector<std::string> unreadable_samples;  // first few unreadable paths, for reports
  void Count(SkipReason reason, std::string_view rel_path = {});
};

// Walks `root` depth-first in sorted (byte-wise) order, so the same tree always
// yields the same sequence, and calls on_file for each file that passes the
// rules. Memory is bounded by the depth of the tree, not its size. Returns an
// error only when the root itself cannot be opened or is not a directory.
Status Walk(const std::string& root, const WalkOptions& options,
            const std::function<void(FileEntry&&)>& on_file, WalkStats* stats);

// Content rules, applied to the (possibly truncated) bytes of a file:
//  - binary: a NUL byte in the first 8 KiB, or invalid UTF-8 in more than a few
//    percent of the first 8 KiB;
//  - minified/generated: an average line length over 300 bytes or any line over
//    5,000 bytes in a file over 2 KiB, files named *.min.js / *.min.css /
//    *.map, lock files (package-lock.json, yarn.lock, Cargo.lock, ...), and files
//    whose first lines say "@generated", "DO NOT EDIT" or "Code generated ... DO NOT EDIT".
// Returns true when the file should be indexed; otherwise sets *reason.
bool ClassifyContent(std::string_view rel_path, std::string_view content, SkipReason* reason);

}  // namespace ts::walk

namespace ts::walk {

// Whether one path (a file, relative to root) passes the walk rules that do
// not need its bytes: excluded directories, ignore files of the root and every
// directory on the way down, the symlink rule and the size cap. Used by file
// watchers to judge a single changed path without walking the tree. Returns
// true when the file should be indexed; otherwise sets *reason. A path that
// does not exist (or is not a regular file) sets kNotRegular.
// With options.include_grep_only, a path under an excluded directory passes
// with *grep_only set (when grep_only is not null).
bool CheckPath(const std::string& root, const std::string& rel_path, const WalkOptions& options,
               SkipReason* reason, bool* grep_only = nullptr);

}  // namespace ts::walk

namespace ts::walk {

class IgnoreRules;

// ripgrep's --glob filter: gitignore-syntax globs where a plain glob includes
// and "!glob" excludes, the last matching glob deciding. A file is kept when
// its last matching glob includes it, or when none matches and no include
// glob was given; a directory on its path matched last by an exclude glob
// drops it.
class GlobFilter {
 public:
  static Result<GlobFilter> Create(const std::vector<std::string>& globs);
  bool Allows(std::string_view rel_path) const;
  bool empty() const { return rules_ == nullptr; }

 private:
  std::shared_ptr<const IgnoreRules> rules_;
  bool has_includes_ = false;
};

}  // namespace ts::walk
