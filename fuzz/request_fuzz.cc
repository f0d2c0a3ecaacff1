// HTTP requests as hostile callers send them: the bytes as a request head
// (guarded_server.h's limits), and as a body for each route's parser
// (wire.h), with a grep request's pattern compiled as the route would. A
// parser may refuse; it must never crash, hang or leak.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "daemon/guarded_server.h"
#include "daemon/wire.h"
#include "grep/grep.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  size_t head_bytes = 0;
  if (ts::daemon::CheckHead(bytes, &head_bytes) == ts::daemon::HeadVerdict::kComplete &&
      (head_bytes == 0 || head_bytes > size)) {
    __builtin_trap();  // a complete head lies inside the bytes
  }
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
