// Layout constants of a lexical segment file (documented in docs/FORMATS.md).
#pragma once

#include <cstdint>

namespace ts::lexical {

inline constexpr char kSegmentMagic[8] = {'T', 'S', 'L', 'E', 'X', 'S', 'E', 'G'};
inline constexpr char kSegmentFooterMagic[8] = {'T', 'S', 'L', 'E', 'X', 'E', 'N', 'D'};
inline constexpr uint32_t kSegmentVersion = 1;
inline constexpr uint32_t kBlockSize = 128;  // postings per block

// Header: magic[8], version u32, reserved u32, then these u64 fields in order.
enum HeaderField : int {
  kDocCount,
  kTermCount,
  kTotalLength,
  kOffDocLens,
  kOffKeys,
  kOffStoredOffsets,
  kOffStored,
  kOffTermOffsets,
  kOffTermBytes,
  kOffTermEntries,
  kOffBlocks,
  kOffPostings,
  kPostingsEnd,
  kHeaderFieldCount
};
inline constexpr uint64_t kHeaderSize = 16 + 8 * kHeaderFieldCount;
// Footer: XXH3-64 of every preceding byte, then kSegmentFooterMagic.
inline constexpr uint64_t kFooterSize = 16;

// A term entry: df u32, block_count u32, blocks_offset u64 (relative to kOffBlocks).
inline constexpr uint64_t kTermEntrySize = 16;
// A block entry: last_docno u32, max_tf u32, min_doclen u32, count u32,
// data_offset u64 (relative to kOffPostings).
inline constexpr uint64_t kBlockEntrySize = 24;

}  // namespace ts::lexical
