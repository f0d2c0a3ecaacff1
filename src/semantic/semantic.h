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
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

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
void Words(std::string_view text, std::vector<std::string>* out, size_t max_words = 4096);

Features Featurize(const Vocabulary& vocab, std::string_view text, size_t max_words = 4096);

// A trained model held in memory (int8 rows with one scale per row).
class Model {
 public:
  // Reads and verifies a model file (docs/FORMATS.md, "Embedding model").
  static Result<std::unique_ptr<Model>> Load(const std::string& path);
  // Writes a model file atomically. `tables` holds two row-major float
  // tables [query | code], each vocab.rows() x dim; they are quantized here.
  static Status Save(const std::string& path, const std::string& name, const Vocabulary& vocab,
                     uint32_t dim, std::span<const float> query_table,
                     std::span<const float> code_table);

  uint32_t dim() const { return dim_; }
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
  Vocabulary vocab_;
  std::vector<int8_t> rows_[2];   // vocab.rows() x dim per tower
  std::vector<float> scales_[2];  // one per row
  uint64_t checksum_ = 0;
};

// Where a model is looked for when none is named: $TRUSTY_MODEL, then
// <dir of the running binary>/../models/code-nbow.tsmodel, then
// /usr/share/trusty-search/models/code-nbow.tsmodel. Returns the first that
// exists, or the first candidate when none does (so errors can name it).
std::string DefaultModelPath();

// ---- Stored vectors ---------------------------------------------------------

// Symmetric int8 quantization of a unit vector: v ~= q * scale.
float QuantizeInt8(std::span<const float> v, std::span<int8_t> out);
// Dot product of a float query with an int8 row (exact SIMD-friendly loop).
float DotInt8(std::span<const float> query, const int8_t* row, uint32_t dim);

}  // namespace ts::semantic
