// The tool roster (DESIGN.md §6) and what each tool does: a call to the
// daemon's HTTP API, a structuredContent result, and a compact text an agent
// can read at a glance, bounded by max_bytes.
#include <chrono>
#include <thread>

#include "mcp/mcp.h"
#include "util/url.h"

namespace ts::mcp {

using nlohmann::json;

namespace {

constexpr int64_t kDefaultMaxBytes = 8000;

json Str(const std::string& description) {
  return {{"type", "string"}, {"description", description}};
}
json Int(const std::string& description, int64_t lo, int64_t hi) {
  return {{"type", "integer"}, {"description", description}, {"minimum", lo}, {"maximum", hi}};
}
json Bool(const std::string& description) {
  return {{"type", "boolean"}, {"description", description}};
}
json Object(json properties, json required) {
  return {
      {"type", "object"}, {"properties", std::move(properties)}, {"required", std::move(required)}};
}
json AnyObject() {
  return {{"type", "object"}};
}

const json kIndexArg = Str("Index name, as list_indexes shows it");
const json kMaxBytesArg =
    Int("Upper bound on the text rendering's size (default 8000)", 200, 1000000);

json Tool(const std::string& name, const std::string& title, const std::string& description,
          json input, json output = AnyObject()) {
  return {{"name", name},
          {"title", title},
          {"description", description},
          {"inputSchema", std::move(input)},
          {"outputSchema", std::move(output)}};
}

json SearchInput(bool with_index) {
  json props = {
      {"query",
       Str("Identifiers (getUserName, parse_header) or a description of what the code does")},
      {"top_k", Int("How many results (default 10)", 1, 1000)},
      {"mode",
       {{"type", "string"},
        {"enum", {"hybrid", "lexical", "semantic", "auto"}},
        {"description",
         "hybrid (default): BM25 and embeddings fused, best for both identifiers and "
         "descriptions; lexical: BM25 only (exact identifiers); semantic: embeddings only "
         "(descriptions that share no word with the code; an error when no model is loaded); "
         "auto: same as hybrid"}}},
      {"path_prefix", Str("Only results under this path, relative to the index root")},
      {"max_bytes", kMaxBytesArg}};
  json required = {"query"};
  if (with_index) {
    props["index"] = kIndexArg;
    required.push_back("index");
  }
  return Object(props, required);
}

const json kSearchOutput = {
    {"type", "object"},
    {"properties", {{"results", {{"type", "array"}}}, {"meta", {{"type", "object"}}}}},
    {"required", {"results"}}};

}  // namespace

const json& ToolList() {
  static const json tools = json::array({
      Tool("search", "Search one index",
           "Find code in one index by identifier or by what it does (hybrid by default: BM25 over "
           "code-aware tokens fused with embedding similarity, then graph intent; meta says "
           "which lanes answered). Returns ranked chunks: file, line range, "
           "symbol, score and a snippet. Use list_indexes first to learn index names.",
           SearchInput(true), kSearchOutput),
      Tool("search_code", "Search one index (alias of search)",
           "Same as search; kept for compatibility.", SearchInput(true), kSearchOutput),
      Tool("search_all", "Search every index",
           "Like search, over all indexes at once; each result names its index (index_id).",
           SearchInput(false), kSearchOutput),
      Tool("search_similar", "Find chunks related to a chunk",
           "Chunks related to a given chunk id: its definition's callers and callees (symbol "
           "graph) and chunks that share its identifiers (lexical); the semantic lane joins when "
           "it exists.",
           Object({{"index", kIndexArg},
                   {"id", Str("A chunk id from a search result")},
                   {"top_k", Int("How many results", 1, 1000)},
                   {"max_bytes", kMaxBytesArg}},
                  {"index", "id"})),
      Tool("grep", "Regex or literal search",
           "Exact regex or literal search of an index's files, answered from a trigram index in "
           "milliseconds; lines come back as ripgrep prints them (path:line:text, context lines "
           "path-line-text). Use it for exact identifiers, strings and patterns; use search for "
           "ranked, fuzzy questions.",
           Object({{"index", kIndexArg},
                   {"pattern", Str("Regular expression (RE2 syntax), or a literal with "
                                   "fixed_strings")},
                   {"fixed_strings", Bool("Treat the pattern as a literal string (rg -F)")},
                   {"ignore_case", Bool("Case-insensitive (rg -i)")},
                   {"word", Bool("Whole words only (rg -w)")},
                   {"invert", Bool("Lines that do not match (rg -v)")},
                   {"multiline", Bool("Matches may span lines (rg -U)")},
                   {"files_with_matches", Bool("Only the paths of matching files (rg -l)")},
                   {"context", Int("Lines of context before and after (rg -C)", 0, 1000)},
                   {"max_count", Int("Matching lines per file at most (rg -m)", 0, 1000000)},
                   {"globs",
                    {{"type", "array"},
                     {"items", {{"type", "string"}}},
                     {"description",
                      "gitignore-style globs restricting the files; '!glob' excludes"}}},
                   {"max_results", Int("Matching lines in all at most (default 200)", 1, 100000)},
                   {"max_bytes", kMaxBytesArg}},
                  {"index", "pattern"})),
      Tool("get_call_chain", "Callers and callees of a symbol",
           "Who calls a function and what it calls, as a tree with file:line for each node, "
           "from the symbol graph. Cycles are marked; calls that cannot be resolved list their "
           "candidates.",
           Object({{"index", kIndexArg},
                   {"symbol", Str("Function or method name (Class.method allowed)")},
                   {"direction",
                    {{"type", "string"},
                     {"enum", {"callers", "callees", "both"}},
                     {"description", "Which side of the tree (default both)"}}},
                   {"depth", Int("Levels of the tree (default 3)", 1, 10)},
                   {"file", Str("Only definitions in this file (relative path)")},
                   {"max_bytes", kMaxBytesArg}},
                  {"index", "symbol"})),
      Tool("index_file", "Re-index one file now",
           "Re-reads one file of an index right away (after an edit the watcher has not seen yet), "
           "or drops it if it is gone or ignored.",
           Object({{"index", kIndexArg},
                   {"path", Str("File path, relative to the index root or absolute inside it")}},
                  {"index", "path"})),
      Tool("remove_file", "Drop one file from an index",
           "Removes a file's chunks from the index whatever is on disk.",
           Object({{"index", kIndexArg}, {"path", Str("File path, relative to the index root")}},
                  {"index", "path"})),
      Tool("list_indexes", "List indexes",
           "Every index with its root folder, size, state (ready, indexing, ...) and lanes.",
           Object(json::object(), json::array())),
      Tool("create_index", "Index a folder",
           "Registers a folder under a name (default: the folder's name) and indexes it; waits "
           "until it is ready (up to wait_seconds) and reports what was indexed.",
           Object({{"path", Str("Absolute path of the folder")},
                   {"name", Str("Index name (optional)")},
                   {"force", Bool("Rebuild even unchanged files")},
                   {"wait_seconds", Int("How long to wait for the index (default 600)", 0, 3600)}},
                  {"path"})),
      Tool("delete_index", "Delete an index",
           "Removes an index and its data (not the source folder).",
           Object({{"index", kIndexArg}}, {"index"})),
      Tool("reindex", "Bring an index up to date",
           "Incremental update of an index (unchanged files are skipped); force rebuilds "
           "everything. "
           "Waits until done (up to wait_seconds), with progress notifications when asked.",
           Object({{"index", kIndexArg},
                   {"force", Bool("Rebuild even unchanged files")},
                   {"wait_seconds", Int("How long to wait (default 600)", 0, 3600)}},
                  {"index"})),
      Tool("index_status", "State of one index",
           "Files, chunks, state, lanes (ok or unavailable and why) and the last update's summary.",
           Object({{"index", kIndexArg}}, {"index"})),
      Tool("list_chunks", "List an index's chunks",
           "The chunks of one file (or of the whole index), in line order: ids, lines, symbols, "
           "kinds.",
           Object({{"index", kIndexArg},
                   {"file", Str("Only this file (relative path)")},
                   {"limit", Int("At most this many (default 100)", 1, 10000)},
                   {"offset", Int("Skip this many", 0, 100000000)}},
                  {"index"})),
      Tool("search_health", "Daemon health",
           "Whether the service is healthy, and each index's lanes.",
           Object(json::object(), json::array())),
  });
  return tools;
}

namespace {

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

json TextResult(const std::string& text, json structured, bool is_error = false) {
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

}  // namespace

json Server::CallTool(const json& params, const Notify& notify) const {
  std::string name = params["name"];
  if (name == "search_code") name = "search";
  const json args = params.value("arguments", json::object());
  const json progress_token = params.contains("_meta") && params["_meta"].is_object()
                                  ? params["_meta"].value("progressToken", json())
                                  : json();
  auto str = [&](const char* key) -> std::string {
    return args.contains(key) && args[key].is_string() ? args[key].get<std::string>()
                                                       : std::string();
  };
  auto need = [&](std::initializer_list<const char*> keys) -> std::string {
    for (const char* k : keys) {
      if (str(k).empty()) return std::string("missing argument '") + k + "' (a non-empty string)";
    }
    return "";
  };
  size_t max_bytes =
      static_cast<size_t>(args.contains("max_bytes") && args["max_bytes"].is_number_integer()
                              ? std::clamp<int64_t>(args["max_bytes"].get<int64_t>(), 200, 1000000)
                              : kDefaultMaxBytes);
  auto call = [&](const std::string& method, const std::string& path, const json& body) {
    return api_(method, path, body);
  };
  auto index_path = [&](const std::string& rest) { return "/indexes/" + str("index") + rest; };
  auto valid_index = [&]() {
    const std::string n = str("index");
    return !n.empty() && n.find('/') == std::string::npos && n.find('?') == std::string::npos;
  };

  if (name == "search" || name == "search_all") {
    if (auto e = need(name == "search" ? std::initializer_list<const char*>{"index", "query"}
                                       : std::initializer_list<const char*>{"query"});
        !e.empty()) {
      return ErrorResult(e);
    }
    if (name == "search" && !valid_index()) return ErrorResult("invalid index name");
    json body = {{"query", str("query")}};
    for (const char* k : {"top_k", "mode", "path_prefix"}) {
      if (args.contains(k)) body[k] = args[k];
    }
    auto [status, r] = call("POST", name == "search" ? index_path("/search") : "/search", body);
    if (status != 200) return ErrorResult(ApiError(status, r));
    return TextResult(RenderHits(r["results"], max_bytes), r);
  }
  if (name == "list_indexes") {
    auto [status, r] = call("GET", "/indexes", nullptr);
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
  if (name == "search_health") {
    auto [status, r] = call("GET", "/health", nullptr);
    if (status != 200) return ErrorResult(ApiError(status, r));
    return TextResult("status: " + r.value("status", "") + "\n" + r["indexes"].dump(1) + "\n", r);
  }
  if (name == "create_index" || name == "reindex") {
    std::string index;
    int status;
    json r;
    if (name == "create_index") {
      if (auto e = need({"path"}); !e.empty()) return ErrorResult(e);
      json body = {{"path", str("path")}, {"force", args.value("force", false)}};
      if (!str("name").empty()) body["name"] = str("name");
      std::tie(status, r) = call("POST", "/indexes", body);
    } else {
      if (auto e = need({"index"}); !e.empty()) return ErrorResult(e);
      if (!valid_index()) return ErrorResult("invalid index name");
      std::tie(status, r) =
          call("POST", index_path("/reindex"), {{"force", args.value("force", false)}});
    }
    if (status != 202) return ErrorResult(ApiError(status, r));
    index = r.value("index", "");
    int64_t wait = args.contains("wait_seconds") && args["wait_seconds"].is_number_integer()
                       ? args["wait_seconds"].get<int64_t>()
                       : 600;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait);
    json st;
    while (true) {
      std::tie(status, st) = call("GET", "/indexes/" + index + "/status", nullptr);
      if (status != 200) return ErrorResult(ApiError(status, st));
      const json job = st.value("job", json::object());
      bool running = st.value("state", "") == "indexing" || st.value("state", "") == "updating";
      if (!progress_token.is_null() && notify && job.contains("progress")) {
        notify({{"jsonrpc", "2.0"},
                {"method", "notifications/progress"},
                {"params",
                 {{"progressToken", progress_token},
                  {"progress", job["progress"].value("files_done", 0)},
                  {"total", job["progress"].value("files_total", 0)},
                  {"message", job["progress"].value("phase", "")}}}});
      }
      if (!running && job.value("id", 0) >= r.value("job", 0)) break;
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
  // The rest take an index.
  if (auto e = need({"index"}); !e.empty()) return ErrorResult(e);
  if (!valid_index()) return ErrorResult("invalid index name");
  if (name == "index_status") {
    auto [status, r] = call("GET", index_path("/status"), nullptr);
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
  if (name == "delete_index") {
    auto [status, r] = call("DELETE", index_path(""), nullptr);
    if (status != 200) return ErrorResult(ApiError(status, r));
    return TextResult("deleted index '" + str("index") + "'\n", r);
  }
  if (name == "index_file" || name == "remove_file") {
    if (auto e = need({"path"}); !e.empty()) return ErrorResult(e);
    auto [status, r] = call(name == "index_file" ? "POST" : "DELETE", index_path("/files"),
                            {{"path", str("path")}});
    if (status != 200) return ErrorResult(ApiError(status, r));
    return TextResult((name == "index_file" ? "updated " : "removed ") + r.value("path", "") + "\n",
                      r);
  }
  if (name == "list_chunks") {
    std::string query = "?limit=" + std::to_string(args.value("limit", 100)) +
                        "&offset=" + std::to_string(args.value("offset", 0));
    if (!str("file").empty()) {
      query += "&file=" + PercentEncode(str("file"));
    }
    auto [status, r] = call("GET", index_path("/chunks" + query), nullptr);
    if (status != 200) return ErrorResult(ApiError(status, r));
    std::string text;
    for (const auto& c : r["chunks"]) {
      text += c.value("file", "") + ":" + std::to_string(c.value("start_line", 0)) + "-" +
              std::to_string(c.value("end_line", 0)) + "  " + c.value("chunk_type", "") + "  " +
              c.value("function_name", "") + "  " + c.value("id", "") + "\n";
      if (text.size() > max_bytes) break;
    }
    return TextResult(text.empty() ? "no chunks\n" : text, r);
  }
  if (name == "grep") {
    if (auto e = need({"index", "pattern"}); !e.empty()) return ErrorResult(e);
    if (!valid_index()) return ErrorResult("invalid index name");
    json body = {{"pattern", str("pattern")}, {"max_results", 200}};
    for (const char* k : {"fixed_strings", "ignore_case", "word", "invert", "multiline",
                          "files_with_matches", "context", "max_count", "globs", "max_results"}) {
      if (args.contains(k)) body[k] = args[k];
    }
    auto [status, r] = call("POST", index_path("/grep"), body);
    if (status != 200) return ErrorResult(ApiError(status, r));
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
  if (name == "get_call_chain") {
    if (auto e = need({"symbol"}); !e.empty()) return ErrorResult(e);
    std::string query = "?symbol=" + PercentEncode(str("symbol")) + "&direction=" +
                        PercentEncode(str("direction").empty() ? "both" : str("direction")) +
                        "&depth=" +
                        std::to_string(args.contains("depth") && args["depth"].is_number_integer()
                                           ? args["depth"].get<int64_t>()
                                           : 3);
    if (!str("file").empty()) query += "&file=" + PercentEncode(str("file"));
    auto [status, r] = call("GET", index_path("/call_chain" + query), nullptr);
    if (status != 200) return ErrorResult(ApiError(status, r));
    std::string text;
    for (const auto& root : r["roots"]) RenderChain(root, "", 0, &text);
    if (r.value("truncated", false))
      text += "(tree cut at " + std::to_string(r.value("nodes", 0)) + " nodes)\n";
    if (text.size() > max_bytes) text = text.substr(0, max_bytes) + "\n... (raise max_bytes)\n";
    return TextResult(text, r);
  }
  if (name == "search_similar") {
    if (auto e = need({"id"}); !e.empty()) return ErrorResult(e);
    json body = {{"id", str("id")}};
    if (args.contains("top_k")) body["top_k"] = args["top_k"];
    auto [status, r] = call("POST", index_path("/search_similar"), body);
    if (status != 200) return ErrorResult(ApiError(status, r));
    return TextResult(RenderHits(r["results"], max_bytes), r);
  }
  return ErrorResult("unknown tool '" + name + "'");
}

}  // namespace ts::mcp
