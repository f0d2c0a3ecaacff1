// universal-ctags' JSON lines: a repository's file can make ctags print
// anything its parser lets through, so every line is untrusted.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "chunk/ctags_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view all(reinterpret_cast<const char*>(data), size);
  while (!all.empty()) {
    const size_t nl = all.find('\n');
    const std::string_view line = all.substr(0, nl);
    ts::chunk::Tag tag;
    std::string path;
    (void)ts::chunk::ParseCtagsJsonLine(line, &tag, &path);
    if (nl == std::string_view::npos) break;
    all.remove_prefix(nl + 1);
  }
  return 0;
}
