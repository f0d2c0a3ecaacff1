// Approximate search for the semantic lane: the HNSW graphs (semantic/hnsw.h)
// of large vector companions, loaded or built by a background worker and
// attached to the published vector state. Until a companion's graph is
// attached (or when its file is damaged or stale and is being rebuilt) the
// exact scan answers for it, and the lane's status says so.
#include <sys/resource.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdlib>
#include <thread>

#include "index/index_impl.h"
#include "index/layout.h"
#include "util/file.h"

namespace ts::index {

uint64_t IndexImpl::AnnMinVectors() {
  return Engine().ann_min_vectors;  // lowered by tests and experiments
}

class IndexImpl::AnnWorker {
 public:
  using Job = AnnJob;
  explicit AnnWorker(IndexImpl* index) : index_(index), thread_([this] { Loop(); }) {}
  ~AnnWorker() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      cancel_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  // The companions that should have a graph and have none attached; replaces
  // the earlier list. A build for a companion no longer listed (merged away)
  // is cancelled. One that failed to build is not retried for the same file.
  void Request(std::vector<Job> jobs) {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.clear();
    bool building_listed = false;
    for (auto& job : jobs) {
      if (building_ && job.second == building_) {
        building_listed = true;
        continue;
      }
      if (failed_.count(FailKey(job))) continue;
      pending_.push_back(std::move(job));
    }
    if (building_ && !building_listed) cancel_ = true;
    cv_.notify_all();
  }

  // What the lane's status adds when some large companion has no graph.
  std::string Note() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::string note;
    if (!building_name_.empty()) {
      note = "building " + building_name_;
      if (!building_why_.empty()) note += " (" + building_why_ + ")";
    }
    if (!pending_.empty()) {
      if (!note.empty()) note += ", ";
      note += std::to_string(pending_.size()) + " queued";
    }
    for (const auto& [key, why] : failed_) {
      if (!note.empty()) note += "; ";
      note += why;
    }
    return note;
  }

 private:
  static std::string FailKey(const Job& job) {
    return job.first + "/" + std::to_string(job.second->checksum());
  }

  void Loop() {
    // Builds take minutes on large companions: at a lower priority, so that
    // queries and updates keep the cores they need.
    ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 10);
    while (true) {
      Job job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stop_ || !pending_.empty(); });
        if (stop_) return;
        job = std::move(pending_.front());
        pending_.erase(pending_.begin());
        building_ = job.second;
        building_name_ = job.first;
        building_why_.clear();
        cancel_ = false;
      }
      std::string error;
      auto graph = LoadOrBuild(job, &error);
      {
        std::lock_guard<std::mutex> lock(mu_);
        building_.reset();
        building_name_.clear();
        building_why_.clear();
        if (!error.empty()) failed_[FailKey(job)] = error;
      }
      if (graph) index_->AttachGraph(job.first, std::move(graph));
    }
  }

  std::shared_ptr<const semantic::VectorGraph> LoadOrBuild(const Job& job, std::string* error) {
    const std::string path = SegmentDir(index_->dir_) + "/" + job.first;
    if (PathExists(path)) {
      auto opened = semantic::VectorGraph::Open(path, job.second);
      if (opened.ok()) return std::move(opened).value();
      std::lock_guard<std::mutex> lock(mu_);
      building_why_ = opened.status().message() + "; rebuilding it";
    }
    auto built = semantic::VectorGraph::Build(job.second, semantic::GraphParams{},
                                              std::max(1u, std::thread::hardware_concurrency() / 2),
                                              &cancel_);
    if (!built.ok()) {
      if (!cancel_.load()) *error = job.first + ": " + built.status().message();
      return nullptr;
    }
    // A derived file, rebuilt when missing: written by this thread at any
    // time, so it passes no crash points (crash tests count update writes).
    Status saved = (*built)->Save(path);
    if (!saved.ok()) *error = job.first + " is used but could not be saved: " + saved.message();
    return std::move(built).value();
  }

  IndexImpl* index_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::atomic<bool> cancel_{false};
  std::vector<Job> pending_;
  std::shared_ptr<const semantic::VectorSegmentReader> building_;
  std::string building_name_, building_why_;
  std::map<std::string, std::string> failed_;  // FailKey -> why
  std::thread thread_;                         // last: starts after the fields above exist
};

// Defined here, where AnnWorker is complete. The worker is the last member,
// so it is stopped and joined before anything it uses is destroyed.
IndexImpl::IndexImpl() = default;
IndexImpl::~IndexImpl() = default;

std::vector<IndexImpl::AnnJob> IndexImpl::AttachGraphsLocked(VectorState* state) {
  std::vector<AnnJob> jobs;
  std::map<std::string, std::shared_ptr<const semantic::VectorGraph>> live;
  for (auto& seg : state->segments) {
    if (seg.graph_name.empty()) continue;
    auto it = open_ann_graphs_.find(seg.graph_name);
    if (it != open_ann_graphs_.end() && &it->second->vectors() == seg.vectors.get()) {
      seg.graph = it->second;
      live[seg.graph_name] = it->second;
    } else {
      jobs.emplace_back(seg.graph_name, seg.vectors);
    }
  }
  SealSearchable(state);
  open_ann_graphs_ = std::move(live);  // graphs of companions gone are released
  if (!jobs.empty() && !ann_worker_) ann_worker_ = std::make_unique<AnnWorker>(this);
  return jobs;
}

void IndexImpl::RequestGraphs(std::vector<AnnJob> jobs) {
  AnnWorker* worker;
  {
    std::lock_guard<std::mutex> lock(snapshot_mu_);
    worker = ann_worker_.get();  // lives as long as the index
  }
  if (worker != nullptr) worker->Request(std::move(jobs));
}

void IndexImpl::AttachGraph(const std::string& graph_name,
                            std::shared_ptr<const semantic::VectorGraph> graph) {
  std::lock_guard<std::mutex> lock(snapshot_mu_);
  if (!vectors_) return;
  auto state = std::make_shared<VectorState>(*vectors_);
  bool attached = false;
  for (auto& seg : state->segments) {
    if (seg.graph_name == graph_name && seg.vectors.get() == &graph->vectors()) {
      seg.graph = graph;
      attached = true;
    }
  }
  if (!attached) return;  // its companion was merged away meanwhile
  SealSearchable(state.get());
  open_ann_graphs_[graph_name] = graph;
  vectors_ = std::move(state);
}

std::string IndexImpl::AnnNote(const VectorState& v, const AnnWorker* worker) const {
  size_t large = 0, with_graph = 0, searchable = 0;
  for (const auto& seg : v.segments) {
    if (!seg.current) continue;
    ++searchable;
    if (!seg.graph_name.empty()) ++large;
    if (seg.graph) ++with_graph;
  }
  if (large == 0) return "";
  std::string note = "hnsw on " + std::to_string(with_graph) + " of " + std::to_string(searchable) +
                     " segments, exact scan on the rest";
  if (with_graph < large && worker != nullptr) {
    const std::string why = worker->Note();
    if (!why.empty()) note += "; " + why;
  }
  return note;
}

}  // namespace ts::index
