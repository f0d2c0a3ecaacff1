// Public header of src/semantic: the code-search embedding model (a two-tower
// neural bag of words we train ourselves, tools/train), its features, and the
// int8 vectors the index stores.
//
// Invariants:
//  - Featurize() is the only place text becomes model input; the trainer and
//    the encoder both call it, so tokenization is identical by construction.
//  - Embeddings are unit length (or all zeros for a text with no feature), so
//    a dot product is the cosine.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "util/file.h"
#include "util/status.h"

namespace ts::semantic {

// The two towers: natural-language queries and code chunks are embedded by
// different tables into one space.
enum class Tower : uint8_t { kQuery = 0, kCode = 1 };

// Words known to a model, with the IDF weight each carries, and a number of
// hashed buckets that unseen words fall into (so an unseen identifier still
// lands somewhere stable, shared with nothing it is unrelated to by design).
class Vocabulary {
 public:
  Vocabulary() = default;
  Vocabulary(std::vector<std::string> words, std::vector<float> idf, uint32_t buckets,
             float bucket_idf);
  uint32_t size() const { return static_cast<uint32_t>(words_.size()); }
  uint32_t buckets() const { return buckets_; }
  uint32_t rows() const { return size() + buckets_; }  // rows of each tower's table
  const std::vector<std::string>& words() const { return words_; }
  const std::vector<float>& idf() const { return idf_; }
  float bucket_idf() const { return bucket_idf_; }
  // The row of a word: its vocabulary index, or size() + hash % buckets.
  uint32_t Row(std::string_view word) const;
  float Idf(uint32_t row) const { return row < idf_.size() ? idf_[row] : bucket_idf_; }

 private:
  std::vector<std::string> words_;
  std::vector<float> idf_;
  uint32_t buckets_ = 0;
  float bucket_idf_ = 1.0f;
  std::vector<uint32_t> slots_;  // open addressing: word hash -> index + 1
};

// Model input: distinct table rows with their weights (IDF x sublinear term
// frequency), in ascending row order.
struct Features {
  std::vector<uint32_t> rows;
  std::vector<float> weights;
};

// Words of a text as both towers see them: identifiers split like the lexical
// lane (camelCase, snake_case, digits; the whole identifier kept), lowercased,
// with English stop words and one-letter words dropped. At most `max_words`
// word occurrences are read, so a huge chunk costs a bounded time.
inline constexpr size_t kMaxInputWords = 4096;  // word occurrences read from one text
void Words(std::string_view text, std::vector<std::string>* out, size_t max_words = kMaxInputWords);

// `header_weight` multiplies the weight of words on the text's first line
// (the code tower's CodeInput header: path, scope, symbol), as BM25F weighs a
// field; a text without a newline has no header.
Features Featurize(const Vocabulary& vocab, std::string_view text,
                   size_t max_words = kMaxInputWords, float header_weight = 1.0f);

// What the code tower reads for a chunk: the last three components of its
// path, its scope and symbol, then its text. Where code lives and what it is
// named say much of what it does (asyncio/base_events.py BaseEventLoop close);
// the trainer composes its pairs with the same function.
std::string CodeInput(std::string_view path, std::string_view scope, std::string_view symbol,
                      std::string_view code);

// A trained model held in memory (int8 rows with one scale per row).
class Model {
 public:
  // Reads and verifies a model file (docs/FORMATS.md, "Embedding model").
  static Result<std::unique_ptr<Model>> Load(const std::string& path);
  // The same from the file's bytes; `path` names it in errors (tests, fuzzing).
  static Result<std::unique_ptr<Model>> FromBytes(std::string_view data, const std::string& path);
  // Writes a model file atomically. `tables` holds two row-major float
  // tables [query | code], each vocab.rows() x dim; they are quantized here.
  // `header_weight` is the code tower's Featurize header weight.
  static Status Save(const std::string& path, const std::string& name, const Vocabulary& vocab,
                     uint32_t dim, float header_weight, std::span<const float> query_table,
                     std::span<const float> code_table);

  uint32_t dim() const { return dim_; }
  float header_weight() const { return header_weight_; }
  const std::string& name() const { return name_; }
  const Vocabulary& vocabulary() const { return vocab_; }
  uint64_t checksum() const { return checksum_; }

  // Unit-length embedding of `text` by `tower` into `out` (dim() floats).
  // Returns false (and zeros) when the text has no word at all.
  bool Embed(Tower tower, std::string_view text, std::span<float> out) const;
  bool EmbedFeatures(Tower tower, const Features& features, std::span<float> out) const;

 private:
  Model() = default;
  std::string name_;
  uint32_t dim_ = 0;
  float header_weight_ = 1.0f;
  Vocabulary vocab_;
  std::vector<int8_t> rows_[2];   // vocab.rows() x dim per tower
  std::vector<float> scales_[2];  // one per row
  uint64_t checksum_ = 0;
};

// "name (checksum prefix)": how messages name a model, so that two trainings
// with the same name are told apart.
std::string ModelLabel(const std::string& name, uint64_t checksum);

// Where a model is looked for when none is named (index::EngineOptions):
// <dir of the running binary>/../models/code-nbow.tsmodel, then
// /usr/share/trusty-search/models/code-nbow.tsmodel. Returns the first that
// exists, or the first candidate when none does (so errors can name it).
std::string DefaultModelPath();

// ---- Stored vectors ---------------------------------------------------------

// Symmetric int8 quantization of a unit vector: v ~= q * scale.
float QuantizeInt8(std::span<const float> v, std::span<int8_t> out);
// Dot product of a float query with an int8 row (exact SIMD-friendly loop).
float DotInt8(std::span<const float> query, const int8_t* row, uint32_t dim);

// A query prepared for scanning many int8 rows: 13-bit fixed point, so each
// row costs integer multiply-adds (pmaddwd) rather than int8->float converts.
// Relative error about 1e-4, far below the rows' own int8 error.
struct ScanQuery {
  std::vector<int16_t> q;
  float scale = 0;  // query ~= q * scale
};
ScanQuery PrepareScan(std::span<const float> query);
// ~ DotInt8(query, row, dim); the caller multiplies by the row's scale.
float DotScan(const ScanQuery& query, const int8_t* row, uint32_t dim);

// ---- Vector companions (seg-N.tsvec, docs/FORMATS.md "Vector companion") ----
//
// One record per document of a lexical segment, in its docno order, so a
// lexical docno indexes the companion directly: chunk key (the lexical
// document's, so tombstones apply), content hash of the chunk text (the
// embedding cache key across updates), an int8 vector and its scale. A record
// whose scale is 0 has no vector (a chunk with no word) and never matches; one
// whose scale is negative is missing (not embedded yet, see the merge below).

struct VectorFileInfo {
  uint64_t doc_count = 0;
  uint64_t byte_size = 0;
  uint64_t checksum = 0;  // XXH3-64 of the file before its footer
};

// Accumulates records in memory (one per indexing thread; not thread-safe).
class VectorSegmentBuilder {
 public:
  VectorSegmentBuilder() = default;
  void Add(uint64_t key, uint64_t content_hash, std::span<const int8_t> vector, float scale);
  uint64_t doc_count() const { return keys_.size(); }
  // Writes the companion atomically (util/file.h); the builder is left empty.
  // Every added vector must have `dim` components.
  Result<VectorFileInfo> FinishToFile(const std::string& path, uint32_t dim,
                                      uint64_t model_checksum, const std::string& model_name);

 private:
  std::vector<uint64_t> keys_, hashes_;
  std::vector<float> scales_;
  std::vector<int8_t> data_;
};

// An open, memory-mapped, checksum-verified companion. Immutable.
class VectorSegmentReader {
 public:
  static Result<std::shared_ptr<const VectorSegmentReader>> Open(const std::string& path);
  // Parses an in-memory image (tests); `bytes` must outlive the reader.
  static Result<std::shared_ptr<const VectorSegmentReader>> FromBytes(std::string_view bytes);

  uint64_t doc_count() const { return doc_count_; }
  uint32_t dim() const { return dim_; }
  uint64_t model_checksum() const { return model_checksum_; }
  const std::string& model_name() const { return model_name_; }
  // The file's own checksum (its footer): identifies this companion's content,
  // e.g. to the HNSW graph built from it.
  uint64_t checksum() const { return checksum_; }
  uint64_t key(uint64_t d) const;
  uint64_t content_hash(uint64_t d) const;
  float scale(uint64_t d) const;
  const int8_t* row(uint64_t d) const {
    return reinterpret_cast<const int8_t*>(bytes_.data() + off_vectors_ + d * dim_);
  }

 private:
  VectorSegmentReader() = default;
  Status Parse(const std::string& what);
  std::unique_ptr<MappedFile> file_;
  std::string_view bytes_;
  uint64_t doc_count_ = 0, model_checksum_ = 0, checksum_ = 0;
  uint32_t dim_ = 0;
  std::string model_name_;
  uint64_t off_keys_ = 0, off_hashes_ = 0, off_scales_ = 0, off_vectors_ = 0;
};

// One companion as a snapshot sees it: which records are deleted (tombstoned).
// `segment` may be null (the lexical segment has no usable companion): its
// records are then merged as missing, with the keys given in `keys`.
struct VectorSegmentView {
  std::shared_ptr<const VectorSegmentReader> segment;
  std::shared_ptr<const std::vector<bool>> deleted;  // null: none deleted
  std::vector<uint64_t> keys;  // when `segment` is null: the lexical key of each docno
};

// The target model of a merge.
struct VectorModelId {
  uint32_t dim = 0;
  uint64_t checksum = 0;
  std::string name;
};

// Writes the live records of `inputs`, in input order (the order the lexical
// merge keeps), atomically to `path`, as vectors of `model`. Records of an
// input with no companion, or one made by another model, are written as
// missing (scale -1: not embedded yet), so the merged companion stays aligned
// with the merged lexical segment and the lane can say what is missing.
Result<VectorFileInfo> MergeVectorSegmentsToFile(const std::vector<VectorSegmentView>& inputs,
                                                 const VectorModelId& model,
                                                 const std::string& path);

// A thread-safe LRU cache of query embeddings (Tower::kQuery), keyed by the
// model's checksum and the query text.
class QueryEmbeddingCache {
 public:
  explicit QueryEmbeddingCache(size_t capacity = 1024) : capacity_(capacity) {}
  // The embedding of `text` by `model`, computed at most once while cached.
  std::shared_ptr<const std::vector<float>> Embed(const Model& model, std::string_view text);
  size_t size() const;

 private:
  size_t capacity_;
  mutable std::mutex mu_;
  std::list<std::pair<std::string, std::shared_ptr<const std::vector<float>>>> lru_;
  std::unordered_map<std::string, decltype(lru_)::iterator> map_;
};

// ---- Searching a set of companions (vector_snapshot.cc) ----------------------

class VectorGraph;  // hnsw.h

// One companion as a snapshot sees it.
struct VectorSnapshotSegment {
  std::shared_ptr<const VectorSegmentReader> vectors;
  std::shared_ptr<const std::vector<bool>> deleted;  // null: none deleted
  std::shared_ptr<const VectorGraph> graph;          // null: scanned exactly
  uint64_t live = 0;                                 // records not deleted
  uint32_t id = 0;  // the owner's number for it (the index's: its lexical segment)
};

struct VectorHit {
  uint32_t segment_id = 0;  // VectorSnapshotSegment::id
  uint32_t docno = 0;
  uint64_t key = 0;
  double score = 0;  // cosine with the query (int8 rows: within about 1e-2)
};

// Which records a search may return (the index's path filter); empty: every
// live one. Called only for records that would enter the result.
using RecordFilter = std::function<bool(uint32_t segment_id, uint32_t docno)>;

// An immutable set of companions of one model: the semantic lane's
// counterpart of lexical::Snapshot. Records without a vector (scale <= 0:
// no word, or not embedded yet) and deleted ones are never returned.
class VectorSnapshot {
 public:
  VectorSnapshot(std::vector<VectorSnapshotSegment> segments, uint32_t dim);
  const std::vector<VectorSnapshotSegment>& segments() const { return segments_; }

  // The best `n` records by cosine to `query`, best first (ties: smaller key
  // first). A companion with a graph is searched through it when the graph
  // can answer in full, else it is scanned exactly (on two threads from
  // 200,000 records on). An all-zero query (no word the model knows) finds nothing.
  std::vector<VectorHit> Top(std::span<const float> query, size_t n,
                             const RecordFilter& accept = {}) const;

  // The cosine of one record with `query`; false when it has no vector
  // (unknown segment, out of range, not embedded).
  bool Score(std::span<const float> query, uint32_t segment_id, uint32_t docno,
             double* score) const;

 private:
  std::vector<VectorSnapshotSegment> segments_;
  uint32_t dim_;
};

}  // namespace ts::semantic
