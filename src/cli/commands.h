// The trusty-search commands, one function each, and the options they
// share; cli.cc parses the command line into them. Internal to src/cli.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cli/daemon_client.h"

namespace ts::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;
inline constexpr int kExitUsage = 2;

struct Globals {
  std::string data_dir;
  bool json = false;
};

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

int RunIndex(const Globals& g, const std::string& path_arg, const std::string& name, bool force,
             bool graph, bool allow_broad, bool allow_shrink);
int RunQuery(const Globals& g, const std::vector<std::string>& words, std::string index_name,
             size_t top_k, const std::string& mode, const std::string& path_prefix);
// rg's exit codes: 0 selected lines found, 1 none, 2 an error.
int RunGrep(const Globals& g, const GrepArgs& a);
int RunCalls(const Globals& g, const std::string& symbol, const std::string& index, bool callers,
             bool callees, int depth, const std::string& file);
int RunGraph(const Globals& g, const std::string& index, const std::string& kind);
int RunList(const Globals& g);
int RunIndexStatus(const Globals& g, const std::string& name);
int RunDaemonStatus(const Globals& g);
int RunRemove(const Globals& g, const std::string& name);
int RunStart(const Globals& g, const StartOptions& options, bool foreground);
int RunStop(const Globals& g);
// MCP over stdio. stdout carries protocol messages only; errors go to stderr.
int RunServe(const Globals& g);
// The data dir's access token (docs/SECURITY.md), made when there is none;
// --rotate replaces it (a running daemon takes the new one at its next request).
int RunToken(const Globals& g, bool rotate);
int RunPort(const Globals& g);

}  // namespace ts::cli
