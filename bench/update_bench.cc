// What saving one file costs as the index grows: a synthetic tree of N Python
// files is indexed, then one file is edited and brought up to date R times
// by a targeted update (IndexImpl::UpdatePaths, what the watcher runs), and,
// as the peer in the same run, by a whole-tree update that skips unchanged
// files by hash (what a tool without targeted updates runs).
//
//   update_bench --dir SCRATCH [--files 1000,5000,20000] [--runs 10]
//
// Prints, per N: median and p95 wall ms of each kind of update, what the
// targeted update read (catalog file rows, vectors looked at for reuse), the
// process's peak RSS and the load average. SCRATCH is emptied first.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "index/index.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// A module of four small functions; `version` changes one of them.
std::string Module(int i, int version) {
  std::ostringstream out;
  out << "\"\"\"Module " << i << ": helpers for batch " << i % 97 << ".\"\"\"\n\n";
  for (int f = 0; f < 4; ++f) {
    out << "def handle_" << i << "_" << f << "(request, limit=" << f + version * (f == 0) << "):\n"
        << "    \"\"\"Serve request kind " << f << " of module " << i << ".\"\"\"\n"
        << "    total = 0\n"
        << "    for item in request.items[:limit]:\n"
        << "        total += item.weight * " << (i + f) % 13 << "\n"
        << "    return total\n\n";
  }
  return out.str();
}

void WriteFile(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::trunc) << text;
}

std::string RelPath(int i) {
  return "pkg" + std::to_string(i / 500) + "/mod_" + std::to_string(i) + ".py";
}

int RunOne(const std::string& scratch, int files, int runs) {
  const std::string root = scratch + "/src", index_dir = scratch + "/index";
  fs::remove_all(scratch);
  for (int i = 0; i < files; ++i) WriteFile(root + "/" + RelPath(i), Module(i, 0));
  auto idx = ts::index::Index::Create(index_dir, "bench", root);
  if (!idx.ok()) {
    std::fprintf(stderr, "create: %s\n", idx.status().ToString().c_str());
    return 1;
  }
  ts::index::UpdateOptions options;
  options.threads = 2;
  ts::index::UpdateSummary summary;
  const auto index_start = Clock::now();
  ts::Status s = (*idx)->Update(options, nullptr, &summary);
  if (!s.ok()) {
    std::fprintf(stderr, "index: %s\n", s.ToString().c_str());
    return 1;
  }
  const double index_s = std::chrono::duration<double>(Clock::now() - index_start).count();

  const std::string rel = RelPath(files / 2);
  std::vector<double> targeted, whole;
  uint64_t rows_read = 0, vectors_considered = 0;
  for (int r = 0; r < runs; ++r) {
    WriteFile(root + "/" + rel, Module(files / 2, 2 * r + 1));
    auto t0 = Clock::now();
    s = (*idx)->UpdatePaths({rel}, options, &summary);
    targeted.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    if (!s.ok() || summary.files_indexed != 1) {
      std::fprintf(stderr, "targeted update: %s\n", s.ToString().c_str());
      return 1;
    }
    rows_read = summary.file_rows_read;
    vectors_considered = summary.vectors_considered;
    WriteFile(root + "/" + rel, Module(files / 2, 2 * r + 2));
    t0 = Clock::now();
    s = (*idx)->Update(options, nullptr, &summary);
    whole.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    if (!s.ok() || summary.files_indexed != 1) {
      std::fprintf(stderr, "whole-tree update: %s\n", s.ToString().c_str());
      return 1;
    }
  }
  const ts::index::IndexInfo info = (*idx)->Info();
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) < 0) load[0] = -1;
  std::printf(
      "files %d chunks %llu (indexed in %.1f s): one-file targeted update p50 %.2f ms p95 %.2f "
      "ms, reading %llu file rows and %llu vectors; whole-tree update p50 %.2f ms p95 %.2f ms; "
      "peak RSS %ld KB; load %.2f\n",
      files, static_cast<unsigned long long>(info.chunks), index_s, Percentile(targeted, 0.5),
      Percentile(targeted, 0.95), static_cast<unsigned long long>(rows_read),
      static_cast<unsigned long long>(vectors_considered), Percentile(whole, 0.5),
      Percentile(whole, 0.95), ru.ru_maxrss, load[0]);
  std::fflush(stdout);
  fs::remove_all(scratch);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string scratch, sizes = "1000,5000,20000";
  int runs = 10;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--dir") {
      scratch = next();
    } else if (a == "--files") {
      sizes = next();
    } else if (a == "--runs") {
      runs = std::max(1, std::atoi(next().c_str()));
    } else {
      std::fprintf(stderr, "unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  if (scratch.empty()) {
    std::fprintf(stderr, "usage: update_bench --dir SCRATCH [--files 1000,5000] [--runs 10]\n");
    return 2;
  }
  std::stringstream list(sizes);
  for (std::string n; std::getline(list, n, ',');) {
    if (int rc = RunOne(scratch, std::atoi(n.c_str()), runs); rc != 0) return rc;
  }
  return 0;
}
