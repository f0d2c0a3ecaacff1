// The command line: each subcommand's options, parsed by CLI11 into the
// arguments of its function in commands.h, which then runs.
#include "cli/cli.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "cli/commands.h"
#include "client/client.h"

namespace ts::cli {
namespace {

// A subcommand's parser and what runs it once parsed. The arguments it binds
// live in a shared object the runner holds, so they outlive the parse.
struct Command {
  CLI::App* parser = nullptr;
  std::function<int()> run;
};

void AddDaemonCommands(CLI::App& app, Globals& g, std::vector<Command>& out) {
  struct Args {
    int port = client::kDefaultPort;
    bool foreground = false, port_auto = false, no_watch = false, require_token = false;
    bool rotate = false;
    CLI::Option* port_opt = nullptr;
  };
  auto a = std::make_shared<Args>();
  auto* start =
      app.add_subcommand("start", "Start the daemon (127.0.0.1, port 7878 or the next free one)");
  a->port_opt = start->add_option("--port", a->port, "Port to bind (must be free when given)");
  start->add_flag("--foreground", a->foreground, "Run in this process and log to stderr too");
  start->add_flag("--port-auto", a->port_auto, "Take the next free port when --port is busy")
      ->group("");
  start->add_flag("--no-watch", a->no_watch, "Do not watch index roots for changes");
  start->add_flag("--require-token", a->require_token,
                  "Answer only requests that carry the token (`trusty-search token`), even "
                  "from your own processes; by default a loopback caller running as you is "
                  "let in without it");
  out.push_back({start, [&g, a] {
                   StartOptions options;
                   options.port = a->port;
                   options.port_explicit = a->port_opt->count() > 0 && !a->port_auto;
                   options.watch = !a->no_watch;
                   options.require_token = a->require_token;
                   return RunStart(g, options, a->foreground);
                 }});

  auto* token = app.add_subcommand(
      "token",
      "Print the token that HTTP and MCP clients send as `Authorization: Bearer <token>` (made "
      "on first use, stored 0600 in the data dir)");
  token->add_flag("--rotate", a->rotate, "Replace the token; clients holding the old one get 401");
  out.push_back({token, [&g, a] { return RunToken(g, a->rotate); }});

  out.push_back(
      {app.add_subcommand("stop",
                          "Stop the daemon (SIGTERM; the indexing round in flight is abandoned "
                          "cleanly)"),
       [&g] { return RunStop(g); }});
  out.push_back(
      {app.add_subcommand("port", "Print the running daemon's port"), [&g] { return RunPort(g); }});
  out.push_back(
      {app.add_subcommand(
           "serve",
           "MCP server over stdio for AI agents (starts the daemon if needed); see README"),
       [&g] { return RunServe(g); }});
}

void AddIndexCommand(CLI::App& app, Globals& g, std::vector<Command>& out) {
  struct Args {
    std::string path, name;
    bool force = false, lexical_only = false, no_kg = false, allow_broad = false;
    bool allow_shrink = false;
  };
  auto a = std::make_shared<Args>();
  auto* index = app.add_subcommand(
      "index", "Index a folder, or bring its index up to date, and wait until it is ready");
  index->add_option("path", a->path, "Folder to index")->required();
  index->add_option("--name", a->name, "Index name (default: the folder's name)");
  index->add_flag("--force", a->force, "Re-read and re-chunk every file, even unchanged ones");
  index->add_flag("--allow-broad", a->allow_broad,
                  "Allow a broad root (your home folder, or a folder above it) by adding it to "
                  "the allowlist in your config.toml; system folders and key stores stay "
                  "denied (docs/SECURITY.md)");
  index->add_flag("--allow-shrink", a->allow_shrink,
                  "Accept an update that drops more than half of the index's files (the "
                  "folder really lost them); without it such an update fails and the index "
                  "keeps what it holds");
  index->add_flag("--lexical-only", a->lexical_only, "Build only the BM25 lane (no symbol graph)");
  index->add_flag("--no-kg", a->no_kg,
                  "Skip the symbol graph (calls, imports, inheritance) for this index");
  index->add_flag("--json", g.json, "Print the summary as JSON");
  out.push_back({index, [&g, a] {
                   if (!a->name.empty() && !client::IsValidIndexName(a->name)) {
                     std::fprintf(
                         stderr, "error: invalid index name '%s' (use 1-64 of A-Z a-z 0-9 . _ -)\n",
                         a->name.c_str());
                     return kExitUsage;
                   }
                   return RunIndex(g, a->path, a->name, a->force, !(a->no_kg || a->lexical_only),
                                   a->allow_broad, a->allow_shrink);
                 }});
}

void AddQueryCommand(CLI::App& app, Globals& g, std::vector<Command>& out) {
  struct Args {
    std::vector<std::string> words;
    std::string index, mode = "hybrid", path_prefix;
    size_t top_k = 10;
  };
  auto a = std::make_shared<Args>();
  auto* query = app.add_subcommand("query", "Search an index");
  query->add_option("text", a->words, "Query text (identifiers or natural language)")->required();
  query->add_option("--index,-i", a->index, "Index name (optional when only one exists)");
  query->add_option("--top-k,-k", a->top_k, "Number of results (1-1000)")->capture_default_str();
  query
      ->add_option("--mode", a->mode,
                   "hybrid: BM25 and embeddings fused (the default; falls back to BM25 when the "
                   "semantic lane is unavailable, and says so); lexical: BM25 over code-aware "
                   "tokens only; semantic: embeddings only (an error when no model is loaded); "
                   "auto: same as hybrid")
      ->check(CLI::IsMember({"hybrid", "lexical", "semantic", "auto"}))
      ->capture_default_str();
  query->add_option("--path-prefix", a->path_prefix, "Only results under this relative path");
  query->add_flag("--json", g.json, "Print results as JSON");
  out.push_back({query, [&g, a] {
                   return RunQuery(g, a->words, a->index, a->top_k, a->mode, a->path_prefix);
                 }});
}

void AddGrepCommand(CLI::App& app, Globals& g, std::vector<Command>& out) {
  auto a = std::make_shared<GrepArgs>();
  auto* grep = app.add_subcommand(
      "grep",
      "Regex or literal search of an index's files, printed exactly as `rg --no-heading -n` "
      "prints it at the index root (RE2 syntax; the trigram index picks the files to read). "
      "Exit 0: lines found, 1: none, 2: error");
  grep->add_option("pattern", a->patterns, "The pattern (use -e for one starting '-')");
  grep->add_option("-e,--regexp", a->patterns, "The pattern")->allow_extra_args(false);
  grep->add_option("--index,-I", a->index, "Index name (optional when only one exists)");
  grep->add_flag("-F,--fixed-strings", a->fixed, "The pattern is a literal string");
  grep->add_flag("-i,--ignore-case", a->ignore_case, "Case-insensitive");
  grep->add_flag("-w,--word-regexp", a->word, "Only whole-word matches");
  grep->add_flag("-v,--invert-match", a->invert, "Lines that do not match");
  grep->add_flag("-U,--multiline", a->multiline, "Matches may span lines");
  grep->add_flag("-l,--files-with-matches", a->files_with_matches,
                 "Print only the paths of files with a match");
  grep->add_flag("--hidden", a->hidden, "Also search hidden files (names with '.')");
  grep->add_option("-A,--after-context", a->after, "Lines after each match");
  grep->add_option("-B,--before-context", a->before, "Lines before each match");
  grep->add_option("-C,--context", a->context, "Lines before and after each match");
  grep->add_option("-m,--max-count", a->max_count, "Selected lines per file at most");
  grep->add_option("-g,--glob", a->globs,
                   "Only files matching this gitignore-style glob; '!glob' excludes "
                   "(repeatable)")
      ->allow_extra_args(false);
  grep->add_option("--max-results", a->max_results,
                   "Stop after this many selected lines in all (the output says it is "
                   "partial)")
      ->capture_default_str();
  grep->add_option("--timeout-ms", a->timeout_ms, "Time budget; past it the output is partial")
      ->capture_default_str();
  grep->add_flag("--json", g.json, "Print the result as JSON");
  out.push_back({grep, [&g, a] { return RunGrep(g, *a); }});
}

void AddGraphCommands(CLI::App& app, Globals& g, std::vector<Command>& out) {
  struct Args {
    std::string symbol, index, file;
    bool callers = false, callees = false;
    int depth = 3;
    std::string graph_index, graph_kind = "calls";
  };
  auto a = std::make_shared<Args>();
  auto* calls = app.add_subcommand(
      "calls", "Call tree of a symbol: who calls it and what it calls (symbol graph)");
  calls->add_option("symbol", a->symbol, "Function or method (Class.method allowed)")->required();
  calls->add_option("--index,-i", a->index, "Index name")->required();
  calls->add_flag("--callers", a->callers, "Only callers");
  calls->add_flag("--callees", a->callees, "Only callees");
  calls->add_option("--depth,-d", a->depth, "Levels (1-10)")
      ->capture_default_str()
      ->check(CLI::Range(1, 10));
  calls->add_option("--file", a->file, "Only definitions in this file (relative path)");
  calls->add_flag("--json", g.json, "Print the tree as JSON");
  out.push_back({calls, [&g, a] {
                   return RunCalls(g, a->symbol, a->index, a->callers, a->callees, a->depth,
                                   a->file);
                 }});

  auto* graph = app.add_subcommand("graph", "Every edge of one kind of an index's symbol graph");
  graph->add_option("--index,-i", a->graph_index, "Index name")->required();
  graph->add_option("--kind", a->graph_kind, "calls | imports | inherits | contains")
      ->capture_default_str()
      ->check(CLI::IsMember({"calls", "imports", "inherits", "contains"}));
  graph->add_flag("--json", g.json, "Print {\"edges\": [...]} as JSON");
  out.push_back({graph, [&g, a] { return RunGraph(g, a->graph_index, a->graph_kind); }});
}

void AddAdminCommands(CLI::App& app, Globals& g, std::vector<Command>& out) {
  struct Args {
    std::string status_name, remove_name;
  };
  auto a = std::make_shared<Args>();
  auto* list = app.add_subcommand("list", "List indexes");
  list->add_flag("--json", g.json, "Print as JSON");
  out.push_back({list, [&g] { return RunList(g); }});

  auto* status = app.add_subcommand(
      "status",
      "Without a name: the daemon's state. With one: that index's size, health and lanes");
  status->add_option("name", a->status_name, "Index name");
  status->add_flag("--json", g.json, "Print as JSON");
  out.push_back({status, [&g, a] {
                   return a->status_name.empty() ? RunDaemonStatus(g)
                                                 : RunIndexStatus(g, a->status_name);
                 }});

  auto* remove = app.add_subcommand("remove", "Delete an index and its data");
  remove->add_option("name", a->remove_name, "Index name")->required();
  remove->add_flag("--json", g.json, "Print as JSON");
  out.push_back({remove, [&g, a] { return RunRemove(g, a->remove_name); }});
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
  // In the order `--help` lists them.
  std::vector<Command> commands;
  AddDaemonCommands(app, g, commands);
  AddIndexCommand(app, g, commands);
  AddQueryCommand(app, g, commands);
  AddGrepCommand(app, g, commands);
  AddGraphCommands(app, g, commands);
  AddAdminCommands(app, g, commands);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    // A query or pattern such as "-x" is read as an option, and "++" ends a
    // subcommand for CLI11: both leave the required text missing.
    const std::string what = e.what();
    bool after_dashes = false;
    for (int i = 1; i < argc; ++i) after_dashes = after_dashes || std::string_view(argv[i]) == "--";
    if (!after_dashes && what.size() > 12 && what.ends_with(" is required")) {
      std::fprintf(stderr,
                   "A query or pattern that starts with '-' or is '++' goes after --, as in "
                   "`trusty-search query -- -x`.\n");
    }
    std::fprintf(stderr, "Run with --help for usage.\n");
    return kExitUsage;
  }
  if (g.data_dir.empty()) g.data_dir = client::DefaultDataDir();
  // The last line of defence at the process boundary: a malformed answer from
  // the daemon (or a bug) becomes one error line, not an abort.
  try {
    for (const Command& c : commands) {
      if (c.parser->parsed()) return c.run();
    }
    return kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: unexpected: %s\n", e.what());
    return kExitError;
  }
}

}  // namespace ts::cli
