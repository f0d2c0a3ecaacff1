// Registers the HTTP JSON API (docs/API.md) on a cpp-httplib server: the
// routes (http_api.cc's table) and the access guard in front of them. The
// request limits and the JSON shapes are wire.h's.
#pragma once

#include <httplib.h>

#include <memory>

#include "daemon/access.h"
#include "daemon/service.h"

namespace ts::daemon {

void RegisterRoutes(httplib::Server& server, Service& service);

// Puts `guard` in front of every route, /mcp included (access.h): a refusal is
// a JSON error and the request is not routed. `GET /health` from a caller
// without proof answers liveness only (status, version, data dir), which is
// what a client checks before it sends its token to a port.
void RegisterAccessGuard(httplib::Server& server, Service& service,
                         std::shared_ptr<const AccessGuard> guard);

}  // namespace ts::daemon
