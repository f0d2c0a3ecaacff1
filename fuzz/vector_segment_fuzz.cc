// A vector companion (*.tsvec) read from corrupt bytes: opening must verify
// or refuse, and whatever opens must be safe to read, row by row.
#include <cstddef>
#include <cstdint>
#include <string>

#include "checksum_fix.h"
#include "semantic/semantic.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  FixFooter(bytes, "TSVECEND");  // checksum_fix.h
  auto reader = ts::semantic::VectorSegmentReader::FromBytes(bytes);
  if (!reader.ok()) return 0;
  const auto& r = **reader;
  uint64_t sink = 0;
  double scales = 0;
  for (uint64_t d = 0; d < r.doc_count() && d < 64; ++d) {
    sink += r.key(d) ^ r.content_hash(d);
    scales += r.scale(d);
    const int8_t* row = r.row(d);
    for (uint32_t i = 0; i < r.dim(); ++i) sink += static_cast<uint64_t>(row[i]);
  }
  return sink == 42 && scales == 1 ? 0 : 0;  // keeps the reads
}
