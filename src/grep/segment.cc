// Trigram segments: building, reading and merging. Layout in docs/FORMATS.md
// ("Grep segment"). Every section is streamed to the file in order, with the
// table of offsets in a trailer, so neither a build nor a merge holds the
// whole file in memory.
#include <algorithm>
#include <cstring>

#include "grep/grep.h"
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
  uint64_t keys = 0, path_offsets = 0, paths = 0, postings = 0, dict = 0, end = 0;
};

// Writes the sections before the postings: magic, doc keys, path offsets, paths.
Status WriteDocs(StreamWriter* w, const std::vector<uint64_t>& keys,
                 const std::vector<uint32_t>& path_offsets, std::string_view paths, Offsets* off) {
  TS_RETURN_IF_ERROR(w->Append(std::string_view(kMagic, 8)));
  off->keys = w->offset();
  for (uint64_t k : keys) {
    PutFixed64(w->buffer(), k);
    w->Appended(8);
  }
  off->path_offsets = w->offset();
  for (uint32_t o : path_offsets) {
    PutFixed32(w->buffer(), o);
    w->Appended(4);
  }
  off->paths = w->offset();
  TS_RETURN_IF_ERROR(w->Append(paths));
  TS_RETURN_IF_ERROR(w->Pad8());
  off->postings = w->offset();
  return Status::Ok();
}

Status WriteTrailer(StreamWriter* w, uint32_t docs, uint32_t keys, const Offsets& off) {
  std::string t;
  PutFixed32(&t, kSegmentFormatVersion);
  PutFixed32(&t, docs);
  PutFixed32(&t, keys);
  PutFixed32(&t, 0);
  for (uint64_t v : {off.keys, off.path_offsets, off.paths, off.postings, off.dict, off.end}) {
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
  std::vector<uint64_t> keys;
  std::vector<uint32_t> path_offsets{0};
  std::string paths;
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
  return static_cast<uint32_t>(state_->keys.size());
}

void SegmentBuilder::Add(uint64_t key, std::string_view path, std::string_view content) {
  State& s = *state_;
  if (s.postings.empty()) {
    s.postings.resize(kTrigramKeys);
    s.last_plus_one.assign(kTrigramKeys, 0);
    s.df.assign(kTrigramKeys, 0);
  }
  const uint32_t docno = static_cast<uint32_t>(s.keys.size());
  s.keys.push_back(key);
  s.paths.append(path);
  s.path_offsets.push_back(static_cast<uint32_t>(s.paths.size()));
  const auto& codes = TrigramCodes();
  // last_plus_one doubles as the "seen in this document" mark.
  uint32_t a = kNotIndexable, b = kNotIndexable;
  for (unsigned char ch : content) {
    uint32_t c = codes[ch];
    if (a != kNotIndexable && b != kNotIndexable && c != kNotIndexable) {
      uint32_t k = (a * 96u + b) * 96u + c;
      if (s.last_plus_one[k] != docno + 1) {
        uint32_t delta = s.last_plus_one[k] == 0 ? docno : docno - (s.last_plus_one[k] - 1);
        PutVarint(&s.postings[k], delta);
        s.last_plus_one[k] = docno + 1;
        ++s.df[k];
      }
    }
    a = b;
    b = c;
  }
}

Result<SegmentFileInfo> SegmentBuilder::FinishToFile(const std::string& path) {
  State& s = *state_;
  TS_ASSIGN_OR_RETURN(StreamWriter w, StreamWriter::Create(path));
  Offsets off;
  TS_RETURN_IF_ERROR(WriteDocs(&w, s.keys, s.path_offsets, s.paths, &off));
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
  off_keys_ = f[0];
  off_path_offsets_ = f[1];
  off_paths_ = f[2];
  off_postings_ = f[3];
  off_dict_ = f[4];
  postings_end_ = off_dict_;
  const uint64_t end = f[5];
  const uint64_t limit = size - kChecksumSize - kTrailerSize;
  bool ordered = off_keys_ == 8 && off_path_offsets_ == off_keys_ + 8ull * doc_count_ &&
                 off_paths_ == off_path_offsets_ + 4ull * (doc_count_ + 1) &&
                 off_paths_ <= off_postings_ && off_postings_ <= off_dict_ &&
                 end == off_dict_ + kDictEntrySize * key_count_ && end <= limit;
  if (!ordered) return Status::Corruption("section offsets out of range");
  if (off_paths_ + GetFixed32(p + off_path_offsets_ + 4ull * doc_count_) > off_postings_) {
    return Status::Corruption("paths out of range");
  }
  for (uint32_t d = 0; d < doc_count_; ++d) {
    if (GetFixed32(p + off_path_offsets_ + 4ull * d) >
        GetFixed32(p + off_path_offsets_ + 4ull * (d + 1))) {
      return Status::Corruption("path offsets not ascending");
    }
  }
  uint64_t prev_off = 0;
  for (uint32_t i = 0; i < key_count_; ++i) {
    const char* e = p + off_dict_ + kDictEntrySize * i;
    uint64_t o = GetFixed64(e + 8);
    if (GetFixed32(e) >= kTrigramKeys || o < prev_off || off_postings_ + o > postings_end_ ||
        (i > 0 && GetFixed32(e) <= GetFixed32(e - kDictEntrySize))) {
      return Status::Corruption("trigram dictionary malformed");
    }
    prev_off = o;
  }
  return Status::Ok();
}

uint64_t SegmentReader::doc_key(uint32_t docno) const {
  return GetFixed64(bytes_.data() + off_keys_ + 8ull * docno);
}

std::string_view SegmentReader::doc_path(uint32_t docno) const {
  const char* po = bytes_.data() + off_path_offsets_ + 4ull * docno;
  uint32_t b = GetFixed32(po), e = GetFixed32(po + 4);
  return bytes_.substr(off_paths_ + b, e - b);
}

uint32_t SegmentReader::KeyAt(uint32_t i) const {
  return GetFixed32(bytes_.data() + off_dict_ + kDictEntrySize * i);
}

void SegmentReader::PostingsAt(uint32_t i, std::vector<uint32_t>* docnos) const {
  docnos->clear();
  const char* e = bytes_.data() + off_dict_ + kDictEntrySize * i;
  uint32_t df = GetFixed32(e + 4);
  const char* p = bytes_.data() + off_postings_ + GetFixed64(e + 8);
  const char* end = i + 1 < key_count_
                        ? bytes_.data() + off_postings_ + GetFixed64(e + kDictEntrySize + 8)
                        : bytes_.data() + postings_end_;
  docnos->reserve(df);
  uint64_t doc = 0;
  for (uint32_t n = 0; n < df; ++n) {
    uint64_t delta;
    if (!GetVarint(&p, end, &delta)) break;  // cannot happen after Parse's checksum
    doc = n == 0 ? delta : doc + delta;
    if (doc >= doc_count_) break;
    docnos->push_back(static_cast<uint32_t>(doc));
  }
}

void SegmentReader::Postings(uint32_t key, std::vector<uint32_t>* docnos) const {
  docnos->clear();
  uint32_t lo = 0, hi = key_count_;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (KeyAt(mid) < key) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo < key_count_ && KeyAt(lo) == key) PostingsAt(lo, docnos);
}

// ---- Merge -----------------------------------------------------------------

Result<SegmentFileInfo> MergeSegmentsToFile(const std::vector<SegmentView>& inputs,
                                            const std::string& path) {
  // New docnos follow input order, deleted documents dropped.
  std::vector<std::vector<int64_t>> remap(inputs.size());
  std::vector<uint64_t> keys;
  std::vector<uint32_t> path_offsets{0};
  std::string paths;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const SegmentReader& seg = *inputs[i].segment;
    remap[i].assign(seg.doc_count(), -1);
    for (uint32_t d = 0; d < seg.doc_count(); ++d) {
      if (inputs[i].deleted && (*inputs[i].deleted)[d]) continue;
      remap[i][d] = static_cast<int64_t>(keys.size());
      keys.push_back(seg.doc_key(d));
      paths.append(seg.doc_path(d));
      path_offsets.push_back(static_cast<uint32_t>(paths.size()));
    }
  }
  TS_ASSIGN_OR_RETURN(StreamWriter w, StreamWriter::Create(path));
  Offsets off;
  TS_RETURN_IF_ERROR(WriteDocs(&w, keys, path_offsets, paths, &off));
  std::string dict;
  uint32_t key_count = 0;
  std::vector<uint32_t> cursor(inputs.size(), 0);
  std::vector<uint32_t> docs;
  std::string encoded;
  while (true) {
    uint32_t key = kTrigramKeys;
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (cursor[i] < inputs[i].segment->key_count()) {
        key = std::min(key, inputs[i].segment->KeyAt(cursor[i]));
      }
    }
    if (key == kTrigramKeys) break;
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
  TS_RETURN_IF_ERROR(WriteTrailer(&w, static_cast<uint32_t>(keys.size()), key_count, off));
  SegmentFileInfo info;
  info.doc_count = keys.size();
  TS_ASSIGN_OR_RETURN(info.checksum, w.Finish());
  info.byte_size = w.offset();
  return info;
}

}  // namespace ts::grep
