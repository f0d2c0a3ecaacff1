// The embedding model file and the encoder over it. Format: docs/FORMATS.md,
// "Embedding model".
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "semantic/semantic.h"
#include "util/file.h"
#include "util/hash.h"

namespace ts::semantic {
namespace {

constexpr char kMagic[8] = {'T', 'S', 'E', 'M', 'B', 'E', 'D', '1'};
// Version 2 added the code tower's header weight; version 1 files read as 1.
constexpr uint32_t kVersion = 2;
constexpr uint32_t kMaxDim = 4096;
constexpr size_t kChecksumBytes = 8;

template <typename T>
void Put(std::string* out, T v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof(T));
}

// Bounds-checked reads over the file image; any short read is corruption.
class Cursor {
 public:
  explicit Cursor(std::string_view data) : data_(data) {}
  template <typename T>
  bool Get(T* v) {
    if (pos_ + sizeof(T) > data_.size()) return false;
    std::memcpy(v, data_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }
  bool Bytes(size_t n, std::string_view* out) {
    // Align4 may have stepped past the end of a short image.
    if (pos_ > data_.size() || n > data_.size() - pos_) return false;
    *out = data_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  void Align4() { pos_ = (pos_ + 3) & ~size_t{3}; }
  size_t pos() const { return pos_; }

 private:
  std::string_view data_;
  size_t pos_ = 0;
};

}  // namespace

float QuantizeInt8(std::span<const float> v, std::span<int8_t> out) {
  float max_abs = 0;
  for (float x : v) max_abs = std::max(max_abs, std::fabs(x));
  if (max_abs == 0) {
    std::fill(out.begin(), out.end(), int8_t{0});
    return 0;
  }
  const float scale = max_abs / 127.0f;
  for (size_t i = 0; i < v.size(); ++i) {
    out[i] = static_cast<int8_t>(std::lround(v[i] / scale));
  }
  return scale;
}

float DotInt8(std::span<const float> query, const int8_t* row, uint32_t dim) {
  // Eight independent sums let the compiler keep a vector register per lane.
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  uint32_t i = 0;
  for (; i + 8 <= dim; i += 8) {
    for (int k = 0; k < 8; ++k) acc[k] += query[i + k] * static_cast<float>(row[i + k]);
  }
  float sum = 0;
  for (; i < dim; ++i) sum += query[i] * static_cast<float>(row[i]);
  for (float a : acc) sum += a;
  return sum;
}

ScanQuery PrepareScan(std::span<const float> query) {
  ScanQuery out;
  float max_abs = 0;
  for (float x : query) max_abs = std::max(max_abs, std::fabs(x));
  out.q.assign(query.size(), 0);
  if (max_abs == 0) return out;
  out.scale = max_abs / 8191.0f;
  for (size_t i = 0; i < query.size(); ++i) {
    out.q[i] = static_cast<int16_t>(std::lround(query[i] / out.scale));
  }
  return out;
}

// Built for AVX-512 and AVX2 as well as the baseline, picked at load time
// (the exact scan is most of a query's semantic lane; AVX2 halves it).
__attribute__((target_clones("arch=skylake-avx512", "avx2", "default"))) float DotScan(
    const ScanQuery& query, const int8_t* row, uint32_t dim) {
  // |q| <= 8191 and |row| <= 127: 1024 products stay within int32.
  const int16_t* q = query.q.data();
  int64_t total = 0;
  for (uint32_t start = 0; start < dim; start += 1024) {
    const uint32_t end = std::min(dim, start + 1024);
    int32_t acc = 0;
    for (uint32_t i = start; i < end; ++i) {
      acc += static_cast<int32_t>(q[i]) * static_cast<int32_t>(row[i]);
    }
    total += acc;
  }
  return static_cast<float>(total) * query.scale;
}

Status Model::Save(const std::string& path, const std::string& name, const Vocabulary& vocab,
                   uint32_t dim, float header_weight, std::span<const float> query_table,
                   std::span<const float> code_table) {
  const size_t rows = vocab.rows();
  if (dim == 0 || dim > kMaxDim) return Status::InvalidArgument("bad embedding dimension");
  if (!(header_weight > 0.0f && header_weight <= 100.0f)) {
    return Status::InvalidArgument("header weight outside (0, 100]");
  }
  if (query_table.size() != rows * dim || code_table.size() != rows * dim) {
    return Status::InvalidArgument("embedding tables do not match the vocabulary");
  }
  std::string out(kMagic, sizeof(kMagic));
  Put(&out, kVersion);
  Put(&out, dim);
  Put(&out, vocab.size());
  Put(&out, vocab.buckets());
  Put(&out, vocab.bucket_idf());
  Put(&out, header_weight);
  Put(&out, static_cast<uint32_t>(name.size()));
  out += name;
  for (const auto& w : vocab.words()) {
    if (w.size() > 255) return Status::InvalidArgument("vocabulary word longer than 255 bytes");
    Put(&out, static_cast<uint8_t>(w.size()));
    out += w;
  }
  while (out.size() % 4 != 0) out.push_back('\0');
  for (float idf : vocab.idf()) Put(&out, idf);
  std::vector<int8_t> q(dim);
  for (std::span<const float> table : {query_table, code_table}) {
    std::string scales, data;
    for (size_t r = 0; r < rows; ++r) {
      float scale = QuantizeInt8(table.subspan(r * dim, dim), q);
      Put(&scales, scale);
      data.append(reinterpret_cast<const char*>(q.data()), dim);
    }
    out += scales;
    out += data;
    while (out.size() % 4 != 0) out.push_back('\0');
  }
  Put(&out, Hash64(out));
  return WriteFileAtomic(path, out, /*crash_points=*/false);
}

Result<std::unique_ptr<Model>> Model::Load(const std::string& path) {
  auto read = ReadFile(path);
  if (!read.ok()) return Status::Unavailable("no embedding model at " + path);
  return FromBytes(*read, path);
}

Result<std::unique_ptr<Model>> Model::FromBytes(std::string_view data, const std::string& path) {
  auto corrupt = [&](const std::string& what) {
    return Status::Corruption("embedding model " + path + " is damaged (" + what +
                              "); restore it from the repository (models/)");
  };
  if (data.size() < sizeof(kMagic) + kChecksumBytes ||
      std::memcmp(data.data(), kMagic, sizeof(kMagic)) != 0) {
    return corrupt("not a trusty-search model file");
  }
  uint64_t stored;
  std::memcpy(&stored, data.data() + data.size() - kChecksumBytes, kChecksumBytes);
  const std::string_view body(data.data(), data.size() - kChecksumBytes);
  if (Hash64(body) != stored) return corrupt("checksum mismatch");

  Cursor c(body);
  std::string_view skip;
  c.Bytes(sizeof(kMagic), &skip);
  uint32_t version = 0, dim = 0, vocab_size = 0, buckets = 0, name_len = 0;
  float bucket_idf = 0, header_weight = 1.0f;
  if (!c.Get(&version) || !c.Get(&dim) || !c.Get(&vocab_size) || !c.Get(&buckets) ||
      !c.Get(&bucket_idf) || (version >= 2 && !c.Get(&header_weight)) || !c.Get(&name_len)) {
    return corrupt("short header");
  }
  if (version < 1 || version > kVersion) {
    return Status::Unavailable("embedding model " + path + " has format version " +
                               std::to_string(version) + "; this build reads versions 1 to " +
                               std::to_string(kVersion));
  }
  if (dim == 0 || dim > kMaxDim) return corrupt("bad dimension");
  if (!(header_weight > 0.0f && header_weight <= 100.0f)) return corrupt("bad header weight");
  std::string_view name;
  if (!c.Bytes(name_len, &name)) return corrupt("short name");
  std::vector<std::string> words;
  words.reserve(std::min<size_t>(vocab_size, body.size()));  // each word takes a byte at least
  for (uint32_t i = 0; i < vocab_size; ++i) {
    uint8_t len;
    std::string_view w;
    if (!c.Get(&len) || !c.Bytes(len, &w)) return corrupt("short vocabulary");
    words.emplace_back(w);
  }
  c.Align4();
  std::vector<float> idf(vocab_size);
  for (auto& x : idf) {
    if (!c.Get(&x)) return corrupt("short idf table");
  }
  auto model = std::unique_ptr<Model>(new Model());
  model->name_ = std::string(name);
  model->dim_ = dim;
  model->header_weight_ = header_weight;
  model->vocab_ = Vocabulary(std::move(words), std::move(idf), buckets, bucket_idf);
  const size_t rows = model->vocab_.rows();
  if (rows == 0) return corrupt("no vocabulary and no buckets");
  for (int t = 0; t < 2; ++t) {
    std::string_view scales, table;
    if (!c.Bytes(rows * sizeof(float), &scales) || !c.Bytes(rows * dim, &table)) {
      return corrupt("short embedding table");
    }
    model->scales_[t].resize(rows);
    std::memcpy(model->scales_[t].data(), scales.data(), scales.size());
    model->rows_[t].resize(table.size());
    std::memcpy(model->rows_[t].data(), table.data(), table.size());
    c.Align4();
  }
  if (c.pos() != body.size()) return corrupt("trailing bytes");
  model->checksum_ = stored;
  return model;
}

bool Model::EmbedFeatures(Tower tower, const Features& features, std::span<float> out) const {
  std::fill(out.begin(), out.end(), 0.0f);
  const int t = static_cast<int>(tower);
  const int8_t* table = rows_[t].data();
  const float* scales = scales_[t].data();
  const uint32_t rows = vocab_.rows();
  for (size_t i = 0; i < features.rows.size(); ++i) {
    const uint32_t r = features.rows[i];
    if (r >= rows) continue;
    const float w = features.weights[i] * scales[r];
    const int8_t* row = table + static_cast<size_t>(r) * dim_;
    for (uint32_t d = 0; d < dim_; ++d) out[d] += w * static_cast<float>(row[d]);
  }
  double norm = 0;
  for (float x : out) norm += static_cast<double>(x) * x;
  if (norm <= 0) return false;
  const float inv = static_cast<float>(1.0 / std::sqrt(norm));
  for (float& x : out) x *= inv;
  return true;
}

bool Model::Embed(Tower tower, std::string_view text, std::span<float> out) const {
  const float header_weight = tower == Tower::kCode ? header_weight_ : 1.0f;
  return EmbedFeatures(tower, Featurize(vocab_, text, kMaxInputWords, header_weight), out);
}

std::string ModelLabel(const std::string& name, uint64_t checksum) {
  return "'" + name + "' (" + HexHash64(checksum).substr(0, 8) + ")";
}

std::string DefaultModelPath() {
  std::vector<std::string> candidates;
  char exe[4096];
  ssize_t n = ::readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n > 0) {
    std::string dir(exe, static_cast<size_t>(n));
    dir = dir.substr(0, dir.rfind('/'));
    candidates.push_back(dir + "/../models/code-nbow.tsmodel");
    candidates.push_back(dir + "/models/code-nbow.tsmodel");
  }
  candidates.push_back("/usr/share/trusty-search/models/code-nbow.tsmodel");
  for (const auto& c : candidates) {
    if (PathExists(c)) return c;
  }
  return candidates.front();
}

}  // namespace ts::semantic
