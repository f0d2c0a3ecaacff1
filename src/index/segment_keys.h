// SegmentKeys, internal to src/index: a segment's documents ordered by key,
// so that a tombstone (a chunk's key, or a file's grep key) finds its
// documents by binary search instead of a test of every document. Built once
// when a segment is opened and shared by every set that reuses the reader
// (12 bytes per document).
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <numeric>
#include <span>
#include <vector>

namespace ts::index {

class SegmentKeys {
 public:
  // `Reader` has doc_count() and doc_key(docno) (lexical and grep segments).
  template <typename Reader>
  static std::shared_ptr<const SegmentKeys> Of(const Reader& reader) {
    auto out = std::make_shared<SegmentKeys>();
    const uint32_t n = static_cast<uint32_t>(reader.doc_count());
    std::vector<uint64_t> key(n);
    for (uint32_t d = 0; d < n; ++d) key[d] = reader.doc_key(d);
    out->docs_.resize(n);
    std::iota(out->docs_.begin(), out->docs_.end(), 0u);
    std::stable_sort(out->docs_.begin(), out->docs_.end(),
                     [&](uint32_t a, uint32_t b) { return key[a] < key[b]; });
    out->keys_.resize(n);
    for (uint32_t i = 0; i < n; ++i) out->keys_[i] = key[out->docs_[i]];
    return out;
  }

  // The documents whose key is `key`, in docno order; empty when none.
  std::span<const uint32_t> Find(uint64_t key) const {
    auto [lo, hi] = std::equal_range(keys_.begin(), keys_.end(), key);
    return {docs_.data() + (lo - keys_.begin()), static_cast<size_t>(hi - lo)};
  }

 private:
  std::vector<uint64_t> keys_;  // sorted
  std::vector<uint32_t> docs_;  // docs_[i] holds keys_[i]
};

}  // namespace ts::index
