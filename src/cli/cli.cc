#include "cli/cli.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/progress_bar.h"
#include "index/index.h"
#include "util/file.h"

namespace ts::cli {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitError = 1;
constexpr int kExitUsage = 2;

int Fail(const Status& s) {
  std::fprintf(stderr, "error: %s\n", s.message().c_str());
  return kExitError;
}

struct Globals {
  std::string data_dir;
  bool json = false;
};

// The data directory exists and is writable, or a one-line error says why not.
Status PrepareDataDir(const std::string& dir) {
  Status s = CreateDirectories(dir);
  if (!s.ok()) return Status::IoError("data dir " + dir + " is not writable: " + s.message());
  if (::access(dir.c_str(), W_OK) != 0) {
    return Status::IoError("data dir " + dir + " is not writable");
  }
  return Status::Ok();
}

Result<std::unique_ptr<index::Index>> OpenNamed(const index::Registry& reg,
                                                const std::string& name) {
  if (!reg.Find(name)) {
    std::string known;
    for (const auto& e : reg.entries()) known += (known.empty() ? "" : ", ") + e.name;
    return Status::NotFound("no index named '" + name + "'" +
                            (known.empty() ? " (no indexes yet: run `trusty-search index <path>`)"
                                           : " (known: " + known + ")"));
  }
  return index::Index::Open(reg.IndexDir(name));
}

nlohmann::json SummaryJson(const std::string& name, const index::UpdateSummary& s) {
  return {{"index", name},
          {"files_seen", s.files_seen},
          {"files_indexed", s.files_indexed},
          {"files_unchanged", s.files_unchanged},
          {"files_deleted", s.files_deleted},
          {"chunks_added", s.chunks_added},
          {"bytes_read", s.bytes_read},
          {"total_files", s.total_files},
          {"total_chunks", s.total_chunks},
          {"commits", s.commits},
          {"seconds", s.seconds},
          {"skipped", s.skipped},
          {"unreadable_samples", s.unreadable_samples}};
}

int RunIndex(const Globals& g, const std::string& path_arg, std::string name, bool force,
             bool lexical_only, uint64_t max_file_size) {
  std::error_code ec;
  auto canonical = std::filesystem::canonical(path_arg, ec);
  if (ec) return Fail(Status::NotFound("path not found: " + path_arg));
  if (!std::filesystem::is_directory(canonical, ec)) {
    return Fail(Status::InvalidArgument("not a directory: " + path_arg));
  }
  std::string root = canonical.string();
  if (name.empty()) name = index::DefaultIndexName(root);
  if (!index::IsValidIndexName(name)) {
    std::fprintf(stderr, "error: invalid index name '%s' (use 1-64 of A-Z a-z 0-9 . _ -)\n",
                 name.c_str());
    return kExitUsage;
  }
  if (Status s = PrepareDataDir(g.data_dir); !s.ok()) return Fail(s);
  auto reg = index::Registry::Load(g.data_dir);
  if (!reg.ok()) return Fail(reg.status());

  std::unique_ptr<index::Index> idx;
  if (const auto* entry = reg->Find(name)) {
    if (entry->root != root) {
      return Fail(Status::AlreadyExists("index '" + name + "' already indexes " + entry->root +
                                        "; pick another name with --name"));
    }
    auto opened = index::Index::Open(reg->IndexDir(name));
    if (!opened.ok()) return Fail(opened.status());
    idx = std::move(opened).value();
  } else {
    auto created = index::Index::Create(reg->IndexDir(name), name, root);
    if (!created.ok()) return Fail(created.status());
    idx = std::move(created).value();
    if (Status s = reg->Add({name, root, ""}); !s.ok()) return Fail(s);
  }

  index::UpdateOptions options;
  // Test hooks: tiny rounds and an eager merge make every commit path reachable
  // on a small tree (tests/integration/crash_test.py).
  if (const char* rb = std::getenv("TRUSTY_ROUND_BYTES"))
    options.round_bytes = std::strtoull(rb, nullptr, 10);
  if (const char* ms = std::getenv("TRUSTY_MAX_SEGMENTS"))
    options.max_segments = std::strtoull(ms, nullptr, 10);
  options.force = force;
  options.lexical_only = lexical_only;
  options.walk.max_file_size = max_file_size;
  ProgressBar bar(::isatty(2) == 1);
  index::UpdateSummary summary;
  Status s = idx->Update(
      options,
      [&](const index::UpdateProgress& p) {
        bar.Update(p.phase, p.files_done, p.files_total, p.bytes_done);
      },
      &summary);
  bar.Finish();
  if (!s.ok()) return Fail(s);

  if (g.json) {
    std::cout << SummaryJson(name, summary).dump(2) << "\n";
    return kExitOk;
  }
  std::printf("indexed '%s' (%s)\n", name.c_str(), root.c_str());
  std::printf("  files: %llu seen, %llu indexed, %llu unchanged, %llu deleted\n",
              static_cast<unsigned long long>(summary.files_seen),
              static_cast<unsigned long long>(summary.files_indexed),
              static_cast<unsigned long long>(summary.files_unchanged),
              static_cast<unsigned long long>(summary.files_deleted));
  std::printf("  chunks: %llu added, %llu in index (%llu files)\n",
              static_cast<unsigned long long>(summary.chunks_added),
              static_cast<unsigned long long>(summary.total_chunks),
              static_cast<unsigned long long>(summary.total_files));
  std::printf("  read: %.1f MB in %.2f s\n", summary.bytes_read / 1e6, summary.seconds);
  if (!summary.skipped.empty()) {
    std::printf("  skipped:");
    for (const auto& [reason, n] : summary.skipped) {
      std::printf(" %s=%llu", reason.c_str(), static_cast<unsigned long long>(n));
    }
    std::printf("\n");
  }
  for (const auto& p : summary.unreadable_samples) std::printf("  unreadable: %s\n", p.c_str());
  if (summary.total_files == 0) {
    std::printf("  note: no indexable files found; see the skipped counts above\n");
  }
  return kExitOk;
}

nlohmann::json HitJson(const index::Hit& h) {
  return {{"id", h.id},
          {"file", h.file},
          {"language", h.language},
          {"start_line", h.start_line},
          {"end_line", h.end_line},
          {"function_name", h.symbol},
          {"scope", h.scope},
          {"chunk_type", h.kind},
          {"score", h.score},
          {"match_reason", h.match_reason},
          {"content", h.content}};
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

int RunQuery(const Globals& g, const std::vector<std::string>& words, std::string index_name,
             size_t top_k, const std::string& mode, const std::string& path_prefix) {
  std::string text;
  for (const auto& w : words) text += (text.empty() ? "" : " ") + w;
  auto reg = index::Registry::Load(g.data_dir);
  if (!reg.ok()) return Fail(reg.status());
  if (index_name.empty()) {
    if (reg->entries().size() != 1) {
      std::fprintf(stderr, "error: %s\n",
                   reg->entries().empty() ? "no indexes yet: run `trusty-search index <path>` first"
                                          : "several indexes exist: choose one with --index");
      return reg->entries().empty() ? kExitError : kExitUsage;
    }
    index_name = reg->entries()[0].name;
  }
  auto idx = OpenNamed(*reg, index_name);
  if (!idx.ok()) return Fail(idx.status());
  index::QueryOptions options;
  options.top_k = top_k;
  options.mode = mode;
  options.path_prefix = path_prefix;
  auto result = (*idx)->Query(text, options);
  if (!result.ok()) {
    if (result.status().code() == Status::Code::kInvalidArgument) {
      std::fprintf(stderr, "error: %s\n", result.status().message().c_str());
      return kExitUsage;
    }
    return Fail(result.status());
  }
  if (g.json) {
    nlohmann::json hits = nlohmann::json::array();
    for (const auto& h : result->hits) hits.push_back(HitJson(h));
    nlohmann::json out = {{"results", hits},
                          {"index", index_name},
                          {"mode", result->mode},
                          {"intent", "unclassified"},
                          {"latency_ms", result->latency_ms},
                          {"meta", result->meta}};
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  for (const auto& [lane, state] : result->meta) {
    if (state != "ok") std::fprintf(stderr, "note: %s lane %s\n", lane.c_str(), state.c_str());
  }
  if (result->hits.empty()) std::fprintf(stderr, "no results for '%s'\n", text.c_str());
  for (const auto& h : result->hits) {
    std::string symbol = h.symbol.empty() ? "(" + h.kind + ")" : h.symbol;
    if (!h.scope.empty() && !h.symbol.empty()) symbol = h.scope + "." + h.symbol;
    std::printf("%s:%u-%u  %s  %.3f\n%s", h.file.c_str(), h.start_line, h.end_line, symbol.c_str(),
                h.score, Snippet(h.content, 3).c_str());
  }
  return kExitOk;
}

int RunList(const Globals& g) {
  auto reg = index::Registry::Load(g.data_dir);
  if (!reg.ok()) return Fail(reg.status());
  nlohmann::json list = nlohmann::json::array();
  for (const auto& e : reg->entries()) {
    nlohmann::json item = {{"name", e.name}, {"root", e.root}, {"created_at", e.created_at}};
    auto idx = index::Index::Open(reg->IndexDir(e.name));
    if (idx.ok()) {
      auto info = (*idx)->Info();
      item["files"] = info.files;
      item["chunks"] = info.chunks;
    } else {
      item["error"] = idx.status().message();
    }
    list.push_back(item);
  }
  if (g.json) {
    std::cout << list.dump(2) << "\n";
    return kExitOk;
  }
  if (list.empty()) std::fprintf(stderr, "no indexes yet: run `trusty-search index <path>`\n");
  for (const auto& item : list) {
    if (item.contains("error")) {
      std::printf("%-24s %s  (error: %s)\n", item["name"].get<std::string>().c_str(),
                  item["root"].get<std::string>().c_str(),
                  item["error"].get<std::string>().c_str());
    } else {
      std::printf("%-24s %s  %llu files, %llu chunks\n", item["name"].get<std::string>().c_str(),
                  item["root"].get<std::string>().c_str(),
                  static_cast<unsigned long long>(item["files"].get<uint64_t>()),
                  static_cast<unsigned long long>(item["chunks"].get<uint64_t>()));
    }
  }
  return kExitOk;
}

int RunStatus(const Globals& g, const std::string& name) {
  auto reg = index::Registry::Load(g.data_dir);
  if (!reg.ok()) return Fail(reg.status());
  auto idx = OpenNamed(*reg, name);
  if (!idx.ok()) return Fail(idx.status());
  auto info = (*idx)->Info();
  nlohmann::json lanes = nlohmann::json::object();
  for (const auto& [lane, state] : info.lanes) lanes[lane] = state.ToString();
  nlohmann::json last =
      nlohmann::json::parse(info.last_update.empty() ? "null" : info.last_update, nullptr, false);
  bool healthy = info.lanes["lexical"].available;
  nlohmann::json out = {{"name", info.name},
                        {"root", info.root},
                        {"format_version", info.format_version},
                        {"files", info.files},
                        {"chunks", info.chunks},
                        {"segments", info.segments},
                        {"tombstones", info.tombstones},
                        {"disk_bytes", info.disk_bytes},
                        {"lanes", lanes},
                        {"healthy", healthy},
                        {"last_update", last.is_discarded() ? nlohmann::json() : last}};
  if (g.json) {
    std::cout << out.dump(2) << "\n";
    return kExitOk;
  }
  std::printf("index:    %s\nroot:     %s\nfiles:    %llu\nchunks:   %llu\n", info.name.c_str(),
              info.root.c_str(), static_cast<unsigned long long>(info.files),
              static_cast<unsigned long long>(info.chunks));
  std::printf("segments: %llu (%llu deleted chunks awaiting merge)\ndisk:     %.1f MB\n",
              static_cast<unsigned long long>(info.segments),
              static_cast<unsigned long long>(info.tombstones), info.disk_bytes / 1e6);
  for (const auto& [lane, state] : info.lanes) {
    std::printf("%-9s %s\n", (lane + ":").c_str(), state.ToString().c_str());
  }
  if (!last.is_discarded() && last.is_object()) {
    std::printf("last update: %llu files indexed, %llu unchanged in %.2f s\n",
                static_cast<unsigned long long>(last.value("files_indexed", 0ull)),
                static_cast<unsigned long long>(last.value("files_unchanged", 0ull)),
                last.value("seconds", 0.0));
  }
  return kExitOk;
}

int RunRemove(const Globals& g, const std::string& name) {
  auto reg = index::Registry::Load(g.data_dir);
  if (!reg.ok()) return Fail(reg.status());
  if (!reg->Find(name)) return Fail(Status::NotFound("no index named '" + name + "'"));
  std::string dir = reg->IndexDir(name);
  if (Status s = reg->Remove(name); !s.ok()) return Fail(s);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (ec)
    return Fail(Status::IoError("removed '" + name + "' from the registry but could not delete " +
                                dir + ": " + ec.message()));
  if (!g.json)
    std::printf("removed '%s'\n", name.c_str());
  else
    std::cout << nlohmann::json({{"removed", name}}).dump() << "\n";
  return kExitOk;
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{
      "trusty-search: hybrid code search (BM25 over code-aware tokens; semantic and graph lanes "
      "to come).\nIndexes live in the data dir: --data-dir, else $TRUSTY_DATA_DIR, else "
      "$XDG_DATA_HOME/trusty-search, else ~/.local/share/trusty-search."};
  app.require_subcommand(1);
  Globals g;
  app.add_option("--data-dir", g.data_dir, "Where indexes are stored");
  app.add_flag("--json", g.json, "Print machine-readable JSON on stdout");

  std::string path, name;
  bool force = false, lexical_only = false;
  uint64_t max_file_size = 1u << 20;
  auto* index_cmd = app.add_subcommand("index", "Index a folder (or bring its index up to date)");
  index_cmd->add_option("path", path, "Folder to index")->required();
  index_cmd->add_option("--name", name, "Index name (default: the folder's name)");
  index_cmd->add_flag("--force", force, "Re-read and re-chunk every file, even unchanged ones");
  index_cmd->add_flag("--lexical-only", lexical_only,
                      "Build only the BM25 lane (the only lane so far)");
  bool no_kg = false;
  index_cmd->add_flag("--no-kg", no_kg,
                      "Skip the symbol graph (not built yet; accepted for compatibility)");
  index_cmd->add_option("--max-file-size", max_file_size, "Skip files larger than this many bytes")
      ->capture_default_str();
  index_cmd->add_flag("--json", g.json, "Print the summary as JSON");

  std::vector<std::string> words;
  std::string query_index, mode = "auto", path_prefix;
  size_t top_k = 10;
  auto* query_cmd = app.add_subcommand("query", "Search an index");
  query_cmd->add_option("text", words, "Query text (identifiers or natural language)")->required();
  query_cmd->add_option("--index,-i", query_index, "Index name (optional when only one exists)");
  query_cmd->add_option("--top-k,-k", top_k, "Number of results")->capture_default_str();
  query_cmd->add_option("--mode", mode, "auto | lexical | semantic | hybrid")
      ->capture_default_str();
  query_cmd->add_option("--path-prefix", path_prefix, "Only results under this relative path");
  query_cmd->add_flag("--json", g.json, "Print results as JSON");

  auto* list_cmd = app.add_subcommand("list", "List indexes");
  list_cmd->add_flag("--json", g.json, "Print as JSON");

  std::string status_name;
  auto* status_cmd = app.add_subcommand("status", "Show an index's size, health and lanes");
  status_cmd->add_option("name", status_name, "Index name")->required();
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
  if (g.data_dir.empty()) g.data_dir = index::DefaultDataDir();

  if (index_cmd->parsed()) return RunIndex(g, path, name, force, lexical_only, max_file_size);
  if (query_cmd->parsed()) return RunQuery(g, words, query_index, top_k, mode, path_prefix);
  if (list_cmd->parsed()) return RunList(g);
  if (status_cmd->parsed()) return RunStatus(g, status_name);
  if (remove_cmd->parsed()) return RunRemove(g, remove_name);
  return kExitUsage;
}

}  // namespace ts::cli
