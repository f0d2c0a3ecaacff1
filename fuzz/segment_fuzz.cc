// A lexical segment read from corrupt bytes: opening must verify or refuse,
// and whatever opens must be safe to read and search.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "checksum_fix.h"
#include "lexical/lexical.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  FixFooter(bytes, "TSLEXEND");  // checksum_fix.h
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
