// MCP JSON-RPC messages from an agent: any JSON value reaches the server's
// dispatch; the daemon behind it answers every call with an error here, so
// the protocol layer itself (sessions, versions, tools/call arguments) is
// what runs.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mcp/mcp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto message = nlohmann::json::parse(
      std::string_view(reinterpret_cast<const char*>(data), size), nullptr, false);
  if (message.is_discarded()) return 0;
  static const ts::mcp::Server server(
      [](const std::string&, const std::string&, const nlohmann::json&) {
        return std::make_pair(
            503, nlohmann::json{{"error", {{"code", "unavailable"}, {"message", "fuzz"}}}});
      });
  ts::mcp::Session session;
  session.initialized = size % 2 == 0;
  (void)server.Handle(message, session, [](const nlohmann::json&) {});
  return 0;
}
