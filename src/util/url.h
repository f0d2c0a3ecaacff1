// Percent-encoding of query-string values for the daemon's HTTP API (the CLI
// and the MCP tools build the same URLs).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace ts {

// Keeps RFC 3986's unreserved bytes plus '/' and ':' (both legal in a query
// value and common in paths and symbols); every other byte becomes %XX.
inline std::string PercentEncode(std::string_view value) {
  std::string out;
  for (unsigned char c : value) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.' || c == '~' || c == '/' || c == ':';
    if (keep) {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof(buf), "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

}  // namespace ts
