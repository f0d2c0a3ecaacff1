// Keeps indexes fresh: inotify watches on every directory of every index root
// (skipping excluded directories and the data dir), events debounced and
// turned into targeted updates; directory moves, deletions and queue overflow
// trigger an incremental rescan of the index instead.
#pragma once

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
  void WatchTree(const std::string& index, const std::string& root, const std::string& rel_dir);
  void HandleEvents(const char* buf, ssize_t len);
  void Flush();

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
  std::map<int, WatchedDir> dirs_;            // by watch descriptor
  std::map<std::string, std::string> roots_;  // index -> root being watched
  std::map<std::string, std::set<std::string>> pending_paths_;
  std::set<std::string> pending_rescans_;
  int64_t first_pending_ms_ = 0, last_event_ms_ = 0;
  bool limit_warned_ = false;
};

}  // namespace ts::daemon
