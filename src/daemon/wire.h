// The HTTP API's wire shapes (docs/API.md), in one place: the request bodies
// the daemon reads, each field checked with a precise error, and the JSON it
// writes. Route handlers (http_api.cc) and the service shape JSON only
// through here, so a field is named and typed once. Nothing here touches a
// socket: the parsers take bytes, which is what the request fuzz target feeds.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "graph/graph.h"
#include "grep/grep.h"
#include "index/index.h"
#include "util/status.h"

namespace ts::daemon {

struct Job;
struct SearchAllResult;

// Request limits; each violation gets a precise 4xx error.
inline constexpr size_t kMaxBodyBytes = 1u << 20;
inline constexpr size_t kMaxQueryBytes = 4096;
inline constexpr int64_t kMaxTopK = 1000;
// grep: context lines per side, selected lines per answer, and the time budget.
inline constexpr int64_t kMaxGrepContext = 1000;
inline constexpr int64_t kDefaultGrepResults = 10000;
inline constexpr int64_t kMaxGrepResults = 1000000;
inline constexpr int64_t kDefaultGrepTimeoutMs = 10000;
inline constexpr int64_t kMaxGrepTimeoutMs = 120000;

// ---- Requests ----

// A request body as a JSON object; an empty body is an empty object.
Result<nlohmann::json> ParseBody(std::string_view body);

// Typed field access; an absent or null field is the fallback.
Result<std::string> StringField(const nlohmann::json& j, const char* key, bool required,
                                std::string fallback = "");
Result<bool> BoolField(const nlohmann::json& j, const char* key, bool fallback);
Result<int64_t> IntField(const nlohmann::json& j, const char* key, int64_t fallback, int64_t lo,
                         int64_t hi);

// POST /indexes/{id}/search and POST /search.
struct SearchRequest {
  std::string query;
  index::QueryOptions options;
  bool compact = false;
};
Result<SearchRequest> ParseSearch(const nlohmann::json& body);

// POST /indexes/{id}/grep. The budget and the cap are always set: an
// unbounded grep could hold a handler thread and memory without end.
struct GrepRequest {
  std::string pattern;
  grep::GrepOptions options;
  bool text = false;  // answer in rg's text format instead of JSON
};
Result<GrepRequest> ParseGrep(const nlohmann::json& body);

// POST /indexes.
struct AddIndexRequest {
  std::string path;  // absolute
  std::string name;  // "" derives one from the path
  bool force = false;
  int graph = 1;  // 0: "graph": false or "no_kg": true
  index::ShrinkPolicy shrink = index::ShrinkPolicy::kRefuse;
};
Result<AddIndexRequest> ParseAddIndex(const nlohmann::json& body);

// POST /indexes/{id}/reindex.
struct ReindexRequest {
  bool force = false;
  index::ShrinkPolicy shrink = index::ShrinkPolicy::kRefuse;
};
Result<ReindexRequest> ParseReindex(const nlohmann::json& body);

// POST /indexes/{id}/search_similar.
struct SimilarRequest {
  std::string id;
  size_t top_k = 10;
  bool compact = false;
};
Result<SimilarRequest> ParseSimilar(const nlohmann::json& body);

// ---- Responses ----

// {"error": {"code", "message"}}, the shape of every refusal.
nlohmann::json ErrorJson(std::string_view code, const std::string& message);
// A search hit; `compact` sends a three-line snippet instead of the content.
nlohmann::json HitJson(const index::Hit& hit, bool compact);
nlohmann::json SummaryJson(const index::UpdateSummary& summary);
// One index's search answer. `watch` is the watcher's state of the index;
// a lost watch is reported in meta (results may be stale).
nlohmann::json SearchResultJson(const index::QueryResult& result, const SearchRequest& request,
                                const std::string& index_id, const std::string& watch);
// The merged answer of POST /search (Service::SearchAll).
nlohmann::json SearchAllJson(const SearchAllResult& result, bool compact);
nlohmann::json GrepJson(const grep::GrepResult& result);
nlohmann::json ChainNodeJson(const graph::ChainNode& node);
nlohmann::json EdgeJson(const graph::Edge& edge);
nlohmann::json ChunkJson(const index::Index::ChunkListing& chunk);
// A job's progress for the reindex event stream; the summary and error once
// it has finished.
nlohmann::json JobEventJson(const Job& job, bool finished);

// The compact serialisation every response uses: invalid UTF-8 in a file's
// content is replaced, never a reason to fail the answer.
std::string Dump(const nlohmann::json& j);

}  // namespace ts::daemon
