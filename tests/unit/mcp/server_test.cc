// The MCP tool table and the JSON-RPC layer in front of it (no daemon: calls
// that would reach one are not made here; tests/mcp runs the official SDK
// client against a real daemon).
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "mcp/mcp.h"

namespace ts::mcp {
namespace {

using nlohmann::json;

Server NoDaemon(int* calls) {
  return Server([calls](const std::string&, const std::string&, const json&) {
    ++*calls;
    return std::make_pair(0, json());
  });
}

TEST(McpToolTable, EveryToolHasANameADescriptionAndObjectSchemas) {
  const json& tools = ToolList();
  ASSERT_TRUE(tools.is_array());
  std::set<std::string> names;
  for (const auto& t : tools) {
    ASSERT_TRUE(t.contains("name") && t["name"].is_string()) << t.dump();
    const std::string name = t["name"];
    EXPECT_TRUE(names.insert(name).second) << "duplicate tool " << name;
    EXPECT_TRUE(t.contains("description") && !t["description"].get<std::string>().empty()) << name;
    ASSERT_TRUE(t.contains("inputSchema")) << name;
    EXPECT_EQ(t["inputSchema"].value("type", ""), "object") << name;
    if (t.contains("outputSchema")) {
      EXPECT_EQ(t["outputSchema"].value("type", ""), "object") << name;
    }
  }
  // The Rust trusty-search's names, which agents' prompts use.
  for (const char* expected : {"search", "index_file", "create_index"}) {
    EXPECT_TRUE(names.count(expected)) << expected;
  }
}

// Every row of the table dispatches to its handler: each tool, given the
// arguments it requires, makes the API call it stands for, and a tool that
// takes an index refuses to run without a valid one.
TEST(McpToolTable, EachToolCallsItsRoute) {
  struct Recorded {
    std::string method, path;
    json body;
  };
  std::vector<Recorded> seen;
  const Server server(
      [&seen](const std::string& method, const std::string& path, const json& body) {
        seen.push_back({method, path, body});
        return std::make_pair(500, json{{"error", {{"message", "recorded"}}}});
      });
  Session session;
  session.initialized = true;
  session.protocol_version = "2025-06-18";
  auto call = [&](const std::string& name, json args) {
    seen.clear();
    auto r = server.Handle({{"jsonrpc", "2.0"},
                            {"id", 7},
                            {"method", "tools/call"},
                            {"params", {{"name", name}, {"arguments", args}}}},
                           session, nullptr);
    EXPECT_TRUE(r.has_value()) << name;
    return r ? r->value("result", json::object()) : json::object();
  };
  const json x = {{"index", "x"}};
  const std::vector<std::tuple<std::string, json, std::string, std::string>> cases = {
      {"search", {{"index", "x"}, {"query", "q"}}, "POST", "/indexes/x/search"},
      {"search_code", {{"index", "x"}, {"query", "q"}}, "POST", "/indexes/x/search"},
      {"search_all", {{"query", "q"}}, "POST", "/search"},
      {"search_similar", {{"index", "x"}, {"id", "c1"}}, "POST", "/indexes/x/search_similar"},
      {"grep", {{"index", "x"}, {"pattern", "p"}}, "POST", "/indexes/x/grep"},
      {"get_call_chain",
       {{"index", "x"}, {"symbol", "f"}},
       "GET",
       "/indexes/x/call_chain?symbol=f&direction=both&depth=3"},
      {"index_file", {{"index", "x"}, {"path", "a.py"}}, "POST", "/indexes/x/files"},
      {"remove_file", {{"index", "x"}, {"path", "a.py"}}, "DELETE", "/indexes/x/files"},
      {"list_indexes", json::object(), "GET", "/indexes"},
      {"create_index", {{"path", "/src"}}, "POST", "/indexes"},
      {"delete_index", x, "DELETE", "/indexes/x"},
      {"reindex", x, "POST", "/indexes/x/reindex"},
      {"index_status", x, "GET", "/indexes/x/status"},
      {"list_chunks", x, "GET", "/indexes/x/chunks?limit=100&offset=0"},
      {"search_health", json::object(), "GET", "/health"},
  };
  std::set<std::string> covered;
  for (const auto& [name, args, method, path] : cases) {
    const json result = call(name, args);
    ASSERT_EQ(seen.size(), 1u) << name;
    EXPECT_EQ(seen[0].method, method) << name;
    EXPECT_EQ(seen[0].path, path) << name;
    EXPECT_TRUE(result.value("isError", false)) << name << ": the API answered 500";
    covered.insert(name);
  }
  for (const auto& t : ToolList()) EXPECT_TRUE(covered.count(t["name"])) << t["name"];
  // An index argument is required, and must not leave /indexes/{id}.
  for (const json& bad : {json::object(), json{{"index", "../health"}}, json{{"index", 3}}}) {
    const json result = call("index_status", bad);
    EXPECT_TRUE(seen.empty()) << bad.dump();
    EXPECT_TRUE(result.value("isError", false)) << bad.dump();
  }
  // An unknown tool is a JSON-RPC error, and reaches no route.
  auto unknown = server.Handle({{"jsonrpc", "2.0"},
                                {"id", 8},
                                {"method", "tools/call"},
                                {"params", {{"name", "no_such_tool"}}}},
                               session, nullptr);
  ASSERT_TRUE(unknown.has_value());
  EXPECT_TRUE(unknown->contains("error"));
}

TEST(McpServer, InitializeListAndErrorsWithoutTheDaemon) {
  int calls = 0;
  const Server server = NoDaemon(&calls);
  Session session;
  auto init = server.Handle({{"jsonrpc", "2.0"},
                             {"id", 1},
                             {"method", "initialize"},
                             {"params",
                              {{"protocolVersion", "2025-06-18"},
                               {"capabilities", json::object()},
                               {"clientInfo", {{"name", "t"}, {"version", "1"}}}}}},
                            session, nullptr);
  ASSERT_TRUE(init.has_value());
  EXPECT_EQ((*init)["result"]["protocolVersion"], "2025-06-18");
  auto list =
      server.Handle({{"jsonrpc", "2.0"}, {"id", 2}, {"method", "tools/list"}}, session, nullptr);
  ASSERT_TRUE(list.has_value());
  EXPECT_EQ((*list)["result"]["tools"].size(), ToolList().size());
  auto unknown =
      server.Handle({{"jsonrpc", "2.0"}, {"id", 3}, {"method", "no/such"}}, session, nullptr);
  ASSERT_TRUE(unknown.has_value());
  EXPECT_EQ((*unknown)["error"]["code"], -32601);
  auto bad_tool =
      server.Handle({{"jsonrpc", "2.0"},
                     {"id", 4},
                     {"method", "tools/call"},
                     {"params", {{"name", "no_such_tool"}, {"arguments", json::object()}}}},
                    session, nullptr);
  ASSERT_TRUE(bad_tool.has_value());
  EXPECT_TRUE(bad_tool->contains("error") || (*bad_tool)["result"].value("isError", false))
      << bad_tool->dump();
  EXPECT_FALSE(
      server.Handle({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}, session, nullptr)
          .has_value());  // a notification gets no answer
  // Fields of the wrong type get an error answer, never an exception.
  for (
      const char* text :
      {R"({"jsonrpc":{"cursor":"abc"},"id":5})",
       R"({"jsonrpc":"2.0","id":6,"method":"initialize","params":{"protocolVersion":7}})",
       R"({"jsonrpc":"2.0","id":7,"method":"logging/setLevel","params":{"level":[1]}})",
       R"({"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"search","arguments":{"query":5,"index":{}}}})"}) {
    std::optional<json> reply;
    EXPECT_NO_THROW(reply = server.Handle(json::parse(text), session, nullptr)) << text;
    ASSERT_TRUE(reply.has_value()) << text;
    EXPECT_TRUE(reply->contains("error") || (*reply)["result"].value("isError", false)) << text;
  }
  EXPECT_EQ(calls, 0);  // none of this needed the daemon
}

}  // namespace
}  // namespace ts::mcp
