#include "util/hash.h"

#include <xxhash.h>

namespace ts {

uint64_t Hash64(std::string_view data) {
  return XXH3_64bits(data.data(), data.size());
}

struct Hasher64::State {
  XXH3_state_t* xxh = XXH3_createState();
  ~State() { XXH3_freeState(xxh); }
};

Hasher64::Hasher64() : state_(std::make_unique<State>()) {
  XXH3_64bits_reset(state_->xxh);
}
Hasher64::~Hasher64() = default;
void Hasher64::Update(std::string_view data) {
  XXH3_64bits_update(state_->xxh, data.data(), data.size());
}
uint64_t Hasher64::Digest() const {
  return XXH3_64bits_digest(state_->xxh);
}

std::string HexHash64(uint64_t h) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<size_t>(i)] = kDigits[h & 0xf];
    h >>= 4;
  }
  return out;
}

}  // namespace ts
