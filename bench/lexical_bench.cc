// Measures query latency of an existing index, in process, and of SQLite FTS5
// built over the same chunks and the same tokens (the peer), in the same run.
//
//   lexical_bench --data-dir D --index NAME --queries FILE [--repeat 5] [--skip-fts5]
//
// Prints one "key: value" line per figure (parsed by bench/run_kernel_bench.sh).
#include <sqlite3.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "index/index.h"
#include "lexical/lexical.h"
#include "util/file.h"

namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * (v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

std::string Joined(std::string_view text) {
  std::string out;
  ts::lexical::Tokenize(text, [&](std::string_view t) {
    out.append(t);
    out.push_back(' ');
  });
  return out;
}

long PeakRssKb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
  std::string data_dir, name, queries_path;
  int repeat = 5;
  bool skip_fts5 = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--data-dir")
      data_dir = next();
    else if (a == "--index")
      name = next();
    else if (a == "--queries")
      queries_path = next();
    else if (a == "--repeat")
      repeat = std::atoi(next().c_str());
    else if (a == "--skip-fts5")
      skip_fts5 = true;
  }
  if (data_dir.empty() || name.empty() || queries_path.empty()) {
    std::fprintf(stderr, "usage: lexical_bench --data-dir D --index NAME --queries FILE\n");
    return 2;
  }
  std::vector<std::string> queries;
  {
    std::ifstream in(queries_path);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) queries.push_back(line);
    }
  }
  auto reg = ts::index::Registry::Load(data_dir);
  if (!reg.ok()) return std::fprintf(stderr, "%s\n", reg.status().ToString().c_str()), 1;
  auto t0 = Clock::now();
  auto idx = ts::index::Index::Open(reg->IndexDir(name));
  if (!idx.ok()) return std::fprintf(stderr, "%s\n", idx.status().ToString().c_str()), 1;
  std::printf("ours_open_ms: %.1f\n", Ms(Clock::now() - t0));
  std::string root = (*idx)->root();

  for (bool content : {false, true}) {
    std::vector<double> lat;
    for (int r = 0; r < repeat; ++r) {
      for (const auto& q : queries) {
        ts::index::QueryOptions o;
        o.mode = "lexical";
        o.include_content = content;
        auto s = Clock::now();
        auto res = (*idx)->Query(q, o);
        lat.push_back(Ms(Clock::now() - s));
        if (!res.ok()) return std::fprintf(stderr, "%s\n", res.status().ToString().c_str()), 1;
      }
    }
    const char* label = content ? "ours_query_with_content" : "ours_query";
    std::printf("%s_p50_ms: %.3f\n%s_p95_ms: %.3f\n", label, Percentile(lat, 0.5), label,
                Percentile(lat, 0.95));
  }
  std::printf("ours_peak_rss_mb: %.1f\n", PeakRssKb() / 1024.0);
  if (skip_fts5) return 0;

  // The peer: FTS5 over the same chunks, fed our tokens (so tokenization is equal),
  // with the same field weights (body 1, symbol 4, path 2) through bm25()'s column weights.
  sqlite3* cat = nullptr;
  std::string cat_path = reg->IndexDir(name) + "/catalog.db";
  if (sqlite3_open_v2(cat_path.c_str(), &cat, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return 1;
  std::string fts_path = data_dir + "/fts5-peer.db";
  std::remove(fts_path.c_str());
  sqlite3* fts = nullptr;
  sqlite3_open(fts_path.c_str(), &fts);
  sqlite3_exec(fts, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;", nullptr, nullptr, nullptr);
  sqlite3_exec(fts,
               "CREATE VIRTUAL TABLE c USING fts5(body, symbol, path, "
               "tokenize=\"unicode61 tokenchars '_-'\")",
               nullptr, nullptr, nullptr);
  sqlite3_stmt* sel = nullptr;
  sqlite3_prepare_v2(
      cat,
      "SELECT c.key, f.path, c.start_line, c.end_line, c.symbol, c.scope FROM chunks c "
      "JOIN files f ON f.id = c.file_id ORDER BY f.path, c.start_line",
      -1, &sel, nullptr);
  sqlite3_stmt* ins = nullptr;
  sqlite3_prepare_v2(fts, "INSERT INTO c(rowid, body, symbol, path) VALUES(?1, ?2, ?3, ?4)", -1,
                     &ins, nullptr);
  auto build_start = Clock::now();
  sqlite3_exec(fts, "BEGIN", nullptr, nullptr, nullptr);
  std::string current_path, content;
  std::vector<size_t> line_starts;
  uint64_t rows = 0;
  while (sqlite3_step(sel) == SQLITE_ROW) {
    std::string path = reinterpret_cast<const char*>(sqlite3_column_text(sel, 1));
    if (path != current_path) {
      current_path = path;
      auto r = ts::ReadFile(root + "/" + path);
      content = r.ok() ? *r : std::string();
      line_starts.assign(1, 0);
      for (size_t i = 0; i < content.size(); ++i) {
        if (content[i] == '\n') line_starts.push_back(i + 1);
      }
      line_starts.push_back(content.size());
    }
    size_t s = std::min<size_t>(sqlite3_column_int64(sel, 2) - 1, line_starts.size() - 1);
    size_t e = std::min<size_t>(sqlite3_column_int64(sel, 3), line_starts.size() - 1);
    std::string body =
        Joined(std::string_view(content).substr(line_starts[s], line_starts[e] - line_starts[s]));
    std::string symbol =
        Joined(std::string(reinterpret_cast<const char*>(sqlite3_column_text(sel, 4))) + " " +
               reinterpret_cast<const char*>(sqlite3_column_text(sel, 5)));
    std::string p = Joined(path);
    sqlite3_bind_int64(ins, 1, sqlite3_column_int64(sel, 0));
    sqlite3_bind_text(ins, 2, body.data(), static_cast<int>(body.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, 3, symbol.data(), static_cast<int>(symbol.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(ins, 4, p.data(), static_cast<int>(p.size()), SQLITE_TRANSIENT);
    sqlite3_step(ins);
    sqlite3_reset(ins);
    ++rows;
  }
  sqlite3_exec(fts, "COMMIT", nullptr, nullptr, nullptr);
  sqlite3_exec(fts, "INSERT INTO c(c) VALUES('optimize')", nullptr, nullptr, nullptr);
  std::printf("fts5_rows: %llu\nfts5_build_s: %.2f\n", static_cast<unsigned long long>(rows),
              Ms(Clock::now() - build_start) / 1000);
  sqlite3_stmt* q = nullptr;
  sqlite3_prepare_v2(fts,
                     "SELECT rowid, bm25(c, 1.0, 4.0, 2.0) AS s FROM c WHERE c MATCH ?1 "
                     "ORDER BY s LIMIT 10",
                     -1, &q, nullptr);
  std::vector<double> lat;
  for (int r = 0; r < repeat; ++r) {
    for (const auto& text : queries) {
      std::string match;
      for (const auto& t : ts::lexical::TokenizeToVector(text)) {
        match += (match.empty() ? "" : " OR ") + std::string("\"") + t + "\"";
      }
      auto s = Clock::now();
      sqlite3_bind_text(q, 1, match.data(), static_cast<int>(match.size()), SQLITE_TRANSIENT);
      while (sqlite3_step(q) == SQLITE_ROW) {
      }
      sqlite3_reset(q);
      lat.push_back(Ms(Clock::now() - s));
    }
  }
  std::printf("fts5_query_p50_ms: %.3f\nfts5_query_p95_ms: %.3f\n", Percentile(lat, 0.5),
              Percentile(lat, 0.95));
  std::printf("peak_rss_mb_after_fts5: %.1f\n", PeakRssKb() / 1024.0);
  sqlite3_finalize(q);
  sqlite3_finalize(sel);
  sqlite3_finalize(ins);
  sqlite3_close(cat);
  sqlite3_close(fts);
  std::remove(fts_path.c_str());
  return 0;
}
