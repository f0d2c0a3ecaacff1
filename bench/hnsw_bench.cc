// HNSW against the exact scan on an existing index's vector companions: builds
// a graph per companion of at least --min-vectors records (as the index does;
// smaller ones are scanned exactly), saves and reopens them, then for each
// query compares the merged top k with the exact scan's: recall@k, and p50/p95
// latency per ef. Queries: the first --queries natural-language queries of a
// queries.jsonl embedded with the model, plus --code-queries stored chunk
// vectors (a chunk as the query: "more like this").
//
//   hnsw_bench --segments DIR [--model M] [--queries-file F] [--queries 200]
//              [--code-queries 200] [--threads 2] [--m 32] [--efc 200]
//              [--ef 128,256,512,1024] [--k 10] [--depth 200] [--min-vectors 200000]
//              [--out DIR] [--max-segments N]
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <unordered_set>
#include <vector>

#include "semantic/hnsw.h"
#include "semantic/semantic.h"

namespace {

using ts::semantic::GraphHit;
using ts::semantic::ScanQuery;
using ts::semantic::VectorGraph;
using ts::semantic::VectorSegmentReader;
using Clock = std::chrono::steady_clock;

struct Segment {
  std::string name;
  std::shared_ptr<const VectorSegmentReader> vectors;
  std::unique_ptr<VectorGraph> graph;  // null: scanned exactly
};

// A hit across segments: (segment, docno) with its score.
struct Hit {
  double score;
  uint32_t segment, docno;
};

double Ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

double RssMb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::atof(line.c_str() + std::strlen(field)) / 1024.0;
  }
  return 0;
}

// The exact scan of one companion, as the index's SemanticTop does it.
void ExactScan(const Segment& seg, uint32_t index, const ScanQuery& q, size_t k,
               std::vector<Hit>* out) {
  const VectorSegmentReader& vs = *seg.vectors;
  auto worse = [](const Hit& a, const Hit& b) { return a.score > b.score; };
  std::vector<Hit> heap;
  for (uint64_t d = 0; d < vs.doc_count(); ++d) {
    const float scale = vs.scale(d);
    if (scale <= 0.0f) continue;
    const double score = ts::semantic::DotScan(q, vs.row(d), vs.dim()) * scale;
    if (heap.size() >= k && score <= heap.front().score) continue;
    heap.push_back({score, index, static_cast<uint32_t>(d)});
    std::push_heap(heap.begin(), heap.end(), worse);
    if (heap.size() > k) {
      std::pop_heap(heap.begin(), heap.end(), worse);
      heap.pop_back();
    }
  }
  out->insert(out->end(), heap.begin(), heap.end());
}

std::vector<Hit> TopK(std::vector<Hit> hits, size_t k) {
  std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) { return a.score > b.score; });
  if (hits.size() > k) hits.resize(k);
  return hits;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

std::vector<size_t> ParseList(const std::string& s) {
  std::vector<size_t> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) out.push_back(std::stoul(item));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::string segments_dir, model_path = ts::semantic::DefaultModelPath();
  std::string queries_file = "/var/tmp/pydoc-eval/queries.jsonl", out_dir = "/var/tmp/hnsw-bench";
  size_t nl_queries = 200, code_queries = 200, k = 10, depth = 200, max_segments = 1000;
  unsigned threads = 2;
  bool reuse = false;
  uint64_t min_vectors = ts::semantic::kGraphMinVectors;
  ts::semantic::GraphParams params;
  std::vector<size_t> efs = {128, 256, 512, 1024};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--segments")
      segments_dir = v;
    else if (a == "--model")
      model_path = v;
    else if (a == "--queries-file")
      queries_file = v;
    else if (a == "--queries")
      nl_queries = std::stoul(v);
    else if (a == "--code-queries")
      code_queries = std::stoul(v);
    else if (a == "--threads")
      threads = static_cast<unsigned>(std::stoul(v));
    else if (a == "--m")
      params.m = static_cast<uint32_t>(std::stoul(v));
    else if (a == "--efc")
      params.ef_construction = static_cast<uint32_t>(std::stoul(v));
    else if (a == "--ef")
      efs = ParseList(v);
    else if (a == "--k")
      k = std::stoul(v);
    else if (a == "--depth")
      depth = std::stoul(v);
    else if (a == "--min-vectors")
      min_vectors = std::stoull(v);
    else if (a == "--out")
      out_dir = v;
    else if (a == "--max-segments")
      max_segments = std::stoul(v);
  }
  if (segments_dir.empty()) {
    std::fprintf(stderr, "usage: hnsw_bench --segments DIR [options, see the source]\n");
    return 2;
  }
  // Companions, in name order.
  std::vector<std::string> paths;
  for (const auto& e : std::filesystem::directory_iterator(segments_dir)) {
    if (e.path().extension() == ".tsvec") paths.push_back(e.path().string());
  }
  std::sort(paths.begin(), paths.end());
  if (paths.size() > max_segments) paths.resize(max_segments);
  std::vector<Segment> segs;
  uint64_t total = 0;
  for (const auto& p : paths) {
    auto r = VectorSegmentReader::Open(p);
    if (!r.ok()) {
      std::fprintf(stderr, "hnsw_bench: %s\n", r.status().message().c_str());
      return 1;
    }
    total += (*r)->doc_count();
    segs.push_back({std::filesystem::path(p).filename().string(), *r, nullptr});
  }
  const uint32_t dim = segs.empty() ? 0 : segs[0].vectors->dim();
  std::printf("companions: %zu, vectors: %llu, dim %u\n", segs.size(),
              static_cast<unsigned long long>(total), dim);

  // Queries.
  std::vector<ScanQuery> queries;
  auto model = ts::semantic::Model::Load(model_path);
  if (!model.ok()) {
    std::fprintf(stderr, "hnsw_bench: %s\n", model.status().message().c_str());
    return 1;
  }
  {
    std::ifstream in(queries_file);
    std::string line;
    std::vector<float> v(dim);
    while (queries.size() < nl_queries && std::getline(in, line)) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.contains("query")) continue;
      if ((*model)->Embed(ts::semantic::Tower::kQuery, j["query"].get<std::string>(), v)) {
        queries.push_back(ts::semantic::PrepareScan(v));
      }
    }
  }
  const size_t nl_count = queries.size();
  std::mt19937_64 rng(42);
  while (queries.size() < nl_count + code_queries && total > 0) {
    const Segment& s = segs[rng() % segs.size()];
    const uint64_t d = rng() % s.vectors->doc_count();
    if (s.vectors->scale(d) <= 0) continue;
    std::vector<float> v(dim);
    for (uint32_t i = 0; i < dim; ++i) v[i] = s.vectors->row(d)[i] * s.vectors->scale(d);
    queries.push_back(ts::semantic::PrepareScan(v));
  }
  std::printf("queries: %zu natural-language (%s), %zu code chunks\n", nl_count,
              queries_file.c_str(), queries.size() - nl_count);

  // Exact scan: the reference top k / top depth, and its latency (one thread).
  std::vector<std::vector<Hit>> exact_k, exact_depth;
  std::vector<double> exact_ms;
  std::vector<std::vector<double>> exact_seg_ms(segs.size());
  for (const ScanQuery& q : queries) {
    std::vector<Hit> hits;
    auto t0 = Clock::now();
    for (uint32_t s = 0; s < segs.size(); ++s) {
      auto ts0 = Clock::now();
      ExactScan(segs[s], s, q, std::max(k, depth), &hits);
      exact_seg_ms[s].push_back(Ms(Clock::now() - ts0));
    }
    exact_ms.push_back(Ms(Clock::now() - t0));
    exact_depth.push_back(TopK(hits, depth));
    exact_k.push_back(TopK(hits, k));
  }
  std::printf("exact scan, 1 thread: p50 %.2f ms, p95 %.2f ms per query\n",
              Percentile(exact_ms, 0.5), Percentile(exact_ms, 0.95));
  for (uint32_t s = 0; s < segs.size(); ++s) {
    std::printf("  %s: %llu vectors, exact p50 %.2f ms\n", segs[s].name.c_str(),
                static_cast<unsigned long long>(segs[s].vectors->doc_count()),
                Percentile(exact_seg_ms[s], 0.5));
  }

  // Build, save, reopen.
  std::filesystem::create_directories(out_dir);
  const double rss_before = RssMb("VmRSS:");
  double build_s = 0, open_s = 0;
  uint64_t file_bytes = 0, graph_bytes = 0;
  size_t graphs = 0;
  for (auto& seg : segs) {
    if (seg.vectors->doc_count() < min_vectors) continue;
    const std::string path = out_dir + "/" + seg.name.substr(0, seg.name.size() - 6) + ".tshnsw";
    if (reuse) {
      auto existing = VectorGraph::Open(path, seg.vectors);
      if (existing.ok()) {
        seg.graph = std::move(existing).value();
        ++graphs;
        continue;
      }
    }
    auto t0 = Clock::now();
    auto g = VectorGraph::Build(seg.vectors, params, threads);
    if (!g.ok()) {
      std::fprintf(stderr, "hnsw_bench: %s\n", g.status().message().c_str());
      return 1;
    }
    const double secs = Ms(Clock::now() - t0) / 1000;
    build_s += secs;
    ts::Status saved = (*g)->Save(path);
    if (!saved.ok()) {
      std::fprintf(stderr, "hnsw_bench: %s\n", saved.message().c_str());
      return 1;
    }
    g->reset();
    auto t1 = Clock::now();
    auto reopened = VectorGraph::Open(path, seg.vectors);
    if (!reopened.ok()) {
      std::fprintf(stderr, "hnsw_bench: %s\n", reopened.status().message().c_str());
      return 1;
    }
    open_s += Ms(Clock::now() - t1) / 1000;
    seg.graph = std::move(reopened).value();
    file_bytes += std::filesystem::file_size(path);
    graph_bytes += seg.graph->memory_bytes();
    ++graphs;
    std::printf("  %s: graph of %llu nodes built in %.1f s, file %.1f MB\n", seg.name.c_str(),
                static_cast<unsigned long long>(seg.graph->node_count()), secs,
                static_cast<double>(std::filesystem::file_size(path)) / 1e6);
  }
  std::printf(
      "hnsw M=%u ef_construction=%u on %u threads: %zu graphs, build %.1f s, reopen %.2f s, "
      "files %.1f MB, graph memory %.1f MB\n",
      params.m, params.ef_construction, threads, graphs, build_s, open_s,
      static_cast<double>(file_bytes) / 1e6, static_cast<double>(graph_bytes) / 1e6);
  std::printf(
      "RSS: %.0f MB before building (companions mapped and scanned), %.0f MB after, "
      "peak %.0f MB\n",
      rss_before, RssMb("VmRSS:"), RssMb("VmHWM:"));

  // Search: graphs where built, exact scan elsewhere, merged.
  // Recall counts a hit as found when it is one of the exact top k, or scores
  // as high as the exact k-th (ties: the kernel has many identical chunks, and
  // which of equal scores the exact scan keeps is arbitrary).
  auto recall = [](const std::vector<Hit>& got, const std::vector<Hit>& want) {
    std::unordered_set<uint64_t> w;
    for (const Hit& h : want) w.insert((uint64_t{h.segment} << 32) | h.docno);
    const double kth = want.empty() ? 0 : want.back().score;
    size_t n = 0;
    for (const Hit& h : got) {
      n += w.count((uint64_t{h.segment} << 32) | h.docno) || h.score >= kth ? 1 : 0;
    }
    return std::make_pair(std::min(n, want.size()), want.size());
  };
  auto run = [&](size_t n, size_t ef, const std::vector<std::vector<Hit>>& reference,
                 const char* label) {
    std::vector<double> ms, ms_nl, ms_code;
    size_t found = 0, wanted = 0, found_nl = 0, wanted_nl = 0;
    for (size_t qi = 0; qi < queries.size(); ++qi) {
      std::vector<Hit> hits;
      auto t0 = Clock::now();
      for (uint32_t s = 0; s < segs.size(); ++s) {
        if (!segs[s].graph) {
          ExactScan(segs[s], s, queries[qi], n, &hits);
          continue;
        }
        auto r = segs[s].graph->Search(queries[qi], n, ef);
        if (!r.ok()) {
          std::fprintf(stderr, "hnsw_bench: %s\n", r.status().message().c_str());
          std::exit(1);
        }
        for (const GraphHit& h : *r) hits.push_back({h.score, s, h.docno});
      }
      hits = TopK(std::move(hits), n);
      const double t = Ms(Clock::now() - t0);
      ms.push_back(t);
      auto [f, w] = recall(hits, reference[qi]);
      found += f;
      wanted += w;
      if (qi < nl_count) {
        found_nl += f;
        wanted_nl += w;
        ms_nl.push_back(t);
      }
    }
    std::printf(
        "%s ef=%zu: recall@%zu %.3f (natural-language %.3f), p50 %.2f ms, p95 %.2f ms "
        "(natural-language p50 %.2f)\n",
        label, ef, n, static_cast<double>(found) / static_cast<double>(std::max<size_t>(1, wanted)),
        static_cast<double>(found_nl) / static_cast<double>(std::max<size_t>(1, wanted_nl)),
        Percentile(ms, 0.5), Percentile(ms, 0.95), Percentile(ms_nl, 0.5));
  };
  for (size_t ef : efs) run(k, ef, exact_k, "hnsw top-k");
  if (depth > k) {
    // Hybrid search asks each lane for `depth` hits: ef below depth changes nothing.
    for (size_t ef : {depth, 2 * depth}) run(depth, ef, exact_depth, "hnsw hybrid depth");
  }
  return 0;
}
