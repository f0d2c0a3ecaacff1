// MCP's Streamable HTTP transport on a cpp-httplib server: POST /mcp answered
// as JSON (or as an SSE stream when a tool reports progress), GET /mcp 405 (no
// server-initiated stream), DELETE /mcp ends a session. Sessions are named by
// Mcp-Session-Id; Origin is checked against DNS rebinding (loopback only).
#pragma once

#include <httplib.h>

#include "mcp/mcp.h"

namespace ts::mcp {

void RegisterHttpRoutes(httplib::Server& server, ApiCall api);

// An ApiCall that sends each request to the daemon listening on 127.0.0.1:port.
ApiCall LoopbackApi(int port);

// Whether an Origin header value names this machine (http(s)://localhost,
// 127.0.0.1 or [::1], any port). An absent Origin (non-browser clients) is allowed.
bool IsLoopbackOrigin(const std::string& origin);

}  // namespace ts::mcp
