// Public header of src/lexical: code-aware tokenization and a BM25 engine over
// immutable on-disk segments (format in docs/FORMATS.md).
//
// Model. A document (one chunk) has three fields: body, symbol and path. Each
// token's term frequency is the weighted sum of its counts in the fields
// (FieldWeights), and the document length is the weighted sum of the field
// lengths; BM25 runs over those (a simplified BM25F). Weights are integers so a
// brute-force scorer can reproduce scores exactly.
//
// Collection statistics over a snapshot of several segments: N is the number of
// live (non-deleted) documents; df is the sum of the segments' document
// frequencies (deleted documents still count until a merge drops them, as in
// Lucene), clamped to N so that idf stays positive; avgdl is the mean length
// over all stored documents.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/file.h"
#include "util/status.h"

namespace ts::lexical {

// ---- Tokenizer -------------------------------------------------------------

// Emits lowercase tokens of `text`. An identifier (letters, digits, '_', UTF-8
// bytes >= 0x80, and '-' between two letters) yields itself and, when it has
// more than one part, its parts: split at '_' and '-', at lower->Upper and
// UPPER->Upper+lower case changes, and around digit runs. Tokens shorter than
// 2 bytes or longer than 64 are dropped. Example: "parseHTTPHeader_v2" ->
// parsehttpheader_v2, parse, http, header, v, 2 (minus the 1-byte ones).
void Tokenize(std::string_view text, const std::function<void(std::string_view)>& emit);
std::vector<std::string> TokenizeToVector(std::string_view text);

// ---- Word forms (word_forms.cc) ---------------------------------------------

// A light English suffix stripper: "returns"/"returned"/"returning" and
// "return" get one key, as do "entries" and "entry", and "parse"/"parsed"/
// "parses" (a final 'e' goes too). Only plain lowercase ASCII words of four
// bytes or more are touched. It need not give real stems, only the same key
// for the forms of one word. The embedding model's features use it
// (semantic::Featurize): changing it changes what a trained model reads.
void StemKey(std::string* word);

// The other forms of `word` with its StemKey, made by adding -s, -e, -es,
// -ed, -ing (or -ies for a key in -y) to the key: "registered" -> register,
// registers, registere, registering; "factories" -> factory, factorys, ...
// Most are no word; a search skips those its index lacks. Empty for a word
// StemKey leaves alone.
std::vector<std::string> WordForms(std::string_view word);

// ---- Scoring parameters ----------------------------------------------------

// Defaults tuned on the even-numbered pydoc queries (../shared/eval) and
// checked on the odd ones (docs/BENCHMARKS.md): code chunks repeat their
// identifiers, so term frequency saturates late (high k1), and short chunks
// that match are usually the definition asked for (b close to 1).
struct FieldWeights {
  uint32_t body = 1;
  uint32_t symbol = 6;
  uint32_t path = 2;
};

struct Bm25Params {
  double k1 = 3.0;
  double b = 0.95;
};

// ---- Stored fields ---------------------------------------------------------

// What a hit needs to be shown without touching the catalog.
// A stored record's fields as views into its segment's bytes: valid while
// the SegmentReader lives (a query's snapshot holds it). Ranking reads a few
// fields of a few hundred candidates per query without copying them.
struct StoredDocView {
  uint64_t key = 0;
  std::string_view chunk_id, path, symbol, scope, kind, language;
  uint32_t start_line = 0;
  uint32_t end_line = 0;
};

struct StoredDoc {
  uint64_t key = 0;  // catalog chunk key; unique across the index
  std::string chunk_id;
  std::string path;
  std::string symbol;
  std::string scope;
  std::string kind;
  std::string language;
  uint32_t start_line = 0;
  uint32_t end_line = 0;
};

// ---- Building segments -----------------------------------------------------

// What was written when a segment went straight to a file.
struct SegmentFileInfo {
  uint64_t doc_count = 0;
  uint64_t byte_size = 0;
  uint64_t checksum = 0;  // XXH3-64 of the whole file, footer included
};

// Accumulates documents in memory and serializes them as one segment.
// Not thread-safe; indexing threads each own one.
class SegmentWriter;

class SegmentBuilder {
 public:
  explicit SegmentBuilder(FieldWeights weights = {});
  ~SegmentBuilder();
  SegmentBuilder(SegmentBuilder&&) noexcept;
  SegmentBuilder& operator=(SegmentBuilder&&) noexcept;

  void Add(const StoredDoc& doc, std::string_view body, std::string_view symbol_text,
           std::string_view path_text);
  uint32_t doc_count() const;
  // Approximate heap bytes held; callers flush when it passes their budget.
  size_t memory_bytes() const;
  // The complete segment file contents. The builder is left empty.
  std::string Finish();
  // The same, written atomically to `path`, never holding a second copy of the
  // file in memory. The builder is left empty.
  Result<SegmentFileInfo> FinishToFile(const std::string& path);

 private:
  void Drain(SegmentWriter* writer);
  struct State;
  std::unique_ptr<State> state_;
};

// ---- Reading segments ------------------------------------------------------

struct TermInfo {
  uint32_t df = 0;
  uint32_t block_count = 0;
  uint64_t blocks_offset = 0;  // offset of the term's first block entry in the block section
};

// An open, memory-mapped, checksum-verified segment. Immutable; shared by every
// snapshot that includes it.
class SegmentReader {
 public:
  static Result<std::shared_ptr<const SegmentReader>> Open(const std::string& path);
  // Parses an in-memory image (tests); `bytes` must outlive the reader.
  static Result<std::shared_ptr<const SegmentReader>> FromBytes(std::string_view bytes);

  uint32_t doc_count() const { return doc_count_; }
  uint64_t total_length() const { return total_length_; }
  uint32_t doc_length(uint32_t docno) const;
  uint64_t doc_key(uint32_t docno) const;
  StoredDoc Doc(uint32_t docno) const;  // DocView's fields, copied
  StoredDocView DocView(uint32_t docno) const;
  bool Lookup(std::string_view term, TermInfo* info) const;
  // Terms in sorted byte order, by index (used by merges).
  uint32_t term_count() const { return term_count_; }
  std::string_view TermAt(uint32_t i) const;
  TermInfo TermInfoAt(uint32_t i) const;

  // A block of up to 128 postings of one term; bounds for block-max WAND.
  struct Block {
    uint32_t last_docno;
    uint32_t max_tf;
    uint32_t min_doclen;
    uint32_t count;
    uint64_t data_offset;  // relative to the postings section
  };
  Block BlockAt(const TermInfo& info, uint32_t b) const;
  // Decodes block `b` into docnos/tfs (each room for 128). Returns the count,
  // 0 when the block is malformed (cannot happen after checksum verification).
  uint32_t DecodeBlock(const TermInfo& info, uint32_t b, uint32_t* docnos, uint32_t* tfs) const;
  // Decodes every posting of a term (merges and tests).
  void ReadPostings(const TermInfo& info, std::vector<uint32_t>* docnos,
                    std::vector<uint32_t>* tfs) const;

  std::string_view bytes() const { return bytes_; }

 private:
  SegmentReader() = default;
  Status Parse();
  std::unique_ptr<MappedFile> file_;
  std::string_view bytes_;
  uint32_t doc_count_ = 0;
  uint32_t term_count_ = 0;
  uint64_t total_length_ = 0;
  uint64_t off_doclens_ = 0, off_keys_ = 0, off_stored_offsets_ = 0, off_stored_ = 0;
  uint64_t off_term_offsets_ = 0, off_term_bytes_ = 0, off_term_entries_ = 0;
  uint64_t off_blocks_ = 0, off_postings_ = 0, postings_end_ = 0;
};

// ---- Searching -------------------------------------------------------------

// One segment as seen by a snapshot: the segment and which of its docs are deleted.
struct SegmentView {
  std::shared_ptr<const SegmentReader> segment;
  std::shared_ptr<const std::vector<bool>> deleted;  // null: none deleted
  std::string name;  // the owner's name for the segment (file name); not used here
};

struct ScoredDoc {
  uint32_t segment = 0;  // index into the snapshot's segments
  uint32_t docno = 0;
  uint64_t key = 0;
  double score = 0;
};

// A query term and its weight: the term's idf is multiplied by it, and a
// term given twice counts with the sum of its weights.
struct QueryTerm {
  std::string text;
  double weight = 1.0;
};

struct SearchOptions {
  size_t top_k = 10;
  Bm25Params params;
  // Optional: only documents whose stored path starts with this prefix.
  std::string path_prefix;
};

// An immutable set of segments; searching never blocks writers.
class Snapshot {
 public:
  explicit Snapshot(std::vector<SegmentView> segments);
  const std::vector<SegmentView>& segments() const { return segments_; }
  uint64_t live_docs() const { return live_docs_; }
  // Top-k by BM25 (block-max WAND); ties broken by smaller key first.
  std::vector<ScoredDoc> Search(std::string_view query, const SearchOptions& options) const;
  // Same over already-tokenized query terms (a term repeated counts repeatedly).
  std::vector<ScoredDoc> SearchTerms(const std::vector<std::string>& terms,
                                     const SearchOptions& options) const;
  // Same over weighted terms (weights > 0; others are ignored).
  std::vector<ScoredDoc> SearchWeighted(const std::vector<QueryTerm>& terms,
                                        const SearchOptions& options) const;

 private:
  std::vector<SegmentView> segments_;
  uint64_t live_docs_ = 0;
  uint64_t stored_docs_ = 0;
  uint64_t total_length_ = 0;
};

// Writes one segment holding the live documents of `inputs`, in input order,
// dropping deleted ones. Returns the new file's bytes.
std::string MergeSegments(const std::vector<SegmentView>& inputs);
// The same, written atomically to `path`.
Result<SegmentFileInfo> MergeSegmentsToFile(const std::vector<SegmentView>& inputs,
                                            const std::string& path);

}  // namespace ts::lexical
