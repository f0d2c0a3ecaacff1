// Internal to src/mcp: the tool table's parts. A tool is a row of
// tools.cc's table (name, title, description, input and output schemas,
// handler); each handler (tool_handlers.cc) turns its arguments into calls
// of the daemon's HTTP API and answers with structured content plus a
// compact text rendering (render.cc) bounded by max_bytes.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "mcp/mcp.h"

namespace ts::mcp {

inline constexpr int64_t kDefaultMaxBytes = 8000;

// What a handler gets: the call's arguments (untrusted: any JSON), the
// daemon's API, and where progress notifications go.
class ToolContext {
 public:
  ToolContext(const nlohmann::json& args, const ApiCall& api, nlohmann::json progress_token,
              const Notify& notify)
      : args_(args), api_(api), progress_token_(std::move(progress_token)), notify_(notify) {}

  const nlohmann::json& args() const { return args_; }
  // The argument `key` when it is a string, else "".
  std::string Str(const char* key) const;
  // The argument `key` when it is an integer, else `fallback`.
  int64_t Int(const char* key, int64_t fallback) const;
  // "" when every key is a non-empty string argument, else what is missing.
  std::string Missing(std::initializer_list<const char*> keys) const;
  // The "index" argument names an index and cannot leave /indexes/{id}.
  bool ValidIndex() const;
  // "/indexes/<index>" + rest.
  std::string IndexPath(const std::string& rest) const;
  // max_bytes, clamped to [200, 1000000]; kDefaultMaxBytes when absent.
  size_t MaxBytes() const;
  std::pair<int, nlohmann::json> Call(const std::string& method, const std::string& path,
                                      const nlohmann::json& body) const {
    return api_(method, path, body);
  }
  // Sends a progress notification when the client asked for them.
  void Progress(int64_t done, int64_t total, const std::string& message) const;

 private:
  const nlohmann::json& args_;
  const ApiCall& api_;
  const nlohmann::json progress_token_;
  const Notify& notify_;
};

using ToolHandler = nlohmann::json (*)(const ToolContext&);

// The handlers, one per tool (tool_handlers.cc).
nlohmann::json SearchTool(const ToolContext& c);
nlohmann::json SearchAllTool(const ToolContext& c);
nlohmann::json SearchSimilarTool(const ToolContext& c);
nlohmann::json GrepTool(const ToolContext& c);
nlohmann::json CallChainTool(const ToolContext& c);
nlohmann::json IndexFileTool(const ToolContext& c);
nlohmann::json RemoveFileTool(const ToolContext& c);
nlohmann::json ListIndexesTool(const ToolContext& c);
nlohmann::json CreateIndexTool(const ToolContext& c);
nlohmann::json DeleteIndexTool(const ToolContext& c);
nlohmann::json ReindexTool(const ToolContext& c);
nlohmann::json IndexStatusTool(const ToolContext& c);
nlohmann::json ListChunksTool(const ToolContext& c);
nlohmann::json HealthTool(const ToolContext& c);

// Renderings (render.cc).
// "path:start-end  symbol  score" and up to 7 lines of snippet per hit, cut at max_bytes.
std::string RenderHits(const nlohmann::json& hits, size_t max_bytes);
// A call tree: "<- caller  file:line" and "-> callee  file:line", indented.
void RenderChain(const nlohmann::json& n, const std::string& arrow, int depth, std::string* out);
nlohmann::json TextResult(const std::string& text, nlohmann::json structured,
                          bool is_error = false);
nlohmann::json ErrorResult(const std::string& message);
// The daemon's error message for a failed API call.
std::string ApiError(int status, const nlohmann::json& body);

}  // namespace ts::mcp
