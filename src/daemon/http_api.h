// Registers the HTTP JSON API (docs/API.md) on a cpp-httplib server.
#pragma once

#include <httplib.h>

#include "daemon/service.h"

namespace ts::daemon {

// Request limits; each violation gets a precise 4xx error.
inline constexpr size_t kMaxBodyBytes = 1u << 20;
inline constexpr size_t kMaxQueryBytes = 4096;
inline constexpr int64_t kMaxTopK = 1000;

void RegisterRoutes(httplib::Server& server, Service& service);

}  // namespace ts::daemon
