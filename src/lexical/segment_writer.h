// Serializes a segment from documents (in docno order) and terms (in sorted
// order, each with its postings). Shared by SegmentBuilder and MergeSegments so
// there is exactly one writer of the format.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "lexical/lexical.h"

namespace ts::lexical {

class SegmentWriter {
 public:
  // REQUIRES: all documents are added before the first term.
  void AddDoc(const StoredDoc& doc, uint32_t length);
  // REQUIRES: terms strictly increasing; docnos strictly increasing; n > 0.
  void AddTerm(std::string_view term, const uint32_t* docnos, const uint32_t* tfs, size_t n);
  std::string Finish();
  // Writes the segment to `path` (atomically) without ever holding the whole
  // file in memory; only the section buffers are.
  Result<SegmentFileInfo> FinishToFile(const std::string& path);

 private:
  // Emits the file in order through `sink`; the footer checksum is computed on the way.
  Status Emit(const std::function<Status(std::string_view)>& sink);

  std::vector<uint32_t> doc_lengths_;
  std::string keys_, stored_offsets_, stored_;
  std::string term_offsets_, term_bytes_, term_entries_, blocks_, postings_;
  uint32_t term_count_ = 0;
  uint64_t total_length_ = 0;
};

}  // namespace ts::lexical
