// Dense-only retrieval quality of a model file, without a daemon: chunks a
// corpus with the index's own chunker, embeds every chunk and every query, and
// scores MRR@10 / Recall@10 with ../shared/eval/run_eval.py's answer rule
// (same file, overlapping lines, span <= max(2 x definition, 100) lines).
// The daemon's figures come from run_eval.py itself; this is for iterating on
// the model between training runs.
//
//   eval_dense --model M.tsmodel --corpus DIR --queries Q.jsonl [--threads 2]
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "semantic/semantic.h"
#include "tools/train/corpus_chunks.h"

namespace {

struct ChunkRef {
  std::string path;
  int start = 0, end = 0;
};

struct Query {
  std::string text, path;
  int start = 0, end = 0;
};

bool IsAnswer(const ChunkRef& c, const Query& q) {
  if (c.path != q.path) return false;
  bool overlap = std::min(c.end, q.end) - std::max(c.start, q.start) >= 0;
  bool span_ok = (c.end - c.start + 1) <= std::max(2 * (q.end - q.start + 1), 100);
  return overlap && span_ok;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_path, corpus, queries_path;
  int threads = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--model")
      model_path = argv[i + 1];
    else if (a == "--corpus")
      corpus = argv[i + 1];
    else if (a == "--queries")
      queries_path = argv[i + 1];
    else if (a == "--threads")
      threads = std::atoi(argv[i + 1]);
  }
  if (model_path.empty() || corpus.empty() || queries_path.empty()) {
    std::fprintf(stderr, "usage: eval_dense --model M --corpus DIR --queries Q.jsonl\n");
    return 2;
  }
  omp_set_num_threads(threads);
  auto model = ts::semantic::Model::Load(model_path);
  if (!model.ok()) {
    std::fprintf(stderr, "eval_dense: %s\n", model.status().message().c_str());
    return 1;
  }
  const uint32_t dim = (*model)->dim();
  auto started = std::chrono::steady_clock::now();
  auto corpus_chunks = ts::tools::ChunkCorpus(corpus);
  if (!corpus_chunks.ok()) {
    std::fprintf(stderr, "eval_dense: %s\n", corpus_chunks.status().message().c_str());
    return 1;
  }
  std::vector<ChunkRef> chunks;
  std::vector<float> vectors;
  for (const auto& c : *corpus_chunks) {
    chunks.push_back({c.path, c.start_line, c.end_line});
    std::vector<float> v(dim);
    (*model)->Embed(ts::semantic::Tower::kCode, c.code_input, v);
    vectors.insert(vectors.end(), v.begin(), v.end());
  }
  double chunk_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  std::vector<Query> queries;
  std::ifstream in(queries_path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line);
    queries.push_back({j["query"], j["path"], j["start_line"], j["end_line"]});
  }
  double mrr = 0, r1 = 0, r10 = 0;
#pragma omp parallel for reduction(+ : mrr, r1, r10) schedule(dynamic, 16)
  for (size_t qi = 0; qi < queries.size(); ++qi) {
    std::vector<float> q(dim);
    (*model)->Embed(ts::semantic::Tower::kQuery, queries[qi].text, q);
    std::vector<std::pair<float, size_t>> scored(chunks.size());
    for (size_t c = 0; c < chunks.size(); ++c) {
      float s = 0;
      for (uint32_t d = 0; d < dim; ++d) s += q[d] * vectors[c * dim + d];
      scored[c] = {-s, c};
    }
    std::partial_sort(scored.begin(), scored.begin() + std::min<size_t>(10, scored.size()),
                      scored.end());
    for (size_t r = 0; r < std::min<size_t>(10, scored.size()); ++r) {
      if (IsAnswer(chunks[scored[r].second], queries[qi])) {
        mrr += 1.0 / (r + 1);
        r1 += r == 0;
        r10 += 1;
        break;
      }
    }
  }
  const double n = static_cast<double>(queries.size());
  std::printf("chunks %zu (chunked+embedded in %.1fs)  queries %zu\n", chunks.size(), chunk_seconds,
              queries.size());
  std::printf("MRR@10 %.4f  Recall@1 %.4f  Recall@10 %.4f\n", mrr / n, r1 / n, r10 / n);
  return 0;
}
