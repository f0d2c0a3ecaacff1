// mine_pairs: (doc comment first sentence, code) training pairs for the
// semantic model, mined with the index's own walker, ctags runner and chunker
// from installed Debian library source. See tools/mine/README.md.
//
// Usage:
//   mine_pairs --out PAIRS.jsonl --stats STATS.json [--decontam QUERIES.jsonl]
//              [--exclude PREFIX]... [--exclude-pkg NAME]...
//              [--max-per-pkg N] [--max-per-query N] [--jobs N] ROOT[=PKG]...
// A ROOT's files belong to the Debian package that dpkg says owns them, or to
// PKG when given (trees extracted from .deb files rather than installed).
// Files no package owns are skipped.
#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "chunk/chunk.h"
#include "doc_pairs.h"
#include "util/file.h"
#include "util/hash.h"
#include "walk/walk.h"

namespace {

using ts::chunk::Chunk;
using ts::mine::CutLines;
using ts::mine::DefinitionKind;
using ts::mine::kMaxCodeLines;
using ts::mine::MinedLanguage;
using ts::mine::PairFromChunk;
using ts::mine::StartsWith;

constexpr size_t kCtagsBatchFiles = 64;

struct Options {
  std::string out_path, stats_path, decontam_path;
  std::vector<std::string> exclude_prefixes;
  std::unordered_set<std::string> exclude_pkgs;
  size_t max_per_pkg = 4000, max_per_query = 3;
  int jobs = 2;
  struct Root {
    std::string dir, pkg;  // pkg empty: ask dpkg
  };
  std::vector<Root> roots;
};

// ---- package ownership ----

// Path -> Debian package for the files under `roots`, from dpkg's file lists.
std::unordered_map<std::string, std::string> ReadDpkgOwners(const std::vector<std::string>& roots) {
  std::unordered_map<std::string, std::string> owner;
  for (const auto& entry : std::filesystem::directory_iterator("/var/lib/dpkg/info")) {
    std::string name = entry.path().filename();
    if (!name.ends_with(".list")) continue;
    std::string pkg = name.substr(0, name.size() - 5);
    pkg = pkg.substr(0, pkg.find(':'));
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line)) {
      for (const auto& r : roots) {
        if (StartsWith(line, r) && (line.size() == r.size() || line[r.size()] == '/')) {
          owner[line] = pkg;
          break;
        }
      }
    }
  }
  return owner;
}

// ---- the run ----

struct Pair {
  std::string lang, pkg, path, symbol, query, code;
};

struct FileRef {
  size_t root = 0;
  std::string rel;
  std::string pkg;
};

struct Candidate {
  Pair pair;
  uint64_t order = 0;  // hash of path + symbol: a stable random order for the caps
};

struct Shared {
  std::mutex mu;
  std::unordered_set<std::string> eval_queries;
  std::unordered_set<uint64_t> seen;  // Hash64(query + '\0' + code)
  std::vector<Candidate> candidates;
  size_t decontam_dropped = 0, duplicates = 0;
  std::atomic<size_t> files_done{0}, files_with_pairs{0};
};

void MineBatch(const Options& opt, const ts::chunk::Ctags& ctags, const std::vector<FileRef>& files,
               size_t begin, size_t end, Shared* shared) {
  struct Loaded {
    const FileRef* file;
    std::string content, lang;
  };
  std::vector<Loaded> loaded;
  std::vector<std::string> rels;
  const std::string& root = opt.roots[files[begin].root].dir;
  for (size_t i = begin; i < end; ++i) {
    auto content = ts::ReadFile(root + "/" + files[i].rel);
    shared->files_done.fetch_add(1);
    if (!content.ok()) continue;
    ts::walk::SkipReason reason;
    if (!ts::walk::ClassifyContent(files[i].rel, *content, &reason)) continue;
    std::string lang =
        ts::chunk::DetectLanguage(files[i].rel, std::string_view(*content).substr(0, 256));
    if (!MinedLanguage(lang)) continue;
    rels.push_back(files[i].rel);
    loaded.push_back({&files[i], std::move(content).value(), lang});
  }
  if (loaded.empty()) return;
  auto tags = ctags.Run(root, rels);
  if (!tags.ok()) {
    std::cerr << "ctags failed in " << root << ": " << tags.status().ToString() << "\n";
    return;
  }
  ts::chunk::ChunkOptions chunk_options;
  chunk_options.max_definition_lines = 100000;  // one chunk per definition (x4 must fit an int)
  std::vector<Candidate> found;
  for (size_t i = 0; i < loaded.size(); ++i) {
    const Loaded& f = loaded[i];
    auto chunks = ts::chunk::ChunkFile(f.file->rel, f.content, f.lang, (*tags)[i], chunk_options);
    size_t before = found.size();
    for (const Chunk& c : chunks) {
      if (std::getenv("MINE_DEBUG")) {
        std::cerr << f.file->rel << ":" << c.start_line << "-" << c.end_line << " " << c.kind << " "
                  << c.symbol << "\n";
      }
      if (!DefinitionKind(c.kind) || c.symbol.empty()) continue;
      std::string_view text =
          std::string_view(f.content).substr(c.byte_begin, c.byte_end - c.byte_begin);
      std::string query, code;
      if (!PairFromChunk(f.lang, text, &query, &code)) continue;
      std::string symbol = c.scope.empty() ? c.symbol : c.scope + "." + c.symbol;
      std::string path = opt.roots[f.file->root].dir + "/" + f.file->rel;
      uint64_t order = ts::Hash64(path + "\n" + symbol);
      found.push_back({{f.lang == "c" ? "cpp" : f.lang, f.file->pkg, path, symbol, std::move(query),
                        CutLines(code, kMaxCodeLines)},
                       order});
    }
    if (found.size() > before) shared->files_with_pairs.fetch_add(1);
  }
  std::lock_guard lock(shared->mu);
  for (Candidate& c : found) {
    if (shared->eval_queries.count(c.pair.query)) {
      ++shared->decontam_dropped;
      continue;
    }
    if (!shared->seen.insert(ts::Hash64(c.pair.query + '\0' + c.pair.code)).second) {
      ++shared->duplicates;
      continue;
    }
    shared->candidates.push_back(std::move(c));
  }
}

int Usage() {
  std::cerr << "usage: mine_pairs --out PAIRS.jsonl --stats STATS.json [--decontam QUERIES.jsonl]\n"
               "  [--exclude PREFIX]... [--exclude-pkg NAME]... [--max-per-pkg N]\n"
               "  [--max-per-query N] [--jobs N] ROOT[=PKG]...\n";
  return 2;
}

// The command line into `opt`; false on a usage error.
bool ParseArgs(int argc, char** argv, Options* opt) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) std::exit(Usage());
      return argv[++i];
    };
    if (a == "--out")
      opt->out_path = value();
    else if (a == "--stats")
      opt->stats_path = value();
    else if (a == "--decontam")
      opt->decontam_path = value();
    else if (a == "--exclude")
      opt->exclude_prefixes.push_back(value());
    else if (a == "--exclude-pkg")
      opt->exclude_pkgs.insert(value());
    else if (a == "--max-per-pkg")
      opt->max_per_pkg = std::stoul(value());
    else if (a == "--max-per-query")
      opt->max_per_query = std::stoul(value());
    else if (a == "--jobs")
      opt->jobs = std::max(1, std::stoi(value()));
    else if (StartsWith(a, "--"))
      return false;
    else {
      size_t eq = a.find('=');
      Options::Root r{a.substr(0, eq), eq == std::string::npos ? "" : a.substr(eq + 1)};
      while (r.dir.size() > 1 && r.dir.back() == '/') r.dir.pop_back();
      opt->roots.push_back(r);
    }
  }
  return !opt->out_path.empty() && !opt->stats_path.empty() && !opt->roots.empty();
}

// The evaluation queries no training pair may repeat.
void LoadDecontamination(const std::string& path, Shared* shared) {
  if (path.empty()) return;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) shared->eval_queries.insert(nlohmann::json::parse(line).at("query"));
  }
  std::cerr << "decontamination: " << shared->eval_queries.size() << " evaluation queries\n";
}

// Every file under the roots that some package owns and no rule excludes.
std::vector<FileRef> EnumerateFiles(const Options& opt) {
  std::vector<std::string> dpkg_roots;
  for (const auto& r : opt.roots) {
    if (r.pkg.empty()) dpkg_roots.push_back(r.dir);
  }
  auto owner = ReadDpkgOwners(dpkg_roots);
  std::cerr << "dpkg: " << owner.size() << " files under the roots\n";
  std::vector<FileRef> files;
  size_t unowned = 0, excluded = 0;
  ts::walk::WalkOptions walk_options;
  walk_options.respect_ignore_files = false;  // installed trees: .gitignore files are leftovers
  walk_options.extra_excluded_dirs = {"tests", "test", "testing", "testdata", "__tests__", "spec"};
  for (size_t ri = 0; ri < opt.roots.size(); ++ri) {
    const auto& root = opt.roots[ri];
    if (!std::filesystem::is_directory(root.dir)) {
      std::cerr << "skipping missing root " << root.dir << "\n";
      continue;
    }
    ts::walk::WalkStats stats;
    auto st = ts::walk::Walk(
        root.dir, walk_options,
        [&](ts::walk::FileEntry&& e) {
          std::string abs = root.dir + "/" + e.rel_path;
          for (const auto& p : opt.exclude_prefixes) {
            if (StartsWith(abs, p)) {
              ++excluded;
              return;
            }
          }
          std::string pkg = root.pkg;
          if (pkg.empty()) {
            auto it = owner.find(abs);
            if (it == owner.end()) {
              ++unowned;
              return;
            }
            pkg = it->second;
          }
          if (opt.exclude_pkgs.count(pkg)) {
            ++excluded;
            return;
          }
          files.push_back({ri, std::move(e.rel_path), std::move(pkg)});
        },
        &stats);
    if (!st.ok()) std::cerr << "walk " << root.dir << ": " << st.ToString() << "\n";
  }
  std::cerr << "files: " << files.size() << " (" << excluded << " excluded, " << unowned
            << " owned by no package)\n";
  return files;
}

// Mines `files` on opt.jobs threads, in batches of one root each, reporting
// progress every few seconds.
void MineAll(const Options& opt, const ts::chunk::Ctags& ctags, const std::vector<FileRef>& files,
             Shared* shared) {
  std::vector<std::pair<size_t, size_t>> batches;
  for (size_t b = 0; b < files.size();) {
    size_t e = b + 1;
    while (e < files.size() && e - b < kCtagsBatchFiles && files[e].root == files[b].root) ++e;
    batches.push_back({b, e});
    b = e;
  }
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < opt.jobs; ++w) {
    workers.emplace_back([&] {
      for (size_t b; (b = next.fetch_add(1)) < batches.size();) {
        MineBatch(opt, ctags, files, batches[b].first, batches[b].second, shared);
      }
    });
  }
  for (size_t last = 0; shared->files_done.load() < files.size();) {
    std::this_thread::sleep_for(std::chrono::seconds(5));
    size_t done = shared->files_done.load();
    if (done != last) {
      std::lock_guard lock(shared->mu);
      std::cerr << "  " << done << "/" << files.size() << " files, " << shared->candidates.size()
                << " candidate pairs\n";
    }
    last = done;
    if (next.load() >= batches.size() + static_cast<size_t>(opt.jobs)) break;
  }
  for (auto& t : workers) t.join();
}

// Applies the caps, in a stable pseudo-random order (at most max_per_query
// pairs per query text, then at most max_per_pkg per package), and writes the
// pairs and their statistics.
void WriteResults(const Options& opt, size_t files_mined, Shared* shared) {
  auto& cands = shared->candidates;
  std::sort(cands.begin(), cands.end(),
            [](const Candidate& a, const Candidate& b) { return a.order < b.order; });
  std::unordered_map<std::string, size_t> per_query, per_pkg;
  std::map<std::string, std::map<std::string, size_t>> pkg_lang_pairs;
  size_t query_capped = 0, pkg_capped = 0;
  std::vector<const Pair*> kept;
  for (const Candidate& c : cands) {
    if (++per_query[c.pair.query] > opt.max_per_query) {
      ++query_capped;
      continue;
    }
    if (++per_pkg[c.pair.pkg] > opt.max_per_pkg) {
      ++pkg_capped;
      continue;
    }
    kept.push_back(&c.pair);
  }
  std::sort(kept.begin(), kept.end(), [](const Pair* a, const Pair* b) {
    return std::tie(a->path, a->symbol) < std::tie(b->path, b->symbol);
  });
  std::ofstream out(opt.out_path);
  std::map<std::string, size_t> per_lang;
  for (const Pair* p : kept) {
    nlohmann::json j = {{"lang", p->lang},     {"pkg", p->pkg},     {"path", p->path},
                        {"symbol", p->symbol}, {"query", p->query}, {"code", p->code}};
    out << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    ++pkg_lang_pairs[p->pkg][p->lang];
    ++per_lang[p->lang];
  }
  out.close();

  nlohmann::json stats;
  stats["total"] = kept.size();
  stats["per_language"] = per_lang;
  nlohmann::json pkgs = nlohmann::json::object();
  for (const auto& [pkg, langs] : pkg_lang_pairs) {
    auto main_lang = std::max_element(langs.begin(), langs.end(), [](const auto& a, const auto& b) {
      return a.second < b.second;
    });
    size_t total = 0;
    for (const auto& [l, n] : langs) total += n;
    pkgs[pkg] = {{"language", main_lang->first}, {"pairs", total}};
  }
  stats["packages"] = pkgs;
  stats["files_mined"] = files_mined;
  stats["files_with_pairs"] = shared->files_with_pairs.load();
  stats["decontamination_dropped"] = shared->decontam_dropped;
  stats["duplicates_dropped"] = shared->duplicates;
  stats["query_cap_dropped"] = query_capped;
  stats["package_cap_dropped"] = pkg_capped;
  stats["max_per_package"] = opt.max_per_pkg;
  stats["max_per_query"] = opt.max_per_query;
  std::ofstream(opt.stats_path) << stats.dump(2) << "\n";
  std::cerr << "pairs: " << kept.size() << " written to " << opt.out_path
            << " (decontamination dropped " << shared->decontam_dropped << ", duplicates "
            << shared->duplicates << ", query cap " << query_capped << ", package cap "
            << pkg_capped << ")\n";
  for (const auto& [l, n] : per_lang) std::cerr << "  " << l << ": " << n << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  if (!ParseArgs(argc, argv, &opt)) return Usage();
  auto ctags = ts::chunk::Ctags::Find();
  if (!ctags.ok()) {
    std::cerr << "mine_pairs: " << ctags.status().ToString() << "\n";
    return 1;
  }
  Shared shared;
  LoadDecontamination(opt.decontam_path, &shared);
  const std::vector<FileRef> files = EnumerateFiles(opt);
  MineAll(opt, *ctags, files, &shared);
  WriteResults(opt, files.size(), &shared);
  return 0;
}
