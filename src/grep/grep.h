// Public header of src/grep: the indexed grep. A per-segment trigram index
// (Google Code Search / Zoekt style) selects the files a pattern can match;
// each candidate is then verified against its current content with RE2, and
// the lines are reported exactly as ripgrep reports them. The index only makes
// grep faster: a pattern it cannot narrow falls back to scanning every file.
//
// Trigrams are three bytes, case kept. Only trigrams made of printable ASCII
// or tab are indexed; a query uses a trigram only when the same test admits
// it, so dropping the rest only widens the candidate set, never narrows it
// below the true matches.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/file.h"
#include "util/status.h"

namespace ts::grep {

// 1 and 2: pre-release layouts (no blocks; no stored content).
inline constexpr uint32_t kSegmentFormatVersion = 4;
// Files are indexed in blocks of about this many bytes (ending at a line end),
// so a hit in a large file reads only its candidate blocks.
inline constexpr size_t kBlockBytes = 64 << 10;

// ---- Trigrams --------------------------------------------------------------

// Appends the distinct indexable trigram keys of `text` (case kept) to *out, sorted.
void CollectTrigrams(std::string_view text, std::vector<uint32_t>* out);

// ---- Segments ----------------------------------------------------------------

struct SegmentFileInfo {
  uint64_t doc_count = 0;
  uint64_t byte_size = 0;
  uint64_t checksum = 0;  // XXH3-64 of the file up to the checksum itself
};

// Accumulates files in memory (postings are delta-varint encoded as they are
// added) and writes them as one segment. Not thread-safe.
class SegmentBuilder {
 public:
  SegmentBuilder();
  ~SegmentBuilder();
  SegmentBuilder(SegmentBuilder&&) noexcept;
  SegmentBuilder& operator=(SegmentBuilder&&) noexcept;

  // `key` identifies this version of the file to the owner (its tombstones
  // delete it); `path` is relative to the index root.
  void Add(uint64_t key, std::string_view path, std::string_view content);
  uint32_t doc_count() const;
  // Written atomically; the builder is left empty.
  Result<SegmentFileInfo> FinishToFile(const std::string& path);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// An open, memory-mapped, checksum-verified segment. Immutable.
class SegmentReader {
 public:
  static Result<std::shared_ptr<const SegmentReader>> Open(const std::string& path);
  // Parses an in-memory image (tests, fuzzing); `bytes` must outlive the reader.
  static Result<std::shared_ptr<const SegmentReader>> FromBytes(std::string_view bytes);

  // Documents are blocks of files: a file over kBlockBytes is split at line
  // ends into consecutive documents sharing its key, path and size.
  uint32_t doc_count() const { return doc_count_; }
  uint64_t doc_key(uint32_t docno) const;
  std::string_view doc_path(uint32_t docno) const;
  uint64_t doc_offset(uint32_t docno) const;     // the block's first byte in the file
  uint64_t doc_file_size(uint32_t docno) const;  // the file's size when indexed
  uint32_t doc_first_line(uint32_t docno) const;
  // The bytes of documents first..last (consecutive blocks), as indexed.
  std::string_view Content(uint32_t first_docno, uint32_t last_docno) const;
  // Trigram keys in ascending order, by index (merges).
  uint32_t key_count() const { return key_count_; }
  uint32_t KeyAt(uint32_t i) const;
  // Docnos (ascending) of the documents holding the trigram at index i.
  void PostingsAt(uint32_t i, std::vector<uint32_t>* docnos) const;
  // Docnos holding trigram `key`; empty when no document does.
  void Postings(uint32_t key, std::vector<uint32_t>* docnos) const;
  // How many documents hold `key`, from the dictionary (nothing decoded).
  uint32_t DocFrequency(uint32_t key) const;

 private:
  SegmentReader() = default;
  Status Parse();
  // The index of `key` in the dictionary, or key_count() when absent.
  uint32_t FindKey(uint32_t key) const;
  std::unique_ptr<MappedFile> file_;
  std::string_view bytes_;
  uint32_t doc_count_ = 0, key_count_ = 0;
  uint64_t off_docs_ = 0, off_paths_ = 0, off_content_ = 0, off_dict_ = 0, off_postings_ = 0,
           postings_end_ = 0;
};

// A segment as one snapshot sees it.
struct SegmentView {
  std::shared_ptr<const SegmentReader> segment;
  std::shared_ptr<const std::vector<bool>> deleted;  // null: none deleted
  std::string name;
};

// One segment holding the live documents of `inputs`, in input order.
Result<SegmentFileInfo> MergeSegmentsToFile(const std::vector<SegmentView>& inputs,
                                            const std::string& path);

// ---- Searching -------------------------------------------------------------

struct GrepOptions {
  bool fixed_strings = false;       // -F
  bool ignore_case = false;         // -i
  bool word = false;                // -w
  bool invert = false;              // -v
  bool multiline = false;           // -U
  bool files_with_matches = false;  // -l
  bool hidden = false;              // --hidden: also search paths with a component starting '.'
  uint32_t before = 0, after = 0;   // -B / -A (-C sets both)
  uint64_t max_count = 0;           // -m: selected lines per file, 0 = no limit
  uint64_t max_results = 0;         // selected lines over all files, 0 = no limit
  std::vector<std::string> globs;   // --glob, gitignore syntax; "!" excludes
  int64_t timeout_ms = 0;           // 0 = no budget
  int threads = 0;                  // 0 = one per core
};

struct GrepLine {
  uint64_t number = 0;   // 1-based
  std::string text;      // without its line terminator
  bool selected = true;  // false: a context line
};

struct FileMatches {
  std::string path;
  std::vector<GrepLine> lines;  // in line order; empty with files_with_matches
  uint64_t selected = 0;
};

struct GrepStats {
  uint64_t files_live = 0;      // files the index holds
  uint64_t files_searched = 0;  // candidates read and verified
  uint64_t files_matched = 0;
  uint64_t lines_selected = 0;
  bool used_index = false;  // false: the pattern had no usable trigrams (full scan)
};

struct GrepResult {
  std::vector<FileMatches> files;  // in `rg --sort path` order
  bool partial = false;            // a budget or the result cap cut the search short
  std::string partial_reason;
  GrepStats stats;
};

// A compiled pattern: the verifying regex and the trigram prefilter.
// What the index knows about a file's content, to spare a pass over it.
struct ContentFacts {
  // It holds neither U+017F nor U+212A (the companion's fold key says so).
  bool no_fold_hazard = false;
};

class Pattern {
 public:
  // Errors (InvalidArgument) name what is wrong: an unparsable regex, one too
  // large for the memory budget, a literal newline without multiline.
  static Result<std::unique_ptr<Pattern>> Compile(std::string_view pattern,
                                                  const GrepOptions& options);
  ~Pattern();
  // The selected lines (and context) of one file's content.
  FileMatches SearchContent(std::string_view content, const GrepOptions& options,
                            ContentFacts facts = {}) const;

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit Pattern(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Searches the live documents of `segments` (their content as indexed, kept
// in the segments: the index's watcher keeps it current) plus `extra_paths`
// (files no segment holds, read under `root` as they are on disk now).
Result<GrepResult> Search(const std::vector<SegmentView>& segments,
                          const std::vector<std::string>& extra_paths, const std::string& root,
                          const Pattern& pattern, const GrepOptions& options);

// The result as `rg --no-heading -n` prints it (`-l`: one path per line).
std::string FormatRipgrep(const GrepResult& result, const GrepOptions& options);

// `rg --sort path` order: paths compared component by component, bytewise.
bool PathLess(std::string_view a, std::string_view b);

}  // namespace ts::grep
