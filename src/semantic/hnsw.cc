// HNSW graphs over vector companions (hnsw.h): the hnswlib space that reads
// the companion's int8 rows, building, searching, and the graph file
// (docs/FORMATS.md, "HNSW graph"). hnswlib throws; nothing thrown leaves
// this file.
//
// hnswlib's headers define non-inline functions, so they are included by
// this file only.
#include "semantic/hnsw.h"

#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <thread>

#include "util/file.h"
#include "util/hash.h"

namespace ts::semantic {
namespace {

constexpr char kGraphMagic[8] = {'T', 'S', 'H', 'N', 'S', 'W', '0', '1'};
constexpr char kGraphEndMagic[8] = {'T', 'S', 'H', 'N', 'S', 'W', 'E', 'N'};
constexpr uint32_t kGraphVersion = 1;
constexpr size_t kGraphHeaderSize = 64;
constexpr size_t kGraphFooterSize = 16;  // checksum u64, end magic
constexpr uint32_t kGraphMaxM = 256;
constexpr int kGraphMaxLevel = 64;

// A node's stored element is its docno (u32). A query is passed to hnswlib as
// a QueryPoint whose first four bytes are kQueryMarker, a docno no companion
// has (docnos are below 2^32 - 1): hnswlib passes the query or a node as the
// distance's first argument and always a node as the second, and it copies
// only nodes (get_data_size() bytes), so the query's pointer never leaves
// the call.
constexpr uint32_t kQueryMarker = 0xFFFFFFFFu;
struct QueryPoint {
  uint32_t marker = kQueryMarker;
  const ScanQuery* query = nullptr;
};

struct RowSource {
  const VectorSegmentReader* vectors = nullptr;
  uint32_t dim = 0;
};

// Dot product of two int8 rows (|products| <= 127^2, dim <= 4096: fits int32).
int32_t DotRows(const int8_t* a, const int8_t* b, uint32_t dim) {
  int32_t acc = 0;
  for (uint32_t i = 0; i < dim; ++i) acc += static_cast<int32_t>(a[i]) * static_cast<int32_t>(b[i]);
  return acc;
}

// 1 - cosine: hnswlib keeps the smallest distances.
float Distance(const void* a, const void* b, const void* param) {
  const RowSource& src = *static_cast<const RowSource*>(param);
  uint32_t doc_a, doc_b;
  std::memcpy(&doc_a, a, sizeof(doc_a));
  std::memcpy(&doc_b, b, sizeof(doc_b));
  const VectorSegmentReader& v = *src.vectors;
  if (doc_a == kQueryMarker) {
    const ScanQuery& q = *static_cast<const QueryPoint*>(a)->query;
    return 1.0f - DotScan(q, v.row(doc_b), src.dim) * v.scale(doc_b);
  }
  return 1.0f - static_cast<float>(DotRows(v.row(doc_a), v.row(doc_b), src.dim)) * v.scale(doc_a) *
                    v.scale(doc_b);
}

class CompanionSpace : public hnswlib::SpaceInterface<float> {
 public:
  explicit CompanionSpace(const VectorSegmentReader* vectors) : source_{vectors, vectors->dim()} {}
  size_t get_data_size() override { return sizeof(uint32_t); }
  hnswlib::DISTFUNC<float> get_dist_func() override { return &Distance; }
  void* get_dist_func_param() override { return &source_; }

 private:
  RowSource source_;
};

uint64_t Pad8(uint64_t n) {
  return (8 - n % 8) % 8;
}

template <typename T>
void Put(std::string* out, T v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof(T));
}

template <typename T>
T Get(std::string_view b, size_t off) {
  T v;
  std::memcpy(&v, b.data() + off, sizeof(T));
  return v;
}

}  // namespace

struct VectorGraph::Impl {
  explicit Impl(const VectorSegmentReader* vectors) : space(vectors) {}
  // Declared first: the graph keeps a pointer to the space's RowSource.
  CompanionSpace space;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> hnsw;
  uint32_t m = 0, ef_construction = 0;

  // What only insertions use: a loaded or finished graph never inserts, and
  // searches take no lock, so these go (40 bytes a node for the locks).
  void DropInsertionState() {
    std::vector<std::mutex>().swap(hnsw->link_list_locks_);
    std::vector<std::mutex>().swap(hnsw->link_list_update_locks_);
    std::unordered_map<hnswlib::labeltype, hnswlib::tableint>().swap(hnsw->label_lookup_);
  }
  char* Level0(uint64_t node) const {
    return hnsw->data_level0_memory_ + node * hnsw->size_data_per_element_;
  }
};

VectorGraph::VectorGraph() = default;
VectorGraph::~VectorGraph() = default;

uint64_t VectorGraph::node_count() const {
  return impl_->hnsw->cur_element_count;
}

uint64_t VectorGraph::memory_bytes() const {
  const auto& h = *impl_->hnsw;
  uint64_t bytes = h.cur_element_count * (h.size_data_per_element_ + sizeof(void*) + sizeof(int));
  for (size_t i = 0; i < h.cur_element_count; ++i) {
    bytes += static_cast<uint64_t>(h.element_levels_[i]) * h.size_links_per_element_;
  }
  return bytes;
}

Result<std::unique_ptr<VectorGraph>> VectorGraph::Build(
    std::shared_ptr<const VectorSegmentReader> vectors, const GraphParams& params, unsigned threads,
    const std::atomic<bool>* cancel) {
  if (params.m < 2 || params.m > kGraphMaxM) return Status::InvalidArgument("bad HNSW M");
  std::vector<uint32_t> nodes;  // docnos with a vector
  for (uint64_t d = 0; d < vectors->doc_count(); ++d) {
    if (vectors->scale(d) > 0.0f) nodes.push_back(static_cast<uint32_t>(d));
  }
  std::unique_ptr<VectorGraph> graph(new VectorGraph());
  graph->impl_ = std::make_unique<Impl>(vectors.get());
  graph->vectors_ = std::move(vectors);
  Impl& impl = *graph->impl_;
  impl.m = params.m;
  impl.ef_construction = params.ef_construction;
  try {
    impl.hnsw = std::make_unique<hnswlib::HierarchicalNSW<float>>(
        &impl.space, std::max<size_t>(1, nodes.size()), params.m, params.ef_construction);
    // The first node alone: it becomes the entry point the others start from.
    if (!nodes.empty()) impl.hnsw->addPoint(&nodes[0], nodes[0]);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("HNSW build failed: ") + e.what());
  }
  std::atomic<size_t> next{1};
  std::atomic<bool> failed{false};
  std::mutex error_mu;
  std::string error;
  auto insert = [&] {
    try {
      for (size_t i = next++; i < nodes.size() && !failed.load(); i = next++) {
        if (cancel != nullptr && (i & 1023) == 0 && cancel->load()) {
          failed = true;
          break;
        }
        impl.hnsw->addPoint(&nodes[i], nodes[i]);
      }
    } catch (const std::exception& e) {
      std::lock_guard<std::mutex> lock(error_mu);
      error = e.what();
      failed = true;
    }
  };
  std::vector<std::thread> helpers;
  for (unsigned t = 1; t < std::max(1u, threads); ++t) helpers.emplace_back(insert);
  insert();
  for (auto& t : helpers) t.join();
  if (!error.empty()) return Status::Internal("HNSW build failed: " + error);
  if (failed.load()) return Status::Unavailable("HNSW build cancelled");
  impl.hnsw->setEf(1);  // Search passes its own ef as k; never set again (not thread-safe)
  impl.DropInsertionState();
  return graph;
}

Result<std::vector<GraphHit>> VectorGraph::Search(const ScanQuery& query, size_t k,
                                                  size_t ef) const {
  std::vector<GraphHit> hits;
  if (k == 0 || node_count() == 0 || query.scale == 0) return hits;
  QueryPoint point;
  point.query = &query;
  std::priority_queue<std::pair<float, hnswlib::labeltype>> found;
  try {
    // hnswlib examines max(its ef, k) candidates and keeps k; its ef is 1,
    // so asking for max(k, ef) sets the breadth per call without state.
    found = impl_->hnsw->searchKnn(&point, std::max(k, ef));
  } catch (const std::exception& e) {
    return Status::Internal(std::string("HNSW search failed: ") + e.what());
  }
  hits.resize(found.size());
  for (size_t i = found.size(); i > 0; --i) {  // furthest on top
    const auto docno = static_cast<uint32_t>(found.top().second);
    found.pop();
    // The exact scan's score for this record, so that ANN and exact hits
    // compare (and tie-break) the same.
    hits[i - 1] = {docno,
                   static_cast<double>(DotScan(query, vectors_->row(docno), vectors_->dim()) *
                                       vectors_->scale(docno))};
  }
  std::stable_sort(hits.begin(), hits.end(),
                   [](const GraphHit& a, const GraphHit& b) { return a.score > b.score; });
  if (hits.size() > k) hits.resize(k);
  return hits;
}

Result<std::optional<std::vector<GraphHit>>> VectorGraph::SearchFiltered(
    const ScanQuery& query, size_t n, size_t ef, double kept_fraction,
    const std::function<bool(uint32_t)>& keep) const {
  std::vector<GraphHit> kept;
  if (n == 0) return std::optional<std::vector<GraphHit>>(std::move(kept));
  const uint64_t nodes = node_count();
  // Fetch enough that, at the expected rejection rate, n survive with margin.
  const double want = std::ceil(static_cast<double>(n) * 1.25 / std::max(kept_fraction, 1e-6)) + 8;
  // Past a quarter of the graph, exact scanning is the cheaper way to be complete.
  if (want > static_cast<double>(nodes) / 4 && want < static_cast<double>(nodes)) {
    return std::optional<std::vector<GraphHit>>();
  }
  const size_t fetch = static_cast<size_t>(std::min(want, static_cast<double>(nodes)));
  TS_ASSIGN_OR_RETURN(std::vector<GraphHit> hits, Search(query, fetch, ef));
  for (const GraphHit& h : hits) {
    if (!keep(h.docno)) continue;
    kept.push_back(h);
    if (kept.size() == n) break;
  }
  if (kept.size() < n && fetch < nodes) return std::optional<std::vector<GraphHit>>();
  return std::optional<std::vector<GraphHit>>(std::move(kept));
}

Status VectorGraph::Save(const std::string& path) const {
  const auto& h = *impl_->hnsw;
  const uint64_t count = h.cur_element_count;
  std::string head(kGraphMagic, sizeof(kGraphMagic));
  Put(&head, kGraphVersion);
  Put(&head, impl_->m);
  Put(&head, impl_->ef_construction);
  Put(&head, static_cast<int32_t>(h.maxlevel_));
  Put(&head, count);
  Put(&head, static_cast<uint32_t>(count == 0 ? 0 : h.enterpoint_node_));
  Put(&head, vectors_->dim());
  Put(&head, vectors_->checksum());
  Put(&head, vectors_->doc_count());
  Put(&head, static_cast<uint64_t>(h.size_data_per_element_));
  // Graphs are derived (rebuilt when missing or damaged) and written by a
  // background thread at any time: they pass no crash points, which count the
  // writes of updates.
  TS_ASSIGN_OR_RETURN(auto writer, AtomicFileWriter::Create(path, /*crash_points=*/false));
  Hasher64 hasher;
  auto append = [&](std::string_view bytes) {
    hasher.Update(bytes);
    return writer->Append(bytes);
  };
  static const char zeros[8] = {};
  TS_RETURN_IF_ERROR(append(head));
  const uint64_t level0 = count * h.size_data_per_element_;
  TS_RETURN_IF_ERROR(append(std::string_view(h.data_level0_memory_, level0)));
  TS_RETURN_IF_ERROR(append(std::string_view(zeros, Pad8(level0))));
  std::string levels;
  for (uint64_t i = 0; i < count; ++i) Put(&levels, static_cast<uint32_t>(h.element_levels_[i]));
  levels.append(Pad8(levels.size()), '\0');
  TS_RETURN_IF_ERROR(append(levels));
  std::string upper;
  for (uint64_t i = 0; i < count; ++i) {
    if (h.element_levels_[i] <= 0) continue;
    upper.append(h.linkLists_[i], h.size_links_per_element_ * h.element_levels_[i]);
    if (upper.size() >= (1u << 20)) {
      TS_RETURN_IF_ERROR(append(upper));
      upper.clear();
    }
  }
  upper.append(Pad8(upper.size()), '\0');  // the upper links are u32s: 4-aligned
  TS_RETURN_IF_ERROR(append(upper));
  std::string tail;
  Put(&tail, hasher.Digest());
  tail.append(kGraphEndMagic, sizeof(kGraphEndMagic));
  TS_RETURN_IF_ERROR(writer->Append(tail));
  return writer->Commit();
}

Result<std::unique_ptr<VectorGraph>> VectorGraph::Open(
    const std::string& path, std::shared_ptr<const VectorSegmentReader> vectors) {
  auto corrupt = [&](const std::string& why) {
    return Status::Corruption("HNSW graph " + path + " is damaged (" + why + ")");
  };
  TS_ASSIGN_OR_RETURN(auto file, MappedFile::Open(path));
  const std::string_view b = file->data();
  if (b.size() < kGraphHeaderSize + kGraphFooterSize ||
      std::memcmp(b.data(), kGraphMagic, sizeof(kGraphMagic)) != 0) {
    return corrupt("not an HNSW graph");
  }
  if (std::memcmp(b.data() + b.size() - 8, kGraphEndMagic, 8) != 0) return corrupt("no end marker");
  if (Hash64(b.substr(0, b.size() - kGraphFooterSize)) !=
      Get<uint64_t>(b, b.size() - kGraphFooterSize)) {
    return corrupt("checksum mismatch");
  }
  const auto version = Get<uint32_t>(b, 8);
  if (version != kGraphVersion) {
    return Status::Corruption("HNSW graph " + path + " has unsupported version " +
                              std::to_string(version));
  }
  const auto m = Get<uint32_t>(b, 12);
  const auto ef_construction = Get<uint32_t>(b, 16);
  const auto max_level = Get<int32_t>(b, 20);
  const auto count = Get<uint64_t>(b, 24);
  const auto entry = Get<uint32_t>(b, 32);
  const auto dim = Get<uint32_t>(b, 36);
  const auto companion_checksum = Get<uint64_t>(b, 40);
  const auto companion_count = Get<uint64_t>(b, 48);
  const auto element_size = Get<uint64_t>(b, 56);
  if (dim != vectors->dim() || companion_checksum != vectors->checksum() ||
      companion_count != vectors->doc_count()) {
    return Status::Corruption("HNSW graph " + path + " was built from another vector companion");
  }
  if (m < 2 || m > kGraphMaxM) return corrupt("bad M");
  if (count > companion_count) return corrupt("more nodes than records");
  if (max_level < (count == 0 ? -1 : 0) || max_level > kGraphMaxLevel) return corrupt("bad level");
  if (count > 0 && entry >= count) return corrupt("bad entry point");

  std::unique_ptr<VectorGraph> graph(new VectorGraph());
  graph->impl_ = std::make_unique<Impl>(vectors.get());
  graph->vectors_ = std::move(vectors);
  Impl& impl = *graph->impl_;
  impl.m = m;
  impl.ef_construction = ef_construction;
  try {
    // Allocates what hnswlib's own loader would; filled from the file below.
    impl.hnsw = std::make_unique<hnswlib::HierarchicalNSW<float>>(
        &impl.space, std::max<uint64_t>(1, count), m, ef_construction);
  } catch (const std::exception& e) {
    return Status::Internal(std::string("HNSW graph allocation failed: ") + e.what());
  }
  auto& h = *impl.hnsw;
  if (h.size_data_per_element_ != element_size) return corrupt("node size differs");
  // Section sizes, checked against the file before anything is copied.
  const uint64_t body = b.size() - kGraphFooterSize;
  uint64_t off = kGraphHeaderSize;
  if (count > (body - off) / (element_size + 4)) return corrupt("bad node count");
  const uint64_t level0 = count * element_size;
  const uint64_t off_levels = off + level0 + Pad8(level0);
  const uint64_t off_upper = off_levels + 4 * count + Pad8(4 * count);
  if (off_upper > body) return corrupt("short file");
  uint64_t upper_bytes = 0;
  for (uint64_t i = 0; i < count; ++i) {
    const auto level = Get<uint32_t>(b, off_levels + 4 * i);
    if (level > static_cast<uint32_t>(max_level)) return corrupt("node above the top level");
    upper_bytes += static_cast<uint64_t>(level) * h.size_links_per_element_;
  }
  if (off_upper + upper_bytes + Pad8(upper_bytes) != body) {
    return corrupt("sections do not fill the file");
  }
  if (count > 0 &&
      Get<uint32_t>(b, off_levels + 4 * uint64_t{entry}) != static_cast<uint32_t>(max_level)) {
    return corrupt("entry point not on the top level");
  }
  // Every link must name a node, every node a record with a vector: a search
  // follows them without checks.
  auto links_ok = [&](const char* list, size_t max_links) {
    uint16_t n;  // hnswlib reads a list's length from its first two bytes
    std::memcpy(&n, list, sizeof(n));
    if (n > max_links) return false;
    for (size_t j = 1; j <= n; ++j) {
      uint32_t id;
      std::memcpy(&id, list + 4 * j, sizeof(id));
      if (id >= count) return false;
    }
    return true;
  };
  std::memcpy(h.data_level0_memory_, b.data() + off, level0);
  for (uint64_t i = 0; i < count; ++i) {
    const char* node = impl.Level0(i);
    if (!links_ok(node, h.maxM0_)) return corrupt("bad level-0 links");
    uint32_t docno;
    std::memcpy(&docno, node + h.offsetData_, sizeof(docno));
    if (docno >= companion_count ||
        h.getExternalLabel(static_cast<hnswlib::tableint>(i)) != docno ||
        !(graph->vectors_->scale(docno) > 0.0f)) {
      return corrupt("bad node record");
    }
  }
  h.cur_element_count = count;  // from here the destructor frees what is set below
  uint64_t upper_off = off_upper;
  for (uint64_t i = 0; i < count; ++i) {
    const auto level = Get<uint32_t>(b, off_levels + 4 * i);
    h.element_levels_[i] = static_cast<int>(level);
    h.linkLists_[i] = nullptr;
    if (level == 0) continue;
    const size_t bytes = h.size_links_per_element_ * level;
    // hnswlib owns its link lists with malloc/free; its destructor frees them.
    h.linkLists_[i] = static_cast<char*>(std::malloc(bytes));
    if (h.linkLists_[i] == nullptr) {
      h.element_levels_[i] = 0;
      return Status::Internal("out of memory loading " + path);
    }
    std::memcpy(h.linkLists_[i], b.data() + upper_off, bytes);
    upper_off += bytes;
    for (uint32_t l = 0; l < level; ++l) {
      if (!links_ok(h.linkLists_[i] + l * h.size_links_per_element_, h.maxM_)) {
        return corrupt("bad upper links");
      }
    }
  }
  h.maxlevel_ = max_level;
  h.enterpoint_node_ = count == 0 ? 0 : entry;
  h.setEf(1);
  impl.DropInsertionState();
  return graph;
}

}  // namespace ts::semantic
