#include "daemon/http_api.h"

#include <algorithm>
#include <chrono>
#include <future>
#include <thread>

#include "daemon/stream_limit.h"
#include "util/rel_path.h"

namespace ts::daemon {
namespace {

using nlohmann::json;

int HttpStatusFor(Status::Code code) {
  switch (code) {
    case Status::Code::kInvalidArgument:
      return 400;
    case Status::Code::kNotFound:
      return 404;
    case Status::Code::kAlreadyExists:
      return 409;
    case Status::Code::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

void SendJson(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

void SendError(httplib::Response& res, int status, std::string_view code,
               const std::string& message) {
  SendJson(res, status, {{"error", {{"code", code}, {"message", message}}}});
}

void SendTooManyStreams(httplib::Response& res) {
  res.set_header("Retry-After", "1");
  SendError(res, 503, "too_many_streams",
            "already " + std::to_string(kMaxOpenStreams) +
                " open streams (progress, graph edges, MCP); retry when one ends");
}

void SendStatus(httplib::Response& res, const Status& s) {
  SendError(res, HttpStatusFor(s.code()), s.code_name(), s.message());
}

// The body as a JSON object; an empty body is an empty object.
Result<json> ParseBody(const httplib::Request& req) {
  if (req.body.empty()) return json::object();
  json j = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return Status::InvalidArgument("request body is not valid JSON (or not UTF-8)");
  if (!j.is_object()) return Status::InvalidArgument("request body must be a JSON object");
  return j;
}

// Typed field access with precise errors.
Result<std::string> StringField(const json& j, const char* key, bool required,
                                std::string fallback = "") {
  if (!j.contains(key) || j[key].is_null()) {
    if (required) return Status::InvalidArgument(std::string("missing field '") + key + "'");
    return fallback;
  }
  if (!j[key].is_string())
    return Status::InvalidArgument(std::string("field '") + key + "' must be a string");
  return j[key].get<std::string>();
}

Result<bool> BoolField(const json& j, const char* key, bool fallback) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  if (!j[key].is_boolean())
    return Status::InvalidArgument(std::string("field '") + key + "' must be a boolean");
  return j[key].get<bool>();
}

Result<int64_t> IntField(const json& j, const char* key, int64_t fallback, int64_t lo, int64_t hi) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  if (!j[key].is_number_integer())
    return Status::InvalidArgument(std::string("field '") + key + "' must be an integer");
  int64_t v = j[key].get<int64_t>();
  if (v < lo || v > hi) {
    return Status::InvalidArgument(std::string("field '") + key + "' must be between " +
                                   std::to_string(lo) + " and " + std::to_string(hi));
  }
  return v;
}

struct SearchRequest {
  std::string query;
  index::QueryOptions options;
  bool compact = false;
  bool expand_graph = false;
};

Result<SearchRequest> ParseSearch(const json& body) {
  SearchRequest r;
  std::string key = body.contains("query") ? "query" : "text";  // "text" is an accepted alias
  TS_ASSIGN_OR_RETURN(r.query, StringField(body, key.c_str(), true));
  if (r.query.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Status::InvalidArgument("query is empty");
  }
  if (r.query.size() > kMaxQueryBytes) {
    return Status::InvalidArgument("query is " + std::to_string(r.query.size()) +
                                   " bytes; the limit is " + std::to_string(kMaxQueryBytes));
  }
  TS_ASSIGN_OR_RETURN(int64_t k, IntField(body, "top_k", 10, 1, kMaxTopK));
  r.options.top_k = static_cast<size_t>(k);
  TS_ASSIGN_OR_RETURN(r.options.mode, StringField(body, "mode", false, "hybrid"));
  TS_ASSIGN_OR_RETURN(r.options.path_prefix, StringField(body, "path_prefix", false));
  TS_ASSIGN_OR_RETURN(r.compact, BoolField(body, "compact", false));
  TS_ASSIGN_OR_RETURN(r.expand_graph, BoolField(body, "expand_graph", false));
  if (body.contains("expand_graph") && !body["expand_graph"].is_null())
    r.options.expand_graph = r.expand_graph ? 1 : 0;  // else by the query's intent
  return r;
}

struct GrepRequest {
  std::string pattern;
  grep::GrepOptions options;
  bool text = false;  // answer in rg's text format instead of JSON
};

// POST /indexes/{id}/grep body. The budget and the cap are always set: an
// unbounded grep could hold a handler thread and memory without end.
Result<GrepRequest> ParseGrep(const json& body) {
  GrepRequest r;
  TS_ASSIGN_OR_RETURN(r.pattern, StringField(body, "pattern", true));
  grep::GrepOptions& o = r.options;
  TS_ASSIGN_OR_RETURN(o.fixed_strings, BoolField(body, "fixed_strings", false));
  TS_ASSIGN_OR_RETURN(o.ignore_case, BoolField(body, "ignore_case", false));
  TS_ASSIGN_OR_RETURN(o.word, BoolField(body, "word", false));
  TS_ASSIGN_OR_RETURN(o.invert, BoolField(body, "invert", false));
  TS_ASSIGN_OR_RETURN(o.multiline, BoolField(body, "multiline", false));
  TS_ASSIGN_OR_RETURN(o.files_with_matches, BoolField(body, "files_with_matches", false));
  TS_ASSIGN_OR_RETURN(o.hidden, BoolField(body, "hidden", false));
  TS_ASSIGN_OR_RETURN(int64_t context, IntField(body, "context", 0, 0, kMaxGrepContext));
  TS_ASSIGN_OR_RETURN(int64_t before, IntField(body, "before", context, 0, kMaxGrepContext));
  TS_ASSIGN_OR_RETURN(int64_t after, IntField(body, "after", context, 0, kMaxGrepContext));
  o.before = static_cast<uint32_t>(before);
  o.after = static_cast<uint32_t>(after);
  TS_ASSIGN_OR_RETURN(int64_t max_count, IntField(body, "max_count", 0, 0, INT64_MAX));
  o.max_count = static_cast<uint64_t>(max_count);
  TS_ASSIGN_OR_RETURN(int64_t max_results,
                      IntField(body, "max_results", kDefaultGrepResults, 1, kMaxGrepResults));
  o.max_results = static_cast<uint64_t>(max_results);
  TS_ASSIGN_OR_RETURN(o.timeout_ms,
                      IntField(body, "timeout_ms", kDefaultGrepTimeoutMs, 1, kMaxGrepTimeoutMs));
  if (body.contains("globs") && !body["globs"].is_null()) {
    if (!body["globs"].is_array()) return Status::InvalidArgument("field 'globs' must be a list");
    for (const auto& g : body["globs"]) {
      if (!g.is_string()) return Status::InvalidArgument("field 'globs' must hold strings");
      o.globs.push_back(g.get<std::string>());
    }
  }
  TS_ASSIGN_OR_RETURN(std::string format, StringField(body, "format", false, "json"));
  if (format != "json" && format != "text") {
    return Status::InvalidArgument("field 'format' must be \"json\" or \"text\"");
  }
  r.text = format == "text";
  return r;
}

json GrepJson(const grep::GrepResult& result) {
  json files = json::array();
  for (const auto& f : result.files) {
    json lines = json::array();
    for (const auto& l : f.lines) {
      lines.push_back({{"line", l.number}, {"text", l.text}, {"match", l.selected}});
    }
    files.push_back({{"path", f.path}, {"matches", f.selected}, {"lines", std::move(lines)}});
  }
  return {{"files", std::move(files)},
          {"matches", result.stats.lines_selected},
          {"files_matched", result.stats.files_matched},
          {"partial", result.partial},
          {"partial_reason", result.partial_reason},
          {"stats",
           {{"files_in_index", result.stats.files_live},
            {"files_searched", result.stats.files_searched},
            {"trigram_index_used", result.stats.used_index}}}};
}

json ResultJson(const index::QueryResult& result, const SearchRequest& req,
                const std::string& index_id, bool tag_index) {
  json hits = json::array();
  for (const auto& h : result.hits) {
    json j = HitJson(h, req.compact);
    if (tag_index) j["index_id"] = index_id;
    hits.push_back(std::move(j));
  }
  (void)req;
  json meta = result.meta;
  if (result.confidence >= 0) {
    meta["confidence"] = std::round(result.confidence * 1000) / 1000;
    meta["confidence_signals"] = result.confidence_signals;
  }
  return {{"results", hits},
          {"intent", result.intent.empty() ? "search" : result.intent},
          {"mode", result.mode},
          {"latency_ms", result.latency_ms},
          {"timings_ms", result.timings_ms},
          {"meta", meta}};
}

// Wraps a handler so that a bug (an exception from a library) becomes a JSON
// 500 instead of a dropped connection; the server keeps serving either way.
template <typename F>
httplib::Server::Handler Guard(F f) {
  return [f](const httplib::Request& req, httplib::Response& res) {
    try {
      f(req, res);
    } catch (const std::exception& e) {
      SendError(res, 500, "internal", std::string("unexpected error: ") + e.what());
    }
  };
}

// A query-string parameter as an integer in [lo, hi] (fallback when absent).
Result<int64_t> IntParam(const httplib::Request& req, const char* key, int64_t fallback, int64_t lo,
                         int64_t hi) {
  if (!req.has_param(key)) return fallback;
  std::string v = req.get_param_value(key);
  bool digits =
      !v.empty() && v.size() <= 9 && v.find_first_not_of("0123456789") == std::string::npos;
  if (!digits || std::stoll(v) < lo || std::stoll(v) > hi) {
    return Status::InvalidArgument(std::string("parameter '") + key +
                                   "' must be an integer between " + std::to_string(lo) + " and " +
                                   std::to_string(hi));
  }
  return std::stoll(v);
}

json ChainNodeJson(const graph::ChainNode& n) {
  json j = {{"symbol", n.symbol}};
  if (!n.unresolved.empty()) {
    j["unresolved"] = n.unresolved;
    j["call_line"] = n.call_line;
    if (!n.candidates.empty()) j["candidates"] = n.candidates;
    return j;
  }
  j["kind"] = n.kind;
  j["file"] = n.file;
  j["line"] = n.line;
  j["end_line"] = n.end_line;
  j["location"] = n.file + ":" + std::to_string(n.line);
  if (n.call_line > 0) j["call_line"] = n.call_line;
  if (n.cycle) j["cycle"] = true;
  if (n.repeated) j["repeated"] = true;
  if (n.ambiguous) j["ambiguous"] = true;
  if (!n.callers.empty()) {
    json list = json::array();
    for (const auto& c : n.callers) list.push_back(ChainNodeJson(c));
    j["callers"] = std::move(list);
  }
  if (!n.callees.empty()) {
    json list = json::array();
    for (const auto& c : n.callees) list.push_back(ChainNodeJson(c));
    j["callees"] = std::move(list);
  }
  return j;
}

json EdgeEndJson(const graph::EdgeEnd& e) {
  return {{"file", e.file}, {"symbol", e.symbol}, {"line", e.line}};
}

// The symbol graph: call chains, edge listings, similar chunks.
void RegisterGraphRoutes(httplib::Server& server, Service& service) {
  server.Get(R"(/indexes/([^/]+)/call_chain)",
             Guard([&](const httplib::Request& req, httplib::Response& res) {
               auto started = std::chrono::steady_clock::now();
               auto idx = service.Get(req.matches[1]);
               if (!idx.ok()) return SendStatus(res, idx.status());
               std::string symbol = req.get_param_value("symbol");
               if (symbol.empty()) {
                 return SendError(res, 400, "invalid_argument", "missing parameter 'symbol'");
               }
               std::string direction =
                   req.has_param("direction") ? req.get_param_value("direction") : "both";
               if (direction != "callers" && direction != "callees" && direction != "both") {
                 return SendError(res, 400, "invalid_argument",
                                  "parameter 'direction' must be callers, callees or both");
               }
               auto depth = IntParam(req, "depth", 3, 1, 10);
               auto max_nodes = IntParam(req, "max_nodes", 200, 1, 5000);
               if (!depth.ok()) return SendStatus(res, depth.status());
               if (!max_nodes.ok()) return SendStatus(res, max_nodes.status());
               graph::ChainOptions o;
               o.callers = direction != "callees";
               o.callees = direction != "callers";
               o.depth = static_cast<int>(*depth);
               o.max_nodes = static_cast<size_t>(*max_nodes);
               auto chain = (*idx)->CallChain(symbol, req.get_param_value("file"), o);
               if (!chain.ok()) return SendStatus(res, chain.status());
               json roots = json::array();
               for (const auto& r : chain->roots) roots.push_back(ChainNodeJson(r));
               double ms = std::chrono::duration<double, std::milli>(
                               std::chrono::steady_clock::now() - started)
                               .count();
               SendJson(res, 200,
                        {{"index", std::string(req.matches[1])},
                         {"symbol", symbol},
                         {"direction", direction},
                         {"depth", *depth},
                         {"roots", roots},
                         {"nodes", chain->nodes},
                         {"truncated", chain->truncated},
                         {"latency_ms", ms}});
             }));

  // Every edge of one kind, streamed (a large index has millions).
  server.Get(
      R"(/indexes/([^/]+)/graph)", Guard([&](const httplib::Request& req, httplib::Response& res) {
        auto idx = service.Get(req.matches[1]);
        if (!idx.ok()) return SendStatus(res, idx.status());
        std::string kind = req.has_param("kind") ? req.get_param_value("kind") : "calls";
        if (kind != "calls" && kind != "imports" && kind != "inherits" && kind != "contains") {
          return SendError(res, 400, "invalid_argument",
                           "parameter 'kind' must be calls, imports, inherits or contains");
        }
        auto lane = (*idx)->Info().lanes["graph"];
        if (!lane.available) {
          return SendError(res, 503, "unavailable", "graph lane unavailable: " + lane.detail);
        }
        std::shared_ptr<index::Index> index = *idx;
        std::string name = req.matches[1];
        auto ticket = OpenStreams().TryOpen();
        if (!ticket) return SendTooManyStreams(res);
        res.set_chunked_content_provider(
            "application/json", [index, kind, name, ticket](size_t, httplib::DataSink& sink) {
              std::string buf = "{\"index\":" + json(name).dump() +
                                ",\"kind\":" + json(kind).dump() + ",\"edges\":[";
              bool first = true, ok = true;
              graph::EdgeStats stats;
              uint64_t nodes = 0;
              Status s = index->GraphEdges(
                  kind,
                  [&](const graph::Edge& e) {
                    json j = {
                        {"kind", e.kind}, {"from", EdgeEndJson(e.from)}, {"to", EdgeEndJson(e.to)}};
                    if (!e.rule.empty()) j[e.kind == "imports" ? "module" : "rule"] = e.rule;
                    if (!first) buf += ',';
                    first = false;
                    buf += j.dump(-1, ' ', false, json::error_handler_t::replace);
                    if (buf.size() >= (64u << 10)) {
                      ok = sink.write(buf.data(), buf.size());
                      buf.clear();
                    }
                    return ok;
                  },
                  &stats, &nodes);
              json tail = {{"count", stats.edges},
                           {"nodes", nodes},
                           {"unresolved", stats.unresolved},
                           {"ambiguous", stats.ambiguous},
                           {"local", stats.local}};
              if (!s.ok()) tail["error"] = s.message();
              std::string t = tail.dump(-1, ' ', false, json::error_handler_t::replace);
              buf += "]," + t.substr(1);
              if (ok) sink.write(buf.data(), buf.size());
              sink.done();
              return true;
            });
      }));

  server.Post(R"(/indexes/([^/]+)/search_similar)",
              Guard([&](const httplib::Request& req, httplib::Response& res) {
                auto body = ParseBody(req);
                if (!body.ok()) return SendStatus(res, body.status());
                auto id = StringField(*body, "id", true);
                if (!id.ok()) return SendStatus(res, id.status());
                auto k = IntField(*body, "top_k", 10, 1, kMaxTopK);
                if (!k.ok()) return SendStatus(res, k.status());
                auto compact = BoolField(*body, "compact", false);
                if (!compact.ok()) return SendStatus(res, compact.status());
                auto idx = service.Get(req.matches[1]);
                if (!idx.ok()) return SendStatus(res, idx.status());
                auto result = (*idx)->SimilarTo(*id, static_cast<size_t>(*k));
                if (!result.ok()) return SendStatus(res, result.status());
                json hits = json::array();
                for (const auto& h : result->hits) hits.push_back(HitJson(h, *compact));
                SendJson(res, 200,
                         {{"results", hits},
                          {"intent", "similar"},
                          {"mode", result->mode},
                          {"latency_ms", result->latency_ms},
                          {"meta", result->meta},
                          {"index", std::string(req.matches[1])}});
              }));
}

}  // namespace

StreamLimit& OpenStreams() {
  static StreamLimit limit;
  return limit;
}

void RegisterAccessGuard(httplib::Server& server, Service& service,
                         std::shared_ptr<const AccessGuard> guard) {
  server.set_pre_routing_handler(
      [&service, guard](const httplib::Request& req, httplib::Response& res) {
        const std::string host = req.get_header_value("Host");
        const std::string origin = req.get_header_value("Origin");
        const std::string fetch_site = req.get_header_value("Sec-Fetch-Site");
        const std::string content_type = req.get_header_value("Content-Type");
        const std::string authorization = req.get_header_value("Authorization");
        // The body is not read yet (a refused one never is): its headers tell.
        const std::string length = req.get_header_value("Content-Length");
        const bool has_body = (!length.empty() && length != "0") ||
                              req.has_header("Transfer-Encoding") || !req.body.empty();
        AccessRequest request;
        request.method = req.method;
        request.path = req.path;
        request.host = host;
        request.origin = origin;
        request.sec_fetch_site = fetch_site;
        request.content_type = content_type;
        request.authorization = authorization;
        request.has_body = has_body;
        // Only a peer on 127.0.0.1 can be looked up (the daemon listens there only).
        request.peer_port = req.remote_addr == "127.0.0.1" ? req.remote_port : -1;
        const AccessDecision decision = guard->Check(request);
        if (!decision.allowed()) {
          SendError(res, decision.http_status, decision.code, decision.message);
          if (decision.http_status == 401) res.set_header("WWW-Authenticate", "Bearer");
          // An unread body must not be taken for the next request on this connection.
          if (has_body) res.set_header("Connection", "close");
          return httplib::Server::HandlerResponse::Handled;
        }
        if (decision.caller == Caller::kAnonymous) {  // GET /health only (access.cc)
          const json health = service.Health();
          SendJson(res, 200,
                   {{"status", health.value("status", "ok")},
                    {"version", health.value("version", "")},
                    {"data_dir", health.value("data_dir", "")},
                    {"authenticated", false}});
          return httplib::Server::HandlerResponse::Handled;
        }
        return httplib::Server::HandlerResponse::Unhandled;
      });
}

void RegisterRoutes(httplib::Server& server, Service& service) {
  server.set_payload_max_length(kMaxBodyBytes);
  // Errors cpp-httplib produces itself (unknown route, body over the limit, bad
  // request line) get the same JSON shape as ours.
  server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    switch (res.status) {
      case 404:
        SendError(res, 404, "not_found", "no route for " + req.method + " " + req.path);
        break;
      case 413:
        SendError(res, 413, "payload_too_large",
                  "request body over " + std::to_string(kMaxBodyBytes) + " bytes");
        break;
      default:
        SendError(res, res.status, "bad_request", "malformed request");
        break;
    }
  });
  server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        SendError(res, 500, "internal", "unexpected error");
      });

  server.Get("/health", Guard([&](const httplib::Request&, httplib::Response& res) {
               SendJson(res, 200, service.Health());
             }));

  server.Get("/indexes", Guard([&](const httplib::Request&, httplib::Response& res) {
               SendJson(res, 200, {{"indexes", service.List()}});
             }));

  server.Post("/indexes", Guard([&](const httplib::Request& req, httplib::Response& res) {
                auto body = ParseBody(req);
                if (!body.ok()) return SendStatus(res, body.status());
                auto path = StringField(*body, "path", true);
                if (!path.ok()) return SendStatus(res, path.status());
                if (path->empty() || (*path)[0] != '/') {
                  return SendError(res, 400, "invalid_argument", "path must be absolute");
                }
                auto name = StringField(*body, "name", false);
                auto force = BoolField(*body, "force", false);
                if (!name.ok()) return SendStatus(res, name.status());
                if (!force.ok()) return SendStatus(res, force.status());
                // Symbol graph: "graph": false (or "no_kg": true) turns it off for this index.
                auto graph = BoolField(*body, "graph", true);
                auto no_kg = BoolField(*body, "no_kg", false);
                if (!graph.ok()) return SendStatus(res, graph.status());
                if (!no_kg.ok()) return SendStatus(res, no_kg.status());
                auto shrink = BoolField(*body, "allow_shrink", false);
                if (!shrink.ok()) return SendStatus(res, shrink.status());
                auto r = service.AddIndex(
                    *path, *name, *force, *graph && !*no_kg ? 1 : 0,
                    *shrink ? index::ShrinkPolicy::kAllow : index::ShrinkPolicy::kRefuse);
                if (!r.ok()) return SendStatus(res, r.status());
                SendJson(res, 202, *r);
              }));

  server.Delete(R"(/indexes/([^/]+))",
                Guard([&](const httplib::Request& req, httplib::Response& res) {
                  Status s = service.Remove(req.matches[1]);
                  if (!s.ok()) return SendStatus(res, s);
                  SendJson(res, 200, {{"removed", std::string(req.matches[1])}});
                }));

  server.Get(R"(/indexes/([^/]+)/status)",
             Guard([&](const httplib::Request& req, httplib::Response& res) {
               auto r = service.IndexStatus(req.matches[1]);
               if (!r.ok()) return SendStatus(res, r.status());
               SendJson(res, 200, *r);
             }));

  server.Post(R"(/indexes/([^/]+)/reindex)",
              Guard([&](const httplib::Request& req, httplib::Response& res) {
                auto body = ParseBody(req);
                if (!body.ok()) return SendStatus(res, body.status());
                auto force = BoolField(*body, "force", false);
                if (!force.ok()) return SendStatus(res, force.status());
                auto shrink = BoolField(*body, "allow_shrink", false);
                if (!shrink.ok()) return SendStatus(res, shrink.status());
                auto r = service.Reindex(
                    req.matches[1], *force,
                    *shrink ? index::ShrinkPolicy::kAllow : index::ShrinkPolicy::kRefuse);
                if (!r.ok()) return SendStatus(res, r.status());
                SendJson(res, 202, *r);
              }));

  // Server-sent events: "progress" while the index's newest job is queued or
  // running, then one "done", "failed" or "cancelled" with the summary.
  server.Get(
      R"(/indexes/([^/]+)/reindex/stream)",
      Guard([&](const httplib::Request& req, httplib::Response& res) {
        std::string name = req.matches[1];
        auto first = service.LatestJob(name);
        if (!first.ok()) {
          auto st = service.IndexStatus(name);
          if (!st.ok()) return SendStatus(res, st.status());
          return SendError(res, 404, "not_found", "no indexing job for '" + name + "'");
        }
        uint64_t job_id = first->id;
        auto ticket = OpenStreams().TryOpen();
        if (!ticket) return SendTooManyStreams(res);
        res.set_header("Cache-Control", "no-cache");
        res.set_chunked_content_provider("text/event-stream", [&service, job_id, ticket](
                                                                  size_t, httplib::DataSink& sink) {
          auto job = service.WaitJob(job_id, 250);
          if (!job.ok()) {
            std::string ev =
                "event: failed\ndata: " + json({{"error", job.status().message()}}).dump() + "\n\n";
            sink.write(ev.data(), ev.size());
            sink.done();
            return true;
          }
          json data = {{"job", job->id},
                       {"state", job->state},
                       {"phase", job->progress.phase},
                       {"files_done", job->progress.files_done},
                       {"files_total", job->progress.files_total},
                       {"bytes_done", job->progress.bytes_done}};
          bool finished =
              job->state == "done" || job->state == "failed" || job->state == "cancelled";
          if (finished) {
            data["summary"] = job->summary;
            if (!job->error.empty()) data["error"] = job->error;
          }
          std::string ev = "event: " + (finished ? job->state : std::string("progress")) +
                           "\ndata: " + data.dump(-1, ' ', false, json::error_handler_t::replace) +
                           "\n\n";
          if (!sink.write(ev.data(), ev.size())) return false;
          if (finished) sink.done();
          return true;
        });
      }));

  server.Post(
      R"(/indexes/([^/]+)/search)", Guard([&](const httplib::Request& req, httplib::Response& res) {
        auto body = ParseBody(req);
        if (!body.ok()) return SendStatus(res, body.status());
        auto sr = ParseSearch(*body);
        if (!sr.ok()) return SendStatus(res, sr.status());
        auto idx = service.Get(req.matches[1]);
        if (!idx.ok()) return SendStatus(res, idx.status());
        auto result = (*idx)->Query(sr->query, sr->options);
        if (!result.ok()) return SendStatus(res, result.status());
        json out = ResultJson(*result, *sr, req.matches[1], false);
        out["index"] = std::string(req.matches[1]);
        // Results may be stale while nothing watches the root.
        if (std::string watch = service.WatchState(req.matches[1]); watch.starts_with("lost")) {
          out["meta"]["watch"] = watch;
        }
        SendJson(res, 200, out);
      }));

  // Fan-out over every index, at most kFanOut at a time; hits carry index_id
  // and are merged by score.
  server.Post(
      "/search", Guard([&](const httplib::Request& req, httplib::Response& res) {
        constexpr size_t kFanOut = 4;
        auto body = ParseBody(req);
        if (!body.ok()) return SendStatus(res, body.status());
        auto sr = ParseSearch(*body);
        if (!sr.ok()) return SendStatus(res, sr.status());
        auto started = std::chrono::steady_clock::now();
        std::vector<std::string> names = service.Names();
        std::vector<Result<index::QueryResult>> results(names.size(), Status::Internal("not run"));
        std::atomic<size_t> next{0};
        std::vector<std::thread> workers;
        for (size_t t = 0; t < std::min(kFanOut, names.size()); ++t) {
          workers.emplace_back([&] {
            for (size_t i; (i = next.fetch_add(1)) < names.size();) {
              auto idx = service.Get(names[i]);
              results[i] = idx.ok() ? (*idx)->Query(sr->query, sr->options)
                                    : Result<index::QueryResult>(idx.status());
            }
          });
        }
        for (auto& w : workers) w.join();
        json hits = json::array();
        json meta = json::object();
        std::vector<std::pair<double, json>> merged;
        for (size_t i = 0; i < names.size(); ++i) {
          if (!results[i].ok()) {
            meta[names[i]] = "error: " + results[i].status().message();
            continue;
          }
          json index_meta = results[i]->meta;
          // Scores are per index (each pool is normalised by the re-ranker).
          // Across indexes a hit counts as its share of its index's first
          // score times that index's confidence, a calibrated probability:
          // the exact definition in one index beats the best weak match in another.
          double first = 0;
          for (const auto& h : results[i]->hits) first = std::max(first, h.score);
          const double confidence = results[i]->confidence >= 0 ? results[i]->confidence : 1.0;
          if (results[i]->confidence >= 0) index_meta["confidence"] = results[i]->confidence;
          if (std::string watch = service.WatchState(names[i]); watch.starts_with("lost")) {
            index_meta["watch"] = watch;
          }
          meta[names[i]] = std::move(index_meta);
          for (const auto& h : results[i]->hits) {
            json j = HitJson(h, sr->compact);
            j["index_id"] = names[i];
            j["index_score"] = h.score;
            const double merged_score = first > 0 ? confidence * h.score / first : 0;
            j["score"] = merged_score;
            merged.emplace_back(merged_score, std::move(j));
          }
        }
        std::stable_sort(merged.begin(), merged.end(),
                         [](const auto& a, const auto& b) { return a.first > b.first; });
        for (size_t i = 0; i < merged.size() && i < sr->options.top_k; ++i)
          hits.push_back(merged[i].second);
        double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
                .count();
        std::string intent = "search";
        for (const auto& r : results) {
          if (r.ok() && !r->intent.empty()) intent = r->intent;
        }
        SendJson(res, 200,
                 {{"results", hits},
                  {"intent", intent},
                  {"latency_ms", ms},
                  {"meta", {{"indexes", meta}}}});
      }));

  auto files_handler = Guard([&](const httplib::Request& req, httplib::Response& res) {
    auto body = ParseBody(req);
    if (!body.ok()) return SendStatus(res, body.status());
    auto path = StringField(*body, "path", true);
    if (!path.ok()) return SendStatus(res, path.status());
    auto idx = service.Get(req.matches[1]);
    if (!idx.ok()) return SendStatus(res, idx.status());
    // "./x", "x//y" and "/root/x" name the files "x", "x/y" and "x".
    auto normalized = NormalizeRelativePath(*path, (*idx)->root());
    if (!normalized.ok()) return SendStatus(res, normalized.status());
    const std::string rel = *normalized;
    bool drop = req.method == "DELETE";
    auto id = service.QueuePaths(req.matches[1], {rel}, drop);
    if (!id.ok()) return SendStatus(res, id.status());
    auto job = service.WaitJob(*id, 30000);
    if (!job.ok()) return SendStatus(res, job.status());
    if (job->state != "done") {
      return SendError(res, job->state == "failed" ? 500 : 503, job->state,
                       job->error.empty() ? "job " + job->state : job->error);
    }
    SendJson(res, 200,
             {{"index", std::string(req.matches[1])},
              {"path", rel},
              {"removed", drop},
              {"summary", job->summary}});
  });
  server.Post(R"(/indexes/([^/]+)/files)", files_handler);
  server.Delete(R"(/indexes/([^/]+)/files)", files_handler);

  server.Get(R"(/indexes/([^/]+)/chunks)",
             Guard([&](const httplib::Request& req, httplib::Response& res) {
               auto idx = service.Get(req.matches[1]);
               if (!idx.ok()) return SendStatus(res, idx.status());
               auto number = [&](const char* key, int64_t fallback, int64_t hi) -> Result<int64_t> {
                 if (!req.has_param(key)) return fallback;
                 std::string v = req.get_param_value(key);
                 if (v.empty() || v.size() > 9 ||
                     v.find_first_not_of("0123456789") != std::string::npos || std::stoll(v) > hi) {
                   return Status::InvalidArgument(std::string("parameter '") + key +
                                                  "' must be an integer between 0 and " +
                                                  std::to_string(hi));
                 }
                 return std::stoll(v);
               };
               auto limit = number("limit", 100, 10000);
               auto offset = number("offset", 0, 100000000);
               if (!limit.ok()) return SendStatus(res, limit.status());
               if (!offset.ok()) return SendStatus(res, offset.status());
               auto chunks = (*idx)->ListChunks(req.get_param_value("file"), *limit, *offset);
               if (!chunks.ok()) return SendStatus(res, chunks.status());
               json list = json::array();
               for (const auto& c : *chunks) {
                 list.push_back({{"id", c.id},
                                 {"file", c.file},
                                 {"start_line", c.start_line},
                                 {"end_line", c.end_line},
                                 {"function_name", c.symbol},
                                 {"scope", c.scope},
                                 {"chunk_type", c.kind},
                                 {"language", c.language}});
               }
               SendJson(res, 200, {{"chunks", list}, {"limit", *limit}, {"offset", *offset}});
             }));

  RegisterGraphRoutes(server, service);
  server.Post(
      R"(/indexes/([^/]+)/grep)", Guard([&](const httplib::Request& req, httplib::Response& res) {
        auto started = std::chrono::steady_clock::now();
        auto idx = service.Get(req.matches[1]);
        if (!idx.ok()) return SendStatus(res, idx.status());
        auto body = ParseBody(req);
        if (!body.ok()) return SendStatus(res, body.status());
        auto gr = ParseGrep(*body);
        if (!gr.ok()) return SendStatus(res, gr.status());
        auto pattern = grep::Pattern::Compile(gr->pattern, gr->options);
        if (!pattern.ok()) return SendStatus(res, pattern.status());
        auto result = (*idx)->Grep(**pattern, gr->options);
        if (!result.ok()) return SendStatus(res, result.status());
        double ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
                .count();
        std::string lane = (*idx)->Info().lanes["grep"].ToString();
        if (gr->text) {
          // rg's own bytes, unescaped; the summary travels in headers.
          res.status = 200;
          res.set_header("X-Trusty-Matches", std::to_string(result->stats.lines_selected));
          if (result->partial) res.set_header("X-Trusty-Partial", result->partial_reason);
          if (lane != "ok") res.set_header("X-Trusty-Grep-Lane", lane);
          res.set_content(grep::FormatRipgrep(*result, gr->options), "text/plain");
          return;
        }
        json out = GrepJson(*result);
        out["index"] = std::string(req.matches[1]);
        out["latency_ms"] = ms;
        out["meta"] = {{"grep", lane},
                       {"candidates", result->stats.used_index ? "trigram index" : "full scan"}};
        SendJson(res, 200, out);
      }));
  auto not_implemented = Guard([](const httplib::Request& req, httplib::Response& res) {
    SendError(res, 501, "not_implemented", req.path + " is not implemented in this build yet");
  });
  server.Get(R"(/ui(/.*)?)", not_implemented);
}

}  // namespace ts::daemon
