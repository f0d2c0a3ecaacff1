// Vector companions (seg-N.tsvec): building, reading and merging, and the
// query embedding cache. Layout in docs/FORMATS.md ("Vector companion").
#include <cstring>

#include "semantic/semantic.h"
#include "util/hash.h"

namespace ts::semantic {
namespace {

constexpr char kVecMagic[8] = {'T', 'S', 'V', 'E', 'C', 'S', '0', '1'};
constexpr char kVecEndMagic[8] = {'T', 'S', 'V', 'E', 'C', 'E', 'N', 'D'};
constexpr uint32_t kVecVersion = 1;
constexpr uint32_t kVecMaxDim = 4096;
constexpr size_t kVecHeaderSize =
    40;  // magic, version, dim, doc_count, model checksum, name len, pad
constexpr size_t kVecFooterSize = 16;  // checksum u64, end magic

uint64_t VecPad8(uint64_t n) {
  return (8 - n % 8) % 8;
}

template <typename T>
void PutVec(std::string* out, T v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof(T));
}

// Appends to an atomic file while hashing; buffers small writes.
class HashingWriter {
 public:
  static Result<HashingWriter> Create(const std::string& path) {
    TS_ASSIGN_OR_RETURN(auto w, AtomicFileWriter::Create(path));
    return HashingWriter(std::move(w));
  }
  Status Append(std::string_view data) {
    buffer_.append(data);
    offset_ += data.size();
    return buffer_.size() >= (1u << 20) ? Flush() : Status::Ok();
  }
  Status Pad() {
    static const char zeros[8] = {};
    return Append(std::string_view(zeros, VecPad8(offset_)));
  }
  Result<VectorFileInfo> Finish(uint64_t doc_count) {
    TS_RETURN_IF_ERROR(Flush());
    VectorFileInfo info;
    info.checksum = hasher_->Digest();
    std::string tail;
    PutVec(&tail, info.checksum);
    tail.append(kVecEndMagic, sizeof(kVecEndMagic));
    TS_RETURN_IF_ERROR(writer_->Append(tail));
    TS_RETURN_IF_ERROR(writer_->Commit());
    info.byte_size = offset_ + tail.size();
    info.doc_count = doc_count;
    return info;
  }

 private:
  explicit HashingWriter(std::unique_ptr<AtomicFileWriter> w) : writer_(std::move(w)) {}
  Status Flush() {
    hasher_->Update(buffer_);
    Status s = writer_->Append(buffer_);
    buffer_.clear();
    return s;
  }
  std::unique_ptr<AtomicFileWriter> writer_;
  std::unique_ptr<Hasher64> hasher_ = std::make_unique<Hasher64>();
  std::string buffer_;
  uint64_t offset_ = 0;
};

std::string Header(uint32_t dim, uint64_t doc_count, uint64_t model_checksum,
                   const std::string& model_name) {
  std::string h(kVecMagic, sizeof(kVecMagic));
  PutVec(&h, kVecVersion);
  PutVec(&h, dim);
  PutVec(&h, doc_count);
  PutVec(&h, model_checksum);
  PutVec(&h, static_cast<uint32_t>(model_name.size()));
  PutVec(&h, uint32_t{0});
  h += model_name;
  h.append(VecPad8(h.size()), '\0');
  return h;
}

// Streams the columns of `n` records given by accessors, in the file's order.
template <typename KeyAt, typename HashAt, typename ScaleAt, typename RowAt>
Result<VectorFileInfo> WriteCompanion(const std::string& path, uint32_t dim,
                                      uint64_t model_checksum, const std::string& model_name,
                                      uint64_t n, KeyAt key_at, HashAt hash_at, ScaleAt scale_at,
                                      RowAt row_at) {
  if (dim == 0 || dim > kVecMaxDim) return Status::InvalidArgument("bad vector dimension");
  TS_ASSIGN_OR_RETURN(HashingWriter w, HashingWriter::Create(path));
  TS_RETURN_IF_ERROR(w.Append(Header(dim, n, model_checksum, model_name)));
  std::string buf;
  for (uint64_t i = 0; i < n; ++i) PutVec(&buf, key_at(i));
  for (uint64_t i = 0; i < n; ++i) PutVec(&buf, hash_at(i));
  for (uint64_t i = 0; i < n; ++i) PutVec(&buf, scale_at(i));
  TS_RETURN_IF_ERROR(w.Append(buf));
  std::string().swap(buf);
  TS_RETURN_IF_ERROR(w.Pad());
  for (uint64_t i = 0; i < n; ++i) {
    TS_RETURN_IF_ERROR(w.Append(std::string_view(reinterpret_cast<const char*>(row_at(i)), dim)));
  }
  TS_RETURN_IF_ERROR(w.Pad());
  return w.Finish(n);
}

}  // namespace

void VectorSegmentBuilder::Add(uint64_t key, uint64_t content_hash, std::span<const int8_t> vector,
                               float scale) {
  keys_.push_back(key);
  hashes_.push_back(content_hash);
  scales_.push_back(scale);
  data_.insert(data_.end(), vector.begin(), vector.end());
}

Result<VectorFileInfo> VectorSegmentBuilder::FinishToFile(const std::string& path, uint32_t dim,
                                                          uint64_t model_checksum,
                                                          const std::string& model_name) {
  if (data_.size() != keys_.size() * static_cast<size_t>(dim)) {
    return Status::InvalidArgument("vector companion rows do not match dimension " +
                                   std::to_string(dim));
  }
  auto info = WriteCompanion(
      path, dim, model_checksum, model_name, keys_.size(), [&](uint64_t i) { return keys_[i]; },
      [&](uint64_t i) { return hashes_[i]; }, [&](uint64_t i) { return scales_[i]; },
      [&](uint64_t i) { return data_.data() + i * dim; });
  *this = VectorSegmentBuilder();
  return info;
}

Result<std::shared_ptr<const VectorSegmentReader>> VectorSegmentReader::Open(
    const std::string& path) {
  TS_ASSIGN_OR_RETURN(auto file, MappedFile::Open(path));
  std::shared_ptr<VectorSegmentReader> r(new VectorSegmentReader());
  r->bytes_ = file->data();
  r->file_ = std::move(file);
  TS_RETURN_IF_ERROR(r->Parse(path));
  return std::shared_ptr<const VectorSegmentReader>(std::move(r));
}

Result<std::shared_ptr<const VectorSegmentReader>> VectorSegmentReader::FromBytes(
    std::string_view bytes) {
  std::shared_ptr<VectorSegmentReader> r(new VectorSegmentReader());
  r->bytes_ = bytes;
  TS_RETURN_IF_ERROR(r->Parse("vector companion"));
  return std::shared_ptr<const VectorSegmentReader>(std::move(r));
}

Status VectorSegmentReader::Parse(const std::string& what) {
  auto corrupt = [&](const std::string& why) {
    return Status::Corruption(what + " is damaged (" + why + ")");
  };
  const std::string_view b = bytes_;
  if (b.size() < kVecHeaderSize + kVecFooterSize || std::memcmp(b.data(), kVecMagic, 8) != 0) {
    return corrupt("not a vector companion");
  }
  if (std::memcmp(b.data() + b.size() - 8, kVecEndMagic, 8) != 0) return corrupt("no end marker");
  uint64_t stored;
  std::memcpy(&stored, b.data() + b.size() - kVecFooterSize, 8);
  if (Hash64(b.substr(0, b.size() - kVecFooterSize)) != stored) return corrupt("checksum mismatch");
  checksum_ = stored;
  uint32_t version, name_len;
  std::memcpy(&version, b.data() + 8, 4);
  std::memcpy(&dim_, b.data() + 12, 4);
  std::memcpy(&doc_count_, b.data() + 16, 8);
  std::memcpy(&model_checksum_, b.data() + 24, 8);
  std::memcpy(&name_len, b.data() + 32, 4);
  if (version != kVecVersion) {
    return Status::Corruption(what + " has unsupported vector companion version " +
                              std::to_string(version));
  }
  if (dim_ == 0 || dim_ > kVecMaxDim) return corrupt("bad dimension");
  const uint64_t body = b.size() - kVecFooterSize;
  if (name_len > body - kVecHeaderSize) return corrupt("short name");
  model_name_.assign(b.data() + kVecHeaderSize, name_len);
  uint64_t off = kVecHeaderSize + name_len;
  off += VecPad8(off);
  // Column sizes, checked against the file before any offset is trusted.
  if (doc_count_ > body / (20 + uint64_t{dim_})) return corrupt("bad document count");
  off_keys_ = off;
  off_hashes_ = off_keys_ + 8 * doc_count_;
  off_scales_ = off_hashes_ + 8 * doc_count_;
  off_vectors_ = off_scales_ + 4 * doc_count_;
  off_vectors_ += VecPad8(off_vectors_);
  uint64_t end = off_vectors_ + doc_count_ * dim_;
  end += VecPad8(end);
  if (end != body) return corrupt("sections do not fill the file");
  return Status::Ok();
}

uint64_t VectorSegmentReader::key(uint64_t d) const {
  uint64_t v;
  std::memcpy(&v, bytes_.data() + off_keys_ + 8 * d, 8);
  return v;
}

uint64_t VectorSegmentReader::content_hash(uint64_t d) const {
  uint64_t v;
  std::memcpy(&v, bytes_.data() + off_hashes_ + 8 * d, 8);
  return v;
}

float VectorSegmentReader::scale(uint64_t d) const {
  float v;
  std::memcpy(&v, bytes_.data() + off_scales_ + 4 * d, 4);
  return v;
}

Result<VectorFileInfo> MergeVectorSegmentsToFile(const std::vector<VectorSegmentView>& inputs,
                                                 const VectorModelId& model,
                                                 const std::string& path) {
  // (input, record) of every live record, in input order.
  std::vector<std::pair<uint32_t, uint64_t>> live;
  std::vector<bool> usable(inputs.size(), false);
  for (uint32_t i = 0; i < inputs.size(); ++i) {
    const auto& in = inputs[i];
    usable[i] = in.segment && in.segment->dim() == model.dim &&
                in.segment->model_checksum() == model.checksum;
    const uint64_t n = in.segment ? in.segment->doc_count() : in.keys.size();
    for (uint64_t d = 0; d < n; ++d) {
      if (!in.deleted || !(*in.deleted)[d]) live.emplace_back(i, d);
    }
  }
  const std::vector<int8_t> zeros(model.dim, 0);
  auto reader = [&](uint64_t i) -> const VectorSegmentReader* {
    return usable[live[i].first] ? inputs[live[i].first].segment.get() : nullptr;
  };
  return WriteCompanion(
      path, model.dim, model.checksum, model.name, live.size(),
      [&](uint64_t i) {
        const auto& in = inputs[live[i].first];
        return in.segment ? in.segment->key(live[i].second) : in.keys[live[i].second];
      },
      [&](uint64_t i) {
        auto* r = reader(i);
        return r ? r->content_hash(live[i].second) : uint64_t{0};
      },
      [&](uint64_t i) {
        auto* r = reader(i);
        return r ? r->scale(live[i].second) : -1.0f;
      },
      [&](uint64_t i) {
        auto* r = reader(i);
        return r ? r->row(live[i].second) : zeros.data();
      });
}

std::shared_ptr<const std::vector<float>> QueryEmbeddingCache::Embed(const Model& model,
                                                                     std::string_view text) {
  std::string key = HexHash64(model.checksum());
  key += text;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = map_.find(key);
    if (it != map_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      return it->second->second;
    }
  }
  // Embedded outside the lock: a concurrent miss on the same text costs one
  // extra embedding, never a wrong one.
  auto v = std::make_shared<std::vector<float>>(model.dim());
  model.Embed(Tower::kQuery, text, *v);
  std::lock_guard<std::mutex> lock(mu_);
  if (map_.count(key)) return v;
  lru_.emplace_front(key, v);
  map_[key] = lru_.begin();
  while (lru_.size() > capacity_) {
    map_.erase(lru_.back().first);
    lru_.pop_back();
  }
  return v;
}

size_t QueryEmbeddingCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lru_.size();
}

}  // namespace ts::semantic
