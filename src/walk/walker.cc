// Walk(): a depth-first, sorted, rule-filtering directory walk.
//
// Each directory is handled in two passes. The first lists it while its file
// descriptor is open, sorts the names, loads its ignore files and decides the
// fate of every entry (skip, yield, descend) with fstatat() relative to that
// descriptor; the descriptor is then closed. The second pass acts on the
// decisions in sorted order, descending into subdirectories as it meets them.
// So at most one directory is open at any time, whatever the depth, and the
// walk keeps only the entry lists of the directories on the current path
// (plus, when it follows symlinks, the identities of the directories entered).
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <unordered_set>

#include "util/file.h"
#include "util/utf8.h"
#include "walk/ignore_rules.h"
#include "walk/walk.h"

namespace ts::walk {
namespace {

// Identifies a directory independently of the path that reached it.
struct DirId {
  dev_t dev = 0;
  ino_t ino = 0;
  bool operator==(const DirId&) const = default;
};

struct DirIdHash {
  size_t operator()(const DirId& id) const {
    return std::hash<uint64_t>()(static_cast<uint64_t>(id.ino) * 0x9E3779B97F4A7C15ULL ^
                                 static_cast<uint64_t>(id.dev));
  }
};

// The first pass's decision about one directory entry.
struct PendingEntry {
  enum class Action : uint8_t { kSkip, kYield, kDescend };

  std::string name;
  unsigned char d_type = DT_UNKNOWN;  // as listed; refined by the first pass
  Action action = Action::kSkip;
  SkipReason reason = SkipReason::kIgnored;  // kSkip only
  bool via_symlink = false;                  // kDescend only: reached through a symlink
  bool grep_only = false;                    // kYield/kDescend: see WalkOptions::include_grep_only
  uint64_t size = 0;                         // kYield only
  int64_t mtime_ns = 0;                      // kYield only
};

// A directory on the current path. `entries` is sorted by name; those before
// `next` have been acted on.
struct DirFrame {
  std::vector<PendingEntry> entries;
  size_t next = 0;
  size_t rel_len = 0;  // length of the directory's relative path
  // The directory's own ignore rules; null when it has none. Heap-allocated
  // so that the IgnoreStack's pointer survives moves of the frame.
  std::unique_ptr<IgnoreRules> rules;
  bool grep_only = false;  // below an excluded directory entered for grep
};

bool IsIndexableName(std::string_view name) {
  return name.find('\n') == std::string_view::npos && IsValidUtf8(name);
}

int64_t MtimeNs(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

class TreeWalker {
 public:
  TreeWalker(const std::string& root, const WalkOptions& options,
             const std::function<void(FileEntry&&)>& on_file, WalkStats* stats)
      : root_(root), options_(options), on_file_(on_file), stats_(stats) {
    root_prefix_ = root_.ends_with('/') ? root_ : root_ + "/";
    excluded_dirs_.insert(std::begin(kDefaultExcludedDirs), std::end(kDefaultExcludedDirs));
    for (const std::string& name : options_.extra_excluded_dirs) excluded_dirs_.insert(name);
  }

  Status Run();

 private:
  void EnterDirectory(int fd, DirId id, std::unique_ptr<IgnoreRules> rules, bool grep_only);
  void LeaveDirectory();
  void Descend(bool via_symlink, bool grep_only);
  std::unique_ptr<IgnoreRules> LoadIgnoreFiles(const std::vector<PendingEntry>& entries, int dir_fd,
                                               std::unique_ptr<IgnoreRules> rules);
  void Classify(int dir_fd, bool in_grep_only, PendingEntry* entry);
  std::optional<SkipReason> CheckLinkTarget();
  bool IsIgnored(bool is_dir) const {
    return !ignore_stack_.empty() && ignore_stack_.IsIgnored(path_, is_dir);
  }
  std::string FullPath() const { return root_prefix_ + path_; }

  const std::string& root_;
  const WalkOptions& options_;
  const std::function<void(FileEntry&&)>& on_file_;
  WalkStats* stats_;

  std::string root_prefix_;  // root_ with a trailing '/'
  std::string root_real_;    // realpath of the root; set when following symlinks
  std::unordered_set<std::string_view> excluded_dirs_;  // views into options_ and constants

  // The relative path being worked on: a directory in EnterDirectory and
  // Descend, an entry in Classify.
  std::string path_;
  std::vector<DirFrame> frames_;
  IgnoreStack ignore_stack_;
  std::vector<DirId> ancestors_;  // ids of the directories in frames_
  // Every directory entered, kept only when following symlinks: a link to
  // one of them would walk its files again, and links that converge on the
  // same directories would multiply the walk exponentially.
  std::unordered_set<DirId, DirIdHash> visited_;
};

Status TreeWalker::Run() {
  const int fd = ::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    std::string message = "cannot open root " + root_ + ": " + std::strerror(error);
    if (error == ENOENT) return Status::NotFound(std::move(message));
    if (error == ENOTDIR) return Status::InvalidArgument(std::move(message));
    return Status::IoError(std::move(message));
  }
  struct stat root_stat;
  if (::fstat(fd, &root_stat) != 0) {
    const int error = errno;
    ::close(fd);
    return Status::IoError("cannot stat root " + root_ + ": " + std::strerror(error));
  }
  if (options_.follow_symlinks) {
    char real[PATH_MAX];
    if (::realpath(root_.c_str(), real) == nullptr) {
      const int error = errno;
      ::close(fd);
      return Status::IoError("cannot resolve root " + root_ + ": " + std::strerror(error));
    }
    root_real_ = real;
  }

  // .git/info/exclude applies at the root with less weight than any
  // .gitignore, so its patterns go first.
  auto root_rules = std::make_unique<IgnoreRules>();
  if (options_.respect_ignore_files) {
    struct stat st;
    const std::string exclude_path = root_prefix_ + ".git/info/exclude";
    if (::stat(exclude_path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      Result<std::string> text = ReadFile(exclude_path);
      if (text.ok()) root_rules->AddFile(*text);
    }
  }

  path_.clear();
  EnterDirectory(fd, {root_stat.st_dev, root_stat.st_ino}, std::move(root_rules), false);
  while (!frames_.empty()) {
    DirFrame& frame = frames_.back();
    if (frame.next == frame.entries.size()) {
      LeaveDirectory();
      continue;
    }
    PendingEntry& entry = frame.entries[frame.next++];
    path_.resize(frame.rel_len);
    if (!path_.empty()) path_ += '/';
    path_ += entry.name;
    switch (entry.action) {
      case PendingEntry::Action::kSkip:
        stats_->Count(entry.reason, path_);
        break;
      case PendingEntry::Action::kYield:
        ++stats_->files_seen;
        on_file_(FileEntry{path_, entry.size, entry.mtime_ns, entry.grep_only});
        break;
      case PendingEntry::Action::kDescend:
        // May grow frames_: `frame` and `entry` are stale from here.
        Descend(entry.via_symlink, entry.grep_only);
        break;
    }
  }
  return Status::Ok();
}

// Opens the directory at path_ and enters it, unless that would revisit a
// directory (a loop through a symlink or a bind mount).
void TreeWalker::Descend(bool via_symlink, bool grep_only) {
  const std::string full_path = FullPath();
  const int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | (via_symlink ? 0 : O_NOFOLLOW);
  const int fd = ::open(full_path.c_str(), flags);
  if (fd < 0) {
    stats_->Count(SkipReason::kUnreadable, path_);
    return;
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    stats_->Count(SkipReason::kUnreadable, path_);
    return;
  }
  const DirId id{st.st_dev, st.st_ino};
  const bool is_ancestor = std::find(ancestors_.begin(), ancestors_.end(), id) != ancestors_.end();
  if (is_ancestor || (via_symlink && visited_.contains(id))) {
    ::close(fd);
    stats_->Count(SkipReason::kSymlinkLoop, path_);
    return;
  }
  EnterDirectory(fd, id, nullptr, grep_only);
}

// Takes ownership of `fd`, the open directory `id` whose relative path is
// path_, and pushes its frame with every entry classified.
void TreeWalker::EnterDirectory(int fd, DirId id, std::unique_ptr<IgnoreRules> rules,
                                bool grep_only) {
  DIR* dir = ::fdopendir(fd);
  if (dir == nullptr) {
    ::close(fd);
    stats_->Count(SkipReason::kUnreadable, path_);
    return;
  }

  DirFrame frame;
  frame.rel_len = path_.size();
  frame.grep_only = grep_only;
  for (;;) {
    errno = 0;  // readdir() reports the end and an error alike with null
    const dirent* ent = ::readdir(dir);
    if (ent == nullptr) {
      // A listing cut short by an I/O error is reported; what was read is kept.
      if (errno != 0) stats_->Count(SkipReason::kUnreadable, path_);
      break;
    }
    const char* name = ent->d_name;
    if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'))) continue;
    PendingEntry& entry = frame.entries.emplace_back();
    entry.name = name;
    entry.d_type = ent->d_type;
  }
  std::sort(frame.entries.begin(), frame.entries.end(),
            [](const PendingEntry& a, const PendingEntry& b) { return a.name < b.name; });

  const int dir_fd = ::dirfd(dir);
  if (options_.respect_ignore_files) {
    frame.rules = LoadIgnoreFiles(frame.entries, dir_fd, std::move(rules));
    if (frame.rules != nullptr) ignore_stack_.Push(frame.rel_len, frame.rules.get());
  }
  ancestors_.push_back(id);
  if (options_.follow_symlinks) visited_.insert(id);

  for (PendingEntry& entry : frame.entries) {
    path_.resize(frame.rel_len);
    if (!path_.empty()) path_ += '/';
    path_ += entry.name;
    Classify(dir_fd, grep_only, &entry);
  }
  path_.resize(frame.rel_len);
  ::closedir(dir);
  frames_.push_back(std::move(frame));
}

void TreeWalker::LeaveDirectory() {
  if (frames_.back().rules != nullptr) ignore_stack_.Pop();
  ancestors_.pop_back();
  frames_.pop_back();
}

// Adds the directory's .gitignore and then its .ignore to `rules` (so .ignore
// wins, as in ripgrep). Returns null when the directory has no patterns.
std::unique_ptr<IgnoreRules> TreeWalker::LoadIgnoreFiles(const std::vector<PendingEntry>& entries,
                                                         int dir_fd,
                                                         std::unique_ptr<IgnoreRules> rules) {
  for (const char* ignore_name : {".gitignore", ".ignore"}) {
    auto it = std::lower_bound(
        entries.begin(), entries.end(), ignore_name,
        [](const PendingEntry& entry, const char* name) { return entry.name < name; });
    if (it == entries.end() || it->name != ignore_name) continue;
    // Only regular files: a fifo would block, and git ignores symlinked ones.
    unsigned char type = it->d_type;
    if (type == DT_UNKNOWN) {
      struct stat st;
      if (::fstatat(dir_fd, ignore_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      type = IFTODT(st.st_mode);
    }
    if (type != DT_REG) continue;
    std::string file_path = FullPath();
    if (!file_path.ends_with('/')) file_path += '/';
    file_path += ignore_name;
    Result<std::string> text = ReadFile(file_path);
    // An unreadable ignore file is reported when its own entry is classified.
    if (!text.ok()) continue;
    if (rules == nullptr) rules = std::make_unique<IgnoreRules>();
    rules->AddFile(*text);
  }
  if (rules != nullptr && rules->empty()) return nullptr;
  return rules;
}

// For a followed symlink at path_: kOutsideRoot when its target lies outside
// the root, kUnreadable when it cannot be resolved.
std::optional<SkipReason> TreeWalker::CheckLinkTarget() {
  char real[PATH_MAX];
  if (::realpath(FullPath().c_str(), real) == nullptr) {
    return errno == ELOOP ? SkipReason::kSymlinkLoop : SkipReason::kUnreadable;
  }
  const std::string_view target(real);
  const bool inside =
      target == root_real_ || (target.starts_with(root_real_) &&
                               (root_real_.ends_with('/') || target[root_real_.size()] == '/'));
  if (!inside) return SkipReason::kOutsideRoot;
  return std::nullopt;
}

// Decides what happens to the entry at path_ of the directory open as dir_fd.
// The checks run cheapest first and never read file contents.
void TreeWalker::Classify(int dir_fd, bool in_grep_only, PendingEntry* entry) {
  entry->grep_only = in_grep_only;
  auto skip = [entry](SkipReason reason) {
    entry->action = PendingEntry::Action::kSkip;
    entry->reason = reason;
  };
  const char* name = entry->name.c_str();
  struct stat st;
  bool have_stat = false;
  unsigned char type = entry->d_type;
  if (type == DT_UNKNOWN) {
    if (::fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
      return skip(SkipReason::kUnreadable);
    have_stat = true;
    type = IFTODT(st.st_mode);
  }
  bool via_symlink = false;
  if (type == DT_LNK) {
    // git treats a symlink as a file, so dir-only patterns do not match it.
    if (!options_.follow_symlinks) {
      return skip(IsIgnored(/*is_dir=*/false) ? SkipReason::kIgnored : SkipReason::kSymlink);
    }
    if (::fstatat(dir_fd, name, &st, 0) != 0) {
      return skip(errno == ELOOP ? SkipReason::kSymlinkLoop : SkipReason::kUnreadable);
    }
    have_stat = true;
    via_symlink = true;
    type = IFTODT(st.st_mode);
  }

  const bool is_dir = type == DT_DIR;
  if (IsIgnored(is_dir)) return skip(SkipReason::kIgnored);
  if (IsSecretName(entry->name, is_dir)) return skip(SkipReason::kSecret);
  if (is_dir && excluded_dirs_.contains(entry->name)) {
    if (!options_.include_grep_only || entry->name[0] == '.') {
      return skip(SkipReason::kExcludedDir);
    }
    stats_->Count(SkipReason::kExcludedDir, path_);  // skipped by search all the same
    entry->grep_only = true;
  }
  if (!IsIndexableName(entry->name)) return skip(SkipReason::kInvalidName);
  if (via_symlink) {
    if (std::optional<SkipReason> reason = CheckLinkTarget()) return skip(*reason);
  }
  if (is_dir) {
    entry->action = PendingEntry::Action::kDescend;
    entry->via_symlink = via_symlink;
    return;
  }
  if (type != DT_REG) return skip(SkipReason::kNotRegular);
  if (!have_stat && ::fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return skip(SkipReason::kUnreadable);
  }
  // The listing may be stale: trust the stat over d_type.
  if (!S_ISREG(st.st_mode)) return skip(SkipReason::kNotRegular);
  const auto size = static_cast<uint64_t>(st.st_size);
  if (size > options_.max_file_size) return skip(SkipReason::kTooLarge);
  // Permission bits, ACLs and security modules all have their say here, so
  // the indexer learns of an unreadable file from the walk, not mid-index.
  if (::faccessat(dir_fd, name, R_OK, AT_EACCESS) != 0) return skip(SkipReason::kUnreadable);
  entry->action = PendingEntry::Action::kYield;
  entry->size = size;
  entry->mtime_ns = MtimeNs(st);
}

}  // namespace

Status Walk(const std::string& root, const WalkOptions& options,
            const std::function<void(FileEntry&&)>& on_file, WalkStats* stats) {
  WalkStats discarded;
  return TreeWalker(root, options, on_file, stats != nullptr ? stats : &discarded).Run();
}

}  // namespace ts::walk
