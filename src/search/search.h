// Public header of src/search: query understanding shared by the lanes.
#pragma once

#include <string>
#include <string_view>

namespace ts::search {

// What a query asks for.
struct Intent {
  enum class Kind {
    kSearch,      // find code about something (the default)
    kDefinition,  // where a named symbol is defined ("parse_header", "where is X defined")
    kUsage,       // who uses a named symbol ("who calls X", "usages of X", "X callers")
  } kind = Kind::kSearch;
  std::string symbol;  // the named symbol for kDefinition and kUsage ("Class.method" allowed)
  std::string_view name() const;  // "search", "definition" or "usage"
};

// Rule-based: explicit phrasings ("callers of X", "X usages", "definition of
// X", "class X") and, for a query that is one identifier (urlopen, snake_case,
// camelCase, a::b, x.y, f()), definition. Everything else is kSearch, so a
// natural-language description is never mistaken for a symbol.
Intent ClassifyIntent(std::string_view query);

}  // namespace ts::search
