// Public header of src/mcp: the Model Context Protocol server. It is
// transport-independent: Server::Handle takes one JSON-RPC message and returns
// the answer; the stdio transport (`trusty-search serve`) and the daemon's
// Streamable HTTP endpoint (/mcp) feed it. Tools reach the engine only through
// the daemon's HTTP API (an ApiCall), so both transports behave the same.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>

namespace ts::mcp {

// Protocol versions this server speaks, newest first.
inline constexpr const char* kProtocolVersions[] = {"2025-11-25", "2025-06-18", "2025-03-26",
                                                    "2024-11-05"};
bool IsSupportedVersion(const std::string& version);

// One call to the daemon's HTTP API: (method, path, JSON body) -> (status, JSON body).
// Status 0 means the daemon could not be reached.
using ApiCall = std::function<std::pair<int, nlohmann::json>(
    const std::string& method, const std::string& path, const nlohmann::json& body)>;

// An ApiCall that sends each request to the daemon listening on 127.0.0.1:port,
// with the token of `data_dir` (client.h).
ApiCall LoopbackApi(int port, std::string data_dir);

// Sends a JSON-RPC notification to the client (progress, log messages).
using Notify = std::function<void(const nlohmann::json& notification)>;

struct Session {
  std::string protocol_version;
  bool initialized = false;
  std::string log_level = "info";
};

class Server {
 public:
  explicit Server(ApiCall api) : api_(std::move(api)) {}
  // The response to a request, or nullopt for a notification or a response.
  // Never throws; malformed messages get JSON-RPC errors.
  std::optional<nlohmann::json> Handle(const nlohmann::json& message, Session& session,
                                       const Notify& notify) const;
  // A JSON-RPC error response.
  static nlohmann::json Error(const nlohmann::json& id, int code, const std::string& message);

 private:
  std::optional<nlohmann::json> HandleUnchecked(const nlohmann::json& message, Session& session,
                                                const Notify& notify) const;
  nlohmann::json CallTool(const nlohmann::json& params, const Notify& notify) const;
  ApiCall api_;
};

// The tool roster as tools/list returns it (name, description, inputSchema, outputSchema).
const nlohmann::json& ToolList();

// Runs the stdio transport until stdin closes: newline-delimited JSON-RPC on
// stdin/stdout; nothing but protocol messages goes to stdout.
int ServeStdio(const ApiCall& api);

}  // namespace ts::mcp
