#include <algorithm>

#include "lexical/lexical.h"
#include "lexical/segment_format.h"
#include "util/encoding.h"
#include "util/hash.h"

namespace ts::lexical {

Result<std::shared_ptr<const SegmentReader>> SegmentReader::Open(const std::string& path) {
  TS_ASSIGN_OR_RETURN(auto file, MappedFile::Open(path));
  std::shared_ptr<SegmentReader> reader(new SegmentReader());
  reader->bytes_ = file->data();
  reader->file_ = std::move(file);
  Status s = reader->Parse();
  if (!s.ok()) return s.WithContext("segment " + path);
  return std::shared_ptr<const SegmentReader>(std::move(reader));
}

Result<std::shared_ptr<const SegmentReader>> SegmentReader::FromBytes(std::string_view bytes) {
  std::shared_ptr<SegmentReader> reader(new SegmentReader());
  reader->bytes_ = bytes;
  TS_RETURN_IF_ERROR(reader->Parse());
  return std::shared_ptr<const SegmentReader>(std::move(reader));
}

// Verifies the checksum and that every section lies inside the file, so later
// accessors can index without bounds checks on the fixed-width tables.
Status SegmentReader::Parse() {
  const uint64_t size = bytes_.size();
  if (size < kHeaderSize + kFooterSize) return Status::Corruption("file too short");
  const char* p = bytes_.data();
  if (std::memcmp(p, kSegmentMagic, 8) != 0) return Status::Corruption("bad magic");
  uint32_t version = GetFixed32(p + 8);
  if (version != kSegmentVersion) {
    return Status::Corruption("unsupported segment version " + std::to_string(version));
  }
  if (std::memcmp(p + size - 8, kSegmentFooterMagic, 8) != 0) {
    return Status::Corruption("bad footer (truncated file?)");
  }
  uint64_t stored_sum = GetFixed64(p + size - kFooterSize);
  if (Hash64(bytes_.substr(0, size - kFooterSize)) != stored_sum) {
    return Status::Corruption("checksum mismatch");
  }
  uint64_t f[kHeaderFieldCount];
  for (int i = 0; i < kHeaderFieldCount; ++i) f[i] = GetFixed64(p + 16 + 8 * i);
  doc_count_ = static_cast<uint32_t>(f[kDocCount]);
  term_count_ = static_cast<uint32_t>(f[kTermCount]);
  total_length_ = f[kTotalLength];
  off_doclens_ = f[kOffDocLens];
  off_keys_ = f[kOffKeys];
  off_stored_offsets_ = f[kOffStoredOffsets];
  off_stored_ = f[kOffStored];
  off_term_offsets_ = f[kOffTermOffsets];
  off_term_bytes_ = f[kOffTermBytes];
  off_term_entries_ = f[kOffTermEntries];
  off_blocks_ = f[kOffBlocks];
  off_postings_ = f[kOffPostings];
  postings_end_ = f[kPostingsEnd];
  const uint64_t limit = size - kFooterSize;
  const uint64_t n = doc_count_, t = term_count_;
  // `bytes` bytes from `from` end by `to`, without overflow (every value is
  // the file's word; a crafted one may be near 2^64).
  auto fits = [](uint64_t from, uint64_t bytes, uint64_t to) {
    return from <= to && bytes <= to - from;
  };
  bool ok = f[kDocCount] <= UINT32_MAX && f[kTermCount] <= UINT32_MAX && postings_end_ <= limit &&
            off_doclens_ >= kHeaderSize && fits(off_doclens_, 4 * n, off_keys_) &&
            fits(off_keys_, 8 * n, off_stored_offsets_) &&
            fits(off_stored_offsets_, 8 * (n + 1), off_stored_) &&
            off_stored_ <= off_term_offsets_ &&
            fits(off_term_offsets_, 4 * (t + 1), off_term_bytes_) &&
            off_term_bytes_ <= off_term_entries_ &&
            fits(off_term_entries_, kTermEntrySize * t, off_blocks_) &&
            off_blocks_ <= off_postings_ && off_postings_ <= postings_end_;
  if (!ok) return Status::Corruption("section table out of bounds");
  if (GetFixed64(p + off_stored_offsets_ + 8 * n) > off_term_offsets_ - off_stored_ ||
      GetFixed32(p + off_term_offsets_ + 4 * t) > off_term_entries_ - off_term_bytes_) {
    return Status::Corruption("stored or term data out of bounds");
  }
  return Status::Ok();
}

// A docno past the segment can come only from corrupt postings or block
// tables whose checksum held (segment_fuzz): it reads as an empty document.
uint32_t SegmentReader::doc_length(uint32_t docno) const {
  if (docno >= doc_count_) return 0;
  return GetFixed32(bytes_.data() + off_doclens_ + 4 * static_cast<uint64_t>(docno));
}

uint64_t SegmentReader::doc_key(uint32_t docno) const {
  if (docno >= doc_count_) return 0;
  return GetFixed64(bytes_.data() + off_keys_ + 8 * static_cast<uint64_t>(docno));
}

StoredDocView SegmentReader::DocView(uint32_t docno) const {
  StoredDocView doc;
  if (docno >= doc_count_) return doc;
  doc.key = doc_key(docno);
  const char* base = bytes_.data() + off_stored_;
  // Offsets past the stored section (a corrupt file that kept its checksum)
  // read as an empty record: fields stay empty.
  const uint64_t section = off_term_offsets_ - off_stored_;
  uint64_t begin =
      std::min(section, GetFixed64(bytes_.data() + off_stored_offsets_ + 8 * uint64_t{docno}));
  uint64_t end = std::min(
      section, GetFixed64(bytes_.data() + off_stored_offsets_ + 8 * (uint64_t{docno} + 1)));
  const char* p = base + begin;
  const char* e = base + std::max(begin, end);
  uint64_t start = 0, last = 0;
  bool ok = GetLengthPrefixed(&p, e, &doc.chunk_id) && GetLengthPrefixed(&p, e, &doc.path) &&
            GetLengthPrefixed(&p, e, &doc.symbol) && GetLengthPrefixed(&p, e, &doc.scope) &&
            GetLengthPrefixed(&p, e, &doc.kind) && GetLengthPrefixed(&p, e, &doc.language) &&
            GetVarint(&p, e, &start) && GetVarint(&p, e, &last);
  if (ok) {
    doc.start_line = static_cast<uint32_t>(start);
    doc.end_line = static_cast<uint32_t>(last);
  }
  return doc;
}

StoredDoc SegmentReader::Doc(uint32_t docno) const {
  const StoredDocView v = DocView(docno);
  StoredDoc doc;
  doc.key = v.key;
  doc.chunk_id = v.chunk_id;
  doc.path = v.path;
  doc.symbol = v.symbol;
  doc.scope = v.scope;
  doc.kind = v.kind;
  doc.language = v.language;
  doc.start_line = v.start_line;
  doc.end_line = v.end_line;
  return doc;
}

std::string_view SegmentReader::TermAt(uint32_t i) const {
  const char* offs = bytes_.data() + off_term_offsets_;
  const uint64_t section = off_term_entries_ - off_term_bytes_;
  uint64_t b = std::min<uint64_t>(section, GetFixed32(offs + 4 * uint64_t{i}));
  uint64_t e = std::min<uint64_t>(section, GetFixed32(offs + 4 * (uint64_t{i} + 1)));
  if (e < b) e = b;
  return bytes_.substr(off_term_bytes_ + b, e - b);
}

TermInfo SegmentReader::TermInfoAt(uint32_t i) const {
  const char* p = bytes_.data() + off_term_entries_ + kTermEntrySize * uint64_t{i};
  TermInfo info;
  info.df = GetFixed32(p);
  info.block_count = GetFixed32(p + 4);
  info.blocks_offset = GetFixed64(p + 8);
  // A block table that would run past its section is treated as empty.
  const uint64_t section = off_postings_ - off_blocks_;
  if (info.blocks_offset > section ||
      uint64_t{info.block_count} > (section - info.blocks_offset) / kBlockEntrySize) {
    info.block_count = 0;
    info.df = 0;
  }
  return info;
}

bool SegmentReader::Lookup(std::string_view term, TermInfo* info) const {
  uint32_t lo = 0, hi = term_count_;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (TermAt(mid) < term)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo >= term_count_ || TermAt(lo) != term) return false;
  *info = TermInfoAt(lo);
  return info->df > 0;
}

SegmentReader::Block SegmentReader::BlockAt(const TermInfo& info, uint32_t b) const {
  const char* p = bytes_.data() + off_blocks_ + info.blocks_offset + kBlockEntrySize * uint64_t{b};
  return Block{GetFixed32(p), GetFixed32(p + 4), GetFixed32(p + 8), GetFixed32(p + 12),
               GetFixed64(p + 16)};
}

uint32_t SegmentReader::DecodeBlock(const TermInfo& info, uint32_t b, uint32_t* docnos,
                                    uint32_t* tfs) const {
  Block block = BlockAt(info, b);
  if (block.count > kBlockSize || block.data_offset > postings_end_ - off_postings_) return 0;
  uint32_t prev = b == 0 ? 0 : BlockAt(info, b - 1).last_docno;
  const char* p = bytes_.data() + off_postings_ + block.data_offset;
  const char* end = bytes_.data() + postings_end_;
  for (uint32_t i = 0; i < block.count; ++i) {
    uint64_t delta, tf;
    if (!GetVarint(&p, end, &delta) || !GetVarint(&p, end, &tf)) return 0;
    prev += static_cast<uint32_t>(delta);
    if (prev >= doc_count_) return 0;
    docnos[i] = prev;
    tfs[i] = static_cast<uint32_t>(tf);
  }
  return block.count;
}

void SegmentReader::ReadPostings(const TermInfo& info, std::vector<uint32_t>* docnos,
                                 std::vector<uint32_t>* tfs) const {
  docnos->clear();
  tfs->clear();
  uint32_t d[kBlockSize], t[kBlockSize];
  for (uint32_t b = 0; b < info.block_count; ++b) {
    uint32_t n = DecodeBlock(info, b, d, t);
    docnos->insert(docnos->end(), d, d + n);
    tfs->insert(tfs->end(), t, t + n);
  }
}

}  // namespace ts::lexical
