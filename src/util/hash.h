// Content fingerprints and checksums (XXH3-64). Stable across runs and
// machines: they are stored on disk.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace ts {

uint64_t Hash64(std::string_view data);

// Hash64 of data given in pieces: Update(a); Update(b) digests as Hash64(a + b).
class Hasher64 {
 public:
  Hasher64();
  ~Hasher64();
  Hasher64(const Hasher64&) = delete;
  Hasher64& operator=(const Hasher64&) = delete;
  void Update(std::string_view data);
  uint64_t Digest() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};
// 16 lowercase hex digits.
std::string HexHash64(uint64_t h);

}  // namespace ts
