// Keeps indexes fresh: inotify watches on every directory of every index root
// (skipping excluded directories and the data dir), events debounced and
// turned into targeted updates; directory moves, deletions and queue overflow
// trigger an incremental rescan of the index instead.
//
// The root itself is watched for what inotify cannot follow: a root deleted,
// moved away or unmounted loses its watches, and its index is marked
// `watch: lost (...)` (Service::SetWatchState) until a directory is back at
// the root's path; then it is watched anew and rescanned. A root replaced
// behind the watcher's back (rm -rf and mkdir, a remount: another inode) is
// found by a periodic stat and treated the same way. Nothing the watcher does
// shrinks an index because a root went away: events of a lost root are
// dropped, and rescans refuse to drop more than half of an index
// (index::UpdateOptions::allow_shrink).
//
// Removals (a file or folder deleted or moved away) wait until events have
// been quiet for a second and the root is still there, so that deleting a
// whole root never trickles into its index first.
//
// At start every index is rescanned once (a stat scan: unchanged files are
// skipped), catching up with changes made while the daemon was down.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "daemon/service.h"

namespace ts::daemon {

class Watcher {
 public:
  static Result<std::unique_ptr<Watcher>> Start(Service* service);
  ~Watcher();
  void Stop();

 private:
  explicit Watcher(Service* service) : service_(service) {}
  void Loop();
  void SyncIndexes();
  // Stats every root: a lost root that is back, or a root whose inode changed,
  // is watched anew and rescanned; a root that is gone is marked lost.
  void CheckRoots();
  struct Root;
  void WatchRoot(const std::string& index, Root& root);
  void WatchTree(const std::string& index, const std::string& root, const std::string& rel_dir);
  void DropWatches(const std::string& index, const std::string& rel_dir = "");
  void MarkLost(const std::string& index, const std::string& why);
  void HandleEvents(const char* buf, ssize_t len);
  void Flush();
  void Apply(std::map<std::string, std::string>& rescans,
             std::map<std::string, std::set<std::string>>& paths);
  bool SameRoot(const std::string& index) const;

  Service* service_;
  std::string data_dir_;  // canonical, so that any spelling of it inside a root is skipped
  int inotify_fd_ = -1;
  int wake_fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  struct WatchedDir {
    std::string index;
    std::string rel_dir;  // "" for the root
  };
  std::map<int, WatchedDir> dirs_;  // by watch descriptor
  struct Root {
    std::string path;
    dev_t dev = 0;  // the root directory's identity when it was watched
    ino_t ino = 0;
    bool lost = false;
  };
  std::map<std::string, Root> roots_;  // by index
  std::map<std::string, std::set<std::string>> pending_paths_;
  std::map<std::string, std::string> pending_rescans_;  // index -> why
  // What went away (files, folders) waits for a quiet second: `rm -rf root`
  // deletes the files first and the root last, and none of it must reach
  // the index before the root's own deletion says the root is lost.
  std::map<std::string, std::set<std::string>> pending_removals_;
  std::map<std::string, std::string> removal_rescans_;  // index -> why
  int64_t first_pending_ms_ = 0, last_event_ms_ = 0;
  bool first_sync_done_ = false;
  bool limit_warned_ = false;
};

}  // namespace ts::daemon
