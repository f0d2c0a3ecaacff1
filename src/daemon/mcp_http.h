// MCP's Streamable HTTP transport on the daemon's cpp-httplib server: POST /mcp answered
// as JSON (or as an SSE stream when a tool reports progress), GET /mcp 405 (no
// server-initiated stream), DELETE /mcp ends a session. Sessions are named by
// Mcp-Session-Id; Origin is checked against DNS rebinding (loopback only).
#pragma once

#include <httplib.h>

#include "mcp/mcp.h"

namespace ts::daemon {

void RegisterMcpRoutes(httplib::Server& server, mcp::ApiCall api);

// Whether an Origin header value names this machine (http(s)://localhost,
// 127.0.0.1 or [::1], any port). An absent Origin (non-browser clients) is allowed.
bool IsLoopbackOrigin(const std::string& origin);

}  // namespace ts::daemon
