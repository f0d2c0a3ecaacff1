#include "daemon/watcher.h"

#include <dirent.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>

#include "walk/walk.h"

namespace ts::daemon {
namespace {

// Quiet time before a burst of events is applied, and the most a change waits.
constexpr int64_t kDebounceMs = 100;
constexpr int64_t kMaxDelayMs = 400;
constexpr uint32_t kDirMask = IN_CREATE | IN_CLOSE_WRITE | IN_MODIFY | IN_DELETE | IN_MOVED_FROM |
                              IN_MOVED_TO | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR |
                              IN_DONT_FOLLOW;
// How often every root is stat'ed (a replaced root sends no event to the old
// one's watches; a lost root sends none when it comes back).
constexpr int64_t kRootCheckMs = 500;
constexpr const char* kRescanWhy = "changes seen by the watcher";
// Quiet time before removals are applied (Watcher::pending_removals_).
constexpr int64_t kRemovalQuietMs = 1000;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool IsExcludedDirName(std::string_view name) {
  for (const char* d : walk::kDefaultExcludedDirs) {
    if (name == d) return true;
  }
  return false;
}

}  // namespace

Result<std::unique_ptr<Watcher>> Watcher::Start(Service* service) {
  std::unique_ptr<Watcher> w(new Watcher(service));
  std::error_code ec;
  w->data_dir_ = std::filesystem::weakly_canonical(service->data_dir(), ec).string();
  if (ec || w->data_dir_.empty()) w->data_dir_ = service->data_dir();
  w->inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (w->inotify_fd_ < 0)
    return Status::Unavailable(std::string("inotify: ") + std::strerror(errno));
  w->wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (w->wake_fd_ < 0) return Status::Unavailable("eventfd failed");
  w->thread_ = std::thread([p = w.get()] { p->Loop(); });
  return w;
}

Watcher::~Watcher() {
  Stop();
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void Watcher::Stop() {
  stop_ = true;
  uint64_t one = 1;
  if (wake_fd_ >= 0) (void)!::write(wake_fd_, &one, sizeof(one));
  if (thread_.joinable()) thread_.join();
}

void Watcher::WatchTree(const std::string& index, const std::string& root,
                        const std::string& rel_dir) {
  std::string abs = rel_dir.empty() ? root : root + "/" + rel_dir;
  // The daemon's own files must never feed back into an index that contains them.
  if (abs == data_dir_ || abs.rfind(data_dir_ + "/", 0) == 0) return;
  int wd = ::inotify_add_watch(inotify_fd_, abs.c_str(), kDirMask);
  if (wd < 0) {
    if (errno == ENOSPC && !limit_warned_) {
      limit_warned_ = true;
      service_->log()->Warn(
          "inotify watch limit reached (fs.inotify.max_user_watches); some "
          "directories of '" +
          index + "' are not watched: changes there need a reindex");
    }
    return;
  }
  dirs_[wd] = {index, rel_dir};
  DIR* d = ::opendir(abs.c_str());
  if (d == nullptr) return;
  std::vector<std::string> subdirs;
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == ".." || IsExcludedDirName(name)) continue;
    bool is_dir = e->d_type == DT_DIR;
    if (e->d_type == DT_UNKNOWN) {
      struct stat st {};
      is_dir = ::lstat((abs + "/" + name).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    }
    if (is_dir) subdirs.push_back(rel_dir.empty() ? name : rel_dir + "/" + name);
  }
  ::closedir(d);
  for (const auto& sub : subdirs) WatchTree(index, root, sub);
}

void Watcher::DropWatches(const std::string& index, const std::string& rel_dir) {
  const std::string below = rel_dir + "/";
  for (auto d = dirs_.begin(); d != dirs_.end();) {
    const auto& w = d->second;
    if (w.index == index &&
        (rel_dir.empty() || w.rel_dir == rel_dir || w.rel_dir.rfind(below, 0) == 0)) {
      ::inotify_rm_watch(inotify_fd_, d->first);
      d = dirs_.erase(d);
    } else {
      ++d;
    }
  }
}

void Watcher::WatchRoot(const std::string& index, Root& root) {
  struct stat st {};
  if (::stat(root.path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    MarkLost(index, "root missing");
    return;
  }
  root.dev = st.st_dev;
  root.ino = st.st_ino;
  root.lost = false;
  WatchTree(index, root.path, "");
  service_->SetWatchState(index, "ok");
}

void Watcher::MarkLost(const std::string& index, const std::string& why) {
  Root& root = roots_[index];
  DropWatches(index);
  pending_paths_.erase(index);
  pending_rescans_.erase(index);
  pending_removals_.erase(index);
  removal_rescans_.erase(index);
  if (root.lost) return;
  root.lost = true;
  service_->SetWatchState(index, "lost (" + why + ")");
  service_->log()->Warn("watcher: '" + index + "': " + why + " (" + root.path +
                        "); watching again when a folder is back there");
}

void Watcher::SyncIndexes() {
  auto roots = service_->Roots();
  for (auto it = roots_.begin(); it != roots_.end();) {
    auto now = roots.find(it->first);
    if (now == roots.end() || now->second != it->second.path) {
      DropWatches(it->first);
      pending_paths_.erase(it->first);
      pending_rescans_.erase(it->first);
      pending_removals_.erase(it->first);
      removal_rescans_.erase(it->first);
      it = roots_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [name, path] : roots) {
    if (roots_.count(name)) continue;
    Root& root = roots_[name];
    root.path = path;
    WatchRoot(name, root);
    // The indexes there at start may have missed changes while the daemon was down.
    if (!first_sync_done_ && !root.lost) {
      pending_rescans_[name] = "catching up with changes made while the daemon was down";
      if (first_pending_ms_ == 0) first_pending_ms_ = last_event_ms_ = NowMs();
    }
  }
  first_sync_done_ = true;
}

void Watcher::CheckRoots() {
  for (auto& [name, root] : roots_) {
    struct stat st {};
    const bool there = ::stat(root.path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    if (!there) {
      if (!root.lost) MarkLost(name, "root missing");
      continue;
    }
    if (!root.lost && st.st_dev == root.dev && st.st_ino == root.ino) continue;
    const bool was_lost = root.lost;
    DropWatches(name);
    pending_paths_.erase(name);
    WatchRoot(name, root);
    if (root.lost) continue;
    service_->log()->Info("watcher: '" + name + "': " +
                          (was_lost ? "root is back" : "root was replaced") + "; rescanning");
    pending_rescans_[name] = was_lost ? "the root is back" : "the root was replaced";
    const int64_t now = NowMs();
    if (first_pending_ms_ == 0) first_pending_ms_ = now;
    last_event_ms_ = now;
  }
}

void Watcher::HandleEvents(const char* buf, ssize_t len) {
  for (const char* p = buf; p < buf + len;) {
    const auto* ev = reinterpret_cast<const inotify_event*>(p);
    p += sizeof(inotify_event) + ev->len;
    if (ev->mask & IN_Q_OVERFLOW) {
      // Events were lost: only a rescan can tell what changed.
      for (const auto& [name, root] : roots_) {
        if (!root.lost) pending_rescans_[name] = kRescanWhy;
      }
      continue;
    }
    auto it = dirs_.find(ev->wd);
    if (it == dirs_.end()) continue;
    const WatchedDir dir = it->second;
    if (dir.rel_dir.empty() && (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_UNMOUNT))) {
      // Events of a root moved away would name files of the moved copy as if
      // they were under the root's path, where they are not: stop listening.
      MarkLost(dir.index, ev->mask & IN_MOVE_SELF ? "root moved away"
                          : ev->mask & IN_UNMOUNT ? "root unmounted"
                                                  : "root deleted");
      continue;
    }
    if (ev->mask & (IN_MOVE_SELF | IN_UNMOUNT)) {
      // A folder moved out of the root (its parent saw IN_MOVED_FROM and
      // rescans) or unmounted: its watches and those below it would report
      // paths that are no longer theirs.
      DropWatches(dir.index, dir.rel_dir);
      pending_rescans_[dir.index] = kRescanWhy;
      continue;
    }
    if (ev->mask & (IN_DELETE_SELF | IN_IGNORED)) {
      dirs_.erase(it);
      continue;
    }
    if (ev->len == 0) continue;
    std::string name = ev->name;
    std::string rel = dir.rel_dir.empty() ? name : dir.rel_dir + "/" + name;
    const bool removal = (ev->mask & (IN_DELETE | IN_MOVED_FROM)) != 0;
    if (ev->mask & IN_ISDIR) {
      if (IsExcludedDirName(name)) continue;
      if (ev->mask & (IN_CREATE | IN_MOVED_TO)) WatchTree(dir.index, roots_[dir.index].path, rel);
      // A directory that appears, disappears or moves changes many files at once.
      if (removal) {
        removal_rescans_[dir.index] = kRescanWhy;
      } else {
        pending_rescans_[dir.index] = kRescanWhy;
      }
    } else if (removal) {
      pending_removals_[dir.index].insert(rel);
    } else {
      pending_paths_[dir.index].insert(rel);
    }
    int64_t now = NowMs();
    if (first_pending_ms_ == 0) first_pending_ms_ = now;
    last_event_ms_ = now;
  }
}

// A root that changed identity since its events were seen is CheckRoots'
// business: its pending events are about a folder that is not there now.
bool Watcher::SameRoot(const std::string& index) const {
  auto it = roots_.find(index);
  if (it == roots_.end() || it->second.lost) return false;
  struct stat st {};
  return ::stat(it->second.path.c_str(), &st) == 0 && st.st_dev == it->second.dev &&
         st.st_ino == it->second.ino;
}

// Queues the rescans, then the path updates of the indexes not rescanned,
// for roots still the same directory; empties both.
void Watcher::Apply(std::map<std::string, std::string>& rescans,
                    std::map<std::string, std::set<std::string>>& paths) {
  for (const auto& [name, why] : rescans) {
    paths.erase(name);
    if (!SameRoot(name)) continue;
    auto r = service_->Reindex(name, false, index::ShrinkPolicy::kKeepMissing, why);
    if (!r.ok())
      service_->log()->Warn("watcher: rescan of '" + name + "': " + r.status().message());
  }
  for (const auto& [name, changed] : paths) {
    if (!SameRoot(name)) continue;
    // A path updated while missing is dropped from the index (Service::QueuePaths).
    auto r =
        service_->QueuePaths(name, std::vector<std::string>(changed.begin(), changed.end()), false);
    if (!r.ok())
      service_->log()->Warn("watcher: update of '" + name + "': " + r.status().message());
  }
  rescans.clear();
  paths.clear();
}

void Watcher::Flush() {
  Apply(pending_rescans_, pending_paths_);
  first_pending_ms_ = 0;
}

void Watcher::Loop() {
  alignas(inotify_event) char buf[64 * 1024];
  int64_t last_sync = 0, last_root_check = 0;
  while (!stop_.load()) {
    int64_t now = NowMs();
    if (now - last_sync >= 50) {  // new indexes get watched promptly
      SyncIndexes();
      last_sync = now;
    }
    if (now - last_root_check >= kRootCheckMs) {
      CheckRoots();
      last_root_check = now;
    }
    pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    ::poll(fds, 2, 50);
    if (fds[0].revents & POLLIN) {
      ssize_t n;
      while ((n = ::read(inotify_fd_, buf, sizeof(buf))) > 0) HandleEvents(buf, n);
    }
    now = NowMs();
    if (first_pending_ms_ != 0 &&
        (now - last_event_ms_ >= kDebounceMs || now - first_pending_ms_ >= kMaxDelayMs)) {
      Flush();
    }
    if ((!pending_removals_.empty() || !removal_rescans_.empty()) &&
        now - last_event_ms_ >= kRemovalQuietMs) {
      Apply(removal_rescans_, pending_removals_);
    }
  }
}

}  // namespace ts::daemon
