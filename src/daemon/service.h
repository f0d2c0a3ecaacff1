// The daemon's state: the registry, the open indexes, and the indexing jobs.
// HTTP handlers and the watcher call into it; it never blocks a search behind
// indexing (Index::Query reads immutable snapshots; jobs run on their own thread).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "client/client.h"
#include "daemon/log.h"
#include "index/index.h"

namespace ts::daemon {

struct Job {
  uint64_t id = 0;
  std::string index;
  enum class Kind { kFull, kPaths, kDropPaths } kind = Kind::kFull;
  bool force = false;
  index::ShrinkPolicy shrink = index::ShrinkPolicy::kRefuse;  // kFull (UpdateOptions)
  std::string reason;            // why it was queued, when not a request ("" for one)
  int graph = -1;                // kFull: symbol graph on (1), off (0), as stored (-1)
  std::set<std::string> paths;   // kPaths / kDropPaths
  std::string state = "queued";  // queued | running | done | failed | cancelled
  index::UpdateProgress progress;
  nlohmann::json summary;
  std::string error;
};

// POST /search: each index's answer, and the hits merged across them.
struct IndexAnswer {
  std::string name;
  Result<index::QueryResult> result;
  std::string watch;  // the watcher's state of the index when it answered
};
struct MergedHit {
  size_t answer = 0;   // which IndexAnswer the hit is from
  index::Hit hit;      // hit.score: the score comparable across indexes
  double index_score;  // the score within its own index
};
struct SearchAllResult {
  std::vector<IndexAnswer> answers;  // in name order
  std::vector<MergedHit> hits;       // best first, at most top_k
  std::string intent;                // the last index's intent ("search" when none)
  double latency_ms = 0;
};

class Service {
 public:
  static Result<std::unique_ptr<Service>> Start(const std::string& data_dir, Log* log);
  // How every update runs, set once before serving: the sizes tests of the
  // commit protocol shrink (0: the defaults of index::UpdateOptions), and
  // the ctags program.
  struct UpdateSettings {
    uint64_t round_bytes = 0;
    size_t max_segments = 0;
    std::string ctags = "ctags";
  };
  void SetUpdateSettings(UpdateSettings settings) { update_settings_ = std::move(settings); }
  // How every index ranks (index::QueryTuning): set once, before serving.
  void SetQueryTuning(const index::QueryTuning& tuning);
  // Where AddIndex finds what may be indexed (walk/root_policy.h); read at
  // every AddIndex, so an edit of the config applies without a restart.
  void SetRootPolicySource(std::string home, std::string config_path) {
    home_ = std::move(home);
    config_path_ = std::move(config_path);
  }
  ~Service();
  // Cancels the job in flight (abandoning its round) and stops the job thread.
  void Shutdown();

  // POST /indexes: registers `root` under `name` when new (or finds it), and
  // queues an update. Returns {"index", "job", "created"}.
  // `graph`: 1 builds the symbol graph, 0 turns it off (--no-kg), -1 keeps the index's setting.
  // `shrink`: what the update does when the root lost more than half of the
  // index's files (index::ShrinkPolicy); kAllow only on a user's explicit
  // request. `reason` says in status why the update runs when no one asked.
  Result<nlohmann::json> AddIndex(const std::string& root, std::string name, bool force,
                                  int graph = -1,
                                  index::ShrinkPolicy shrink = index::ShrinkPolicy::kRefuse,
                                  const std::string& reason = "");
  Result<nlohmann::json> Reindex(const std::string& name, bool force,
                                 index::ShrinkPolicy shrink = index::ShrinkPolicy::kRefuse,
                                 const std::string& reason = "");
  Status Remove(const std::string& name);
  Result<std::shared_ptr<index::Index>> Get(const std::string& name) const;
  std::vector<std::string> Names() const;
  nlohmann::json List() const;
  Result<nlohmann::json> IndexStatus(const std::string& name) const;
  nlohmann::json Health() const;
  // Asks every index, at most kSearchAllWorkers at a time, and merges the
  // hits by a score comparable across indexes (see service.cc).
  SearchAllResult SearchAll(const std::string& query, const index::QueryOptions& options) const;
  // The newest job of an index (queued, running or finished), if any.
  Result<Job> LatestJob(const std::string& name) const;

  // Queues a targeted update (watcher, POST /files) or a drop (DELETE /files).
  // Coalesces with a queued job of the same index. Returns the job id.
  Result<uint64_t> QueuePaths(const std::string& name, const std::vector<std::string>& paths,
                              bool drop);
  // Waits for a job to leave queued/running, up to timeout_ms. Returns the job.
  Result<Job> WaitJob(uint64_t id, int timeout_ms) const;

  std::map<std::string, std::string> Roots() const;  // name -> root, for the watcher
  // What the watcher knows of an index's root (watcher.h): "ok" or
  // "lost (<why>)"; status, /health and search meta report it. "off" when
  // nothing watches (the daemon runs with --no-watch, or not yet).
  void SetWatchState(const std::string& name, std::string state);
  std::string WatchState(const std::string& name) const;
  const std::string& data_dir() const { return data_dir_; }
  Log* log() const { return log_; }

 private:
  Service(std::string data_dir, Log* log, index::Registry registry)
      : data_dir_(std::move(data_dir)),
        canonical_data_dir_(client::CanonicalDataDir(data_dir_)),
        log_(log),
        registry_(std::move(registry)) {}
  uint64_t QueueLocked(Job job);
  void JobLoop();
  void RunJob(Job& job, const std::shared_ptr<index::Index>& idx);
  nlohmann::json IndexJsonLocked(const std::string& name) const;

  const std::string data_dir_;
  const std::string canonical_data_dir_;  // as /health reports it
  index::QueryTuning tuning_;             // SetQueryTuning, before serving
  UpdateSettings update_settings_;        // SetUpdateSettings, before serving
  std::string home_;                      // SetRootPolicySource, before serving
  std::string config_path_;
  Log* log_;
  mutable std::mutex mu_;  // guards everything below
  mutable std::condition_variable jobs_cv_;
  index::Registry registry_;
  std::map<std::string, std::shared_ptr<index::Index>> indexes_;
  std::map<std::string, std::string> open_errors_;  // name -> why it could not be opened
  std::map<std::string, std::string> watch_state_;  // name -> SetWatchState's word
  std::deque<uint64_t> queue_;
  std::map<uint64_t, Job> jobs_;  // recent jobs; the finished ones are trimmed
  std::map<std::string, uint64_t> latest_job_;
  uint64_t next_job_id_ = 1;
  uint64_t running_job_ = 0;
  std::atomic<bool> cancel_running_{false};
  bool stopping_ = false;
  std::thread worker_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace ts::daemon
