#include "daemon/wire.h"

#include <cmath>

#include "daemon/service.h"

namespace ts::daemon {

using nlohmann::json;

Result<json> ParseBody(std::string_view body) {
  if (body.empty()) return json::object();
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return Status::InvalidArgument("request body is not valid JSON (or not UTF-8)");
  if (!j.is_object()) return Status::InvalidArgument("request body must be a JSON object");
  return j;
}

Result<std::string> StringField(const json& j, const char* key, bool required,
                                std::string fallback) {
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
  // An unsigned value above INT64_MAX is out of range, not a negative number.
  if (j[key].is_number_unsigned() && j[key].get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    return Status::InvalidArgument(std::string("field '") + key + "' must be between " +
                                   std::to_string(lo) + " and " + std::to_string(hi));
  }
  int64_t v = j[key].get<int64_t>();
  if (v < lo || v > hi) {
    return Status::InvalidArgument(std::string("field '") + key + "' must be between " +
                                   std::to_string(lo) + " and " + std::to_string(hi));
  }
  return v;
}

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
  TS_ASSIGN_OR_RETURN(bool expand_graph, BoolField(body, "expand_graph", false));
  if (body.contains("expand_graph") && !body["expand_graph"].is_null())
    r.options.expand_graph = expand_graph ? 1 : 0;  // else by the query's intent
  return r;
}

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

Result<AddIndexRequest> ParseAddIndex(const json& body) {
  AddIndexRequest r;
  TS_ASSIGN_OR_RETURN(r.path, StringField(body, "path", true));
  if (r.path.empty() || r.path[0] != '/') return Status::InvalidArgument("path must be absolute");
  TS_ASSIGN_OR_RETURN(r.name, StringField(body, "name", false));
  TS_ASSIGN_OR_RETURN(r.force, BoolField(body, "force", false));
  // Symbol graph: "graph": false (or "no_kg": true) turns it off for this index.
  TS_ASSIGN_OR_RETURN(bool graph, BoolField(body, "graph", true));
  TS_ASSIGN_OR_RETURN(bool no_kg, BoolField(body, "no_kg", false));
  r.graph = graph && !no_kg ? 1 : 0;
  TS_ASSIGN_OR_RETURN(bool shrink, BoolField(body, "allow_shrink", false));
  r.shrink = shrink ? index::ShrinkPolicy::kAllow : index::ShrinkPolicy::kRefuse;
  return r;
}

Result<ReindexRequest> ParseReindex(const json& body) {
  ReindexRequest r;
  TS_ASSIGN_OR_RETURN(r.force, BoolField(body, "force", false));
  TS_ASSIGN_OR_RETURN(bool shrink, BoolField(body, "allow_shrink", false));
  r.shrink = shrink ? index::ShrinkPolicy::kAllow : index::ShrinkPolicy::kRefuse;
  return r;
}

Result<SimilarRequest> ParseSimilar(const json& body) {
  SimilarRequest r;
  TS_ASSIGN_OR_RETURN(r.id, StringField(body, "id", true));
  TS_ASSIGN_OR_RETURN(int64_t k, IntField(body, "top_k", 10, 1, kMaxTopK));
  r.top_k = static_cast<size_t>(k);
  TS_ASSIGN_OR_RETURN(r.compact, BoolField(body, "compact", false));
  return r;
}

json ErrorJson(std::string_view code, const std::string& message) {
  return {{"error", {{"code", code}, {"message", message}}}};
}

json HitJson(const index::Hit& h, bool compact) {
  json j = {{"id", h.id},
            {"file", h.file},
            {"language", h.language},
            {"start_line", h.start_line},
            {"end_line", h.end_line},
            {"function_name", h.symbol},
            {"scope", h.scope},
            {"chunk_type", h.kind},
            {"score", h.score},
            {"match_reason", h.match_reason}};
  if (compact) {
    // A snippet: the first three lines, for agents that want many hits cheaply.
    size_t pos = 0;
    for (int i = 0; i < 3 && pos != std::string::npos; ++i) {
      pos = h.content.find('\n', pos == 0 && i == 0 ? 0 : pos + 1);
    }
    j["snippet"] = h.content.substr(0, pos == std::string::npos ? std::string::npos : pos);
  } else {
    j["content"] = h.content;
  }
  return j;
}

json SummaryJson(const index::UpdateSummary& s) {
  return {{"files_seen", s.files_seen},
          {"files_indexed", s.files_indexed},
          {"files_grep_only", s.files_grep_only},
          {"files_unchanged", s.files_unchanged},
          {"files_deleted", s.files_deleted},
          {"files_kept_missing", s.files_kept_missing},
          {"chunks_added", s.chunks_added},
          {"chunks_embedded", s.chunks_embedded},
          {"chunks_embedding_reused", s.chunks_embedding_reused},
          {"semantic_note", s.semantic_note},
          {"bytes_read", s.bytes_read},
          {"total_files", s.total_files},
          {"total_chunks", s.total_chunks},
          {"commits", s.commits},
          {"seconds", s.seconds},
          {"skipped", s.skipped},
          {"unreadable_samples", s.unreadable_samples}};
}

json SearchResultJson(const index::QueryResult& result, const SearchRequest& request,
                      const std::string& index_id, const std::string& watch) {
  json hits = json::array();
  for (const auto& h : result.hits) hits.push_back(HitJson(h, request.compact));
  json meta = result.meta;
  if (result.confidence >= 0) {
    meta["confidence"] = std::round(result.confidence * 1000) / 1000;
    meta["confidence_signals"] = result.confidence_signals;
  }
  // Results may be stale while nothing watches the root.
  if (watch.starts_with("lost")) meta["watch"] = watch;
  return {{"results", hits},
          {"intent", result.intent.empty() ? "search" : result.intent},
          {"mode", result.mode},
          {"latency_ms", result.latency_ms},
          {"timings_ms", result.timings_ms},
          {"meta", meta},
          {"index", index_id}};
}

json SearchAllJson(const SearchAllResult& result, bool compact) {
  json meta = json::object();
  for (const auto& a : result.answers) {
    if (!a.result.ok()) {
      meta[a.name] = "error: " + a.result.status().message();
      continue;
    }
    json index_meta = a.result->meta;
    if (a.result->confidence >= 0) index_meta["confidence"] = a.result->confidence;
    if (a.watch.starts_with("lost")) index_meta["watch"] = a.watch;
    meta[a.name] = std::move(index_meta);
  }
  json hits = json::array();
  for (const auto& m : result.hits) {
    json j = HitJson(m.hit, compact);
    j["index_id"] = result.answers[m.answer].name;
    j["index_score"] = m.index_score;
    hits.push_back(std::move(j));
  }
  return {{"results", hits},
          {"intent", result.intent},
          {"latency_ms", result.latency_ms},
          {"meta", {{"indexes", meta}}}};
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

json EdgeJson(const graph::Edge& e) {
  auto end = [](const graph::EdgeEnd& x) {
    return json{{"file", x.file}, {"symbol", x.symbol}, {"line", x.line}};
  };
  json j = {{"kind", e.kind}, {"from", end(e.from)}, {"to", end(e.to)}};
  if (!e.rule.empty()) j[e.kind == "imports" ? "module" : "rule"] = e.rule;
  return j;
}

json ChunkJson(const index::Index::ChunkListing& c) {
  return {{"id", c.id},
          {"file", c.file},
          {"start_line", c.start_line},
          {"end_line", c.end_line},
          {"function_name", c.symbol},
          {"scope", c.scope},
          {"chunk_type", c.kind},
          {"language", c.language}};
}

json JobEventJson(const Job& job, bool finished) {
  json data = {{"job", job.id},
               {"state", job.state},
               {"phase", job.progress.phase},
               {"files_done", job.progress.files_done},
               {"files_total", job.progress.files_total},
               {"bytes_done", job.progress.bytes_done}};
  if (finished) {
    data["summary"] = job.summary;
    if (!job.error.empty()) data["error"] = job.error;
  }
  return data;
}

std::string Dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace ts::daemon
