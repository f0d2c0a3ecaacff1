// An embedding model file (*.tsmodel) read from corrupt bytes: loading must
// verify or refuse, and a model that loads must embed any text safely.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "checksum_fix.h"
#include "semantic/semantic.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  // Inputs of even length get a checksum that verifies (XXH3-64 of the rest,
  // in the last 8 bytes), so the parsing behind it is reached.
  if (size >= 8 && size % 2 == 0) FixHash64(bytes, size - 8, size - 8);
  auto model = ts::semantic::Model::FromBytes(bytes, "fuzz.tsmodel");
  if (!model.ok()) return 0;
  std::vector<float> out((*model)->dim());
  for (auto tower : {ts::semantic::Tower::kQuery, ts::semantic::Tower::kCode}) {
    (void)(*model)->Embed(tower, "parse the config file", out);
    (void)(*model)->Embed(tower, std::string_view(bytes).substr(0, 64), out);
  }
  return 0;
}
