// The trusty-search commands (commands.h): each asks the daemon and prints
// its answer for a person, or as JSON with --json.
#include "cli/commands.h"

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

// One line on stderr; a request the daemon judged malformed is a usage error.
int Fail(const Status& s) {
  std::fprintf(stderr, "error: %s\n", s.message().c_str());
  return s.code() == Status::Code::kInvalidArgument ? kExitUsage : kExitError;
}

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

}  // namespace

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
  Status s = client->Stream(
      Path(index, "/reindex/stream?job=" + std::to_string(job)),
      [&](const std::string& ev, const json& data) {
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
    // Stopped once it has released the data dir's lock, its last act: it
    // removes its pid file before it closes its indexes, and a command run
    // after `stop` must not meet a daemon still closing them.
    if (!client::DaemonLockHeld(g.data_dir)) {
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

}  // namespace ts::cli
