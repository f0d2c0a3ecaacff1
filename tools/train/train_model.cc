// Trains the semantic lane's embedding model: a two-tower neural bag of words
// (CodeSearchNet's NBoW baseline) over src/semantic's features, contrastively,
// with in-batch negatives (symmetric InfoNCE), on (doc sentence, code) pairs
// mined by tools/mine. Seeded and deterministic for a given thread count.
//
//   train_model --pairs pairs.jsonl --out models/code-nbow.tsmodel
//               [--golden models/golden.jsonl] [--dim 256] [--vocab 60000]
//               [--buckets 16384] [--epochs 8] [--batch 512] [--lr 0.004]
//               [--scale 20] [--seed 7] [--threads 2] [--max-pairs N]
//               [--header-weight W] [--tied] [--word-dropout P]  (Usage() has all)
//
// Why these choices: the tables are float32 while training and int8 in the
// file (src/semantic/model.cc); both towers start from the same random table,
// so a word shared by a sentence and code starts out matching and the towers
// learn where they differ. Updates are lazy Adam on the rows a batch touched.
// The header weight (kept in the model file) makes the code tower weigh the
// words of CodeInput's first line (path, scope, symbol) W times.
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "semantic/semantic.h"
#include "util/hash.h"

namespace {

using ts::semantic::Features;
using ts::semantic::Vocabulary;

struct Options {
  std::string pairs, out, golden, dev_out;
  uint32_t dim = 256, vocab = 60000, buckets = 16384, min_df = 3;
  int epochs = 8, batch = 512, threads = 2;
  float lr = 0.004f, scale = 20.0f, dev_fraction = 0.02f;
  float word_dropout = 0.0f;   // chance that a word is left out of a training input
  float header_weight = 1.0f;  // code tower: weight of the CodeInput header's words
  uint64_t seed = 7;
  size_t max_pairs = 0;
  size_t max_code_words = 1024;
  bool hard_negatives = false;
  bool tied = false;                // one table for both towers
  bool two_hard_negatives = false;  // the runner-up code per sentence too
  std::vector<std::string> exclude_query_files, exclude_langs;
  std::string oversample_lang;  // "LANG:N": its training pairs appear N times
};

struct Pair {
  std::string query, code, lang;
};

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// Query texts of evaluation benchmarks (run_eval.py's queries.jsonl): pairs
// with the same sentence are left out of training (decontamination).
std::unordered_set<std::string> LoadExcludedQueries(const Options& o) {
  std::unordered_set<std::string> out;
  for (const auto& path : o.exclude_query_files) {
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_discarded() && j.contains("query")) out.insert(j["query"].get<std::string>());
    }
  }
  return out;
}

std::vector<Pair> LoadPairs(const Options& o) {
  const auto excluded = LoadExcludedQueries(o);
  std::ifstream in(o.pairs);
  std::vector<Pair> pairs;
  std::string line;
  size_t dropped = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.contains("query") || !j.contains("code")) continue;
    const std::string lang = j.value("lang", std::string());
    if (excluded.count(j["query"].get<std::string>()) ||
        std::find(o.exclude_langs.begin(), o.exclude_langs.end(), lang) != o.exclude_langs.end()) {
      ++dropped;
      continue;
    }
    pairs.push_back(
        {j["query"].get<std::string>(),
         ts::semantic::CodeInput(j.value("path", std::string()), "",
                                 j.value("symbol", std::string()), j["code"].get<std::string>()),
         j.value("lang", std::string())});
    if (o.max_pairs && pairs.size() >= o.max_pairs) break;
  }
  std::fprintf(stderr, "train_model: %zu pairs left out (excluded queries or languages)\n",
               dropped);
  return pairs;
}

// Document frequency over every text (sentences and code alike): the words
// kept are the most frequent ones, IDF weights how much each says.
Vocabulary BuildVocabulary(const std::vector<Pair>& pairs, const Options& o) {
  std::unordered_map<std::string, uint32_t> df;
  std::vector<std::string> words;
  std::unordered_set<std::string> seen;
  for (const auto& p : pairs) {
    for (const std::string* text : {&p.query, &p.code}) {
      ts::semantic::Words(*text, &words, o.max_code_words);
      seen.clear();
      for (auto& w : words) {
        if (seen.insert(w).second) ++df[w];
      }
    }
  }
  std::vector<std::pair<uint32_t, std::string>> ranked;
  for (auto& [w, n] : df) {
    if (n >= o.min_df && w.size() <= 255) ranked.push_back({n, w});
  }
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  if (ranked.size() > o.vocab) ranked.resize(o.vocab);
  const double n_docs = 2.0 * pairs.size();
  std::vector<std::string> vocab_words;
  std::vector<float> idf;
  for (auto& [n, w] : ranked) {
    vocab_words.push_back(w);
    idf.push_back(static_cast<float>(std::log(n_docs / n)));
  }
  // Unseen words are rare by definition: weighted like a word at the cut-off.
  const float bucket_idf = static_cast<float>(std::log(n_docs / o.min_df));
  return Vocabulary(std::move(vocab_words), std::move(idf), o.buckets, bucket_idf);
}

// Eight partial sums so the loop vectorises without -ffast-math.
inline float Dot(const float* a, const float* b, uint32_t n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  uint32_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int k = 0; k < 8; ++k) acc[k] += a[i + k] * b[i + k];
  }
  float s = 0;
  for (; i < n; ++i) s += a[i] * b[i];
  for (float x : acc) s += x;
  return s;
}

// Float tables and their Adam moments.
struct Tower {
  std::vector<float> table, m, v;
  std::vector<uint32_t> steps;  // per-row step count for lazy bias correction
};

struct Encoded {
  std::vector<float> unit;  // B x dim
  std::vector<float> norm;  // B
};

void Encode(const Tower& t, const std::vector<const Features*>& feats, uint32_t dim, Encoded* e) {
  const size_t b = feats.size();
  e->unit.assign(b * dim, 0.0f);
  e->norm.assign(b, 0.0f);
#pragma omp parallel for schedule(static)
  for (size_t i = 0; i < b; ++i) {
    float* out = &e->unit[i * dim];
    const Features& f = *feats[i];
    for (size_t k = 0; k < f.rows.size(); ++k) {
      const float* row = &t.table[static_cast<size_t>(f.rows[k]) * dim];
      const float w = f.weights[k];
      for (uint32_t d = 0; d < dim; ++d) out[d] += w * row[d];
    }
    double n = 0;
    for (uint32_t d = 0; d < dim; ++d) n += static_cast<double>(out[d]) * out[d];
    float norm = static_cast<float>(std::sqrt(n)) + 1e-12f;
    e->norm[i] = norm;
    for (uint32_t d = 0; d < dim; ++d) out[d] /= norm;
  }
}

// Gradient w.r.t. the unnormalised sum, given the gradient w.r.t. the unit vector.
void BackNormalise(const Encoded& e, std::vector<float>* grad, uint32_t dim) {
  const size_t b = e.norm.size();
#pragma omp parallel for schedule(static)
  for (size_t i = 0; i < b; ++i) {
    float* g = &(*grad)[i * dim];
    const float* u = &e.unit[i * dim];
    float dot = 0;
    for (uint32_t d = 0; d < dim; ++d) dot += g[d] * u[d];
    for (uint32_t d = 0; d < dim; ++d) g[d] = (g[d] - u[d] * dot) / e.norm[i];
  }
}

// Scatters per-example gradients into the rows they came from and applies a
// lazy Adam step to those rows only.
void ApplyAdam(Tower* t, const std::vector<const Features*>& feats, const std::vector<float>& grad,
               uint32_t dim, float lr) {
  std::unordered_map<uint32_t, uint32_t> slot;
  std::vector<uint32_t> rows;
  for (const Features* f : feats) {
    for (uint32_t r : f->rows) {
      if (slot.try_emplace(r, static_cast<uint32_t>(rows.size())).second) rows.push_back(r);
    }
  }
  std::vector<float> acc(rows.size() * dim, 0.0f);
  for (size_t i = 0; i < feats.size(); ++i) {
    const Features& f = *feats[i];
    const float* g = &grad[i * dim];
    for (size_t k = 0; k < f.rows.size(); ++k) {
      float* a = &acc[static_cast<size_t>(slot[f.rows[k]]) * dim];
      const float w = f.weights[k];
      for (uint32_t d = 0; d < dim; ++d) a[d] += w * g[d];
    }
  }
  constexpr float kBeta1 = 0.9f, kBeta2 = 0.999f, kEps = 1e-8f;
#pragma omp parallel for schedule(static)
  for (size_t j = 0; j < rows.size(); ++j) {
    const size_t base = static_cast<size_t>(rows[j]) * dim;
    const uint32_t step = ++t->steps[rows[j]];
    const float c1 = 1.0f - std::pow(kBeta1, static_cast<float>(step));
    const float c2 = 1.0f - std::pow(kBeta2, static_cast<float>(step));
    const float* a = &acc[j * dim];
    for (uint32_t d = 0; d < dim; ++d) {
      float& m = t->m[base + d];
      float& v = t->v[base + d];
      m = kBeta1 * m + (1 - kBeta1) * a[d];
      v = kBeta2 * v + (1 - kBeta2) * a[d] * a[d];
      t->table[base + d] -= lr * (m / c1) / (std::sqrt(v / c2) + kEps);
    }
  }
}

// One batch of symmetric InfoNCE; returns the loss. `cf` holds the B
// positives (cf[i] answers qf[i]) followed by any hard negatives: extra
// columns for the sentence->code direction only.
double TrainBatch(Tower* qt, Tower* ct, const std::vector<const Features*>& qf,
                  const std::vector<const Features*>& cf, const Options& o, float lr) {
  const uint32_t dim = o.dim;
  const size_t b = qf.size();
  const size_t m = cf.size();  // columns: B positives + hard negatives
  Encoded q, c;
  Encode(*qt, qf, dim, &q);
  Encode(*ct, cf, dim, &c);
  std::vector<float> logits(b * m);
#pragma omp parallel for schedule(static)
  for (size_t i = 0; i < b; ++i) {
    for (size_t j = 0; j < m; ++j) {
      logits[i * m + j] = o.scale * Dot(&q.unit[i * dim], &c.unit[j * dim], dim);
    }
  }
  // G = d loss / d logits: row softmax over all M columns, column softmax over
  // the B sentences, each minus its target, over 2B.
  std::vector<float> g(b * m, 0.0f);
  double loss = 0;
  for (int direction = 0; direction < 2; ++direction) {
    const size_t width = direction == 0 ? m : b;
    for (size_t i = 0; i < b; ++i) {
      auto at = [&](size_t j) -> size_t { return direction == 0 ? i * m + j : j * m + i; };
      float mx = -1e30f;
      for (size_t j = 0; j < width; ++j) mx = std::max(mx, logits[at(j)]);
      double z = 0;
      for (size_t j = 0; j < width; ++j) z += std::exp(logits[at(j)] - mx);
      loss += -(logits[at(i)] - mx - std::log(z));
      for (size_t j = 0; j < width; ++j) {
        float p = static_cast<float>(std::exp(logits[at(j)] - mx) / z);
        g[at(j)] += (p - (i == j ? 1.0f : 0.0f)) / (2.0f * b);
      }
    }
  }
  std::vector<float> dq(b * dim, 0.0f), dc(m * dim, 0.0f);
#pragma omp parallel for schedule(static)
  for (size_t i = 0; i < b; ++i) {
    float* out = &dq[i * dim];
    for (size_t j = 0; j < m; ++j) {
      const float w = o.scale * g[i * m + j];
      const float* cj = &c.unit[j * dim];
      for (uint32_t k = 0; k < dim; ++k) out[k] += w * cj[k];
    }
  }
#pragma omp parallel for schedule(static)
  for (size_t j = 0; j < m; ++j) {
    float* out = &dc[j * dim];
    for (size_t i = 0; i < b; ++i) {
      const float w = o.scale * g[i * m + j];
      const float* qi = &q.unit[i * dim];
      for (uint32_t k = 0; k < dim; ++k) out[k] += w * qi[k];
    }
  }
  BackNormalise(q, &dq, dim);
  BackNormalise(c, &dc, dim);
  if (qt == ct) {
    // One Adam step over both sides' gradients, not two steps on shared rows.
    std::vector<const Features*> both(qf);
    both.insert(both.end(), cf.begin(), cf.end());
    dq.insert(dq.end(), dc.begin(), dc.end());
    ApplyAdam(qt, both, dq, dim, lr);
  } else {
    ApplyAdam(qt, qf, dq, dim, lr);
    ApplyAdam(ct, cf, dc, dim, lr);
  }
  return loss / (2.0 * b);
}

// Word dropout: each input of the batch loses each of its words with
// probability `p` (one word is always kept), so the model cannot lean on a
// single word and must spread meaning over the bag. Copies go to `store`.
void DropWords(std::vector<const Features*>* batch, std::vector<Features>* store, float p,
               std::mt19937_64& rng) {
  std::uniform_real_distribution<float> coin(0.0f, 1.0f);
  store->resize(batch->size());
  for (size_t i = 0; i < batch->size(); ++i) {
    const Features& in = *(*batch)[i];
    Features& out = (*store)[i];
    out.rows.clear();
    out.weights.clear();
    for (size_t k = 0; k < in.rows.size(); ++k) {
      if (coin(rng) >= p) {
        out.rows.push_back(in.rows[k]);
        out.weights.push_back(in.weights[k]);
      }
    }
    if (out.rows.empty() && !in.rows.empty()) {
      out.rows.push_back(in.rows[0]);
      out.weights.push_back(in.weights[0]);
    }
    (*batch)[i] = &out;
  }
}

// For each sentence, the training code that shares the most IDF weight with
// it other than its own: what BM25 would rank high but is wrong. Words in
// more than 2% of the code are not looked up (they would make it quadratic).
// `runner_up`, when given, receives each sentence's second-best code.
std::vector<int64_t> MineHardNegatives(const std::vector<Features>& qf,
                                       const std::vector<Features>& cf, uint32_t rows,
                                       bool skip_copies, std::vector<int64_t>* runner_up) {
  std::vector<std::vector<uint32_t>> postings(rows);
  for (uint32_t d = 0; d < cf.size(); ++d) {
    for (uint32_t r : cf[d].rows) postings[r].push_back(d);
  }
  const size_t max_df = std::max<size_t>(50, cf.size() / 50);
  std::vector<int64_t> best(qf.size(), -1);
  if (runner_up) runner_up->assign(qf.size(), -1);
#pragma omp parallel
  {
    std::vector<float> score(cf.size(), 0.0f);
    std::vector<uint32_t> touched;
#pragma omp for schedule(dynamic, 512)
    for (size_t i = 0; i < qf.size(); ++i) {
      touched.clear();
      for (size_t k = 0; k < qf[i].rows.size(); ++k) {
        const auto& list = postings[qf[i].rows[k]];
        if (list.size() > max_df) continue;
        for (uint32_t d : list) {
          if (score[d] == 0) touched.push_back(d);
          score[d] += qf[i].weights[k];
        }
      }
      float top = 0, runner_up_score = 0;
      for (uint32_t d : touched) {
        // Not itself, nor (when oversampling made copies) a copy of its own
        // code. The check is off otherwise so that train.sh still reproduces
        // the committed model.
        if (d != i && !(skip_copies && cf[d].rows == cf[i].rows)) {
          if (score[d] > top) {
            if (runner_up) {
              (*runner_up)[i] = best[i];
              runner_up_score = top;
            }
            top = score[d];
            best[i] = d;
          } else if (runner_up && score[d] > runner_up_score) {
            runner_up_score = score[d];
            (*runner_up)[i] = d;
          }
        }
        score[d] = 0;
      }
    }
  }
  return best;
}

// MRR@10 of each dev sentence against all dev code (the other pairs are the
// distractors): a quick, model-only signal between epochs.
double DevMrr(const Tower& qt, const Tower& ct, const std::vector<Features>& qf,
              const std::vector<Features>& cf, uint32_t dim) {
  if (qf.empty()) return 0;
  std::vector<const Features*> qp, cp;
  for (auto& f : qf) qp.push_back(&f);
  for (auto& f : cf) cp.push_back(&f);
  Encoded q, c;
  Encode(qt, qp, dim, &q);
  Encode(ct, cp, dim, &c);
  const size_t n = qf.size();
  double mrr = 0;
#pragma omp parallel for reduction(+ : mrr) schedule(static)
  for (size_t i = 0; i < n; ++i) {
    auto dot = [&](size_t j) { return Dot(&q.unit[i * dim], &c.unit[j * dim], dim); };
    const float mine = dot(i);
    size_t better = 0;
    for (size_t j = 0; j < n && better < 10; ++j) {
      if (j != i && dot(j) > mine) ++better;
    }
    if (better < 10) mrr += 1.0 / (better + 1);
  }
  return mrr / n;
}

// Float (unquantised) embedding by the training tables: the reference the
// golden test compares the C++ int8 encoder with.
std::vector<float> ReferenceEmbedding(const Tower& t, const Features& f, uint32_t dim) {
  Encoded e;
  Encode(t, {&f}, dim, &e);
  if (f.rows.empty()) std::fill(e.unit.begin(), e.unit.end(), 0.0f);
  return e.unit;
}

void WriteGolden(const std::string& path, const Vocabulary& vocab, const Tower& qt, const Tower& ct,
                 const std::vector<Pair>& dev, const Options& o) {
  const uint32_t dim = o.dim;
  std::ofstream out(path);
  // Dev pairs plus texts that stress tokenization: unseen identifiers, mixed
  // case, digits, Unicode, punctuation-only code.
  std::vector<std::pair<std::string, std::string>> inputs;  // tower, text
  for (size_t i = 0; i < dev.size() && inputs.size() < 60; ++i) {
    inputs.push_back({"query", dev[i].query});
    inputs.push_back({"code", dev[i].code.substr(0, 4000)});
  }
  for (const char* text :
       {"parseHTTPHeaderV2 zzqqxyUnseenIdent", "größe berechnen für Zeichenkette",
        "XMLHttpRequest.open(url); return self._buf[0:16]",
        "fn main() { let v: Vec<u8> = Vec::with_capacity(4096); }",
        "Return the number of bytes written, or -1 on error."}) {
    inputs.push_back({"query", text});
    inputs.push_back({"code", text});
  }
  for (const auto& [tower, text] : inputs) {
    const bool code = tower == "code";
    Features f = ts::semantic::Featurize(vocab, text, ts::semantic::kMaxInputWords,
                                         code ? o.header_weight : 1.0f);
    auto v = ReferenceEmbedding(code ? ct : qt, f, dim);
    nlohmann::json j = {{"tower", tower}, {"text", text}, {"vector", v}};
    out << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  }
}

int Usage() {
  std::fprintf(stderr,
               "usage: train_model --pairs PAIRS.jsonl --out MODEL.tsmodel [--golden G.jsonl]\n"
               "  [--dim 256] [--vocab 60000] [--buckets 16384] [--min-df 3] [--epochs 8]\n"
               "  [--batch 512] [--lr 0.004] [--scale 20] [--header-weight 1] [--seed 7]\n"
               "  [--threads 2]\n"
               "  [--max-pairs N] [--hard-negatives] [--two-hard-negatives] [--tied]\n"
               "  [--word-dropout P]\n"
               "  [--exclude-queries Q.jsonl]...\n"
               "  [--exclude-lang LANG]... [--oversample LANG:N]\n");
  return 2;
}

// The command line into `*o`; false on a usage error.
bool ParseArgs(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--pairs")
      o->pairs = next();
    else if (a == "--out")
      o->out = next();
    else if (a == "--golden")
      o->golden = next();
    else if (a == "--dim")
      o->dim = std::stoul(next());
    else if (a == "--vocab")
      o->vocab = std::stoul(next());
    else if (a == "--buckets")
      o->buckets = std::stoul(next());
    else if (a == "--min-df")
      o->min_df = std::stoul(next());
    else if (a == "--epochs")
      o->epochs = std::stoi(next());
    else if (a == "--batch")
      o->batch = std::stoi(next());
    else if (a == "--lr")
      o->lr = std::stof(next());
    else if (a == "--header-weight")
      o->header_weight = std::stof(next());
    else if (a == "--scale")
      o->scale = std::stof(next());
    else if (a == "--seed")
      o->seed = std::stoull(next());
    else if (a == "--threads")
      o->threads = std::stoi(next());
    else if (a == "--max-pairs")
      o->max_pairs = std::stoull(next());
    else if (a == "--word-dropout")
      o->word_dropout = std::stof(next());
    else if (a == "--two-hard-negatives")
      o->two_hard_negatives = o->hard_negatives = true;
    else if (a == "--tied")
      o->tied = true;
    else if (a == "--hard-negatives")
      o->hard_negatives = true;
    else if (a == "--exclude-queries")
      o->exclude_query_files.push_back(next());
    else if (a == "--exclude-lang")
      o->exclude_langs.push_back(next());
    else if (a == "--oversample")
      o->oversample_lang = next();
    else
      return false;
  }
  return !o->pairs.empty() && !o->out.empty();
}

// A dev slice off the end of the shuffled `*pairs`, then o.oversample_lang's
// training pairs copied (after the split, so no dev pair is also a training pair).
std::vector<Pair> SplitOffDev(const Options& o, std::vector<Pair>* pairs_in) {
  std::vector<Pair>& pairs = *pairs_in;
  const size_t dev_n = std::min<size_t>(2000, static_cast<size_t>(pairs.size() * o.dev_fraction));
  std::vector<Pair> dev(pairs.end() - dev_n, pairs.end());
  pairs.resize(pairs.size() - dev_n);
  if (size_t colon = o.oversample_lang.find(':'); colon != std::string::npos) {
    const std::string lang = o.oversample_lang.substr(0, colon);
    const int times = std::stoi(o.oversample_lang.substr(colon + 1));
    const size_t n = pairs.size();
    for (int t = 1; t < times; ++t) {
      for (size_t i = 0; i < n; ++i) {
        if (pairs[i].lang == lang) pairs.push_back(pairs[i]);
      }
    }
  }
  return dev;
}

// The epochs: shuffled batches (with hard negatives and word dropout when
// asked), a linearly decaying rate, the dev MRR@10 after each epoch.
void TrainEpochs(const Options& o, const std::vector<Features>& qf, const std::vector<Features>& cf,
                 const std::vector<Features>& dqf, const std::vector<Features>& dcf,
                 const std::vector<int64_t>& hard, const std::vector<int64_t>& hard2, Tower* qt_in,
                 Tower* ct_in, std::mt19937_64& rng,
                 std::chrono::steady_clock::time_point started) {
  Tower& qt = *qt_in;
  Tower& ct = *ct_in;
  std::vector<size_t> order(qf.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  const size_t batches = qf.size() / o.batch;
  const size_t total_steps = batches * o.epochs;
  size_t step = 0;
  std::vector<Features> dropped_q, dropped_c;  // this batch's inputs after word dropout
  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    std::shuffle(order.begin(), order.end(), rng);
    double loss = 0;
    for (size_t bi = 0; bi < batches; ++bi, ++step) {
      std::vector<const Features*> qb, cb;
      for (size_t k = 0; k < static_cast<size_t>(o.batch); ++k) {
        size_t idx = order[bi * o.batch + k];
        qb.push_back(&qf[idx]);
        cb.push_back(&cf[idx]);
      }
      if (!hard.empty()) {
        for (size_t k = 0; k < static_cast<size_t>(o.batch); ++k) {
          int64_t h = hard[order[bi * o.batch + k]];
          if (h >= 0) cb.push_back(&cf[h]);
        }
        for (size_t k = 0; k < hard2.size() && k < static_cast<size_t>(o.batch); ++k) {
          int64_t h = hard2[order[bi * o.batch + k]];
          if (h >= 0) cb.push_back(&cf[h]);
        }
      }
      if (o.word_dropout > 0) {
        DropWords(&qb, &dropped_q, o.word_dropout, rng);
        DropWords(&cb, &dropped_c, o.word_dropout, rng);
      }
      // Linear decay to 10% of the base rate.
      float lr = o.lr * (1.0f - 0.9f * static_cast<float>(step) / static_cast<float>(total_steps));
      loss += TrainBatch(&qt, &ct, qb, cb, o, lr);
    }
    std::fprintf(stderr, "train_model: epoch %d loss %.4f dev MRR@10 %.4f (%.1fs)\n", epoch + 1,
                 loss / std::max<size_t>(batches, 1), DevMrr(qt, ct, dqf, dcf, o.dim),
                 Seconds(started));
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  if (!ParseArgs(argc, argv, &o)) return Usage();
  omp_set_num_threads(o.threads);
  auto started = std::chrono::steady_clock::now();

  std::vector<Pair> pairs = LoadPairs(o);
  if (pairs.size() < 1000) {
    std::fprintf(stderr, "train_model: only %zu pairs in %s\n", pairs.size(), o.pairs.c_str());
    return 1;
  }
  // A seeded shuffle, then a dev slice off the end.
  std::mt19937_64 rng(o.seed);
  std::shuffle(pairs.begin(), pairs.end(), rng);
  std::vector<Pair> dev = SplitOffDev(o, &pairs);
  std::fprintf(stderr, "train_model: %zu training pairs, %zu dev pairs (%.1fs)\n", pairs.size(),
               dev.size(), Seconds(started));

  Vocabulary vocab = BuildVocabulary(pairs, o);
  std::fprintf(stderr, "train_model: vocabulary %u words + %u buckets (%.1fs)\n", vocab.size(),
               vocab.buckets(), Seconds(started));

  std::vector<Features> qf(pairs.size()), cf(pairs.size()), dqf(dev.size()), dcf(dev.size());
#pragma omp parallel for schedule(dynamic, 256)
  for (size_t i = 0; i < pairs.size(); ++i) {
    qf[i] = ts::semantic::Featurize(vocab, pairs[i].query, o.max_code_words);
    cf[i] = ts::semantic::Featurize(vocab, pairs[i].code, o.max_code_words, o.header_weight);
  }
  for (size_t i = 0; i < dev.size(); ++i) {
    dqf[i] = ts::semantic::Featurize(vocab, dev[i].query, o.max_code_words);
    dcf[i] = ts::semantic::Featurize(vocab, dev[i].code, o.max_code_words, o.header_weight);
  }
  std::fprintf(stderr, "train_model: features ready (%.1fs)\n", Seconds(started));

  const size_t cells = static_cast<size_t>(vocab.rows()) * o.dim;
  // Tied towers share one table: a word seldom seen in training sentences
  // still gets the meaning code taught it.
  Tower qt, separate_ct;
  Tower& ct = o.tied ? qt : separate_ct;
  qt.table.resize(cells);
  std::normal_distribution<float> init(0.0f, 0.1f);
  for (auto& x : qt.table) x = init(rng);
  if (!o.tied) ct.table = qt.table;
  for (Tower* t : {&qt, &ct}) {
    t->m.assign(cells, 0.0f);
    t->v.assign(cells, 0.0f);
    t->steps.assign(vocab.rows(), 0);
  }

  std::vector<int64_t> hard, hard2;
  if (o.hard_negatives) {
    hard = MineHardNegatives(qf, cf, vocab.rows(), !o.oversample_lang.empty(),
                             o.two_hard_negatives ? &hard2 : nullptr);
    size_t found = std::count_if(hard.begin(), hard.end(), [](int64_t h) { return h >= 0; });
    std::fprintf(stderr, "train_model: hard negatives for %zu of %zu sentences (%.1fs)\n", found,
                 hard.size(), Seconds(started));
  }

  TrainEpochs(o, qf, cf, dqf, dcf, hard, hard2, &qt, &ct, rng, started);

  auto saved = ts::semantic::Model::Save(o.out, "code-nbow", vocab, o.dim, o.header_weight,
                                         qt.table, ct.table);
  if (!saved.ok()) {
    std::fprintf(stderr, "train_model: %s\n", saved.message().c_str());
    return 1;
  }
  if (!o.golden.empty()) WriteGolden(o.golden, vocab, qt, ct, dev, o);
  std::fprintf(stderr, "train_model: wrote %s (%.1fs)\n", o.out.c_str(), Seconds(started));
  return 0;
}
