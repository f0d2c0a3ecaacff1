#include <algorithm>

#include "mcp/mcp.h"

namespace ts::mcp {

using nlohmann::json;

namespace {

constexpr int kParseError = -32700;
constexpr int kInvalidRequest = -32600;
constexpr int kMethodNotFound = -32601;
constexpr int kInvalidParams = -32602;
constexpr size_t kToolsPageSize = 50;

const char* const kLogLevels[] = {"debug", "info",     "notice", "warning",
                                  "error", "critical", "alert",  "emergency"};

json Result(const json& id, json result) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

}  // namespace

bool IsSupportedVersion(const std::string& version) {
  for (const char* v : kProtocolVersions) {
    if (version == v) return true;
  }
  return false;
}

json Server::Error(const json& id, int code, const std::string& message) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
}

std::optional<json> Server::Handle(const json& message, Session& session,
                                   const Notify& notify) const {
  try {
    return HandleUnchecked(message, session, notify);
  } catch (const json::exception& e) {
    // A field of an unexpected type that a handler read with a typed
    // accessor (mcp_fuzz found `{"jsonrpc": {...}}`): an error answer, never
    // a thrown exception that would end the stdio server.
    if (!message.is_object() || !message.contains("id")) return std::nullopt;
    const json& id = message["id"];
    return Error(id.is_string() || id.is_number_integer() ? id : json(nullptr), kInvalidParams,
                 std::string("invalid message: ") + e.what());
  }
}

std::optional<json> Server::HandleUnchecked(const json& message, Session& session,
                                            const Notify& notify) const {
  if (!message.is_object())
    return Error(nullptr, kInvalidRequest, "a JSON-RPC message must be an object");
  if (!message.contains("jsonrpc") || message["jsonrpc"] != "2.0") {
    return Error(message.contains("id") ? message["id"] : json(nullptr), kInvalidRequest,
                 "\"jsonrpc\" must be \"2.0\"");
  }
  if (!message.contains("method")) return std::nullopt;  // a response to us: nothing to do
  if (!message["method"].is_string())
    return Error(message.value("id", json()), kInvalidRequest, "\"method\" must be a string");
  const std::string method = message["method"];
  const bool is_notification = !message.contains("id");
  const json id = is_notification ? json() : message["id"];
  if (!is_notification && !(id.is_string() || id.is_number_integer())) {
    return Error(nullptr, kInvalidRequest, "\"id\" must be a string or an integer");
  }
  const json params = message.value("params", json::object());
  if (!params.is_object()) {
    return is_notification
               ? std::nullopt
               : std::optional<json>(Error(id, kInvalidParams, "\"params\" must be an object"));
  }

  if (is_notification) {
    if (method == "notifications/initialized") session.initialized = true;
    // notifications/cancelled: every call here is short or bounded; nothing to stop.
    return std::nullopt;
  }
  if (method == "initialize") {
    std::string requested = params.value("protocolVersion", "");
    session.protocol_version = IsSupportedVersion(requested) ? requested : kProtocolVersions[0];
    return Result(
        id, {{"protocolVersion", session.protocol_version},
             {"capabilities",
              {{"tools", {{"listChanged", false}}},
               {"logging", json::object()},
               {"completions", json::object()}}},
             {"serverInfo",
              {{"name", "trusty-search"},
               {"title", "trusty-search code search"},
               {"version", "0.1.0"}}},
             {"instructions",
              "Hybrid code search over named indexes. Start with list_indexes; use search "
              "(or search_all) with identifiers or a description of what the code does; "
              "index_status tells whether an index is fresh and which lanes are available."}});
  }
  if (method == "ping") return Result(id, json::object());
  if (method == "logging/setLevel") {
    std::string level = params.value("level", "");
    if (std::find(std::begin(kLogLevels), std::end(kLogLevels), level) == std::end(kLogLevels)) {
      return Error(id, kInvalidParams, "unknown log level '" + level + "'");
    }
    session.log_level = level;
    return Result(id, json::object());
  }
  if (method == "tools/list") {
    size_t start = 0;
    if (params.contains("cursor")) {
      const json& c = params["cursor"];
      if (!c.is_string() || c.get<std::string>().empty() ||
          c.get<std::string>().find_first_not_of("0123456789") != std::string::npos) {
        return Error(id, kInvalidParams, "invalid cursor");
      }
      start = std::stoul(c.get<std::string>());
    }
    const json& all = ToolList();
    json page = json::array();
    for (size_t i = start; i < all.size() && page.size() < kToolsPageSize; ++i)
      page.push_back(all[i]);
    json result = {{"tools", page}};
    if (start + kToolsPageSize < all.size())
      result["nextCursor"] = std::to_string(start + kToolsPageSize);
    return Result(id, result);
  }
  if (method == "tools/call") {
    if (!params.contains("name") || !params["name"].is_string()) {
      return Error(id, kInvalidParams, "tools/call needs a \"name\"");
    }
    bool known = false;
    for (const auto& t : ToolList()) known = known || t["name"] == params["name"];
    if (!known) {
      return Error(id, kInvalidParams, "unknown tool '" + params["name"].get<std::string>() + "'");
    }
    if (params.contains("arguments") && !params["arguments"].is_object()) {
      return Error(id, kInvalidParams, "\"arguments\" must be an object");
    }
    return Result(id, CallTool(params, notify));
  }
  if (method == "completion/complete") {
    // No prompts or resource templates take arguments here, so nothing to complete.
    return Result(id,
                  {{"completion", {{"values", json::array()}, {"total", 0}, {"hasMore", false}}}});
  }
  if (method == "resources/list" || method == "prompts/list") {
    return Error(id, kMethodNotFound, "this server offers tools only");
  }
  return Error(id, kMethodNotFound, "unknown method '" + method + "'");
}

}  // namespace ts::mcp
