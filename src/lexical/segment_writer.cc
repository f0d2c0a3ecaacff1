#include "lexical/segment_writer.h"

#include <algorithm>

#include "util/encoding.h"
#include "lexical/segment_format.h"
#include "util/file.h"
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

Status SegmentWriter::Emit(const std::function<Status(std::string_view)>& sink) {
  PutFixed32(&term_offsets_, static_cast<uint32_t>(term_bytes_.size()));
  PutFixed64(&stored_offsets_, stored_.size());
  std::string lens;
  lens.reserve(doc_lengths_.size() * 4);
  for (uint32_t l : doc_lengths_) PutFixed32(&lens, l);
  const std::pair<HeaderField, const std::string*> sections[] = {
      {kOffDocLens, &lens},
      {kOffKeys, &keys_},
      {kOffStoredOffsets, &stored_offsets_},
      {kOffStored, &stored_},
      {kOffTermOffsets, &term_offsets_},
      {kOffTermBytes, &term_bytes_},
      {kOffTermEntries, &term_entries_},
      {kOffBlocks, &blocks_},
      {kOffPostings, &postings_}};
  // Layout first: every offset is known before the first byte goes out.
  uint64_t fields[kHeaderFieldCount] = {};
  fields[kDocCount] = doc_lengths_.size();
  fields[kTermCount] = term_count_;
  fields[kTotalLength] = total_length_;
  auto padded = [](uint64_t pos) { return (pos + 7) / 8 * 8; };
  uint64_t pos = kHeaderSize;
  for (const auto& [field, data] : sections) {
    pos = padded(pos);
    fields[field] = pos;
    pos += data->size();
  }
  fields[kPostingsEnd] = pos;

  Hasher64 hasher;  // the footer checksum covers every byte before the footer
  uint64_t written = 0;
  auto out = [&](std::string_view bytes) -> Status {
    hasher.Update(bytes);
    written += bytes.size();
    return sink(bytes);
  };
  std::string header(kSegmentMagic, 8);
  PutFixed32(&header, kSegmentVersion);
  PutFixed32(&header, 0);
  for (uint64_t f : fields) PutFixed64(&header, f);
  TS_RETURN_IF_ERROR(out(header));
  static const char kZeros[8] = {};
  for (const auto& [field, data] : sections) {
    TS_RETURN_IF_ERROR(out(std::string_view(kZeros, padded(written) - written)));
    TS_RETURN_IF_ERROR(out(*data));
  }
  TS_RETURN_IF_ERROR(out(std::string_view(kZeros, padded(written) - written)));
  std::string footer;
  PutFixed64(&footer, hasher.Digest());
  footer.append(kSegmentFooterMagic, 8);
  return sink(footer);
}

std::string SegmentWriter::Finish() {
  std::string out;
  out.reserve(kHeaderSize + doc_lengths_.size() * 4 + keys_.size() + stored_offsets_.size() +
              stored_.size() + term_offsets_.size() + term_bytes_.size() + term_entries_.size() +
              blocks_.size() + postings_.size() + 128);
  (void)Emit([&](std::string_view b) {
    out.append(b);
    return Status::Ok();
  });
  *this = SegmentWriter();
  return out;
}

Result<SegmentFileInfo> SegmentWriter::FinishToFile(const std::string& path) {
  TS_ASSIGN_OR_RETURN(auto file, AtomicFileWriter::Create(path));
  SegmentFileInfo info;
  info.doc_count = doc_lengths_.size();
  Hasher64 whole;
  TS_RETURN_IF_ERROR(Emit([&](std::string_view b) {
    whole.Update(b);
    return file->Append(b);
  }));
  info.byte_size = file->size();
  info.checksum = whole.Digest();
  *this = SegmentWriter();
  TS_RETURN_IF_ERROR(file->Commit());
  return info;
}

}  // namespace ts::lexical
