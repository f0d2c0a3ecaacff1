#include "cli/cli.h"

#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "cli/daemon_client.h"
#include "cli/progress_bar.h"
#include "client/client.h"
#include "mcp/mcp.h"
#include "util/file.h"
#include "util/url.h"
#include "util/utf8.h"
#include "walk/root_policy.h"

namespace ts::cli {
namespace {

using nlohmann::json;

constexpr int kExitOk = 0;
constexpr int kExitError = 1;
constexpr int kExitUsage = 2;

// One line on stderr; a request the daemon judged malformed is a usage error.
int Fail(const Status& s) {
  std::fprintf(stderr, "error: %s\n", s.message().c_str());
  return s.code() == Status::Code::kInvalidArgument ? kExitUsage : kExitError;
}

struct Globals {
  std::string data_dir;
  bool json = false;
};

void PrintJson(const json& j) {
  std::cout << j.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
}

Status PrepareDataDir(const std::string& dir) {
  Status s = CreateDirectories(dir);
  if (!s.ok()) return Status::IoError("data dir " + dir + " is not writable: " + s.message());
  if (::access(dir.c_str(), W_OK) != 0)
    return Status::IoError("data dir " + dir + " is not writable");
  return Status::Ok();
}

Result<DaemonClient> Connect(const Globals& g) {
  TS_RETURN_IF_ERROR(PrepareDataDir(g.data_dir));
  return DaemonClient::Connect(g.data_dir, /*autostart=*/true);
}

std::string Path(const std::string& index, const std::string& rest) {
  return "/indexes/" + index + rest;  // names are [A-Za-z0-9._-]: nothing to escape
}

void PrintSummary(const std::string& name, const std::string& root, const json& s) {
  auto u = [&](const char* k) { return static_cast<unsigned long long>(s.value(k, 0ull)); };
  std::printf("indexed '%s' (%s)\n", name.c_str(), root.c_str());
  std::printf("  files: %llu seen, %llu indexed, %llu unchanged, %llu deleted\n", u("files_seen"),
              u("files_indexed"), u("files_unchanged"), u("files_deleted"));
  std::printf("  chunks: %llu added, %llu in index (%llu files)\n", u("chunks_added"),
              u("total_chunks"), u("total_files"));
  std::printf("  vectors: %llu chunks embedded, %llu reused\n", u("chunks_embedded"),
              u("chunks_embedding_reused"));
  if (!s.value("semantic_note", std::string()).empty()) {
    std::printf("  semantic: %s\n", s.value("semantic_note", std::string()).c_str());
  }
  std::printf("  read: %.1f MB in %.2f s\n", s.value("bytes_read", 0.0) / 1e6,
              s.value("seconds", 0.0));
  if (s.contains("skipped") && !s["skipped"].empty()) {
    std::printf("  skipped:");
    for (const auto& [reason, n] : s["skipped"].items()) {
      std::printf(" %s=%llu", reason.c_str(), static_cast<unsigned long long>(n.get<uint64_t>()));
    }
    std::printf("\n");
  }
  if (u("files_grep_only") > 0) {
    std::printf(
        "  grep only: %llu files search skips (excluded dirs, too large, generated) "
        "are still found by grep, as ripgrep would\n",
        u("files_grep_only"));
  }
  if (s.contains("unreadable_samples")) {
    for (const auto& p : s["unreadable_samples"])
      std::printf("  unreadable: %s\n", p.get<std::string>().c_str());
  }
  if (u("total_files") == 0)
    std::printf("  note: no indexable files found; see the skipped counts above\n");
}

// --allow-broad: adds `root` to the user config's allowlist when the root
// policy refuses it only as broad (a denied folder stays denied). Only this
// terminal command can write there; requests over HTTP or MCP cannot.
Status AllowBroadRoot(const std::string& root) {
  const std::string config = client::DefaultConfigPath();
  if (config.empty())
    return Status::InvalidArgument("no home folder: nowhere to keep the allowlist");
  TS_ASSIGN_OR_RETURN(walk::RootPolicy policy, walk::LoadRootPolicy(client::HomeDir(), config));
  if (walk::CheckIndexRoot(root, policy).ok()) return Status::Ok();
  policy.allow.push_back(root);
  TS_RETURN_IF_ERROR(walk::CheckIndexRoot(root, policy));  // denied: no flag helps
  std::string text;
  if (auto old = ReadFilePrefix(config, 1u << 20); old.ok()) text = *old;
  TS_RETURN_IF_ERROR(CreateDirectories(config.substr(0, config.rfind('/'))));
  TS_RETURN_IF_ERROR(WriteFileAtomic(config, walk::WithAllowedRoot(text, root)));
  std::fprintf(stderr, "allowed %s as an index root in %s\n", root.c_str(), config.c_str());
  return Status::Ok();
}

int RunIndex(const Globals& g, const std::string& path_arg, const std::string& name, bool force,
             bool graph, bool allow_broad, bool allow_shrink) {
  std::error_code ec;
  auto canonical = std::filesystem::canonical(path_arg, ec);
  if (ec) return Fail(Status::NotFound("path not found: " + path_arg));
  if (!std::filesystem::is_directory(canonical, ec)) {
    return Fail(Status::NotFound("not a directory: " + path_arg));
  }
  if (!IsValidUtf8(canonical.string())) {
    return Fail(Status::IoError("cannot index " + canonical.string() +
                                ": its path is not valid UTF-8 (index paths travel as JSON)"));
  }
  if (allow_broad) {
    if (Status s = AllowBroadRoot(canonical.string()); !s.ok()) return Fail(s);
  }
  auto client = Connect(g);
  if (!client.ok()) return Fail(client.status());
  json body = {{"path", canonical.string()}, {"force", force}, {"graph", graph}};
  if (allow_shrink) body["allow_shrink"] = true;
  if (!name.empty()) body["name"] = name;
  auto queued = client->Post("/indexes", body);
  if (!queued.ok()) return Fail(queued.status());
  std::string index = (*queued)["index"].get<std::string>();
  uint64_t job = (*queued)["job"].get<uint64_t>();

  ProgressBar bar(::isatty(2) == 1);
  json final_event;
  std::string final_state;
  Status s =
      client->Stream(Path(index, "/reindex/stream"), [&](const std::string& ev, const json& data) {
        if (data.value("job", 0ull) != job) return true;  // an older job's tail
        if (ev == "progress") {
          bar.Update(data.value("phase", std::string("queued")), data.value("files_done", 0ull),
                     data.value("files_total", 0ull), data.value("bytes_done", 0ull));
          return true;
        }
        final_state = ev;
        final_event = data;
        return false;
      });
  bar.Finish();
  if (!s.ok()) return Fail(s);
  if (final_state != "done") {
    return Fail(Status::Internal(
        "indexing " + (final_state.empty() ? std::string("ended without a result") : final_state) +
        (final_event.contains("error") ? ": " + final_event["error"].get<std::string>() : "")));
  }
  json summary = final_event.value("summary", json::object());
  if (g.json) {
    summary["index"] = index;
    PrintJson(summary);
  } else {
    PrintSummary(index, canonical.string(), summary);
  }
  return kExitOk;
}

// Up to `max_lines` non-blank lines of a hit, indented, for the terminal.
std::string Snippet(const std::string& content, int max_lines) {
  std::string out;
  size_t pos = 0;
  int lines = 0;
  while (pos < content.size() && lines < max_lines) {
    size_t nl = content.find('\n', pos);
    std::string line = content.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? content.size() : nl + 1;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (line.size() > 160) line = line.substr(0, 157) + "...";
    out += "    " + line + "\n";
    ++lines;
  }
  return out;
}

// The index a command names, or the only one there is.
Result<std::string> ResolveIndex(const DaemonClient& client, const std::string& name) {
  if (!name.empty()) return name;
  TS_ASSIGN_OR_RETURN(json list, client.Get("/indexes"));
  const json& l = list["indexes"];
  if (l.empty()) return Status::NotFound("no indexes yet: run `trusty-search index <path>` first");
  if (l.size() != 1) {
    return Status::InvalidArgument("several indexes exist: choose one with --index");
  }
  return l[0]["name"].get<std::string>();
}

int RunQuery(const Globals& g, const std::vector<std::string>& words, std::string index_name,
             size_t top_k, const std::string& mode, const std::string& path_prefix) {
  std::string text;
  for (const auto& w : words) text += (text.empty() ? "" : " ") + w;
  if (!IsValidUtf8(text) || !IsValidUtf8(path_prefix)) {
    return Fail(Status::InvalidArgument("the query (or --path-prefix) is not valid UTF-8"));
  }
  auto client = Connect(g);
  if (!client.ok()) return Fail(client.status());
  auto resolved = ResolveIndex(*client, index_name);
  if (!resolved.ok()) return Fail(resolved.status());
  index_name = *resolved;
  json body = {{"query", text}, {"top_k", top_k}, {"mode", mode}};
  if (!path_prefix.empty()) body["path_prefix"] = path_prefix;
  auto result = client->Post(Path(index_name, "/search"), body);
  if (!result.ok()) return Fail(result.status());
  if (g.json) {
    PrintJson(*result);
    return kExitOk;
  }
  for (const auto& [lane, state] : (*result)["meta"].items()) {
    // "ok (...)" is healthy with a note (e.g. how the semantic lane searches): not worth one.
    if (state.is_string() && state.get<std::string>().rfind("ok", 0) != 0) {
      std::fprintf(stderr, "note: %s lane %s\n", lane.c_str(), state.get<std::string>().c_str());
    }
  }
  const json& hits = (*result)["results"];
  if (hits.empty()) std::fprintf(stderr, "no results for '%s'\n", text.c_str());
  for (const auto& h : hits) {
    std::string symbol = h.value("function_name", std::string());
    std::string scope = h.value("scope", std::string());
    if (symbol.empty())
      symbol = "(" + h.value("chunk_type", std::string()) + ")";
    else if (!scope.empty())
      symbol = scope + "." + symbol;
    std::printf("%s:%u-%u  %s  %.3f\n%s", h.value("file", std::string()).c_str(),
                h.value("start_line", 0u), h.value("end_line", 0u), symbol.c_str(),
                h.value("score", 0.0), Snippet(h.value("content", std::string()), 3).c_str());
  }
  return kExitOk;
}

struct GrepArgs {
  std::vector<std::string> patterns;  // positional PATTERN and -e
  std::string index;
  bool fixed = false, ignore_case = false, word = false, invert = false, multiline = false;
  bool files_with_matches = false, hidden = false;
  int after = -1, before = -1, context = 0;
  uint64_t max_count = 0;
  std::vector<std::string> globs;
  uint64_t max_results = 1000000;
  int64_t timeout_ms = 60000;
};

// rg's exit codes: 0 selected lines found, 1 none, 2 an error.
int RunGrep(const Globals& g, const GrepArgs& a) {
  constexpr int kNoMatch = 1, kGrepError = 2;
  if (a.patterns.size() != 1) {
    std::fprintf(stderr, "error: give exactly one pattern (as an argument or with -e)\n");
    return kGrepError;
  }
  const std::string& pattern = a.patterns[0];
  if (!IsValidUtf8(pattern)) {
    Fail(Status::InvalidArgument("the pattern is not valid UTF-8"));
    return kGrepError;
  }
  auto client = Connect(g);
  if (!client.ok()) return Fail(client.status()), kGrepError;
  auto index_name = ResolveIndex(*client, a.index);
  if (!index_name.ok()) return Fail(index_name.status()), kGrepError;
  json body = {{"pattern", pattern},
               {"fixed_strings", a.fixed},
               {"ignore_case", a.ignore_case},
               {"word", a.word},
               {"invert", a.invert},
               {"multiline", a.multiline},
               {"files_with_matches", a.files_with_matches},
               {"hidden", a.hidden},
               {"before", a.before >= 0 ? a.before : a.context},
               {"after", a.after >= 0 ? a.after : a.context},
               {"max_count", a.max_count},
               {"globs", a.globs},
               {"max_results", a.max_results},
               {"timeout_ms", a.timeout_ms},
               {"format", g.json ? "json" : "text"}};
  if (g.json) {
    auto result = client->Post(Path(*index_name, "/grep"), body);
    if (!result.ok()) return Fail(result.status()), kGrepError;
    PrintJson(*result);
    return (*result).value("matches", 0) > 0 ? kExitOk : kNoMatch;
  }
  std::multimap<std::string, std::string> headers;
  auto text = client->PostText(Path(*index_name, "/grep"), body, &headers);
  if (!text.ok()) return Fail(text.status()), kGrepError;
  std::fwrite(text->data(), 1, text->size(), stdout);
  std::fflush(stdout);
  if (auto it = headers.find("x-trusty-partial"); it != headers.end()) {
    std::fprintf(stderr, "trusty-search: results are partial: %s\n", it->second.c_str());
  }
  if (auto it = headers.find("x-trusty-grep-lane"); it != headers.end()) {
    std::fprintf(stderr, "note: grep %s\n", it->second.c_str());
  }
  auto matches = headers.find("x-trusty-matches");
  return matches != headers.end() && matches->second != "0" ? kExitOk : kNoMatch;
}

// `calls`: a call tree as "symbol  file:line" lines, callers marked "<-" and
// callees "->", indented by depth.
void PrintChainNode(const json& n, const std::string& arrow, int depth) {
  std::string indent(static_cast<size_t>(depth) * 2, ' ');
  std::string line = indent + arrow + n.value("symbol", std::string());
  if (n.contains("unresolved")) {
    line += "  (" + n.value("unresolved", std::string()) + ", line " +
            std::to_string(n.value("call_line", 0)) + ")";
    std::printf("%s\n", line.c_str());
    if (n.contains("candidates")) {
      for (const auto& c : n["candidates"])
        std::printf("%s      ? %s\n", indent.c_str(), c.get<std::string>().c_str());
    }
    return;
  }
  line += "  " + n.value("location", std::string());
  if (n.value("cycle", false)) line += "  (cycle)";
  if (n.value("repeated", false)) line += "  (shown above)";
  if (n.value("ambiguous", false)) line += "  (ambiguous call)";
  std::printf("%s\n", line.c_str());
  if (n.contains("callers")) {
    for (const auto& c : n["callers"]) PrintChainNode(c, "<- ", depth + 1);
  }
  if (n.contains("callees")) {
    for (const auto& c : n["callees"]) PrintChainNode(c, "-> ", depth + 1);
  }
}

int RunCalls(const Globals& g, const std::string& symbol, const std::string& index, bool callers,
             bool callees, int depth, const std::string& file) {
  if (!IsValidUtf8(symbol) || !IsValidUtf8(file)) {
    return Fail(Status::InvalidArgument("the symbol (or --file) is not valid UTF-8"));
  }
  auto client = Connect(g);
  if (!client.ok()) return Fail(client.status());
  std::string direction = callers == callees ? "both" : callers ? "callers" : "callees";
  std::string q = "?symbol=" + PercentEncode(symbol) + "&direction=" + direction +
                  "&depth=" + std::to_string(depth);
  if (!file.empty()) q += "&file=" + PercentEncode(file);
  auto r = client->Get(Path(index, "/call_chain" + q));
  if (!r.ok()) return Fail(r.status());
  if (g.json) {
    PrintJson(*r);
    return kExitOk;
  }
  for (const auto& root : (*r)["roots"]) PrintChainNode(root, "", 0);
  if ((*r).value("truncated", false))
    std::fprintf(stderr, "note: the tree was cut at %llu nodes\n",
                 static_cast<unsigned long long>((*r).value("nodes", 0ull)));
  return kExitOk;
}

int RunGraph(const Globals& g, const std::string& index, const std::string& kind) {
  auto client = Connect(g);
  if (!client.ok()) return Fail(client.status());
  auto r = client->Get(Path(index, "/graph?kind=" + PercentEncode(kind)));
  if (!r.ok()) return Fail(r.status());
  if (r->contains("error")) {
    return Fail(Status::Internal("graph listing failed: " + (*r)["error"].dump()));
  }
  if (g.json) {
    PrintJson(*r);
    return kExitOk;
  }
  for (const auto& e : (*r)["edges"]) {
    auto end = [](const json& x) {
      std::string s = x.value("file", std::string()) + ":" + std::to_string(x.value("line", 0));
      std::string sym = x.value("symbol", std::string());
      return sym.empty() ? s : s + " " + sym;
    };
    std::printf("%s -> %s\n", end(e["from"]).c_str(), end(e["to"]).c_str());
  }
  std::fprintf(stderr, "%llu %s edges (%llu unresolved, %llu ambiguous)\n",
               static_cast<unsigned long long>(r->value("count", 0ull)), kind.c_str(),
               static_cast<unsigned long long>(r->value("unresolved", 0ull)),
               static_cast<unsigned long long>(r->value("ambiguous", 0ull)));
  return kExitOk;
}

int RunList(const Globals& g) {
  auto client = Connect(g);
  if (!client.ok()) return Fail(client.status());
  auto list = client->Get("/indexes");
  if (!list.ok()) return Fail(list.status());
  const json& l = (*list)["indexes"];
  if (g.json) {
    PrintJson(l);
    return kExitOk;
  }
  if (l.empty()) std::fprintf(stderr, "no indexes yet: run `trusty-search index <path>`\n");
  for (const auto& item : l) {
    std::string state = item.value("state", std::string());
    if (item.contains("error")) {
      std::printf("%-24s %s  (error: %s)\n", item["name"].get<std::string>().c_str(),
                  item.value("root", std::string()).c_str(),
                  item["error"].get<std::string>().c_str());
    } else {
      std::printf("%-24s %s  %llu files, %llu chunks  [%s]\n",
                  item["name"].get<std::string>().c_str(),
                  item.value("root", std::string()).c_str(),
                  static_cast<unsigned long long>(item.value("files", 0ull)),
                  static_cast<unsigned long long>(item.value("chunks", 0ull)), state.c_str());
    }
  }
  return kExitOk;
}

int RunIndexStatus(const Globals& g, const std::string& name) {
  auto client = Connect(g);
  if (!client.ok()) return Fail(client.status());
  auto st = client->Get(Path(name, "/status"));
  if (!st.ok()) return Fail(st.status());
  const json& s = *st;
  if (g.json) {
    PrintJson(s);
    return kExitOk;
  }
  std::printf("index:    %s\nroot:     %s\nstate:    %s\nfiles:    %llu\nchunks:   %llu\n",
              s.value("name", std::string()).c_str(), s.value("root", std::string()).c_str(),
              s.value("state", std::string()).c_str(),
              static_cast<unsigned long long>(s.value("files", 0ull)),
              static_cast<unsigned long long>(s.value("chunks", 0ull)));
  std::printf("segments: %llu (%llu deleted chunks awaiting merge)\ndisk:     %.1f MB\n",
              static_cast<unsigned long long>(s.value("segments", 0ull)),
              static_cast<unsigned long long>(s.value("tombstones", 0ull)),
              s.value("disk_bytes", 0.0) / 1e6);
  if (s.contains("lanes")) {
    for (const auto& [lane, state] : s["lanes"].items()) {
      std::printf("%-9s %s\n", (lane + ":").c_str(), state.get<std::string>().c_str());
    }
  }
  if (s.contains("error")) std::printf("error:    %s\n", s["error"].get<std::string>().c_str());
  return kExitOk;
}

int RunDaemonStatus(const Globals& g) {
  auto client = DaemonClient::Connect(g.data_dir, /*autostart=*/false);
  if (!client.ok()) {
    if (g.json)
      PrintJson({{"running", false}, {"data_dir", g.data_dir}});
    else
      std::printf("daemon: not running (data dir %s)\n", g.data_dir.c_str());
    return kExitError;
  }
  auto health = client->Get("/health");
  if (!health.ok()) return Fail(health.status());
  json h = *health;
  h["running"] = true;
  h["port"] = client->port();
  h["data_dir"] = g.data_dir;
  if (g.json) {
    PrintJson(h);
    return kExitOk;
  }
  std::printf("daemon:   running, pid %lld, 127.0.0.1:%d, up %.0f s, %s\n",
              static_cast<long long>(h.value("pid", 0ll)), client->port(), h.value("uptime_s", 0.0),
              h.value("status", std::string()).c_str());
  std::printf("data dir: %s\n", g.data_dir.c_str());
  for (const auto& [name, lanes] : h["indexes"].items()) {
    std::string line;
    for (const auto& [lane, state] : lanes.items()) {
      line += " " + lane + "=" + (state.is_string() ? state.get<std::string>() : state.dump());
    }
    std::printf("  %-22s%s\n", name.c_str(), line.c_str());
  }
  return kExitOk;
}

int RunRemove(const Globals& g, const std::string& name) {
  auto client = Connect(g);
  if (!client.ok()) return Fail(client.status());
  auto r = client->Delete(Path(name, ""));
  if (!r.ok()) return Fail(r.status());
  if (g.json)
    PrintJson(*r);
  else
    std::printf("removed '%s'\n", name.c_str());
  return kExitOk;
}

int RunStart(const Globals& g, const StartOptions& options, bool foreground) {
  if (Status s = PrepareDataDir(g.data_dir); !s.ok()) return Fail(s);
  if (client::DaemonLockHeld(g.data_dir)) {
    // Report a running daemon only once it answers; one that was just killed
    // still holds the lock for a moment, and then a new one is started.
    auto running = AnsweringDaemonPort(g.data_dir, std::chrono::seconds(5));
    if (running.ok()) {
      std::printf("already running on 127.0.0.1:%d\n", *running);
      return kExitOk;
    }
    if (running.status().code() != Status::Code::kNotFound) return Fail(running.status());
  }
  if (foreground) {
    Status s = RunDaemonInForeground(g.data_dir, options);
    return Fail(s);  // only reached when the daemon could not be started
  }
  auto started = StartDaemon(g.data_dir, options);
  if (!started.ok()) return Fail(started.status());
  auto pid = client::RunningDaemonPid(g.data_dir);
  std::printf("started on 127.0.0.1:%d (pid %d); log: %s\n", *started, pid.ok() ? *pid : 0,
              client::LogPath(g.data_dir).c_str());
  return kExitOk;
}

int RunStop(const Globals& g) {
  auto pid = client::RunningDaemonPid(g.data_dir);
  if (!pid.ok()) {
    std::printf("no daemon running for %s\n", g.data_dir.c_str());
    return kExitOk;
  }
  if (::kill(*pid, SIGTERM) != 0)
    return Fail(Status::IoError("cannot signal pid " + std::to_string(*pid)));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (!client::RunningDaemonPid(g.data_dir).ok()) {
      std::printf("stopped (pid %d)\n", *pid);
      return kExitOk;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return Fail(
      Status::Unavailable("daemon pid " + std::to_string(*pid) + " did not stop within 30 s"));
}

// MCP over stdio. stdout carries protocol messages only; errors go to stderr.
int RunServe(const Globals& g) {
  auto client = Connect(g);
  if (!client.ok()) return Fail(client.status());
  mcp::ApiCall api = mcp::LoopbackApi(client->port(), g.data_dir);
  return mcp::ServeStdio(
      [&g, &api](const std::string& method, const std::string& path, const json& body) {
        auto r = api(method, path, body);
        if (r.first == 0) {
          // The daemon went away (stopped, killed): start a new one and retry once.
          auto again = DaemonClient::Connect(g.data_dir, /*autostart=*/true);
          if (again.ok()) {
            api = mcp::LoopbackApi(again->port(), g.data_dir);
            r = api(method, path, body);
          }
        }
        return r;
      });
}

// The data dir's access token (docs/SECURITY.md), made when there is none;
// --rotate replaces it (a running daemon takes the new one at its next request).
int RunToken(const Globals& g, bool rotate) {
  if (Status s = PrepareDataDir(g.data_dir); !s.ok()) return Fail(s);
  auto token = rotate ? client::WriteNewToken(g.data_dir) : client::EnsureToken(g.data_dir);
  if (!token.ok()) return Fail(token.status());
  if (g.json) {
    std::printf("%s\n",
                json{{"token", *token}, {"path", client::TokenPath(g.data_dir)}}.dump().c_str());
  } else {
    std::printf("%s\n", token->c_str());
  }
  return kExitOk;
}

int RunPort(const Globals& g) {
  auto port = client::RunningDaemonPort(g.data_dir);
  if (!port.ok()) return Fail(port.status());
  std::printf("%d\n", *port);
  return kExitOk;
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{
      "trusty-search: hybrid code search (BM25 over code-aware tokens, dense vectors from a code "
      "embedding model, and a symbol graph), plus ripgrep-compatible indexed grep.\n"
      "One daemon per data dir (trusty-searchd) serves every index; commands start it when "
      "absent.\n"
      "Data dir: --data-dir, else $TRUSTY_DATA_DIR, else $XDG_DATA_HOME/trusty-search, else "
      "~/.local/share/trusty-search."};
  app.require_subcommand(1);
  Globals g;
  app.add_option("--data-dir", g.data_dir, "Where indexes and the daemon's files live");
  app.add_flag("--json", g.json, "Print machine-readable JSON on stdout");

  int port = client::kDefaultPort;
  bool foreground = false, port_auto = false, no_watch = false, require_token = false;
  auto* start_cmd =
      app.add_subcommand("start", "Start the daemon (127.0.0.1, port 7878 or the next free one)");
  auto* port_opt = start_cmd->add_option("--port", port, "Port to bind (must be free when given)");
  start_cmd->add_flag("--foreground", foreground, "Run in this process and log to stderr too");
  start_cmd->add_flag("--port-auto", port_auto, "Take the next free port when --port is busy")
      ->group("");
  start_cmd->add_flag("--no-watch", no_watch, "Do not watch index roots for changes");
  start_cmd->add_flag("--require-token", require_token,
                      "Answer only requests that carry the token (`trusty-search token`), even "
                      "from your own processes; by default a loopback caller running as you is "
                      "let in without it");
  bool rotate = false;
  auto* token_cmd = app.add_subcommand(
      "token",
      "Print the token that HTTP and MCP clients send as `Authorization: Bearer <token>` (made "
      "on first use, stored 0600 in the data dir)");
  token_cmd->add_flag("--rotate", rotate, "Replace the token; clients holding the old one get 401");
  auto* stop_cmd = app.add_subcommand(
      "stop", "Stop the daemon (SIGTERM; the indexing round in flight is abandoned cleanly)");
  auto* port_cmd = app.add_subcommand("port", "Print the running daemon's port");
  auto* serve_cmd = app.add_subcommand(
      "serve", "MCP server over stdio for AI agents (starts the daemon if needed); see README");

  std::string path, name;
  bool force = false, lexical_only = false, no_kg = false, allow_broad = false;
  bool allow_shrink = false;
  auto* index_cmd = app.add_subcommand(
      "index", "Index a folder, or bring its index up to date, and wait until it is ready");
  index_cmd->add_option("path", path, "Folder to index")->required();
  index_cmd->add_option("--name", name, "Index name (default: the folder's name)");
  index_cmd->add_flag("--force", force, "Re-read and re-chunk every file, even unchanged ones");
  index_cmd->add_flag("--allow-broad", allow_broad,
                      "Allow a broad root (your home folder, or a folder above it) by adding it to "
                      "the allowlist in your config.toml; system folders and key stores stay "
                      "denied (docs/SECURITY.md)");
  index_cmd->add_flag("--allow-shrink", allow_shrink,
                      "Accept an update that drops more than half of the index's files (the "
                      "folder really lost them); without it such an update fails and the index "
                      "keeps what it holds");
  index_cmd->add_flag("--lexical-only", lexical_only, "Build only the BM25 lane (no symbol graph)");
  index_cmd->add_flag("--no-kg", no_kg,
                      "Skip the symbol graph (calls, imports, inheritance) for this index");
  index_cmd->add_flag("--json", g.json, "Print the summary as JSON");

  std::vector<std::string> words;
  std::string query_index, mode = "hybrid", path_prefix;
  size_t top_k = 10;
  auto* query_cmd = app.add_subcommand("query", "Search an index");
  query_cmd->add_option("text", words, "Query text (identifiers or natural language)")->required();
  query_cmd->add_option("--index,-i", query_index, "Index name (optional when only one exists)");
  query_cmd->add_option("--top-k,-k", top_k, "Number of results (1-1000)")->capture_default_str();
  query_cmd
      ->add_option("--mode", mode,
                   "hybrid: BM25 and embeddings fused (the default; falls back to BM25 when the "
                   "semantic lane is unavailable, and says so); lexical: BM25 over code-aware "
                   "tokens only; semantic: embeddings only (an error when no model is loaded); "
                   "auto: same as hybrid")
      ->check(CLI::IsMember({"hybrid", "lexical", "semantic", "auto"}))
      ->capture_default_str();
  query_cmd->add_option("--path-prefix", path_prefix, "Only results under this relative path");
  query_cmd->add_flag("--json", g.json, "Print results as JSON");

  GrepArgs grep_args;
  auto* grep_cmd = app.add_subcommand(
      "grep",
      "Regex or literal search of an index's files, printed exactly as `rg --no-heading -n` "
      "prints it at the index root (RE2 syntax; the trigram index picks the files to read). "
      "Exit 0: lines found, 1: none, 2: error");
  grep_cmd->add_option("pattern", grep_args.patterns, "The pattern (use -e for one starting '-')");
  grep_cmd->add_option("-e,--regexp", grep_args.patterns, "The pattern")->allow_extra_args(false);
  grep_cmd->add_option("--index,-I", grep_args.index, "Index name (optional when only one exists)");
  grep_cmd->add_flag("-F,--fixed-strings", grep_args.fixed, "The pattern is a literal string");
  grep_cmd->add_flag("-i,--ignore-case", grep_args.ignore_case, "Case-insensitive");
  grep_cmd->add_flag("-w,--word-regexp", grep_args.word, "Only whole-word matches");
  grep_cmd->add_flag("-v,--invert-match", grep_args.invert, "Lines that do not match");
  grep_cmd->add_flag("-U,--multiline", grep_args.multiline, "Matches may span lines");
  grep_cmd->add_flag("-l,--files-with-matches", grep_args.files_with_matches,
                     "Print only the paths of files with a match");
  grep_cmd->add_flag("--hidden", grep_args.hidden, "Also search hidden files (names with '.')");
  grep_cmd->add_option("-A,--after-context", grep_args.after, "Lines after each match");
  grep_cmd->add_option("-B,--before-context", grep_args.before, "Lines before each match");
  grep_cmd->add_option("-C,--context", grep_args.context, "Lines before and after each match");
  grep_cmd->add_option("-m,--max-count", grep_args.max_count, "Selected lines per file at most");
  grep_cmd
      ->add_option("-g,--glob", grep_args.globs,
                   "Only files matching this gitignore-style glob; '!glob' excludes "
                   "(repeatable)")
      ->allow_extra_args(false);
  grep_cmd
      ->add_option("--max-results", grep_args.max_results,
                   "Stop after this many selected lines in all (the output says it is "
                   "partial)")
      ->capture_default_str();
  grep_cmd
      ->add_option("--timeout-ms", grep_args.timeout_ms,
                   "Time budget; past it the output is partial")
      ->capture_default_str();
  grep_cmd->add_flag("--json", g.json, "Print the result as JSON");

  std::string calls_symbol, calls_index, calls_file;
  bool calls_callers = false, calls_callees = false;
  int calls_depth = 3;
  auto* calls_cmd = app.add_subcommand(
      "calls", "Call tree of a symbol: who calls it and what it calls (symbol graph)");
  calls_cmd->add_option("symbol", calls_symbol, "Function or method (Class.method allowed)")
      ->required();
  calls_cmd->add_option("--index,-i", calls_index, "Index name")->required();
  calls_cmd->add_flag("--callers", calls_callers, "Only callers");
  calls_cmd->add_flag("--callees", calls_callees, "Only callees");
  calls_cmd->add_option("--depth,-d", calls_depth, "Levels (1-10)")
      ->capture_default_str()
      ->check(CLI::Range(1, 10));
  calls_cmd->add_option("--file", calls_file, "Only definitions in this file (relative path)");
  calls_cmd->add_flag("--json", g.json, "Print the tree as JSON");

  std::string graph_index, graph_kind = "calls";
  auto* graph_cmd =
      app.add_subcommand("graph", "Every edge of one kind of an index's symbol graph");
  graph_cmd->add_option("--index,-i", graph_index, "Index name")->required();
  graph_cmd->add_option("--kind", graph_kind, "calls | imports | inherits | contains")
      ->capture_default_str()
      ->check(CLI::IsMember({"calls", "imports", "inherits", "contains"}));
  graph_cmd->add_flag("--json", g.json, "Print {\"edges\": [...]} as JSON");

  auto* list_cmd = app.add_subcommand("list", "List indexes");
  list_cmd->add_flag("--json", g.json, "Print as JSON");

  std::string status_name;
  auto* status_cmd = app.add_subcommand(
      "status",
      "Without a name: the daemon's state. With one: that index's size, health and lanes");
  status_cmd->add_option("name", status_name, "Index name");
  status_cmd->add_flag("--json", g.json, "Print as JSON");

  std::string remove_name;
  auto* remove_cmd = app.add_subcommand("remove", "Delete an index and its data");
  remove_cmd->add_option("name", remove_name, "Index name")->required();
  remove_cmd->add_flag("--json", g.json, "Print as JSON");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "error: %s\nRun with --help for usage.\n", e.what());
    return kExitUsage;
  }
  if (g.data_dir.empty()) g.data_dir = client::DefaultDataDir();
  if (!client::IsValidIndexName(name) && !name.empty()) {
    std::fprintf(stderr, "error: invalid index name '%s' (use 1-64 of A-Z a-z 0-9 . _ -)\n",
                 name.c_str());
    return kExitUsage;
  }

  auto dispatch = [&]() -> int {
    if (start_cmd->parsed()) {
      StartOptions options;
      options.port = port;
      options.port_explicit = port_opt->count() > 0 && !port_auto;
      options.watch = !no_watch;
      options.require_token = require_token;
      return RunStart(g, options, foreground);
    }
    if (token_cmd->parsed()) return RunToken(g, rotate);
    if (stop_cmd->parsed()) return RunStop(g);
    if (port_cmd->parsed()) return RunPort(g);
    if (serve_cmd->parsed()) return RunServe(g);
    if (index_cmd->parsed())
      return RunIndex(g, path, name, force, !(no_kg || lexical_only), allow_broad, allow_shrink);
    if (calls_cmd->parsed()) {
      return RunCalls(g, calls_symbol, calls_index, calls_callers, calls_callees, calls_depth,
                      calls_file);
    }
    if (graph_cmd->parsed()) return RunGraph(g, graph_index, graph_kind);
    if (query_cmd->parsed()) return RunQuery(g, words, query_index, top_k, mode, path_prefix);
    if (grep_cmd->parsed()) return RunGrep(g, grep_args);
    if (list_cmd->parsed()) return RunList(g);
    if (status_cmd->parsed()) {
      return status_name.empty() ? RunDaemonStatus(g) : RunIndexStatus(g, status_name);
    }
    if (remove_cmd->parsed()) return RunRemove(g, remove_name);
    return kExitUsage;
  };
  // The last line of defence at the process boundary: a malformed answer from
  // the daemon (or a bug) becomes one error line, not an abort.
  try {
    return dispatch();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: unexpected: %s\n", e.what());
    return kExitError;
  }
}

}  // namespace ts::cli
