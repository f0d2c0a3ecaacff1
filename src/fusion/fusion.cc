// Hybrid fusion of the lexical and semantic lanes (search.h).
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <unordered_map>

#include "fusion/fusion.h"

namespace ts::fusion {

FusionParams FusionParams::WithOverrides(std::string_view overrides) {
  FusionParams p;
  std::string spec(overrides);
  size_t pos = 0;
  while (pos < spec.size()) {
    size_t comma = spec.find(',', pos);
    if (comma == std::string::npos) comma = spec.size();
    std::string item = spec.substr(pos, comma - pos);
    pos = comma + 1;
    size_t eq = item.find('=');
    if (eq == std::string::npos) continue;
    std::string key = item.substr(0, eq), value = item.substr(eq + 1);
    double v = std::strtod(value.c_str(), nullptr);
    if (key == "method") {
      p.method = value == "interp" ? Method::kInterpolate
                 : value == "z"    ? Method::kZScore
                                   : Method::kRrf;
    } else if (key == "k") {
      p.rrf_k = v;
    } else if (key == "depth") {
      p.depth = static_cast<size_t>(std::max(1.0, v));
    } else if (key == "boost") {
      p.symbol_boost = v;
    } else if (key == "floor") {
      p.semantic_floor = v;
    } else if (key == "forms") {
      p.word_form_weight = v;
    } else {
      // <intent>_lex / <intent>_sem: one lane's weight for one intent.
      const std::pair<const char*, LaneWeights*> intents[] = {{"search", &p.search},
                                                              {"definition", &p.definition},
                                                              {"usage", &p.usage},
                                                              {"conceptual", &p.conceptual},
                                                              {"debt", &p.debt}};
      for (const auto& [name, weights] : intents) {
        if (key == std::string(name) + "_lex") weights->lexical = v;
        if (key == std::string(name) + "_sem") weights->semantic = v;
      }
    }
  }
  return p;
}

LaneWeights WeightsFor(const Intent& intent, const FusionParams& params) {
  switch (intent.kind) {
    case Intent::Kind::kDefinition:
      return params.definition;
    case Intent::Kind::kUsage:
      return params.usage;
    case Intent::Kind::kConceptual:
      return params.conceptual;
    case Intent::Kind::kDebt:
      return params.debt;
    default:
      return params.search;
  }
}

std::vector<FusedHit> Fuse(const std::vector<LaneHit>& lexical,
                           const std::vector<LaneHit>& semantic, const LaneWeights& weights,
                           const FusionParams& params, const std::vector<LaneHit>& semantic_extra) {
  std::unordered_map<uint64_t, FusedHit> by_key;
  auto hit = [&](uint64_t key) -> FusedHit& {
    FusedHit& h = by_key[key];
    h.key = key;
    return h;
  };
  const size_t nl = std::min(lexical.size(), params.depth);
  const size_t ns = std::min(semantic.size(), params.depth);
  if (params.method == FusionParams::Method::kRrf) {
    for (size_t i = 0; i < nl; ++i) {
      FusedHit& h = hit(lexical[i].key);
      h.lexical_rank = static_cast<uint32_t>(i + 1);
      h.score += weights.lexical / (params.rrf_k + static_cast<double>(i + 1));
    }
    for (size_t i = 0; i < ns; ++i) {
      FusedHit& h = hit(semantic[i].key);
      h.semantic_rank = static_cast<uint32_t>(i + 1);
      h.score += weights.semantic / (params.rrf_k + static_cast<double>(i + 1));
    }
  } else if (params.method == FusionParams::Method::kZScore) {
    // Each lane standardised over its own list; a candidate missing from a
    // list counts as that list's floor (its last score), extras as themselves.
    auto stats = [](const std::vector<LaneHit>& list, size_t n) {
      double mean = 0, var = 0;
      for (size_t i = 0; i < n; ++i) mean += list[i].score;
      mean /= std::max<size_t>(n, 1);
      for (size_t i = 0; i < n; ++i) var += (list[i].score - mean) * (list[i].score - mean);
      return std::pair<double, double>{mean, std::sqrt(var / std::max<size_t>(n, 1)) + 1e-9};
    };
    const auto [lm, ls] = stats(lexical, nl);
    const auto [sm, ss] = stats(semantic, ns);
    const double lex_floor = nl > 0 ? (lexical[nl - 1].score - lm) / ls : 0;
    const double sem_floor = ns > 0 ? (semantic[ns - 1].score - sm) / ss : 0;
    for (size_t i = 0; i < nl; ++i) {
      FusedHit& h = hit(lexical[i].key);
      h.lexical_rank = static_cast<uint32_t>(i + 1);
      h.score += weights.lexical * ((lexical[i].score - lm) / ls - lex_floor);
    }
    for (size_t i = 0; i < ns; ++i) {
      FusedHit& h = hit(semantic[i].key);
      h.semantic_rank = static_cast<uint32_t>(i + 1);
      h.score += weights.semantic * ((semantic[i].score - sm) / ss - sem_floor);
    }
    for (const auto& e : semantic_extra) {
      auto it = by_key.find(e.key);
      if (it != by_key.end() && it->second.semantic_rank == 0) {
        it->second.score += weights.semantic * ((e.score - sm) / ss - sem_floor);
      }
    }
  } else {
    // BM25 has no fixed scale: divided by the best score of the list. Cosines
    // are already in [-1, 1]; below the list's last one they count as 0, so
    // the floor is the Nth cosine (min-max over the list).
    const double lex_max = nl > 0 ? std::max(lexical[0].score, 1e-9) : 1.0;
    const double sem_max = ns > 0 ? semantic[0].score : 1.0;
    const double sem_min = ns > 0 ? semantic[ns - 1].score : 0.0;
    const double sem_span = std::max(sem_max - sem_min, 1e-9);
    for (size_t i = 0; i < nl; ++i) {
      FusedHit& h = hit(lexical[i].key);
      h.lexical_rank = static_cast<uint32_t>(i + 1);
      h.score += weights.lexical * lexical[i].score / lex_max;
    }
    for (size_t i = 0; i < ns; ++i) {
      FusedHit& h = hit(semantic[i].key);
      h.semantic_rank = static_cast<uint32_t>(i + 1);
      h.score += weights.semantic * (semantic[i].score - sem_min) / sem_span;
    }
    // Below the list's floor these go negative: a lexical hit far from the
    // query's meaning loses ground, one just outside the list keeps it.
    for (const auto& e : semantic_extra) {
      auto it = by_key.find(e.key);
      if (it != by_key.end() && it->second.semantic_rank == 0) {
        it->second.score += weights.semantic * (e.score - sem_min) / sem_span;
      }
    }
  }
  std::vector<FusedHit> out;
  out.reserve(by_key.size());
  for (auto& [key, h] : by_key) out.push_back(h);
  std::sort(out.begin(), out.end(), [](const FusedHit& a, const FusedHit& b) {
    return a.score != b.score ? a.score > b.score : a.key < b.key;
  });
  return out;
}

}  // namespace ts::fusion
