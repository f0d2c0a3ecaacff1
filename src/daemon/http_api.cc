// The HTTP JSON API (docs/API.md): one named handler per route, and the table
// that binds each to its method and path. Handlers parse with wire.h, call the
// service or an index, and answer with wire.h's shapes; nothing else lives here.
#include "daemon/http_api.h"

#include <chrono>

#include "daemon/stream_limit.h"
#include "daemon/wire.h"
#include "util/rel_path.h"

namespace ts::daemon {
namespace {

using httplib::Request;
using httplib::Response;
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

void SendJson(Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(Dump(body), "application/json");
}

void SendError(Response& res, int status, std::string_view code, const std::string& message) {
  SendJson(res, status, ErrorJson(code, message));
}

void SendStatus(Response& res, const Status& s) {
  SendError(res, HttpStatusFor(s.code()), s.code_name(), s.message());
}

void SendTooManyStreams(Response& res) {
  res.set_header("Retry-After", "1");
  SendError(res, 503, "too_many_streams",
            "already " + std::to_string(kMaxOpenStreams) +
                " open streams (progress, graph edges, MCP); retry when one ends");
}

double MillisSince(std::chrono::steady_clock::time_point started) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
      .count();
}

// A query-string parameter as an integer in [lo, hi] (fallback when absent).
Result<int64_t> IntParam(const Request& req, const char* key, int64_t fallback, int64_t lo,
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

// The index a route's path names ({id}, the first capture).
std::string IndexId(const Request& req) {
  return req.matches[1];
}

// ---- Handlers, in the order of docs/API.md ----

// GET /health
void GetHealth(Service& service, const Request&, Response& res) {
  SendJson(res, 200, service.Health());
}

// GET /indexes
void ListIndexes(Service& service, const Request&, Response& res) {
  SendJson(res, 200, {{"indexes", service.List()}});
}

// POST /indexes: register a root (or find it) and queue its update.
void AddIndex(Service& service, const Request& req, Response& res) {
  auto body = ParseBody(req.body);
  if (!body.ok()) return SendStatus(res, body.status());
  auto add = ParseAddIndex(*body);
  if (!add.ok()) return SendStatus(res, add.status());
  auto r = service.AddIndex(add->path, add->name, add->force, add->graph, add->shrink);
  if (!r.ok()) return SendStatus(res, r.status());
  SendJson(res, 202, *r);
}

// DELETE /indexes/{id}
void RemoveIndex(Service& service, const Request& req, Response& res) {
  Status s = service.Remove(IndexId(req));
  if (!s.ok()) return SendStatus(res, s);
  SendJson(res, 200, {{"removed", IndexId(req)}});
}

// GET /indexes/{id}/status
void GetIndexStatus(Service& service, const Request& req, Response& res) {
  auto r = service.IndexStatus(IndexId(req));
  if (!r.ok()) return SendStatus(res, r.status());
  SendJson(res, 200, *r);
}

// POST /indexes/{id}/reindex
void Reindex(Service& service, const Request& req, Response& res) {
  auto body = ParseBody(req.body);
  if (!body.ok()) return SendStatus(res, body.status());
  auto reindex = ParseReindex(*body);
  if (!reindex.ok()) return SendStatus(res, reindex.status());
  auto r = service.Reindex(IndexId(req), reindex->force, reindex->shrink);
  if (!r.ok()) return SendStatus(res, r.status());
  SendJson(res, 202, *r);
}

// GET /indexes/{id}/reindex/stream[?job=N]: server-sent events, "progress"
// while the job is queued or running, then one "done", "failed" or
// "cancelled" with the summary. Without `job` it follows the index's newest
// job; a caller that queued a job names it, since the watcher may queue a
// newer one before the stream opens.
void StreamReindex(Service& service, const Request& req, Response& res) {
  const std::string name = IndexId(req);
  auto wanted = IntParam(req, "job", 0, 1, 999999999);
  if (!wanted.ok()) return SendStatus(res, wanted.status());
  auto first =
      *wanted == 0 ? service.LatestJob(name) : service.WaitJob(static_cast<uint64_t>(*wanted), 0);
  if (!first.ok() || first->index != name) {
    auto st = service.IndexStatus(name);
    if (!st.ok()) return SendStatus(res, st.status());
    return SendError(res, 404, "not_found",
                     *wanted == 0 ? "no indexing job for '" + name + "'"
                                  : "no indexing job " + std::to_string(*wanted) + " for '" + name +
                                        "' (finished jobs are kept a while, not forever)");
  }
  const uint64_t job_id = first->id;
  auto ticket = OpenStreams().TryOpen();
  if (!ticket) return SendTooManyStreams(res);
  res.set_header("Cache-Control", "no-cache");
  res.set_chunked_content_provider("text/event-stream", [&service, job_id, ticket](
                                                            size_t, httplib::DataSink& sink) {
    auto job = service.WaitJob(job_id, 250);
    if (!job.ok()) {
      std::string ev = "event: failed\ndata: " + Dump({{"error", job.status().message()}}) + "\n\n";
      sink.write(ev.data(), ev.size());
      sink.done();
      return true;
    }
    const bool finished =
        job->state == "done" || job->state == "failed" || job->state == "cancelled";
    std::string ev = "event: " + (finished ? job->state : std::string("progress")) +
                     "\ndata: " + Dump(JobEventJson(*job, finished)) + "\n\n";
    if (!sink.write(ev.data(), ev.size())) return false;
    if (finished) sink.done();
    return true;
  });
}

// POST /indexes/{id}/search
void SearchIndex(Service& service, const Request& req, Response& res) {
  auto body = ParseBody(req.body);
  if (!body.ok()) return SendStatus(res, body.status());
  auto sr = ParseSearch(*body);
  if (!sr.ok()) return SendStatus(res, sr.status());
  auto idx = service.Get(IndexId(req));
  if (!idx.ok()) return SendStatus(res, idx.status());
  auto result = (*idx)->Query(sr->query, sr->options);
  if (!result.ok()) return SendStatus(res, result.status());
  SendJson(res, 200,
           SearchResultJson(*result, *sr, IndexId(req), service.WatchState(IndexId(req))));
}

// POST /search: every index (Service::SearchAll); hits carry index_id.
void SearchAllIndexes(Service& service, const Request& req, Response& res) {
  auto body = ParseBody(req.body);
  if (!body.ok()) return SendStatus(res, body.status());
  auto sr = ParseSearch(*body);
  if (!sr.ok()) return SendStatus(res, sr.status());
  SendJson(res, 200, SearchAllJson(service.SearchAll(sr->query, sr->options), sr->compact));
}

// POST /indexes/{id}/files updates one file now; DELETE drops it.
void UpdateFile(Service& service, const Request& req, Response& res) {
  auto body = ParseBody(req.body);
  if (!body.ok()) return SendStatus(res, body.status());
  auto path = StringField(*body, "path", true);
  if (!path.ok()) return SendStatus(res, path.status());
  auto idx = service.Get(IndexId(req));
  if (!idx.ok()) return SendStatus(res, idx.status());
  // "./x", "x//y" and "/root/x" name the files "x", "x/y" and "x".
  auto normalized = NormalizeRelativePath(*path, (*idx)->root());
  if (!normalized.ok()) return SendStatus(res, normalized.status());
  const std::string rel = *normalized;
  const bool drop = req.method == "DELETE";
  auto id = service.QueuePaths(IndexId(req), {rel}, drop);
  if (!id.ok()) return SendStatus(res, id.status());
  auto job = service.WaitJob(*id, 30000);
  if (!job.ok()) return SendStatus(res, job.status());
  if (job->state != "done") {
    return SendError(res, job->state == "failed" ? 500 : 503, job->state,
                     job->error.empty() ? "job " + job->state : job->error);
  }
  SendJson(res, 200,
           {{"index", IndexId(req)}, {"path", rel}, {"removed", drop}, {"summary", job->summary}});
}

// GET /indexes/{id}/chunks?file=&limit=&offset=
void ListChunks(Service& service, const Request& req, Response& res) {
  auto idx = service.Get(IndexId(req));
  if (!idx.ok()) return SendStatus(res, idx.status());
  auto limit = IntParam(req, "limit", 100, 0, 10000);
  auto offset = IntParam(req, "offset", 0, 0, 100000000);
  if (!limit.ok()) return SendStatus(res, limit.status());
  if (!offset.ok()) return SendStatus(res, offset.status());
  auto chunks = (*idx)->ListChunks(req.get_param_value("file"), *limit, *offset);
  if (!chunks.ok()) return SendStatus(res, chunks.status());
  json list = json::array();
  for (const auto& c : *chunks) list.push_back(ChunkJson(c));
  SendJson(res, 200, {{"chunks", list}, {"limit", *limit}, {"offset", *offset}});
}

// POST /indexes/{id}/grep: JSON, or rg's own text with the summary in headers.
void Grep(Service& service, const Request& req, Response& res) {
  const auto started = std::chrono::steady_clock::now();
  auto idx = service.Get(IndexId(req));
  if (!idx.ok()) return SendStatus(res, idx.status());
  auto body = ParseBody(req.body);
  if (!body.ok()) return SendStatus(res, body.status());
  auto gr = ParseGrep(*body);
  if (!gr.ok()) return SendStatus(res, gr.status());
  auto pattern = grep::Pattern::Compile(gr->pattern, gr->options);
  if (!pattern.ok()) return SendStatus(res, pattern.status());
  auto result = (*idx)->Grep(**pattern, gr->options);
  if (!result.ok()) return SendStatus(res, result.status());
  const std::string lane = (*idx)->Info().lanes["grep"].ToString();
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
  out["index"] = IndexId(req);
  out["latency_ms"] = MillisSince(started);
  out["meta"] = {{"grep", lane},
                 {"candidates", result->stats.used_index ? "trigram index" : "full scan"}};
  SendJson(res, 200, out);
}

// GET /indexes/{id}/call_chain?symbol=&file=&direction=&depth=&max_nodes=
void CallChain(Service& service, const Request& req, Response& res) {
  const auto started = std::chrono::steady_clock::now();
  auto idx = service.Get(IndexId(req));
  if (!idx.ok()) return SendStatus(res, idx.status());
  const std::string symbol = req.get_param_value("symbol");
  if (symbol.empty()) return SendError(res, 400, "invalid_argument", "missing parameter 'symbol'");
  const std::string direction =
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
  SendJson(res, 200,
           {{"index", IndexId(req)},
            {"symbol", symbol},
            {"direction", direction},
            {"depth", *depth},
            {"roots", roots},
            {"nodes", chain->nodes},
            {"truncated", chain->truncated},
            {"latency_ms", MillisSince(started)}});
}

// GET /indexes/{id}/graph?kind=: every edge of one kind, streamed (a large
// index has millions).
void StreamGraph(Service& service, const Request& req, Response& res) {
  auto idx = service.Get(IndexId(req));
  if (!idx.ok()) return SendStatus(res, idx.status());
  const std::string kind = req.has_param("kind") ? req.get_param_value("kind") : "calls";
  if (kind != "calls" && kind != "imports" && kind != "inherits" && kind != "contains") {
    return SendError(res, 400, "invalid_argument",
                     "parameter 'kind' must be calls, imports, inherits or contains");
  }
  auto lane = (*idx)->Info().lanes["graph"];
  if (!lane.available) {
    return SendError(res, 503, "unavailable", "graph lane unavailable: " + lane.detail);
  }
  std::shared_ptr<index::Index> index = *idx;
  const std::string name = IndexId(req);
  auto ticket = OpenStreams().TryOpen();
  if (!ticket) return SendTooManyStreams(res);
  res.set_chunked_content_provider(
      "application/json", [index, kind, name, ticket](size_t, httplib::DataSink& sink) {
        std::string buf =
            "{\"index\":" + json(name).dump() + ",\"kind\":" + json(kind).dump() + ",\"edges\":[";
        bool first = true, ok = true;
        graph::EdgeStats stats;
        uint64_t nodes = 0;
        Status s = index->GraphEdges(
            kind,
            [&](const graph::Edge& e) {
              if (!first) buf += ',';
              first = false;
              buf += Dump(EdgeJson(e));
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
        buf += "]," + Dump(tail).substr(1);
        if (ok) sink.write(buf.data(), buf.size());
        sink.done();
        return true;
      });
}

// POST /indexes/{id}/search_similar: the chunks nearest to one chunk.
void SearchSimilar(Service& service, const Request& req, Response& res) {
  auto body = ParseBody(req.body);
  if (!body.ok()) return SendStatus(res, body.status());
  auto similar = ParseSimilar(*body);
  if (!similar.ok()) return SendStatus(res, similar.status());
  auto idx = service.Get(IndexId(req));
  if (!idx.ok()) return SendStatus(res, idx.status());
  auto result = (*idx)->SimilarTo(similar->id, similar->top_k);
  if (!result.ok()) return SendStatus(res, result.status());
  json hits = json::array();
  for (const auto& h : result->hits) hits.push_back(HitJson(h, similar->compact));
  SendJson(res, 200,
           {{"results", hits},
            {"intent", "similar"},
            {"mode", result->mode},
            {"latency_ms", result->latency_ms},
            {"meta", result->meta},
            {"index", IndexId(req)}});
}

// GET /ui: the web page comes with a later issue.
void NotImplemented(Service&, const Request& req, Response& res) {
  SendError(res, 501, "not_implemented", req.path + " is not implemented in this build yet");
}

// The route table: method, path pattern (a full match; the first capture is
// the index id) and handler. /mcp is registered by mcp_http.cc.
enum class Method { kGet, kPost, kDelete };
struct Route {
  Method method;
  const char* pattern;
  void (*handler)(Service&, const Request&, Response&);
};
constexpr Route kRoutes[] = {
    {Method::kGet, "/health", GetHealth},
    {Method::kGet, "/indexes", ListIndexes},
    {Method::kPost, "/indexes", AddIndex},
    {Method::kDelete, R"(/indexes/([^/]+))", RemoveIndex},
    {Method::kGet, R"(/indexes/([^/]+)/status)", GetIndexStatus},
    {Method::kPost, R"(/indexes/([^/]+)/reindex)", Reindex},
    {Method::kGet, R"(/indexes/([^/]+)/reindex/stream)", StreamReindex},
    {Method::kPost, R"(/indexes/([^/]+)/search)", SearchIndex},
    {Method::kPost, "/search", SearchAllIndexes},
    {Method::kPost, R"(/indexes/([^/]+)/files)", UpdateFile},
    {Method::kDelete, R"(/indexes/([^/]+)/files)", UpdateFile},
    {Method::kGet, R"(/indexes/([^/]+)/chunks)", ListChunks},
    {Method::kPost, R"(/indexes/([^/]+)/grep)", Grep},
    {Method::kGet, R"(/indexes/([^/]+)/call_chain)", CallChain},
    {Method::kGet, R"(/indexes/([^/]+)/graph)", StreamGraph},
    {Method::kPost, R"(/indexes/([^/]+)/search_similar)", SearchSimilar},
    {Method::kGet, R"(/ui(/.*)?)", NotImplemented},
};

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
  server.set_error_handler([](const Request& req, Response& res) {
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
  server.set_exception_handler([](const Request&, Response& res, std::exception_ptr) {
    SendError(res, 500, "internal", "unexpected error");
  });
  for (const Route& route : kRoutes) {
    // A bug (an exception from a library) becomes a JSON 500 instead of a
    // dropped connection; the server keeps serving either way.
    httplib::Server::Handler handler = [&service, h = route.handler](const Request& req,
                                                                     Response& res) {
      try {
        h(service, req, res);
      } catch (const std::exception& e) {
        SendError(res, 500, "internal", std::string("unexpected error: ") + e.what());
      }
    };
    switch (route.method) {
      case Method::kGet:
        server.Get(route.pattern, std::move(handler));
        break;
      case Method::kPost:
        server.Post(route.pattern, std::move(handler));
        break;
      case Method::kDelete:
        server.Delete(route.pattern, std::move(handler));
        break;
    }
  }
}

}  // namespace ts::daemon
