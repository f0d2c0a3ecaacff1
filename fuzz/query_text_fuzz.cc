// Query text and request paths, as callers send them: intent, tokens, the
// re-ranker's reading of the query, path normalisation, secret names.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fusion/fusion.h"
#include "lexical/lexical.h"
#include "rank/rank.h"
#include "util/rel_path.h"
#include "walk/walk.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)ts::fusion::ClassifyIntent(text);
  (void)ts::lexical::TokenizeToVector(text);
  const ts::rank::QuerySignals q = ts::rank::AnalyzeQuery(text);
  std::vector<ts::rank::Candidate> pool;
  for (size_t i = 0; i < 4; ++i) {
    ts::rank::Candidate c;
    c.key = i;
    c.path = std::string(text.substr(0, std::min(size, i * 8)));
    c.symbol = std::string(text.substr(std::min(size, i), 6));
    c.kind = i % 2 ? "function" : "imports";
    c.score = static_cast<double>(i);
    pool.push_back(c);
  }
  (void)ts::rank::Rerank(pool, q, ts::rank::DefaultWeights());
  (void)ts::NormalizeRelativePath(text, "/root/dir");
  (void)ts::walk::IsSecretName(text, size % 2 == 0);
  return 0;
}
