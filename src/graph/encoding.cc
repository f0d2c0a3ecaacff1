// Text encodings of a definition's calls and bases and a file's imports, as
// stored in the catalog (docs/FORMATS.md). One record per line, fields
// separated by tabs; a value holding a tab or a newline is never written.
#include <algorithm>
#include <charconv>

#include "graph/graph.h"
#include "util/hash.h"

namespace ts::graph {
namespace {

bool Clean(std::string_view v) {
  return v.find_first_of("\t\n") == std::string_view::npos;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t e = s.find(sep, pos);
    if (e == std::string_view::npos) e = s.size();
    out.push_back(s.substr(pos, e - pos));
    pos = e + 1;
  }
  return out;
}

// -1 unless the whole of s is a non-negative decimal number.
int ToInt(std::string_view s) {
  int v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size() || v < 0) return -1;
  return v;
}

template <typename F>
void ForEachLine(std::string_view text, F f) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t e = text.find('\n', pos);
    if (e == std::string_view::npos) e = text.size();
    if (e > pos) f(text.substr(pos, e - pos));
    pos = e + 1;
  }
}

}  // namespace

std::string EncodeCalls(const std::vector<CallRef>& calls) {
  std::string out;
  for (const auto& c : calls) {
    if (c.name.empty() || !Clean(c.name) || !Clean(c.receiver)) continue;
    out += c.name;
    out += '\t';
    out += std::to_string(static_cast<int>(c.kind));
    out += '\t';
    out += std::to_string(c.line);
    out += '\t';
    out += c.receiver;
    out += '\n';
  }
  return out;
}

std::vector<CallRef> DecodeCalls(std::string_view text) {
  std::vector<CallRef> out;
  ForEachLine(text, [&](std::string_view line) {
    auto f = Split(line, '\t');
    if (f.size() != 4 || f[0].empty()) return;
    int kind = ToInt(f[1]);
    int at = ToInt(f[2]);
    if (kind < 0 || kind > static_cast<int>(CallKind::kMacro) || at < 0) return;
    out.push_back({std::string(f[0]), static_cast<CallKind>(kind), std::string(f[3]), at});
  });
  return out;
}

std::string EncodeBases(const std::vector<std::string>& bases) {
  std::string out;
  for (const auto& b : bases) {
    if (b.empty() || !Clean(b)) continue;
    out += b;
    out += '\n';
  }
  return out;
}

std::vector<std::string> DecodeBases(std::string_view text) {
  std::vector<std::string> out;
  ForEachLine(text, [&](std::string_view line) { out.emplace_back(line); });
  return out;
}

std::string EncodeImports(const std::vector<Import>& imports) {
  std::string out;
  for (const auto& i : imports) {
    if (!Clean(i.module) || !Clean(i.kind) || !Clean(i.alias)) continue;
    std::string names;
    bool ok = true;
    for (const auto& n : i.names) {
      if (!Clean(n.name) || !Clean(n.alias) || n.name.find_first_of(",=") != std::string::npos ||
          n.alias.find_first_of(",=") != std::string::npos) {
        ok = false;
        break;
      }
      if (!names.empty()) names += ',';
      names += n.name;
      if (!n.alias.empty()) names += "=" + n.alias;
    }
    if (!ok) continue;
    out += std::to_string(i.line) + '\t' + i.kind + '\t' + i.module + '\t' + i.alias + '\t' +
           (i.system ? "s" : "") + (i.wildcard ? "w" : "") + '\t' + names + '\n';
  }
  return out;
}

std::vector<Import> DecodeImports(std::string_view text) {
  std::vector<Import> out;
  ForEachLine(text, [&](std::string_view line) {
    auto f = Split(line, '\t');
    if (f.size() != 6) return;
    Import i;
    i.line = std::max(0, ToInt(f[0]));
    i.kind = std::string(f[1]);
    i.module = std::string(f[2]);
    i.alias = std::string(f[3]);
    i.system = f[4].find('s') != std::string_view::npos;
    i.wildcard = f[4].find('w') != std::string_view::npos;
    if (!f[5].empty()) {
      for (auto n : Split(f[5], ',')) {
        size_t eq = n.find('=');
        if (eq == std::string_view::npos)
          i.names.push_back({std::string(n), ""});
        else
          i.names.push_back({std::string(n.substr(0, eq)), std::string(n.substr(eq + 1))});
      }
    }
    out.push_back(std::move(i));
  });
  return out;
}

int64_t NameHash(std::string_view name) {
  return static_cast<int64_t>(Hash64(name) & 0x7fffffffffffffffull);
}

std::string_view LastComponent(std::string_view qualified) {
  const size_t dot = qualified.rfind('.');
  const size_t colons = qualified.rfind("::");
  if (colons != std::string_view::npos && (dot == std::string_view::npos || colons > dot))
    return qualified.substr(colons + 2);
  if (dot != std::string_view::npos) return qualified.substr(dot + 1);
  return qualified;
}

std::string QualifiedName(const std::string& scope, const std::string& name,
                          std::string_view language) {
  if (scope.empty()) return name;
  bool colons = scope.find("::") != std::string::npos || language == "cpp" || language == "rust" ||
                language == "php";
  return scope + (colons ? "::" : ".") + name;
}

std::string_view LanguageFamily(std::string_view language) {
  if (language == "c" || language == "cpp" || language == "objc") return "c";
  if (language == "javascript" || language == "typescript" || language == "vue" ||
      language == "svelte")
    return "js";
  return language;
}

}  // namespace ts::graph
