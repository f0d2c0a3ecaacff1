#include "daemon/mcp_http.h"

#include "daemon/stream_limit.h"

#include <map>
#include <memory>
#include <mutex>
#include <random>

namespace ts::daemon {

using nlohmann::json;

namespace {

constexpr size_t kMaxSessions = 1000;

class Sessions {
 public:
  std::string Create(const mcp::Session& s) {
    std::lock_guard<std::mutex> lock(mu_);
    if (sessions_.size() >= kMaxSessions)
      sessions_.erase(order_.front()), order_.erase(order_.begin());
    std::string id = NewId();
    sessions_[id] = s;
    order_.push_back(id);
    return id;
  }
  bool Get(const std::string& id, mcp::Session* s) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = sessions_.find(id);
    if (it == sessions_.end()) return false;
    *s = it->second;
    return true;
  }
  void Put(const std::string& id, const mcp::Session& s) {
    std::lock_guard<std::mutex> lock(mu_);
    if (sessions_.count(id)) sessions_[id] = s;
  }
  bool Remove(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    order_.erase(std::remove(order_.begin(), order_.end(), id), order_.end());
    return sessions_.erase(id) > 0;
  }

 private:
  std::string NewId() {
    static const char kHex[] = "0123456789abcdef";
    std::string id;
    for (int i = 0; i < 32; ++i) id.push_back(kHex[rng_() % 16]);
    return id;
  }
  std::mutex mu_;
  std::map<std::string, mcp::Session> sessions_;
  std::vector<std::string> order_;
  std::mt19937_64 rng_{std::random_device{}()};
};

void SendRpcError(httplib::Response& res, int http_status, int code, const std::string& message) {
  res.status = http_status;
  res.set_content(mcp::Server::Error(nullptr, code, message)
                      .dump(-1, ' ', false, json::error_handler_t::replace),
                  "application/json");
}

}  // namespace

bool IsLoopbackOrigin(const std::string& origin) {
  if (origin.empty()) return true;
  size_t scheme = origin.find("://");
  if (scheme == std::string::npos) return false;
  std::string rest = origin.substr(scheme + 3);
  std::string host;
  if (!rest.empty() && rest[0] == '[') {
    host = rest.substr(0, rest.find(']') + 1);
  } else {
    host = rest.substr(0, rest.find_first_of(":/"));
  }
  return host == "localhost" || host == "127.0.0.1" || host == "[::1]";
}

void RegisterMcpRoutes(httplib::Server& server, mcp::ApiCall api) {
  auto sessions = std::make_shared<Sessions>();
  auto rpc = std::make_shared<mcp::Server>(std::move(api));

  server.Post("/mcp", [sessions, rpc](const httplib::Request& req, httplib::Response& res) {
    if (!IsLoopbackOrigin(req.get_header_value("Origin"))) {
      return SendRpcError(res, 403, -32000,
                          "Origin not allowed: " + req.get_header_value("Origin"));
    }
    std::string version = req.get_header_value("MCP-Protocol-Version");
    if (!version.empty() && !mcp::IsSupportedVersion(version)) {
      return SendRpcError(res, 400, -32600, "unsupported MCP-Protocol-Version " + version);
    }
    json message = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (message.is_discarded())
      return SendRpcError(res, 400, -32700, "parse error: not valid JSON");
    if (!message.is_object()) {
      return SendRpcError(res, 400, -32600, "send one JSON-RPC message per request (no batches)");
    }
    const bool is_initialize = message.value("method", "") == "initialize";
    std::string session_id = req.get_header_value("Mcp-Session-Id");
    mcp::Session session;
    if (is_initialize) {
      auto reply = rpc->Handle(message, session, nullptr);
      if (reply && reply->contains("result")) {
        res.set_header("Mcp-Session-Id", sessions->Create(session));
      }
      res.set_content(reply ? reply->dump(-1, ' ', false, json::error_handler_t::replace) : "{}",
                      "application/json");
      return;
    }
    if (session_id.empty())
      return SendRpcError(res, 400, -32000, "missing Mcp-Session-Id header (initialize first)");
    if (!sessions->Get(session_id, &session)) {
      return SendRpcError(res, 404, -32001, "unknown or ended session; initialize again");
    }
    if (!message.contains("method") || !message.contains("id")) {  // notification or response
      (void)rpc->Handle(message, session, nullptr);
      sessions->Put(session_id, session);
      res.status = 202;
      return;
    }
    const json params = message.value("params", json::object());
    bool progress = params.is_object() && params.contains("_meta") && params["_meta"].is_object() &&
                    params["_meta"].contains("progressToken");
    bool accepts_sse =
        req.get_header_value("Accept").find("text/event-stream") != std::string::npos;
    // At the cap on open streams (stream_limit.h) the answer comes as plain
    // JSON, without progress: valid for a client that accepts either.
    std::shared_ptr<const int> ticket;
    if (progress && accepts_sse) ticket = OpenStreams().TryOpen();
    if (ticket) {
      // Progress notifications and the result travel on one SSE stream.
      res.set_header("Cache-Control", "no-cache");
      res.set_chunked_content_provider(
          "text/event-stream", [rpc, sessions, message, session, session_id, ticket](
                                   size_t, httplib::DataSink& sink) mutable {
            auto send = [&sink](const json& m) {
              std::string ev = "event: message\ndata: " +
                               m.dump(-1, ' ', false, json::error_handler_t::replace) + "\n\n";
              sink.write(ev.data(), ev.size());
            };
            auto reply = rpc->Handle(message, session, send);
            if (reply) send(*reply);
            sessions->Put(session_id, session);
            sink.done();
            return true;
          });
      return;
    }
    auto reply = rpc->Handle(message, session, nullptr);
    sessions->Put(session_id, session);
    res.set_content(reply ? reply->dump(-1, ' ', false, json::error_handler_t::replace) : "{}",
                    "application/json");
  });

  server.Get("/mcp", [](const httplib::Request& req, httplib::Response& res) {
    if (!IsLoopbackOrigin(req.get_header_value("Origin"))) {
      return SendRpcError(res, 403, -32000, "Origin not allowed");
    }
    res.set_header("Allow", "POST, DELETE");
    SendRpcError(res, 405, -32000,
                 "this server does not open server-initiated streams; POST requests");
  });

  server.Delete("/mcp", [sessions](const httplib::Request& req, httplib::Response& res) {
    if (!IsLoopbackOrigin(req.get_header_value("Origin"))) {
      return SendRpcError(res, 403, -32000, "Origin not allowed");
    }
    std::string id = req.get_header_value("Mcp-Session-Id");
    if (id.empty()) return SendRpcError(res, 400, -32000, "missing Mcp-Session-Id header");
    if (!sessions->Remove(id)) return SendRpcError(res, 404, -32001, "unknown session");
    res.status = 200;
  });
}

}  // namespace ts::daemon
