// Encode throughput of the semantic model: chunks a corpus with the index's
// chunker (untimed), then embeds every chunk with the code tower on N threads,
// several times, and prints the median chunks/s and MB/s with peak RSS.
//
//   encode_bench --model models/code-nbow.tsmodel --corpus DIR [--threads 2] [--repeat 5]
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "semantic/semantic.h"
#include "tools/train/corpus_chunks.h"

int main(int argc, char** argv) {
  std::string model_path = ts::semantic::DefaultModelPath(), corpus;
  int threads = 2, repeat = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--model")
      model_path = argv[i + 1];
    else if (a == "--corpus")
      corpus = argv[i + 1];
    else if (a == "--threads")
      threads = std::atoi(argv[i + 1]);
    else if (a == "--repeat")
      repeat = std::atoi(argv[i + 1]);
  }
  if (corpus.empty()) {
    std::fprintf(stderr,
                 "usage: encode_bench --corpus DIR [--model M] [--threads 2] [--repeat 5]\n");
    return 2;
  }
  auto model = ts::semantic::Model::Load(model_path);
  if (!model.ok()) {
    std::fprintf(stderr, "encode_bench: %s\n", model.status().message().c_str());
    return 1;
  }
  auto chunks = ts::tools::ChunkCorpus(corpus);
  if (!chunks.ok()) {
    std::fprintf(stderr, "encode_bench: %s\n", chunks.status().message().c_str());
    return 1;
  }
  std::vector<std::string> texts;
  size_t bytes = 0;
  for (auto& c : *chunks) {
    bytes += c.code_input.size();
    texts.push_back(std::move(c.code_input));
  }
  const uint32_t dim = (*model)->dim();
  std::vector<double> rates;
  for (int r = 0; r < repeat; ++r) {
    std::atomic<size_t> next{0};
    auto started = std::chrono::steady_clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&] {
        std::vector<float> v(dim);
        for (size_t i; (i = next.fetch_add(64)) < texts.size();) {
          for (size_t k = i; k < std::min(texts.size(), i + 64); ++k) {
            (*model)->Embed(ts::semantic::Tower::kCode, texts[k], v);
          }
        }
      });
    }
    for (auto& t : pool) t.join();
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    rates.push_back(texts.size() / s);
  }
  std::sort(rates.begin(), rates.end());
  const double median = rates[rates.size() / 2];
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("model: %s (dim %u, %u words + %u buckets)\n", model_path.c_str(), dim,
              (*model)->vocabulary().size(), (*model)->vocabulary().buckets());
  std::printf("chunks: %zu (%.1f MB, mean %.0f bytes)\n", texts.size(), bytes / 1e6,
              static_cast<double>(bytes) / std::max<size_t>(texts.size(), 1));
  std::printf("threads: %d  repeats: %d\n", threads, repeat);
  std::printf("encode_chunks_per_s_median: %.0f\n", median);
  std::printf("encode_mb_per_s_median: %.1f\n", median * bytes / texts.size() / 1e6);
  std::printf("peak_rss_mb: %.0f\n", ru.ru_maxrss / 1024.0);
  return 0;
}
