#include "client/client.h"
#include "mcp/mcp.h"

namespace ts::mcp {

using nlohmann::json;

ApiCall LoopbackApi(int port, std::string data_dir) {
  return [port, data_dir](const std::string& method, const std::string& path, const json& body) {
    client::HttpRequest request;
    // Read per call: `trusty-search token --rotate` may replace it meanwhile.
    if (auto token = client::ReadToken(data_dir); token.ok()) request.bearer_token = *token;
    request.method = method;
    request.target = path;
    request.read_timeout_ms = 3600 * 1000;  // create_index and reindex wait for their job
    if (!body.is_null())
      body.dump(-1, ' ', false, json::error_handler_t::replace).swap(request.body);
    auto res = client::Http(port, request);
    if (!res.ok()) return std::make_pair(0, json());
    json j = json::parse(res->body, nullptr, false);
    return std::make_pair(res->status, j.is_discarded() ? json() : j);
  };
}

}  // namespace ts::mcp
