// The parallel part of an update: each worker reads its files confined to
// the root, skips unchanged ones by content hash, chunks the rest at the
// definitions ctags finds, and builds its lexical, grep and vector segments.

#include <algorithm>
#include <atomic>
#include <condition_variable>

#include "index/updater.h"
#include "util/file.h"
#include "util/hash.h"

namespace ts::index {

namespace {

// Files handed to one ctags process at a time.
constexpr size_t kCtagsBatchFiles = 64;

// Languages ctags has no definitions for; they are windowed without running it.
bool NeedsCtags(const std::string& language) {
  static const std::unordered_set<std::string> kNoTags = {"", "text", "json", "markdown"};
  return kNoTags.count(language) == 0;
}

}  // namespace

void IndexImpl::Updater::ProcessFiles(const std::vector<walk::FileEntry>& files, size_t begin,
                                      size_t end, std::atomic<size_t>* next, WorkerOutput* out) {
  struct Pending {
    FileOutcome outcome;
    std::string content;
  };
  while (!Cancelled()) {
    size_t start = next->fetch_add(kCtagsBatchFiles);
    if (begin + start >= end) return;
    size_t stop = std::min(end, begin + start + kCtagsBatchFiles);
    std::vector<Pending> batch;
    std::vector<size_t> tag_slots;  // the batch's files ctags parses
    for (size_t i = begin + start; i < stop; ++i) {
      const walk::FileEntry& entry = files[i];
      Pending p;
      p.outcome.path = entry.rel_path;
      const uint64_t read_cap = GrepWalkOptions().max_file_size;
      auto content = ReadFileBeneath(index_->root_, entry.rel_path, read_cap + 1);
      files_done_.fetch_add(1);
      if (!content.ok()) {
        p.outcome.skip_reason = "unreadable";
        out->files.push_back(std::move(p.outcome));
        continue;
      }
      bytes_done_.fetch_add(content->size());
      if (content->size() > read_cap) {
        p.outcome.skip_reason = "too_large";
        out->files.push_back(std::move(p.outcome));
        continue;
      }
      FileRow& row = p.outcome.row;
      row.path = entry.rel_path;
      row.size = content->size();
      row.mtime_ns = entry.mtime_ns;
      row.hash = HexHash64(Hash64(*content));
      auto known = known_.find(entry.rel_path);
      if (!force_ && known != known_.end() && known->second.hash == row.hash) {
        p.outcome.kind = FileOutcome::Kind::kUnchanged;
        row.id = known->second.id;
        row.language = known->second.language;
        row.chunk_count = known->second.chunk_count;
        row.grep_key = known->second.grep_key;
        out->files.push_back(std::move(p.outcome));
        continue;
      }
      walk::SkipReason reason;
      bool searchable = walk::ClassifyContent(entry.rel_path, *content, &reason);
      if (entry.grep_only && (searchable || reason != walk::SkipReason::kBinary)) {
        // Under an excluded directory: counted as skipped by the walk already.
        searchable = false;
        reason = walk::SkipReason::kExcludedDir;
      }
      if (!searchable && reason != walk::SkipReason::kMinified &&
          reason != walk::SkipReason::kExcludedDir) {
        p.outcome.skip_reason = std::string(walk::SkipReasonName(reason));
        out->files.push_back(std::move(p.outcome));
        continue;
      }
      row.language =
          chunk::DetectLanguage(entry.rel_path, std::string_view(*content).substr(0, 256));
      row.grep_key = next_key_.fetch_add(1);
      out->grep.Add(row.grep_key, row.path, *content);
      if (searchable && content->size() > options_.walk.max_file_size) {
        searchable = false;
        reason = walk::SkipReason::kTooLarge;
      }
      if (!searchable) {
        p.outcome.kind = FileOutcome::Kind::kGrepOnly;
        p.outcome.skip_reason = std::string(walk::SkipReasonName(reason));
        out->files.push_back(std::move(p.outcome));
        continue;
      }
      p.outcome.kind = FileOutcome::Kind::kIndexed;
      p.content = std::move(content).value();
      if (NeedsCtags(row.language)) tag_slots.push_back(batch.size());
      batch.push_back(std::move(p));
    }
    std::vector<std::vector<chunk::Tag>> tags(batch.size());
    if (!tag_slots.empty()) {
      // ctags parses the bytes read above (confined to the root), not the file.
      std::vector<chunk::Ctags::Input> inputs;
      for (size_t slot : tag_slots)
        inputs.push_back({batch[slot].outcome.row.path, batch[slot].content});
      auto ran = ctags_->Run(inputs);
      if (!ran.ok()) {
        out->error = ran.status();
        return;
      }
      for (size_t i = 0; i < tag_slots.size(); ++i) tags[tag_slots[i]] = std::move((*ran)[i]);
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      Pending& p = batch[i];
      FileRow& row = p.outcome.row;
      auto chunks = chunk::ChunkFile(row.path, p.content, row.language, tags[i], options_.chunk);
      row.chunk_count = chunks.size();
      for (const auto& c : chunks) {
        lexical::StoredDoc doc;
        doc.key = next_key_.fetch_add(1);
        doc.chunk_id = c.id;
        doc.path = row.path;
        doc.symbol = c.symbol;
        doc.scope = c.scope;
        doc.kind = c.kind;
        doc.language = row.language;
        doc.start_line = static_cast<uint32_t>(c.start_line);
        doc.end_line = static_cast<uint32_t>(c.end_line);
        std::string_view body(p.content);
        body = body.substr(std::min(c.byte_begin, body.size()),
                           c.byte_end > c.byte_begin ? c.byte_end - c.byte_begin : 0);
        out->builder.Add(doc, body, c.symbol + " " + c.scope, row.path);
        if (model_) AddVector(doc.key, semantic::CodeInput(row.path, c.scope, c.symbol, body), out);
        p.outcome.chunks.push_back(ChunkRow{doc.key, c.id, 0, doc.start_line, doc.end_line,
                                            c.symbol, c.scope, c.kind, row.language});
      }
      if (graph_ && NeedsCtags(row.language)) {
        p.outcome.graph = std::make_unique<graph::FileGraph>(
            graph::ExtractFile(row.path, row.language, p.content, tags[i]));
      }
      out->files.push_back(std::move(p.outcome));
    }
  }
}

Status IndexImpl::Updater::ProcessRound(const std::vector<walk::FileEntry>& files, size_t begin,
                                        size_t end, std::vector<std::string>* deleted_paths) {
  size_t threads =
      options_.threads > 0 ? options_.threads : std::max(1u, std::thread::hardware_concurrency());
  std::vector<WorkerOutput> outputs(threads);
  std::atomic<size_t> next{0};
  // Progress is reported every 100 ms while workers run; the round goes on
  // the moment the last one ends (a one-file round takes a few ms, and
  // sleeping out the interval cost every saved file 100 ms).
  std::mutex mu;
  std::condition_variable done;
  size_t running = threads;  // guarded by mu
  std::vector<std::thread> workers;
  for (size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      ProcessFiles(files, begin, end, &next, &outputs[t]);
      std::lock_guard<std::mutex> lock(mu);
      if (--running == 0) done.notify_all();
    });
  }
  {
    std::unique_lock<std::mutex> lock(mu);
    while (!done.wait_for(lock, std::chrono::milliseconds(100), [&] { return running == 0; })) {
      lock.unlock();
      Report("indexing");
      lock.lock();
    }
  }
  for (auto& w : workers) w.join();
  for (auto& o : outputs) {
    if (!o.error.ok()) return o.error;
  }
  // A cancelled round is abandoned whole: committing part of it would be
  // consistent too, but "stopped" should mean "stopped now".
  if (Cancelled()) return Status::Unavailable("update cancelled");
  return Commit(outputs, deleted_paths);
}

void IndexImpl::Updater::SetUpVectors(bool full) {
  index_->RefreshModel();
  IndexImpl::Snapshots snaps = index_->snapshots();
  model_ = snaps.model;
  if (!model_) {
    std::lock_guard<std::mutex> lock(index_->snapshot_mu_);
    summary_->semantic_note = "no vectors written: " + index_->model_error_;
    return;
  }
  reuse_state_ = snaps.vectors;
  if (!reuse_state_) return;
  auto consider = [&](const IndexImpl::VectorState::Segment& seg, uint64_t d) {
    if ((seg.deleted && (*seg.deleted)[d]) || seg.vectors->scale(d) < 0) return;
    ++summary_->vectors_considered;
    reusable_.emplace(seg.vectors->content_hash(d), Reusable{seg.vectors.get(), d});
  };
  if (full) {
    // Any live vector of the same text: chunks move between files.
    for (const auto& seg : reuse_state_->segments) {
      if (!seg.current) continue;
      for (uint64_t d = 0; d < seg.vectors->doc_count(); ++d) consider(seg, d);
    }
  } else {
    // The vectors of the named files' current chunks: an edit keeps most of
    // a file's chunks, and looking further would cost the whole index.
    for (const auto& [path, row] : known_) {
      auto keys = index_->catalog_->ChunkKeysOfFile(row.id);
      if (!keys.ok()) continue;  // nothing to reuse: its chunks are embedded again
      for (const auto& seg : reuse_state_->segments) {
        if (!seg.current || !seg.keys) continue;
        for (uint64_t key : *keys) {
          for (uint32_t d : seg.keys->Find(key)) consider(seg, d);
        }
      }
    }
  }
  // Chunks of unchanged files that have no vector from this model (indexed
  // before a model was installed, by another model, or their companion is
  // damaged): a full update re-reads every file to embed them. Chunks that do
  // have a vector are reused, so this costs reading and chunking, not embedding.
  const uint64_t uncovered = reuse_state_->missing + reuse_state_->stale;
  if (full && uncovered > 0) {
    force_ = true;
    std::string why =
        reuse_state_->stale > 0
            ? "embedded by model " + reuse_state_->stale_model + ", not " +
                  semantic::ModelLabel(model_->name(), model_->checksum())
            : (reuse_state_->error.empty() ? "indexed without a model" : reuse_state_->error);
    summary_->semantic_note = "re-read every file to embed " + std::to_string(uncovered) +
                              " chunks that had no vector (" + why + ")";
  }
}

void IndexImpl::Updater::AddVector(uint64_t key, std::string_view text, WorkerOutput* out) {
  const uint32_t dim = model_->dim();
  const uint64_t hash = Hash64(text);
  auto it = reusable_.find(hash);
  if (it != reusable_.end()) {
    const auto& r = it->second;
    out->vectors.Add(key, hash, std::span<const int8_t>(r.segment->row(r.record), dim),
                     r.segment->scale(r.record));
    reused_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  thread_local std::vector<float> v;
  thread_local std::vector<int8_t> q;
  v.resize(dim);
  q.resize(dim);
  float scale = 0;
  if (model_->Embed(semantic::Tower::kCode, text, v))
    scale = semantic::QuantizeInt8(v, q);
  else
    std::fill(q.begin(), q.end(), int8_t{0});
  out->vectors.Add(key, hash, q, scale);
  embedded_.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace ts::index
