// Trigram segments: building, reading and merging. Layout in docs/FORMATS.md
// ("Grep segment"). Every section is streamed to the file in order, with the
// table of offsets in a trailer, so neither a build nor a merge holds the
// whole file in memory.
#include <algorithm>
#include <cstring>

#include "grep/grep.h"
#include "grep/literal_finder.h"
#include "grep/trigram.h"
#include "util/encoding.h"
#include "util/hash.h"

namespace ts::grep {
namespace {

constexpr char kMagic[8] = {'T', 'S', 'G', 'R', 'E', 'P', '0', '1'};
constexpr char kTrailerMagic[8] = {'T', 'S', 'G', 'R', 'E', 'N', 'D', '1'};
// Trailer: version u32, doc_count u32, key_count u32, pad u32, six section
// offsets u64, magic[8]; then the checksum u64.
constexpr uint64_t kTrailerSize = 16 + 6 * 8 + 8;
constexpr uint64_t kChecksumSize = 8;
constexpr uint64_t kDictEntrySize = 16;  // key u32, df u32, postings offset u64

// Appends to an AtomicFileWriter while hashing and buffering small writes.
class StreamWriter {
 public:
  static Result<StreamWriter> Create(const std::string& path) {
    TS_ASSIGN_OR_RETURN(auto w, AtomicFileWriter::Create(path));
    return StreamWriter(std::move(w));
  }
  Status Append(std::string_view data) {
    buffer_.append(data);
    offset_ += data.size();
    return buffer_.size() >= (1u << 20) ? Flush() : Status::Ok();
  }
  std::string* buffer() { return &buffer_; }
  // Call after appending to buffer() directly.
  void Appended(size_t n) { offset_ += n; }
  Status Pad8() {
    static const char zeros[8] = {};
    return Append(std::string_view(zeros, (8 - offset_ % 8) % 8));
  }
  uint64_t offset() const { return offset_; }
  Status Flush() {
    hasher_->Update(buffer_);
    Status s = writer_->Append(buffer_);
    buffer_.clear();
    return s;
  }
  // Appends the checksum of everything written and commits the file.
  Result<uint64_t> Finish() {
    TS_RETURN_IF_ERROR(Flush());
    uint64_t sum = hasher_->Digest();
    std::string tail;
    PutFixed64(&tail, sum);
    TS_RETURN_IF_ERROR(writer_->Append(tail));
    offset_ += tail.size();
    TS_RETURN_IF_ERROR(writer_->Commit());
    return sum;
  }

 private:
  explicit StreamWriter(std::unique_ptr<AtomicFileWriter> w) : writer_(std::move(w)) {}
  std::unique_ptr<AtomicFileWriter> writer_;
  std::unique_ptr<Hasher64> hasher_ = std::make_unique<Hasher64>();
  std::string buffer_;
  uint64_t offset_ = 0;
};

struct Offsets {
  uint64_t docs = 0, paths = 0, content = 0, postings = 0, dict = 0, end = 0;
};

// key, block offset, file size, content end (u64); first line, path end (u32)
constexpr uint64_t kDocRecordSize = 40;

}  // namespace

// The per-document table, as built and merged before it is written.
struct DocTable {
  std::vector<uint64_t> keys, offsets, file_sizes, content_ends;
  std::vector<uint32_t> first_lines, path_ends;
  std::string paths;
  uint64_t content_bytes = 0;
  void Add(uint64_t key, uint64_t offset, uint64_t file_size, uint32_t first_line,
           std::string_view path, uint64_t block_bytes) {
    keys.push_back(key);
    offsets.push_back(offset);
    file_sizes.push_back(file_size);
    first_lines.push_back(first_line);
    paths.append(path);
    path_ends.push_back(static_cast<uint32_t>(paths.size()));
    content_bytes += block_bytes;
    content_ends.push_back(content_bytes);
  }
  size_t size() const { return keys.size(); }
};

namespace {

// Writes the sections before the content: magic, doc records, paths.
Status WriteDocs(StreamWriter* w, const DocTable& docs, Offsets* off) {
  TS_RETURN_IF_ERROR(w->Append(std::string_view(kMagic, 8)));
  off->docs = w->offset();
  for (size_t d = 0; d < docs.size(); ++d) {
    std::string* b = w->buffer();
    PutFixed64(b, docs.keys[d]);
    PutFixed64(b, docs.offsets[d]);
    PutFixed64(b, docs.file_sizes[d]);
    PutFixed64(b, docs.content_ends[d]);
    PutFixed32(b, docs.first_lines[d]);
    PutFixed32(b, docs.path_ends[d]);
    w->Appended(kDocRecordSize);
    if (b->size() >= (1u << 20)) TS_RETURN_IF_ERROR(w->Flush());
  }
  off->paths = w->offset();
  TS_RETURN_IF_ERROR(w->Append(docs.paths));
  TS_RETURN_IF_ERROR(w->Pad8());
  off->content = w->offset();
  return Status::Ok();
}

Status WriteTrailer(StreamWriter* w, uint32_t docs, uint32_t keys, const Offsets& off) {
  std::string t;
  PutFixed32(&t, kSegmentFormatVersion);
  PutFixed32(&t, docs);
  PutFixed32(&t, keys);
  PutFixed32(&t, 0);
  for (uint64_t v : {off.docs, off.paths, off.content, off.postings, off.dict, off.end}) {
    PutFixed64(&t, v);
  }
  t.append(kTrailerMagic, 8);
  return w->Append(t);
}

}  // namespace

void CollectTrigrams(std::string_view text, std::vector<uint32_t>* out) {
  const auto& codes = TrigramCodes();
  size_t first = out->size();
  for (size_t i = 0; i + 3 <= text.size(); ++i) {
    uint8_t a = codes[static_cast<uint8_t>(text[i])];
    uint8_t b = codes[static_cast<uint8_t>(text[i + 1])];
    uint8_t c = codes[static_cast<uint8_t>(text[i + 2])];
    if (a == kNotIndexable || b == kNotIndexable || c == kNotIndexable) continue;
    out->push_back((a * 96u + b) * 96u + c);
  }
  std::sort(out->begin() + first, out->end());
  out->erase(std::unique(out->begin() + first, out->end()), out->end());
}

// ---- Builder ---------------------------------------------------------------

struct SegmentBuilder::State {
  DocTable docs;
  std::string content;  // the documents' bytes, in order
  // Per trigram key: delta-varint postings, the last docno added plus one
  // (0: none yet) and the document frequency. Allocated on the first Add.
  std::vector<std::string> postings;
  std::vector<uint32_t> last_plus_one;
  std::vector<uint32_t> df;
};

SegmentBuilder::SegmentBuilder() : state_(std::make_unique<State>()) {}
SegmentBuilder::~SegmentBuilder() = default;
SegmentBuilder::SegmentBuilder(SegmentBuilder&&) noexcept = default;
SegmentBuilder& SegmentBuilder::operator=(SegmentBuilder&&) noexcept = default;

uint32_t SegmentBuilder::doc_count() const {
  return static_cast<uint32_t>(state_->docs.size());
}

void SegmentBuilder::Add(uint64_t key, std::string_view path, std::string_view content) {
  State& s = *state_;
  if (s.postings.empty()) {
    s.postings.resize(kKeyCount);
    s.last_plus_one.assign(kKeyCount, 0);
    s.df.assign(kKeyCount, 0);
  }
  const auto& codes = TrigramCodes();
  // Blocks end at a line end, so no line (and no match outside -U) spans two.
  size_t begin = 0;
  uint32_t line = 1;
  do {
    size_t end = content.size();
    if (content.size() - begin > kBlockBytes) {
      const void* nl = std::memchr(content.data() + begin + kBlockBytes, '\n',
                                   content.size() - begin - kBlockBytes);
      if (nl) end = static_cast<size_t>(static_cast<const char*>(nl) - content.data()) + 1;
    }
    const uint32_t docno = static_cast<uint32_t>(s.docs.size());
    s.docs.Add(key, begin, content.size(), line, path, end - begin);
    s.content.append(content.substr(begin, end - begin));
    // last_plus_one doubles as the "seen in this document" mark.
    auto add = [&](uint32_t k) {
      if (s.last_plus_one[k] == docno + 1) return;
      uint32_t delta = s.last_plus_one[k] == 0 ? docno : docno - (s.last_plus_one[k] - 1);
      PutVarint(&s.postings[k], delta);
      s.last_plus_one[k] = docno + 1;
      ++s.df[k];
    };
    uint32_t a = kNotIndexable, b = kNotIndexable;
    for (size_t i = begin; i < end; ++i) {
      const auto byte = static_cast<uint8_t>(content[i]);
      uint32_t c = codes[byte];
      if (a != kNotIndexable && b != kNotIndexable && c != kNotIndexable) {
        add((a * 96u + b) * 96u + c);
      } else if (c == kNotIndexable && i > begin) {
        // U+017F is C5 BF, U+212A is E2 84 AA.
        const auto prev = static_cast<uint8_t>(content[i - 1]);
        if ((byte == 0xBF && prev == 0xC5) || (byte == 0xAA && prev == 0x84 && i > begin + 1 &&
                                               static_cast<uint8_t>(content[i - 2]) == 0xE2)) {
          add(kFoldHazardKey);
        }
      }
      a = b;
      b = c;
    }
    line += static_cast<uint32_t>(CountNewlines(content.substr(begin, end - begin)));
    begin = end;
  } while (begin < content.size());
}

Result<SegmentFileInfo> SegmentBuilder::FinishToFile(const std::string& path) {
  State& s = *state_;
  TS_ASSIGN_OR_RETURN(StreamWriter w, StreamWriter::Create(path));
  Offsets off;
  TS_RETURN_IF_ERROR(WriteDocs(&w, s.docs, &off));
  TS_RETURN_IF_ERROR(w.Append(s.content));
  std::string().swap(s.content);
  TS_RETURN_IF_ERROR(w.Pad8());
  off.postings = w.offset();
  std::string dict;
  uint32_t key_count = 0;
  for (uint32_t k = 0; k < s.postings.size(); ++k) {
    if (s.df[k] == 0) continue;
    PutFixed32(&dict, k);
    PutFixed32(&dict, s.df[k]);
    PutFixed64(&dict, w.offset() - off.postings);
    ++key_count;
    TS_RETURN_IF_ERROR(w.Append(s.postings[k]));
    std::string().swap(s.postings[k]);
  }
  TS_RETURN_IF_ERROR(w.Pad8());
  off.dict = w.offset();
  TS_RETURN_IF_ERROR(w.Append(dict));
  off.end = w.offset();
  TS_RETURN_IF_ERROR(WriteTrailer(&w, doc_count(), key_count, off));
  SegmentFileInfo info;
  info.doc_count = doc_count();
  TS_ASSIGN_OR_RETURN(info.checksum, w.Finish());
  info.byte_size = w.offset();
  *state_ = State();
  return info;
}

// ---- Reader ----------------------------------------------------------------

Result<std::shared_ptr<const SegmentReader>> SegmentReader::Open(const std::string& path) {
  TS_ASSIGN_OR_RETURN(auto file, MappedFile::Open(path));
  std::shared_ptr<SegmentReader> reader(new SegmentReader());
  reader->bytes_ = file->data();
  reader->file_ = std::move(file);
  Status s = reader->Parse();
  if (!s.ok()) return s.WithContext("grep segment " + path);
  return std::shared_ptr<const SegmentReader>(std::move(reader));
}

Result<std::shared_ptr<const SegmentReader>> SegmentReader::FromBytes(std::string_view bytes) {
  std::shared_ptr<SegmentReader> reader(new SegmentReader());
  reader->bytes_ = bytes;
  TS_RETURN_IF_ERROR(reader->Parse());
  return std::shared_ptr<const SegmentReader>(std::move(reader));
}

// Verifies the checksum and that every section lies in order inside the file,
// so the accessors index the fixed-width tables without further checks.
Status SegmentReader::Parse() {
  const uint64_t size = bytes_.size();
  if (size < 8 + kTrailerSize + kChecksumSize) return Status::Corruption("file too short");
  const char* p = bytes_.data();
  if (std::memcmp(p, kMagic, 8) != 0) return Status::Corruption("bad magic");
  const char* trailer = p + size - kChecksumSize - kTrailerSize;
  if (std::memcmp(trailer + kTrailerSize - 8, kTrailerMagic, 8) != 0) {
    return Status::Corruption("bad trailer (truncated file?)");
  }
  if (Hash64(bytes_.substr(0, size - kChecksumSize)) != GetFixed64(p + size - kChecksumSize)) {
    return Status::Corruption("checksum mismatch");
  }
  uint32_t version = GetFixed32(trailer);
  if (version != kSegmentFormatVersion) {
    return Status::Corruption("unsupported grep segment version " + std::to_string(version));
  }
  doc_count_ = GetFixed32(trailer + 4);
  key_count_ = GetFixed32(trailer + 8);
  uint64_t f[6];
  for (int i = 0; i < 6; ++i) f[i] = GetFixed64(trailer + 16 + 8 * i);
  off_docs_ = f[0];
  off_paths_ = f[1];
  off_content_ = f[2];
  off_postings_ = f[3];
  off_dict_ = f[4];
  postings_end_ = off_dict_;
  const uint64_t end = f[5];
  const uint64_t limit = size - kChecksumSize - kTrailerSize;
  bool ordered = off_docs_ == 8 && off_paths_ == off_docs_ + kDocRecordSize * doc_count_ &&
                 off_paths_ <= off_content_ && off_content_ <= off_postings_ &&
                 off_postings_ <= off_dict_ && end == off_dict_ + kDictEntrySize * key_count_ &&
                 end <= limit;
  if (!ordered) return Status::Corruption("section offsets out of range");
  uint32_t prev_end = 0;
  uint64_t prev_content = 0;
  for (uint32_t d = 0; d < doc_count_; ++d) {
    const char* rec = p + off_docs_ + kDocRecordSize * d;
    uint32_t path_end = GetFixed32(rec + 36);
    uint64_t content_end = GetFixed64(rec + 24);
    if (path_end < prev_end || off_paths_ + path_end > off_content_) {
      return Status::Corruption("document paths out of range");
    }
    if (content_end < prev_content || off_content_ + content_end > off_postings_) {
      return Status::Corruption("document contents out of range");
    }
    prev_end = path_end;
    prev_content = content_end;
  }
  uint64_t prev_off = 0;
  for (uint32_t i = 0; i < key_count_; ++i) {
    const char* e = p + off_dict_ + kDictEntrySize * i;
    uint64_t o = GetFixed64(e + 8);
    if (GetFixed32(e) >= kKeyCount || o < prev_off || off_postings_ + o > postings_end_ ||
        (i > 0 && GetFixed32(e) <= GetFixed32(e - kDictEntrySize))) {
      return Status::Corruption("trigram dictionary malformed");
    }
    prev_off = o;
  }
  return Status::Ok();
}

uint64_t SegmentReader::doc_key(uint32_t docno) const {
  return GetFixed64(bytes_.data() + off_docs_ + kDocRecordSize * docno);
}

uint64_t SegmentReader::doc_offset(uint32_t docno) const {
  return GetFixed64(bytes_.data() + off_docs_ + kDocRecordSize * docno + 8);
}

uint64_t SegmentReader::doc_file_size(uint32_t docno) const {
  return GetFixed64(bytes_.data() + off_docs_ + kDocRecordSize * docno + 16);
}

uint32_t SegmentReader::doc_first_line(uint32_t docno) const {
  return GetFixed32(bytes_.data() + off_docs_ + kDocRecordSize * docno + 32);
}

std::string_view SegmentReader::doc_path(uint32_t docno) const {
  const char* rec = bytes_.data() + off_docs_ + kDocRecordSize * docno;
  uint32_t b = docno == 0 ? 0 : GetFixed32(rec - kDocRecordSize + 36);
  uint32_t e = GetFixed32(rec + 36);
  return bytes_.substr(off_paths_ + b, e - b);
}

std::string_view SegmentReader::Content(uint32_t first_docno, uint32_t last_docno) const {
  const char* first = bytes_.data() + off_docs_ + kDocRecordSize * first_docno;
  uint64_t b = first_docno == 0 ? 0 : GetFixed64(first - kDocRecordSize + 24);
  uint64_t e = GetFixed64(bytes_.data() + off_docs_ + kDocRecordSize * last_docno + 24);
  return bytes_.substr(off_content_ + b, e - b);
}

uint32_t SegmentReader::KeyAt(uint32_t i) const {
  return GetFixed32(bytes_.data() + off_dict_ + kDictEntrySize * i);
}

void SegmentReader::PostingsAt(uint32_t i, std::vector<uint32_t>* docnos) const {
  docnos->clear();
  const char* e = bytes_.data() + off_dict_ + kDictEntrySize * i;
  const uint32_t df = GetFixed32(e + 4);
  // The key's postings run from its offset to the next key's. The checksum
  // proves the bytes are as written, not that the writer was right: offsets
  // that leave the postings section, or a count beyond the bytes there (a
  // posting takes one byte at least), read nothing and allocate no more.
  const uint64_t section = postings_end_ - off_postings_;
  const uint64_t begin = GetFixed64(e + 8);
  const uint64_t stop = i + 1 < key_count_ ? GetFixed64(e + kDictEntrySize + 8) : section;
  if (begin > stop || stop > section) return;
  const char* p = bytes_.data() + off_postings_ + begin;
  const char* end = bytes_.data() + off_postings_ + stop;
  docnos->reserve(std::min<uint64_t>({df, stop - begin, doc_count_}));
  uint64_t doc = 0;
  for (uint32_t n = 0; n < df; ++n) {
    uint64_t delta;
    if (!GetVarint(&p, end, &delta)) break;  // cannot happen after Parse's checksum
    doc = n == 0 ? delta : doc + delta;
    if (doc >= doc_count_) break;
    docnos->push_back(static_cast<uint32_t>(doc));
  }
}

uint32_t SegmentReader::FindKey(uint32_t key) const {
  uint32_t lo = 0, hi = key_count_;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (KeyAt(mid) < key) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo < key_count_ && KeyAt(lo) == key ? lo : key_count_;
}

void SegmentReader::Postings(uint32_t key, std::vector<uint32_t>* docnos) const {
  docnos->clear();
  uint32_t i = FindKey(key);
  if (i < key_count_) PostingsAt(i, docnos);
}

uint32_t SegmentReader::DocFrequency(uint32_t key) const {
  uint32_t i = FindKey(key);
  return i < key_count_ ? GetFixed32(bytes_.data() + off_dict_ + kDictEntrySize * i + 4) : 0;
}

// ---- Merge -----------------------------------------------------------------

Result<SegmentFileInfo> MergeSegmentsToFile(const std::vector<SegmentView>& inputs,
                                            const std::string& path) {
  // New docnos follow input order, deleted documents dropped.
  std::vector<std::vector<int64_t>> remap(inputs.size());
  DocTable docs_out;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const SegmentReader& seg = *inputs[i].segment;
    remap[i].assign(seg.doc_count(), -1);
    for (uint32_t d = 0; d < seg.doc_count(); ++d) {
      if (inputs[i].deleted && (*inputs[i].deleted)[d]) continue;
      remap[i][d] = static_cast<int64_t>(docs_out.size());
      docs_out.Add(seg.doc_key(d), seg.doc_offset(d), seg.doc_file_size(d), seg.doc_first_line(d),
                   seg.doc_path(d), seg.Content(d, d).size());
    }
  }
  TS_ASSIGN_OR_RETURN(StreamWriter w, StreamWriter::Create(path));
  Offsets off;
  TS_RETURN_IF_ERROR(WriteDocs(&w, docs_out, &off));
  for (size_t i = 0; i < inputs.size(); ++i) {
    for (uint32_t d = 0; d < inputs[i].segment->doc_count(); ++d) {
      if (remap[i][d] >= 0) TS_RETURN_IF_ERROR(w.Append(inputs[i].segment->Content(d, d)));
    }
  }
  TS_RETURN_IF_ERROR(w.Pad8());
  off.postings = w.offset();
  std::string dict;
  uint32_t key_count = 0;
  std::vector<uint32_t> cursor(inputs.size(), 0);
  std::vector<uint32_t> docs;
  std::string encoded;
  while (true) {
    uint32_t key = kKeyCount;
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (cursor[i] < inputs[i].segment->key_count()) {
        key = std::min(key, inputs[i].segment->KeyAt(cursor[i]));
      }
    }
    if (key == kKeyCount) break;
    encoded.clear();
    uint32_t df = 0;
    int64_t last = -1;
    for (size_t i = 0; i < inputs.size(); ++i) {
      const SegmentReader& seg = *inputs[i].segment;
      if (cursor[i] >= seg.key_count() || seg.KeyAt(cursor[i]) != key) continue;
      seg.PostingsAt(cursor[i]++, &docs);
      for (uint32_t d : docs) {
        int64_t nd = remap[i][d];
        if (nd < 0) continue;
        PutVarint(&encoded,
                  last < 0 ? static_cast<uint64_t>(nd) : static_cast<uint64_t>(nd - last));
        last = nd;
        ++df;
      }
    }
    if (df == 0) continue;
    PutFixed32(&dict, key);
    PutFixed32(&dict, df);
    PutFixed64(&dict, w.offset() - off.postings);
    ++key_count;
    TS_RETURN_IF_ERROR(w.Append(encoded));
  }
  TS_RETURN_IF_ERROR(w.Pad8());
  off.dict = w.offset();
  TS_RETURN_IF_ERROR(w.Append(dict));
  off.end = w.offset();
  TS_RETURN_IF_ERROR(WriteTrailer(&w, static_cast<uint32_t>(docs_out.size()), key_count, off));
  SegmentFileInfo info;
  info.doc_count = docs_out.size();
  TS_ASSIGN_OR_RETURN(info.checksum, w.Finish());
  info.byte_size = w.offset();
  return info;
}

}  // namespace ts::grep
