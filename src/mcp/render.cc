// Text renderings of the daemon's answers for agents (tools_internal.h).
#include <cstdio>

#include "mcp/tools_internal.h"

namespace ts::mcp {

using nlohmann::json;

// A compact text rendering: "path:start-end  symbol  score" and up to 7 lines
// of snippet per hit, cut at max_bytes.
std::string RenderHits(const json& hits, size_t max_bytes) {
  std::string out;
  size_t shown = 0;
  for (const auto& h : hits) {
    std::string block = h.value("file", "") + ":" + std::to_string(h.value("start_line", 0)) + "-" +
                        std::to_string(h.value("end_line", 0));
    std::string symbol = h.value("function_name", "");
    if (!symbol.empty())
      block += "  " + (h.value("scope", "").empty() ? "" : h.value("scope", "") + ".") + symbol;
    if (h.contains("index_id")) block += "  [" + h.value("index_id", "") + "]";
    char score[32];
    std::snprintf(score, sizeof(score), "  %.2f\n", h.value("score", 0.0));
    block += score;
    std::string text = h.contains("content") ? h.value("content", "") : h.value("snippet", "");
    size_t pos = 0;
    for (int line = 0; line < 7 && pos < text.size(); ++line) {
      size_t nl = text.find('\n', pos);
      std::string l = text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
      pos = nl == std::string::npos ? text.size() : nl + 1;
      if (l.size() > 160) l = l.substr(0, 157) + "...";
      block += "    " + l + "\n";
    }
    if (out.size() + block.size() > max_bytes) {
      out += "... " + std::to_string(hits.size() - shown) + " more (raise max_bytes)\n";
      break;
    }
    out += block;
    ++shown;
  }
  if (hits.empty()) out = "no results\n";
  return out;
}

// A call tree: "<- caller  file:line" and "-> callee  file:line", indented.
void RenderChain(const json& n, const std::string& arrow, int depth, std::string* out) {
  std::string line =
      std::string(static_cast<size_t>(depth) * 2, ' ') + arrow + n.value("symbol", std::string());
  if (n.contains("unresolved")) {
    line += "  (" + n.value("unresolved", std::string()) + ")";
    if (n.contains("candidates"))
      line += ": " + std::to_string(n["candidates"].size()) + " candidates";
  } else {
    line += "  " + n.value("location", std::string());
    if (n.value("cycle", false)) line += "  (cycle)";
    if (n.value("repeated", false)) line += "  (shown above)";
    if (n.value("ambiguous", false)) line += "  (ambiguous call)";
  }
  *out += line + "\n";
  for (const char* side : {"callers", "callees"}) {
    if (!n.contains(side)) continue;
    for (const auto& c : n[side])
      RenderChain(c, std::string_view(side) == "callers" ? "<- " : "-> ", depth + 1, out);
  }
}

json TextResult(const std::string& text, json structured, bool is_error) {
  json r = {{"content", json::array({{{"type", "text"}, {"text", text}}})}, {"isError", is_error}};
  if (!structured.is_null()) r["structuredContent"] = std::move(structured);
  return r;
}

json ErrorResult(const std::string& message) {
  return TextResult(message, nullptr, true);
}

std::string ApiError(int status, const json& body) {
  if (status == 0) return "the trusty-search daemon could not be reached";
  if (body.is_object() && body.contains("error"))
    return body["error"].value("message", "request failed");
  return "request failed with HTTP " + std::to_string(status);
}

}  // namespace ts::mcp
