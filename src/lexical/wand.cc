// Block-max WAND over a snapshot of segments (Ding & Suel, SIGIR 2011).
//
// Invariant that makes pruning safe: a cursor's max_score bounds its
// contribution to any document in its segment, and a block's bound (from the
// block's largest tf and smallest document length) bounds its contribution to
// any document in that block. A document is skipped only when the sum of
// bounds of every term that could match it is <= the current k-th best score.
#include <algorithm>
#include <cmath>
#include <map>
#include <queue>

#include "lexical/lexical.h"
#include "lexical/segment_format.h"

namespace ts::lexical {
namespace {

constexpr uint32_t kEnd = UINT32_MAX;

struct Scorer {
  double k1, b, avgdl;
  double Score(double weight, uint32_t tf, uint32_t doclen) const {
    double norm = k1 * (1.0 - b + b * static_cast<double>(doclen) / avgdl);
    return weight * (tf * (k1 + 1.0)) / (tf + norm);
  }
};

class Cursor {
 public:
  Cursor(const SegmentReader* seg, const TermInfo& info, double weight, const Scorer& scorer)
      : seg_(seg), info_(info), weight_(weight), scorer_(scorer) {
    for (uint32_t b = 0; b < info_.block_count; ++b) {
      max_score_ = std::max(max_score_, BlockBound(b));
    }
    if (info_.block_count == 0) {
      doc_ = kEnd;
    } else {
      Load(0);
    }
  }

  uint32_t doc() const { return doc_; }
  uint32_t tf() const { return tfs_[pos_]; }
  double weight() const { return weight_; }
  double max_score() const { return max_score_; }

  void Next() {
    if (++pos_ < count_) {
      doc_ = docs_[pos_];
      return;
    }
    if (block_ + 1 >= info_.block_count) {
      doc_ = kEnd;
      return;
    }
    Load(block_ + 1);
  }

  // Moves to the first posting >= target.
  void Advance(uint32_t target) {
    if (doc_ >= target) return;
    uint32_t b = block_;
    while (b < info_.block_count && seg_->BlockAt(info_, b).last_docno < target) ++b;
    if (b >= info_.block_count) {
      doc_ = kEnd;
      return;
    }
    if (b != block_) Load(b);
    // The block's last docno is >= target, so the loop stops inside the
    // block; a corrupt block whose table and postings disagree (its checksum
    // held) ends the term instead of reading past the decoded postings.
    while (pos_ < count_ && docs_[pos_] < target) ++pos_;
    doc_ = pos_ < count_ ? docs_[pos_] : kEnd;
  }

  // Bound for the block that would hold `target`, and that block's last docno
  // (kEnd when no block does). Does not decode anything.
  double ShallowBound(uint32_t target, uint32_t* block_last) {
    if (shallow_ < block_) shallow_ = block_;
    while (shallow_ < info_.block_count && seg_->BlockAt(info_, shallow_).last_docno < target) {
      ++shallow_;
    }
    if (shallow_ >= info_.block_count) {
      *block_last = kEnd;
      return 0;
    }
    *block_last = seg_->BlockAt(info_, shallow_).last_docno;
    return BlockBound(shallow_);
  }

 private:
  double BlockBound(uint32_t b) const {
    SegmentReader::Block block = seg_->BlockAt(info_, b);
    // Inflated a hair so rounding can never make a bound undercut a true score.
    return scorer_.Score(weight_, block.max_tf, block.min_doclen) * (1.0 + 1e-9);
  }

  void Load(uint32_t b) {
    block_ = b;
    count_ = seg_->DecodeBlock(info_, b, docs_, tfs_);
    pos_ = 0;
    doc_ = count_ == 0 ? kEnd : docs_[0];
  }

  const SegmentReader* seg_;
  TermInfo info_;
  double weight_;
  const Scorer& scorer_;
  double max_score_ = 0;
  uint32_t block_ = 0, shallow_ = 0, count_ = 0, pos_ = 0;
  uint32_t doc_ = kEnd;
  uint32_t docs_[kBlockSize];
  uint32_t tfs_[kBlockSize];
};

// Worst result on top, so it is the one replaced.
struct WorseFirst {
  bool operator()(const ScoredDoc& a, const ScoredDoc& b) const {
    if (a.score != b.score) return a.score > b.score;
    return a.key < b.key;
  }
};

}  // namespace

Snapshot::Snapshot(std::vector<SegmentView> segments) : segments_(std::move(segments)) {
  for (const auto& view : segments_) {
    uint32_t n = view.segment->doc_count();
    uint64_t deleted = 0;
    if (view.deleted) deleted = std::count(view.deleted->begin(), view.deleted->end(), true);
    live_docs_ += n - deleted;
    stored_docs_ += n;
    total_length_ += view.segment->total_length();
  }
}

std::vector<ScoredDoc> Snapshot::Search(std::string_view query,
                                        const SearchOptions& options) const {
  return SearchTerms(TokenizeToVector(query), options);
}

std::vector<ScoredDoc> Snapshot::SearchTerms(const std::vector<std::string>& terms,
                                             const SearchOptions& options) const {
  std::vector<QueryTerm> weighted;
  weighted.reserve(terms.size());
  for (const auto& t : terms) weighted.push_back({t, 1.0});
  return SearchWeighted(weighted, options);
}

std::vector<ScoredDoc> Snapshot::SearchWeighted(const std::vector<QueryTerm>& terms,
                                                const SearchOptions& options) const {
  if (options.top_k == 0 || live_docs_ == 0 || terms.empty()) return {};
  std::map<std::string, double> query_weight;  // summed over repeats
  for (const auto& t : terms) {
    if (t.weight > 0) query_weight[t.text] += t.weight;
  }

  const double n = static_cast<double>(live_docs_);
  const Scorer scorer{options.params.k1, options.params.b,
                      std::max(1.0, static_cast<double>(total_length_) / stored_docs_)};
  // Weight of each term: idf times its query weight.
  std::vector<std::pair<std::string, double>> weighted;
  for (const auto& [term, qw] : query_weight) {
    uint64_t df = 0;
    TermInfo info;
    for (const auto& view : segments_) {
      if (view.segment->Lookup(term, &info)) df += info.df;
    }
    if (df == 0) continue;
    // Deleted documents still in df could push it past N; clamping keeps idf > 0,
    // which WAND's bounds rely on.
    df = std::min<uint64_t>(df, live_docs_);
    double idf = std::log(1.0 + (n - df + 0.5) / (df + 0.5));
    weighted.emplace_back(term, idf * qw);
  }

  std::priority_queue<ScoredDoc, std::vector<ScoredDoc>, WorseFirst> heap;
  auto threshold = [&]() { return heap.size() < options.top_k ? -1.0 : heap.top().score; };
  auto offer = [&](const ScoredDoc& d) {
    if (heap.size() < options.top_k) {
      heap.push(d);
    } else if (WorseFirst()(d, heap.top())) {
      heap.pop();
      heap.push(d);
    }
  };

  for (uint32_t si = 0; si < segments_.size(); ++si) {
    const SegmentReader* seg = segments_[si].segment.get();
    const std::vector<bool>* deleted = segments_[si].deleted.get();
    std::vector<std::unique_ptr<Cursor>> owned;
    for (const auto& [term, weight] : weighted) {
      TermInfo info;
      if (seg->Lookup(term, &info))
        owned.push_back(std::make_unique<Cursor>(seg, info, weight, scorer));
    }
    std::vector<Cursor*> cs;
    for (auto& c : owned) cs.push_back(c.get());
    const size_t m = cs.size();
    auto accepts = [&](uint32_t docno) {
      if (docno >= seg->doc_count()) return false;  // corrupt postings (checksum held)
      if (deleted != nullptr && docno < deleted->size() && (*deleted)[docno]) return false;
      if (!options.path_prefix.empty()) {
        if (!seg->DocView(docno).path.starts_with(options.path_prefix)) return false;
      }
      return true;
    };

    while (true) {
      std::sort(cs.begin(), cs.end(), [](Cursor* a, Cursor* b) { return a->doc() < b->doc(); });
      const double theta = threshold();
      double acc = 0;
      size_t p = m;
      for (size_t i = 0; i < m && cs[i]->doc() != kEnd; ++i) {
        acc += cs[i]->max_score();
        if (acc > theta) {
          p = i;
          break;
        }
      }
      if (p == m) break;
      const uint32_t pivot = cs[p]->doc();
      while (p + 1 < m && cs[p + 1]->doc() == pivot) ++p;

      if (heap.size() >= options.top_k) {
        double block_bound = 0;
        uint32_t next = p + 1 < m ? cs[p + 1]->doc() : kEnd;
        for (size_t i = 0; i <= p; ++i) {
          uint32_t last;
          block_bound += cs[i]->ShallowBound(pivot, &last);
          if (last != kEnd) next = std::min(next, last + 1);
        }
        if (block_bound <= theta) {
          // No document in [pivot, next) can beat theta.
          for (size_t i = 0; i <= p; ++i) cs[i]->Advance(next == kEnd ? kEnd : next);
          continue;
        }
      }

      if (cs[0]->doc() == pivot) {
        if (accepts(pivot)) {
          double score = 0;
          uint32_t len = seg->doc_length(pivot);
          for (size_t i = 0; i <= p; ++i) score += scorer.Score(cs[i]->weight(), cs[i]->tf(), len);
          offer(ScoredDoc{si, pivot, seg->doc_key(pivot), score});
        }
        for (size_t i = 0; i <= p; ++i) cs[i]->Next();
      } else {
        for (size_t i = 0; i < p; ++i) cs[i]->Advance(pivot);
      }
    }
  }

  std::vector<ScoredDoc> out;
  out.reserve(heap.size());
  while (!heap.empty()) {
    out.push_back(heap.top());
    heap.pop();
  }
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace ts::lexical
