#include "lexical/segment_writer.h"

#include <algorithm>

#include "lexical/encoding.h"
#include "lexical/segment_format.h"
#include "util/hash.h"

namespace ts::lexical {

void SegmentWriter::AddDoc(const StoredDoc& doc, uint32_t length) {
  doc_lengths_.push_back(length);
  total_length_ += length;
  PutFixed64(&keys_, doc.key);
  PutFixed64(&stored_offsets_, stored_.size());
  PutLengthPrefixed(&stored_, doc.chunk_id);
  PutLengthPrefixed(&stored_, doc.path);
  PutLengthPrefixed(&stored_, doc.symbol);
  PutLengthPrefixed(&stored_, doc.scope);
  PutLengthPrefixed(&stored_, doc.kind);
  PutLengthPrefixed(&stored_, doc.language);
  PutVarint(&stored_, doc.start_line);
  PutVarint(&stored_, doc.end_line);
}

void SegmentWriter::AddTerm(std::string_view term, const uint32_t* docnos, const uint32_t* tfs,
                            size_t n) {
  PutFixed32(&term_offsets_, static_cast<uint32_t>(term_bytes_.size()));
  term_bytes_.append(term);
  uint32_t block_count = static_cast<uint32_t>((n + kBlockSize - 1) / kBlockSize);
  PutFixed32(&term_entries_, static_cast<uint32_t>(n));
  PutFixed32(&term_entries_, block_count);
  PutFixed64(&term_entries_, blocks_.size());
  uint32_t prev = 0;
  for (size_t start = 0; start < n; start += kBlockSize) {
    size_t end = std::min(n, start + kBlockSize);
    uint32_t max_tf = 0;
    uint32_t min_len = UINT32_MAX;
    uint64_t data_offset = postings_.size();
    for (size_t i = start; i < end; ++i) {
      // Deltas chain across blocks; a block's base is the previous block's last docno,
      // which the reader gets from the block table without decoding that block.
      PutVarint(&postings_, docnos[i] - prev);
      PutVarint(&postings_, tfs[i]);
      prev = docnos[i];
      max_tf = std::max(max_tf, tfs[i]);
      min_len = std::min(min_len, doc_lengths_[docnos[i]]);
    }
    PutFixed32(&blocks_, docnos[end - 1]);
    PutFixed32(&blocks_, max_tf);
    PutFixed32(&blocks_, min_len);
    PutFixed32(&blocks_, static_cast<uint32_t>(end - start));
    PutFixed64(&blocks_, data_offset);
  }
  ++term_count_;
}

std::string SegmentWriter::Finish() {
  PutFixed32(&term_offsets_, static_cast<uint32_t>(term_bytes_.size()));
  PutFixed64(&stored_offsets_, stored_.size());
  uint64_t fields[kHeaderFieldCount] = {};
  fields[kDocCount] = doc_lengths_.size();
  fields[kTermCount] = term_count_;
  fields[kTotalLength] = total_length_;

  std::string out;
  out.reserve(kHeaderSize + doc_lengths_.size() * 4 + keys_.size() + stored_offsets_.size() +
              stored_.size() + term_offsets_.size() + term_bytes_.size() + term_entries_.size() +
              blocks_.size() + postings_.size() + 64);
  out.resize(kHeaderSize);
  auto section = [&](HeaderField field, std::string_view data) {
    PadTo8(&out);
    fields[field] = out.size();
    out.append(data);
  };
  std::string lens;
  lens.reserve(doc_lengths_.size() * 4);
  for (uint32_t l : doc_lengths_) PutFixed32(&lens, l);
  section(kOffDocLens, lens);
  section(kOffKeys, keys_);
  section(kOffStoredOffsets, stored_offsets_);
  section(kOffStored, stored_);
  section(kOffTermOffsets, term_offsets_);
  section(kOffTermBytes, term_bytes_);
  section(kOffTermEntries, term_entries_);
  section(kOffBlocks, blocks_);
  section(kOffPostings, postings_);
  fields[kPostingsEnd] = out.size();
  PadTo8(&out);

  std::string header(kSegmentMagic, 8);
  PutFixed32(&header, kSegmentVersion);
  PutFixed32(&header, 0);
  for (uint64_t f : fields) PutFixed64(&header, f);
  std::memcpy(out.data(), header.data(), kHeaderSize);

  uint64_t checksum = Hash64(out);
  PutFixed64(&out, checksum);
  out.append(kSegmentFooterMagic, 8);
  *this = SegmentWriter();
  return out;
}

}  // namespace ts::lexical
