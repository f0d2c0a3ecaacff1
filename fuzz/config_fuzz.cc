// The user's config.toml (root policy) and the root check on what it lists.
#include <cstddef>
#include <cstdint>
#include <string>

#include "walk/root_policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  ts::walk::RootPolicy policy;
  policy.home = "/home/me";
  if (ts::walk::ParseRootPolicy(text, &policy).ok()) {
    for (const auto& root : policy.allow) (void)ts::walk::CheckIndexRoot(root, policy);
    (void)ts::walk::CheckIndexRoot("/home/me/src", policy);
  }
  (void)ts::walk::WithAllowedRoot(text, "/home/me");
  return 0;
}
