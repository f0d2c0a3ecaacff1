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

json Spec(const std::string& name, const std::string& title, const std::string& description,
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

struct Tool {
  json spec;  // what tools/list shows
  ToolHandler handler;
  bool takes_index;  // CallTool checks the "index" argument before the handler runs
};

const std::vector<Tool>& Tools() {
  static const std::vector<Tool> tools = {
      {Spec("search", "Search one index",
            "Find code in one index by identifier or by what it does (hybrid by default: BM25 over "
            "code-aware tokens fused with embedding similarity, then graph intent; meta says "
            "which lanes answered). Returns ranked chunks: file, line range, "
            "symbol, score and a snippet. Use list_indexes first to learn index names.",
            SearchInput(true), kSearchOutput),
       SearchTool, true},
      {Spec("search_code", "Search one index (alias of search)",
            "Same as search; kept for compatibility.", SearchInput(true), kSearchOutput),
       SearchTool, true},
      {Spec("search_all", "Search every index",
            "Like search, over all indexes at once; each result names its index (index_id).",
            SearchInput(false), kSearchOutput),
       SearchAllTool, false},
      {Spec("search_similar", "Find chunks related to a chunk",
            "Chunks related to a given chunk id: its definition's callers and callees (symbol "
            "graph) and chunks that share its identifiers (lexical); the semantic lane joins when "
            "it exists.",
            Object({{"index", kIndexArg},
                    {"id", Str("A chunk id from a search result")},
                    {"top_k", Int("How many results", 1, 1000)},
                    {"max_bytes", kMaxBytesArg}},
                   {"index", "id"})),
       SearchSimilarTool, true},
      {Spec("grep", "Regex or literal search",
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
       GrepTool, true},
      {Spec("get_call_chain", "Callers and callees of a symbol",
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
       CallChainTool, true},
      {Spec(
           "index_file", "Re-index one file now",
           "Re-reads one file of an index right away (after an edit the watcher has not seen yet), "
           "or drops it if it is gone or ignored.",
           Object({{"index", kIndexArg},
                   {"path", Str("File path, relative to the index root or absolute inside it")}},
                  {"index", "path"})),
       IndexFileTool, true},
      {Spec("remove_file", "Drop one file from an index",
            "Removes a file's chunks from the index whatever is on disk.",
            Object({{"index", kIndexArg}, {"path", Str("File path, relative to the index root")}},
                   {"index", "path"})),
       RemoveFileTool, true},
      {Spec("list_indexes", "List indexes",
            "Every index with its root folder, size, state (ready, indexing, ...) and lanes.",
            Object(json::object(), json::array())),
       ListIndexesTool, false},
      {Spec("create_index", "Index a folder",
            "Registers a folder under a name (default: the folder's name) and indexes it; waits "
            "until it is ready (up to wait_seconds) and reports what was indexed.",
            Object({{"path", Str("Absolute path of the folder")},
                    {"name", Str("Index name (optional)")},
                    {"force", Bool("Rebuild even unchanged files")},
                    {"wait_seconds", Int("How long to wait for the index (default 600)", 0, 3600)}},
                   {"path"})),
       CreateIndexTool, false},
      {Spec("delete_index", "Delete an index",
            "Removes an index and its data (not the source folder).",
            Object({{"index", kIndexArg}}, {"index"})),
       DeleteIndexTool, true},
      {Spec("reindex", "Bring an index up to date",
            "Incremental update of an index (unchanged files are skipped); force rebuilds "
            "everything. "
            "Waits until done (up to wait_seconds), with progress notifications when asked.",
            Object({{"index", kIndexArg},
                    {"force", Bool("Rebuild even unchanged files")},
                    {"wait_seconds", Int("How long to wait (default 600)", 0, 3600)}},
                   {"index"})),
       ReindexTool, true},
      {Spec(
           "index_status", "State of one index",
           "Files, chunks, state, lanes (ok or unavailable and why) and the last update's summary.",
           Object({{"index", kIndexArg}}, {"index"})),
       IndexStatusTool, true},
      {Spec("list_chunks", "List an index's chunks",
            "The chunks of one file (or of the whole index), in line order: ids, lines, symbols, "
            "kinds.",
            Object({{"index", kIndexArg},
                    {"file", Str("Only this file (relative path)")},
                    {"limit", Int("At most this many (default 100)", 1, 10000)},
                    {"offset", Int("Skip this many", 0, 100000000)}},
                   {"index"})),
       ListChunksTool, true},
      {Spec("search_health", "Daemon health",
            "Whether the service is healthy, and each index's lanes.",
            Object(json::object(), json::array())),
       HealthTool, false},
  };
  return tools;
}

}  // namespace

const json& ToolList() {
  static const json list = [] {
    json l = json::array();
    for (const auto& t : Tools()) l.push_back(t.spec);
    return l;
  }();
  return list;
}

json Server::CallTool(const json& params, const Notify& notify) const {
  const std::string name = params["name"];
  const json args = params.value("arguments", json::object());
  const json progress_token = params.contains("_meta") && params["_meta"].is_object()
                                  ? params["_meta"].value("progressToken", json())
                                  : json();
  const ToolContext context(args, api_, progress_token, notify);
  for (const auto& t : Tools()) {
    if (t.spec["name"] != name) continue;
    if (t.takes_index) {
      if (auto e = context.Missing({"index"}); !e.empty()) return ErrorResult(e);
      if (!context.ValidIndex()) return ErrorResult("invalid index name");
    }
    return t.handler(context);
  }
  return ErrorResult("unknown tool '" + name + "'");
}

}  // namespace ts::mcp
