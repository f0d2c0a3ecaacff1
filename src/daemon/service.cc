#include "daemon/service.h"

#include "client/client.h"
#include "daemon/wire.h"

#include "util/utf8.h"
#include "walk/root_policy.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <thread>

namespace ts::daemon {
namespace {

constexpr size_t kMaxQueuedJobs = 1000;
constexpr size_t kFinishedJobsKept = 200;

bool Finished(const Job& job) {
  return job.state == "done" || job.state == "failed" || job.state == "cancelled";
}

}  // namespace

Result<std::unique_ptr<Service>> Service::Start(const std::string& data_dir, Log* log) {
  auto reg = index::Registry::Load(data_dir);
  if (!reg.ok()) return reg.status();  // a corrupt registry stops the daemon, never "no indexes"
  std::unique_ptr<Service> service(new Service(data_dir, log, std::move(reg).value()));
  for (const auto& e : service->registry_.entries()) {
    auto idx = index::Index::Open(service->registry_.IndexDir(e.name));
    if (idx.ok()) {
      service->indexes_[e.name] = std::shared_ptr<index::Index>(std::move(idx).value());
    } else {
      service->open_errors_[e.name] = idx.status().message();
      log->Error("index '" + e.name + "' cannot be opened: " + idx.status().message());
    }
  }
  // Updates that a kill or a stop cut short are resumed; unchanged files are
  // skipped by hash, so this costs a read of the tree, not a rebuild.
  for (const auto& [name, idx] : service->indexes_) {
    if (!idx->Info().interrupted) continue;
    log->Info("resuming the interrupted update of '" + name + "'");
    Job job;
    job.index = name;
    service->QueueLocked(std::move(job));
  }
  service->worker_ = std::thread([s = service.get()] { s->JobLoop(); });
  return service;
}

Service::~Service() {
  Shutdown();
}

void Service::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && !worker_.joinable()) return;
    stopping_ = true;
    cancel_running_ = true;
  }
  jobs_cv_.notify_all();
  if (worker_.joinable()) worker_.join();
}

uint64_t Service::QueueLocked(Job job) {
  job.id = next_job_id_++;
  latest_job_[job.index] = job.id;
  queue_.push_back(job.id);
  uint64_t id = job.id;
  jobs_[id] = std::move(job);
  // Keep memory bounded: drop the oldest finished jobs.
  size_t finished = 0;
  for (auto& [jid, j] : jobs_) finished += Finished(j);
  for (auto it = jobs_.begin(); finished > kFinishedJobsKept && it != jobs_.end();) {
    if (Finished(it->second) && latest_job_[it->second.index] != it->first) {
      it = jobs_.erase(it);
      --finished;
    } else {
      ++it;
    }
  }
  jobs_cv_.notify_all();
  return id;
}

void Service::SetQueryTuning(const index::QueryTuning& tuning) {
  std::lock_guard<std::mutex> lock(mu_);
  tuning_ = tuning;
  for (auto& [name, idx] : indexes_) idx->SetTuning(tuning_);
}

Result<nlohmann::json> Service::AddIndex(const std::string& root, std::string name, bool force,
                                         int graph, index::ShrinkPolicy shrink,
                                         const std::string& reason) {
  std::error_code ec;
  auto canonical = std::filesystem::canonical(root, ec);
  if (ec) return Status::NotFound("path not found: " + root);
  if (!std::filesystem::is_directory(canonical, ec)) {
    return Status::InvalidArgument("not a directory: " + root);
  }
  std::string abs = canonical.string();
  if (!IsValidUtf8(abs)) {
    return Status::InvalidArgument(
        "the folder's real path is not valid UTF-8 (a symlink may lead there); rename it to index "
        "it");
  }
  {
    auto policy = walk::LoadRootPolicy(home_, config_path_);
    if (!policy.ok()) return policy.status();
    TS_RETURN_IF_ERROR(walk::CheckIndexRoot(abs, *policy));
  }
  if (name.empty()) name = index::DefaultIndexName(abs);
  if (!client::IsValidIndexName(name)) {
    return Status::InvalidArgument("invalid index name '" + name +
                                   "' (use 1-64 of A-Z a-z 0-9 . _ -, not starting with '.')");
  }
  std::lock_guard<std::mutex> lock(mu_);
  bool created = false;
  if (const auto* e = registry_.Find(name)) {
    if (e->root != abs) {
      return Status::AlreadyExists("index '" + name + "' already indexes " + e->root +
                                   "; pick another name");
    }
    if (open_errors_.count(name)) {
      return Status::Unavailable("index '" + name + "' cannot be opened: " + open_errors_[name]);
    }
  } else {
    auto idx = index::Index::Create(registry_.IndexDir(name), name, abs);
    if (!idx.ok()) return idx.status();
    (*idx)->SetTuning(tuning_);
    TS_RETURN_IF_ERROR(registry_.Add({name, abs, ""}));
    indexes_[name] = std::shared_ptr<index::Index>(std::move(idx).value());
    created = true;
    log_->Info("registered index '" + name + "' for " + abs);
  }
  // A full update already waiting covers this request too.
  auto latest = latest_job_.find(name);
  if (latest != latest_job_.end()) {
    Job& j = jobs_[latest->second];
    if (j.state == "queued" && j.kind == Job::Kind::kFull) {
      j.force = j.force || force;
      // The most permissive request wins: an explicit --allow-shrink, then the watcher's.
      j.shrink = std::max(j.shrink, shrink);
      if (graph >= 0) j.graph = graph;
      return nlohmann::json{{"index", name}, {"job", j.id}, {"created", created}};
    }
  }
  if (queue_.size() >= kMaxQueuedJobs) return Status::Unavailable("indexing queue is full");
  Job job;
  job.index = name;
  job.force = force;
  job.shrink = shrink;
  job.reason = reason;
  job.graph = graph;
  uint64_t id = QueueLocked(std::move(job));
  return nlohmann::json{{"index", name}, {"job", id}, {"created", created}};
}

Result<nlohmann::json> Service::Reindex(const std::string& name, bool force,
                                        index::ShrinkPolicy shrink, const std::string& reason) {
  std::string root;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const auto* e = registry_.Find(name);
    if (!e) return Status::NotFound("no index named '" + name + "'");
    root = e->root;
  }
  return AddIndex(root, name, force, -1, shrink, reason);
}

void Service::SetWatchState(const std::string& name, std::string state) {
  std::lock_guard<std::mutex> lock(mu_);
  if (registry_.Find(name)) watch_state_[name] = std::move(state);  // not for a removed index
}

std::string Service::WatchState(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = watch_state_.find(name);
  return it == watch_state_.end() ? "off" : it->second;
}

Result<uint64_t> Service::QueuePaths(const std::string& name, const std::vector<std::string>& paths,
                                     bool drop) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!indexes_.count(name)) return Status::NotFound("no index named '" + name + "'");
  auto latest = latest_job_.find(name);
  Job::Kind kind = drop ? Job::Kind::kDropPaths : Job::Kind::kPaths;
  if (latest != latest_job_.end()) {
    Job& j = jobs_[latest->second];
    // A full update covers a re-index of some paths, but not a drop: it keeps
    // files that are still on disk.
    if (j.state == "queued" && (j.kind == kind || (!drop && j.kind == Job::Kind::kFull))) {
      j.paths.insert(paths.begin(), paths.end());
      return j.id;
    }
  }
  if (queue_.size() >= kMaxQueuedJobs) return Status::Unavailable("indexing queue is full");
  Job job;
  job.index = name;
  job.kind = kind;
  job.paths.insert(paths.begin(), paths.end());
  return QueueLocked(std::move(job));
}

Result<Job> Service::WaitJob(uint64_t id, int timeout_ms) const {
  std::unique_lock<std::mutex> lock(mu_);
  auto done = [&] {
    auto it = jobs_.find(id);
    return it == jobs_.end() || Finished(it->second);
  };
  jobs_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), done);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return Status::NotFound("no job " + std::to_string(id));
  return it->second;
}

void Service::JobLoop() {
  // Indexing yields to searches: threads this one starts (update workers,
  // merges) and the ctags processes they spawn inherit the lower priority.
  ::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), 10);
  while (true) {
    uint64_t id;
    std::shared_ptr<index::Index> idx;
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      jobs_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) {
        for (uint64_t q : queue_) jobs_[q].state = "cancelled";
        queue_.clear();
        jobs_cv_.notify_all();
        return;
      }
      id = queue_.front();
      queue_.pop_front();
      Job& j = jobs_[id];
      auto it = indexes_.find(j.index);
      if (it == indexes_.end()) {
        j.state = "cancelled";
        jobs_cv_.notify_all();
        continue;
      }
      idx = it->second;
      j.state = "running";
      running_job_ = id;
      cancel_running_ = false;
      job = j;
    }
    RunJob(job, idx);
    {
      std::lock_guard<std::mutex> lock(mu_);
      Job& j = jobs_[id];
      j.state = job.state;
      j.summary = job.summary;
      j.error = job.error;
      j.progress = job.progress;
      running_job_ = 0;
    }
    jobs_cv_.notify_all();
  }
}

void Service::RunJob(Job& job, const std::shared_ptr<index::Index>& idx) {
  index::UpdateOptions options;
  options.cancel = &cancel_running_;
  if (update_settings_.round_bytes > 0) options.round_bytes = update_settings_.round_bytes;
  if (update_settings_.max_segments > 0) options.max_segments = update_settings_.max_segments;
  options.chunk.ctags = update_settings_.ctags;
  options.force = job.force;
  options.shrink = job.shrink;
  options.graph = job.graph;
  index::UpdateSummary summary;
  Status s;
  std::vector<std::string> paths(job.paths.begin(), job.paths.end());
  switch (job.kind) {
    case Job::Kind::kFull:
      log_->Info("job " + std::to_string(job.id) + ": updating '" + job.index + "'");
      s = idx->Update(
          options,
          [&](const index::UpdateProgress& p) {
            std::lock_guard<std::mutex> lock(mu_);
            jobs_[job.id].progress = p;
          },
          &summary);
      break;
    case Job::Kind::kPaths:
      s = idx->UpdatePaths(paths, options, &summary);
      break;
    case Job::Kind::kDropPaths:
      s = idx->DropPaths(paths, &summary);
      break;
  }
  job.summary = SummaryJson(summary);
  if (s.ok()) {
    job.state = "done";
    if (job.kind == Job::Kind::kFull) {
      log_->Info("job " + std::to_string(job.id) + ": '" + job.index +
                 "' ready: " + std::to_string(summary.files_indexed) + " files indexed, " +
                 std::to_string(summary.files_unchanged) + " unchanged in " +
                 std::to_string(summary.seconds) + " s");
    }
  } else {
    job.state = cancel_running_.load() ? "cancelled" : "failed";
    job.error = s.message();
    log_->Warn("job " + std::to_string(job.id) + " on '" + job.index + "' " + job.state + ": " +
               s.message());
  }
}

Status Service::Remove(const std::string& name) {
  std::string doomed;
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (!registry_.Find(name)) return Status::NotFound("no index named '" + name + "'");
    // Drop what waits for the index and cancel what runs on it, until neither is
    // left: while this waits, the watcher or a request may queue another job.
    while (true) {
      for (auto it = queue_.begin(); it != queue_.end();) {
        if (jobs_[*it].index == name) {
          jobs_[*it].state = "cancelled";
          it = queue_.erase(it);
        } else {
          ++it;
        }
      }
      if (running_job_ == 0 || jobs_[running_job_].index != name) break;
      cancel_running_ = true;
      jobs_cv_.wait(lock, [&] { return running_job_ == 0 || jobs_[running_job_].index != name; });
    }
    TS_RETURN_IF_ERROR(registry_.Remove(name));
    indexes_.erase(name);
    open_errors_.erase(name);
    watch_state_.erase(name);
    // Moved aside under the lock (cheap), deleted after it (slow on a big index),
    // so searches of other indexes never wait for the deletion.
    std::string dir = registry_.IndexDir(name);
    doomed = dir + ".deleting." + std::to_string(::getpid()) + "." + std::to_string(next_job_id_);
    std::error_code ec;
    std::filesystem::rename(dir, doomed, ec);
    if (ec) doomed = dir;
  }
  log_->Info("removed index '" + name + "'");
  std::error_code ec;
  std::filesystem::remove_all(doomed, ec);
  if (ec) {
    return Status::IoError("unregistered '" + name +
                           "' but could not delete its data: " + ec.message());
  }
  return Status::Ok();
}

Result<std::shared_ptr<index::Index>> Service::Get(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = indexes_.find(name);
  if (it != indexes_.end()) return it->second;
  auto err = open_errors_.find(name);
  if (err != open_errors_.end()) {
    return Status::Unavailable("index '" + name + "' cannot be opened: " + err->second);
  }
  std::string known;
  for (const auto& [n, idx] : indexes_) known += (known.empty() ? "" : ", ") + n;
  return Status::NotFound("no index named '" + name + "'" +
                          (known.empty() ? "" : " (known: " + known + ")"));
}

std::vector<std::string> Service::Names() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> names;
  for (const auto& [n, idx] : indexes_) names.push_back(n);
  return names;
}

std::map<std::string, std::string> Service::Roots() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::map<std::string, std::string> roots;
  for (const auto& [n, idx] : indexes_) roots[n] = idx->root();
  return roots;
}

nlohmann::json Service::IndexJsonLocked(const std::string& name) const {
  nlohmann::json j = {{"name", name}};
  if (const auto* e = registry_.Find(name)) {
    j["root"] = e->root;
    j["created_at"] = e->created_at;
  }
  auto err = open_errors_.find(name);
  if (err != open_errors_.end()) {
    j["state"] = "error";
    j["error"] = err->second;
    j["healthy"] = false;
    return j;
  }
  const auto& idx = indexes_.at(name);
  index::IndexInfo info = idx->Info();
  nlohmann::json lanes = nlohmann::json::object();
  for (const auto& [lane, state] : info.lanes) lanes[lane] = state.ToString();
  j["files"] = info.files;
  j["chunks"] = info.chunks;
  j["segments"] = info.segments;
  j["tombstones"] = info.tombstones;
  j["disk_bytes"] = info.disk_bytes;
  j["format_version"] = info.format_version;
  j["lanes"] = lanes;
  j["healthy"] = info.lanes.at("lexical").available;
  auto last =
      nlohmann::json::parse(info.last_update.empty() ? "null" : info.last_update, nullptr, false);
  j["last_update"] = last.is_discarded() ? nlohmann::json() : last;
  std::string state = "ready";
  auto latest = latest_job_.find(name);
  if (latest != latest_job_.end()) {
    const Job& job = jobs_.at(latest->second);
    nlohmann::json jj = {{"id", job.id}, {"state", job.state}};
    if (!job.reason.empty()) jj["reason"] = job.reason;
    if (job.state == "running" || job.state == "queued") {
      state = job.kind == Job::Kind::kFull ? "indexing" : "updating";
      jj["progress"] = {{"phase", job.progress.phase},
                        {"files_done", job.progress.files_done},
                        {"files_total", job.progress.files_total},
                        {"bytes_done", job.progress.bytes_done}};
    }
    if (!job.error.empty()) jj["error"] = job.error;
    j["job"] = jj;
  }
  auto watch = watch_state_.find(name);
  j["watch"] = watch == watch_state_.end() ? "off" : watch->second;
  j["interrupted"] = info.interrupted;
  if (info.interrupted && state == "ready") {
    state = "incomplete";
    j["note"] =
        "the last full update was cut short; what it committed is served. It resumes "
        "when the daemon starts, or run `trusty-search index` again";
  }
  if (info.files == 0 && state == "ready") {
    state = "empty";
    j["note"] = info.last_update.empty() ? "not indexed yet"
                                         : "no indexable files found; see last_update.skipped";
  }
  j["state"] = state;
  return j;
}

nlohmann::json Service::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  nlohmann::json list = nlohmann::json::array();
  for (const auto& e : registry_.entries()) list.push_back(IndexJsonLocked(e.name));
  return list;
}

Result<nlohmann::json> Service::IndexStatus(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!registry_.Find(name)) return Status::NotFound("no index named '" + name + "'");
  return IndexJsonLocked(name);
}

SearchAllResult Service::SearchAll(const std::string& query,
                                   const index::QueryOptions& options) const {
  constexpr size_t kSearchAllWorkers = 4;
  const auto started = std::chrono::steady_clock::now();
  SearchAllResult out;
  for (const std::string& name : Names()) {
    out.answers.push_back({name, Status::Internal("not run"), ""});
  }
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < out.answers.size();) {
      IndexAnswer& a = out.answers[i];
      auto idx = Get(a.name);
      a.result =
          idx.ok() ? (*idx)->Query(query, options) : Result<index::QueryResult>(idx.status());
      a.watch = WatchState(a.name);
    }
  };
  std::vector<std::thread> workers;
  for (size_t t = 0; t < std::min(kSearchAllWorkers, out.answers.size()); ++t) {
    workers.emplace_back(work);
  }
  for (auto& w : workers) w.join();

  // Scores are per index (each pool is normalised by the re-ranker). Across
  // indexes a hit counts as its share of its index's first score times that
  // index's confidence, a calibrated probability: the exact definition in one
  // index beats the best weak match in another.
  out.intent = "search";
  for (size_t i = 0; i < out.answers.size(); ++i) {
    const auto& r = out.answers[i].result;
    if (!r.ok()) continue;
    if (!r->intent.empty()) out.intent = r->intent;
    double first = 0;
    for (const auto& h : r->hits) first = std::max(first, h.score);
    const double confidence = r->confidence >= 0 ? r->confidence : 1.0;
    for (const auto& h : r->hits) {
      MergedHit m{i, h, h.score};
      m.hit.score = first > 0 ? confidence * h.score / first : 0;
      out.hits.push_back(std::move(m));
    }
  }
  std::stable_sort(out.hits.begin(), out.hits.end(),
                   [](const auto& a, const auto& b) { return a.hit.score > b.hit.score; });
  if (out.hits.size() > options.top_k) out.hits.resize(options.top_k);
  out.latency_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  return out;
}

Result<Job> Service::LatestJob(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = latest_job_.find(name);
  if (it == latest_job_.end()) return Status::NotFound("no job for '" + name + "'");
  return jobs_.at(it->second);
}

nlohmann::json Service::Health() const {
  std::lock_guard<std::mutex> lock(mu_);
  bool healthy = open_errors_.empty();
  nlohmann::json indexes = nlohmann::json::object();
  for (const auto& [name, idx] : indexes_) {
    auto lanes = idx->Info().lanes;
    nlohmann::json l = nlohmann::json::object();
    for (const auto& [lane, state] : lanes) l[lane] = state.ToString();
    if (!lanes.at("lexical").available) healthy = false;
    auto watch = watch_state_.find(name);
    l["watch"] = watch == watch_state_.end() ? "off" : watch->second;
    if (l["watch"].get<std::string>().starts_with("lost")) healthy = false;
    indexes[name] = l;
  }
  for (const auto& [name, err] : open_errors_) indexes[name] = {{"error", err}};
  double uptime =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  return {{"status", healthy ? "ok" : "degraded"},
          {"version", "0.1.0"},
          {"uptime_s", uptime},
          {"pid", static_cast<int64_t>(::getpid())},
          {"data_dir", canonical_data_dir_},
          {"queued_jobs", queue_.size()},
          {"running_job", running_job_},
          {"indexes", indexes}};
}

}  // namespace ts::daemon
