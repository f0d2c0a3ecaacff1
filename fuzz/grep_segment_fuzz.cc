// A grep companion (*.tsgrep: file contents and their trigram index) read
// from corrupt bytes: opening must verify or refuse, and whatever opens must
// be safe to read, look up and decode.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "checksum_fix.h"
#include "grep/grep.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  // Inputs of even length get a trailer magic and checksum that verify
  // ("TSGREND1", then XXH3-64 of everything before the checksum), so the
  // section parsing behind the checksum is reached.
  if (size >= 16 && size % 2 == 0) {
    bytes.replace(size - 16, 8, "TSGREND1");
    FixHash64(bytes, size - 8, size - 8);
  }
  auto reader = ts::grep::SegmentReader::FromBytes(bytes);
  if (!reader.ok()) return 0;
  const auto& r = **reader;
  for (uint32_t d = 0; d < r.doc_count() && d < 64; ++d) {
    (void)r.doc_key(d);
    (void)r.doc_path(d);
    (void)r.doc_offset(d);
    (void)r.doc_file_size(d);
    (void)r.doc_first_line(d);
    (void)r.Content(d, d);
  }
  if (r.doc_count() > 0) (void)r.Content(0, r.doc_count() - 1);
  std::vector<uint32_t> docnos;
  for (uint32_t i = 0; i < r.key_count() && i < 64; ++i) {
    const uint32_t key = r.KeyAt(i);
    r.PostingsAt(i, &docnos);
    r.Postings(key, &docnos);
    (void)r.DocFrequency(key);
  }
  r.Postings(0x616263, &docnos);  // "abc", present or not
  return 0;
}
