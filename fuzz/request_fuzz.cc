// HTTP request bodies as hostile callers send them: each route's parser
// (wire.h) on the same bytes, and a grep request's pattern compiled as the
// route would. A parser may refuse; it must never crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "daemon/wire.h"
#include "grep/grep.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto body = ts::daemon::ParseBody(bytes);
  if (!body.ok()) return 0;
  (void)ts::daemon::ParseSearch(*body);
  (void)ts::daemon::ParseAddIndex(*body);
  (void)ts::daemon::ParseReindex(*body);
  (void)ts::daemon::ParseSimilar(*body);
  auto grep = ts::daemon::ParseGrep(*body);
  if (grep.ok()) {
    auto pattern = ts::grep::Pattern::Compile(grep->pattern, grep->options);
    if (pattern.ok()) {
      (void)(*pattern)->SearchContent("fn main() {\n  let x = 1;\n}\n", grep->options);
    }
  }
  return 0;
}
