// A lexical segment read from corrupt bytes: opening must verify or refuse,
// and whatever opens must be safe to read and search.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lexical/lexical.h"
#include "util/hash.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  // A mutation almost never keeps the footer's checksum right, which would
  // stop every input at the first check. For inputs of even length the
  // footer is rewritten to match (XXH3-64 of the rest, then "TSLEXEND"), so
  // the section parsing behind the checksum is fuzzed too.
  constexpr size_t kFooter = 16;
  if (size >= kFooter && size % 2 == 0) {
    const uint64_t sum = ts::Hash64(std::string_view(bytes).substr(0, size - kFooter));
    for (int i = 0; i < 8; ++i) bytes[size - kFooter + i] = static_cast<char>(sum >> (8 * i));
    bytes.replace(size - 8, 8, "TSLEXEND");
  }
  auto reader = ts::lexical::SegmentReader::FromBytes(bytes);
  if (!reader.ok()) return 0;
  const auto& r = **reader;
  for (uint32_t d = 0; d < r.doc_count() && d < 64; ++d) {
    (void)r.Doc(d);
    (void)r.doc_length(d);
  }
  std::vector<uint32_t> docnos, tfs;
  for (uint32_t t = 0; t < r.term_count() && t < 64; ++t) {
    (void)r.TermAt(t);
    r.ReadPostings(r.TermInfoAt(t), &docnos, &tfs);
  }
  ts::lexical::Snapshot snap({ts::lexical::SegmentView{*reader, nullptr, "fuzz"}});
  ts::lexical::SearchOptions options;
  (void)snap.Search("parse config a", options);
  return 0;
}
