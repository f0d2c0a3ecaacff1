#include <iostream>
#include <mutex>
#include <string>

#include "mcp/mcp.h"

namespace ts::mcp {

int ServeStdio(const ApiCall& api) {
  Server server(api);
  Session session;
  std::mutex out_mu;  // a response and a notification must not interleave
  auto write = [&](const nlohmann::json& message) {
    std::lock_guard<std::mutex> lock(out_mu);
    std::cout << message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    std::cout.flush();
  };
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto message = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (message.is_discarded()) {
      write(Server::Error(nullptr, -32700, "parse error: not valid JSON"));
      continue;
    }
    if (message.is_array()) {
      write(Server::Error(nullptr, -32600, "batches are not supported; send one message per line"));
      continue;
    }
    auto response = server.Handle(message, session, write);
    if (response) write(*response);
  }
  return 0;
}

}  // namespace ts::mcp
