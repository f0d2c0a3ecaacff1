// What each MCP tool does (tools_internal.h): a call to the daemon's HTTP
// API, a structuredContent result, and a compact text an agent can read at a
// glance. Tools that take an index get it checked by Server::CallTool first.
#include <algorithm>
#include <chrono>
#include <thread>

#include "mcp/tools_internal.h"
#include "util/url.h"

namespace ts::mcp {

using nlohmann::json;

std::string ToolContext::Str(const char* key) const {
  return args_.contains(key) && args_[key].is_string() ? args_[key].get<std::string>()
                                                       : std::string();
}

int64_t ToolContext::Int(const char* key, int64_t fallback) const {
  return args_.contains(key) && args_[key].is_number_integer() ? args_[key].get<int64_t>()
                                                               : fallback;
}

std::string ToolContext::Missing(std::initializer_list<const char*> keys) const {
  for (const char* k : keys) {
    if (Str(k).empty()) return std::string("missing argument '") + k + "' (a non-empty string)";
  }
  return "";
}

bool ToolContext::ValidIndex() const {
  const std::string n = Str("index");
  return !n.empty() && n.find('/') == std::string::npos && n.find('?') == std::string::npos;
}

std::string ToolContext::IndexPath(const std::string& rest) const {
  return "/indexes/" + Str("index") + rest;
}

size_t ToolContext::MaxBytes() const {
  return static_cast<size_t>(std::clamp<int64_t>(Int("max_bytes", kDefaultMaxBytes), 200, 1000000));
}

void ToolContext::Progress(int64_t done, int64_t total, const std::string& message) const {
  if (progress_token_.is_null() || !notify_) return;
  notify_({{"jsonrpc", "2.0"},
           {"method", "notifications/progress"},
           {"params",
            {{"progressToken", progress_token_},
             {"progress", done},
             {"total", total},
             {"message", message}}}});
}

namespace {

json Search(const ToolContext& c, const std::string& path) {
  json body = {{"query", c.Str("query")}};
  for (const char* k : {"top_k", "mode", "path_prefix"}) {
    if (c.args().contains(k)) body[k] = c.args()[k];
  }
  auto [status, r] = c.Call("POST", path, body);
  if (status != 200) return ErrorResult(ApiError(status, r));
  return TextResult(RenderHits(r["results"], c.MaxBytes()), r);
}

// Follows the job an index request queued (`queued`: its 202 answer) until
// it ends or wait_seconds pass, with progress notifications, and reports.
json WaitForJob(const ToolContext& c, const json& queued) {
  const std::string index = queued.value("index", "");
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(c.Int("wait_seconds", 600));
  json st;
  while (true) {
    int status;
    std::tie(status, st) = c.Call("GET", "/indexes/" + index + "/status", nullptr);
    if (status != 200) return ErrorResult(ApiError(status, st));
    const json job = st.value("job", json::object());
    const bool running = st.value("state", "") == "indexing" || st.value("state", "") == "updating";
    if (job.contains("progress")) {
      c.Progress(job["progress"].value("files_done", 0), job["progress"].value("files_total", 0),
                 job["progress"].value("phase", ""));
    }
    if (!running && job.value("id", 0) >= queued.value("job", 0)) break;
    if (std::chrono::steady_clock::now() >= deadline) {
      return TextResult(
          "index '" + index + "' is still being built; call index_status to follow it\n", st);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  const json job = st.value("job", json::object());
  if (job.value("state", "") != "done") {
    return ErrorResult("indexing '" + index + "' " + job.value("state", std::string("failed")) +
                       ": " + job.value("error", std::string("see index_status")));
  }
  const json last = st.value("last_update", json::object());
  return TextResult("index '" + index + "' ready: " + std::to_string(st.value("files", 0)) +
                        " files, " + std::to_string(st.value("chunks", 0)) + " chunks (" +
                        std::to_string(last.value("files_indexed", 0)) + " indexed, " +
                        std::to_string(last.value("files_unchanged", 0)) + " unchanged)\n",
                    st);
}

json FileTool(const ToolContext& c, bool remove) {
  if (auto e = c.Missing({"path"}); !e.empty()) return ErrorResult(e);
  auto [status, r] =
      c.Call(remove ? "DELETE" : "POST", c.IndexPath("/files"), {{"path", c.Str("path")}});
  if (status != 200) return ErrorResult(ApiError(status, r));
  return TextResult((remove ? "removed " : "updated ") + r.value("path", "") + "\n", r);
}

}  // namespace

json SearchTool(const ToolContext& c) {
  if (auto e = c.Missing({"query"}); !e.empty()) return ErrorResult(e);
  return Search(c, c.IndexPath("/search"));
}

json SearchAllTool(const ToolContext& c) {
  if (auto e = c.Missing({"query"}); !e.empty()) return ErrorResult(e);
  return Search(c, "/search");
}

json SearchSimilarTool(const ToolContext& c) {
  if (auto e = c.Missing({"id"}); !e.empty()) return ErrorResult(e);
  json body = {{"id", c.Str("id")}};
  if (c.args().contains("top_k")) body["top_k"] = c.args()["top_k"];
  auto [status, r] = c.Call("POST", c.IndexPath("/search_similar"), body);
  if (status != 200) return ErrorResult(ApiError(status, r));
  return TextResult(RenderHits(r["results"], c.MaxBytes()), r);
}

json GrepTool(const ToolContext& c) {
  if (auto e = c.Missing({"pattern"}); !e.empty()) return ErrorResult(e);
  json body = {{"pattern", c.Str("pattern")}, {"max_results", 200}};
  for (const char* k : {"fixed_strings", "ignore_case", "word", "invert", "multiline",
                        "files_with_matches", "context", "max_count", "globs", "max_results"}) {
    if (c.args().contains(k)) body[k] = c.args()[k];
  }
  auto [status, r] = c.Call("POST", c.IndexPath("/grep"), body);
  if (status != 200) return ErrorResult(ApiError(status, r));
  const size_t max_bytes = c.MaxBytes();
  std::string text;
  bool cut = false;
  for (const auto& f : r["files"]) {
    const std::string path = f.value("path", "");
    if (body.value("files_with_matches", false)) text += path + "\n";
    for (const auto& l : f["lines"]) {
      const char sep = l.value("match", true) ? ':' : '-';
      text += path + sep + std::to_string(l.value("line", 0)) + sep + l.value("text", "") + "\n";
    }
    if (text.size() > max_bytes) {
      cut = true;
      break;
    }
  }
  if (text.size() > max_bytes) text.resize(max_bytes);
  if (text.empty()) text = "no matches\n";
  if (r.value("partial", false)) text += "[partial: " + r.value("partial_reason", "") + "]\n";
  if (cut) text += "[output cut at max_bytes=" + std::to_string(max_bytes) + "]\n";
  return TextResult(text, r);
}

json CallChainTool(const ToolContext& c) {
  if (auto e = c.Missing({"symbol"}); !e.empty()) return ErrorResult(e);
  const std::string direction = c.Str("direction").empty() ? "both" : c.Str("direction");
  std::string query = "?symbol=" + PercentEncode(c.Str("symbol")) +
                      "&direction=" + PercentEncode(direction) +
                      "&depth=" + std::to_string(c.Int("depth", 3));
  if (!c.Str("file").empty()) query += "&file=" + PercentEncode(c.Str("file"));
  auto [status, r] = c.Call("GET", c.IndexPath("/call_chain" + query), nullptr);
  if (status != 200) return ErrorResult(ApiError(status, r));
  std::string text;
  for (const auto& root : r["roots"]) RenderChain(root, "", 0, &text);
  if (r.value("truncated", false))
    text += "(tree cut at " + std::to_string(r.value("nodes", 0)) + " nodes)\n";
  const size_t max_bytes = c.MaxBytes();
  if (text.size() > max_bytes) text = text.substr(0, max_bytes) + "\n... (raise max_bytes)\n";
  return TextResult(text, r);
}

json IndexFileTool(const ToolContext& c) {
  return FileTool(c, /*remove=*/false);
}

json RemoveFileTool(const ToolContext& c) {
  return FileTool(c, /*remove=*/true);
}

json ListIndexesTool(const ToolContext& c) {
  auto [status, r] = c.Call("GET", "/indexes", nullptr);
  if (status != 200) return ErrorResult(ApiError(status, r));
  std::string text;
  for (const auto& i : r["indexes"]) {
    text += i.value("name", "") + "  " + i.value("root", "") + "  " +
            std::to_string(i.value("files", 0)) + " files, " +
            std::to_string(i.value("chunks", 0)) + " chunks  [" + i.value("state", "") + "]\n";
  }
  if (text.empty()) text = "no indexes yet: call create_index with a folder's absolute path\n";
  return TextResult(text, r);
}

json CreateIndexTool(const ToolContext& c) {
  if (auto e = c.Missing({"path"}); !e.empty()) return ErrorResult(e);
  json body = {{"path", c.Str("path")}, {"force", c.args().value("force", false)}};
  if (!c.Str("name").empty()) body["name"] = c.Str("name");
  auto [status, r] = c.Call("POST", "/indexes", body);
  if (status != 202) return ErrorResult(ApiError(status, r));
  return WaitForJob(c, r);
}

json ReindexTool(const ToolContext& c) {
  auto [status, r] =
      c.Call("POST", c.IndexPath("/reindex"), {{"force", c.args().value("force", false)}});
  if (status != 202) return ErrorResult(ApiError(status, r));
  return WaitForJob(c, r);
}

json DeleteIndexTool(const ToolContext& c) {
  auto [status, r] = c.Call("DELETE", c.IndexPath(""), nullptr);
  if (status != 200) return ErrorResult(ApiError(status, r));
  return TextResult("deleted index '" + c.Str("index") + "'\n", r);
}

json IndexStatusTool(const ToolContext& c) {
  auto [status, r] = c.Call("GET", c.IndexPath("/status"), nullptr);
  if (status != 200) return ErrorResult(ApiError(status, r));
  std::string text = r.value("name", "") + ": " + r.value("state", "") + ", " +
                     std::to_string(r.value("files", 0)) + " files, " +
                     std::to_string(r.value("chunks", 0)) + " chunks\n";
  const json lanes = r.value("lanes", json::object());  // items() must not outlive its json
  for (const auto& [lane, state] : lanes.items()) {
    if (state.is_string()) text += "  " + lane + ": " + state.get<std::string>() + "\n";
  }
  return TextResult(text, r);
}

json ListChunksTool(const ToolContext& c) {
  std::string query = "?limit=" + std::to_string(c.args().value("limit", 100)) +
                      "&offset=" + std::to_string(c.args().value("offset", 0));
  if (!c.Str("file").empty()) query += "&file=" + PercentEncode(c.Str("file"));
  auto [status, r] = c.Call("GET", c.IndexPath("/chunks" + query), nullptr);
  if (status != 200) return ErrorResult(ApiError(status, r));
  const size_t max_bytes = c.MaxBytes();
  std::string text;
  for (const auto& ch : r["chunks"]) {
    text += ch.value("file", "") + ":" + std::to_string(ch.value("start_line", 0)) + "-" +
            std::to_string(ch.value("end_line", 0)) + "  " + ch.value("chunk_type", "") + "  " +
            ch.value("function_name", "") + "  " + ch.value("id", "") + "\n";
    if (text.size() > max_bytes) break;
  }
  return TextResult(text.empty() ? "no chunks\n" : text, r);
}

json HealthTool(const ToolContext& c) {
  auto [status, r] = c.Call("GET", "/health", nullptr);
  if (status != 200) return ErrorResult(ApiError(status, r));
  return TextResult("status: " + r.value("status", "") + "\n" + r["indexes"].dump(1) + "\n", r);
}

}  // namespace ts::mcp
