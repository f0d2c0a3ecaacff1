// Registers the HTTP JSON API (docs/API.md) on a cpp-httplib server.
#pragma once

#include <httplib.h>

#include <memory>

#include "daemon/access.h"
#include "daemon/service.h"

namespace ts::daemon {

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

void RegisterRoutes(httplib::Server& server, Service& service);

// Puts `guard` in front of every route, /mcp included (access.h): a refusal is
// a JSON error and the request is not routed. `GET /health` from a caller
// without proof answers liveness only (status, version, data dir), which is
// what a client checks before it sends its token to a port.
void RegisterAccessGuard(httplib::Server& server, Service& service,
                         std::shared_ptr<const AccessGuard> guard);

}  // namespace ts::daemon
