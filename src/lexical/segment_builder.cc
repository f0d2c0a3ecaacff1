#include <algorithm>
#include <unordered_map>

#include "lexical/lexical.h"
#include "lexical/segment_writer.h"

namespace ts::lexical {
// Lets the term map be probed with a string_view, without building a string per token.
struct TransparentStringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

struct SegmentBuilder::State {
  FieldWeights weights;
  std::unordered_map<std::string, uint32_t, TransparentStringHash, std::equal_to<>> term_ids;
  std::vector<std::vector<uint32_t>> postings;  // per term: docno, tf, docno, tf, ...
  // Per-document scratch, indexed by term id: the docno that last touched the
  // term and its weighted frequency in that document.
  std::vector<uint32_t> last_doc;
  std::vector<uint32_t> doc_tf;
  std::vector<uint32_t> touched;
  std::vector<StoredDoc> docs;
  std::vector<uint32_t> lengths;
  size_t posting_bytes = 0;
  size_t stored_bytes = 0;

  uint32_t TermId(std::string_view token) {
    auto it = term_ids.find(token);
    if (it != term_ids.end()) return it->second;
    uint32_t id = static_cast<uint32_t>(postings.size());
    term_ids.emplace(std::string(token), id);
    postings.emplace_back();
    last_doc.push_back(UINT32_MAX);
    doc_tf.push_back(0);
    return id;
  }

  uint32_t AddField(std::string_view text, uint32_t weight, uint32_t docno) {
    uint32_t length = 0;
    if (weight == 0) return 0;
    Tokenize(text, [&](std::string_view token) {
      uint32_t id = TermId(token);
      if (last_doc[id] != docno) {
        last_doc[id] = docno;
        doc_tf[id] = 0;
        touched.push_back(id);
      }
      doc_tf[id] += weight;
      length += weight;
    });
    return length;
  }
};

SegmentBuilder::SegmentBuilder(FieldWeights weights) : state_(std::make_unique<State>()) {
  state_->weights = weights;
}
SegmentBuilder::~SegmentBuilder() = default;
SegmentBuilder::SegmentBuilder(SegmentBuilder&&) noexcept = default;
SegmentBuilder& SegmentBuilder::operator=(SegmentBuilder&&) noexcept = default;

void SegmentBuilder::Add(const StoredDoc& doc, std::string_view body, std::string_view symbol_text,
                         std::string_view path_text) {
  State& s = *state_;
  uint32_t docno = static_cast<uint32_t>(s.docs.size());
  s.touched.clear();
  uint32_t length = s.AddField(body, s.weights.body, docno);
  length += s.AddField(symbol_text, s.weights.symbol, docno);
  length += s.AddField(path_text, s.weights.path, docno);
  for (uint32_t id : s.touched) {
    auto& list = s.postings[id];
    if (list.capacity() == list.size()) s.posting_bytes += list.capacity() * 4 + 8;
    list.push_back(docno);
    list.push_back(s.doc_tf[id]);
  }
  s.docs.push_back(doc);
  s.lengths.push_back(length);
  s.stored_bytes += sizeof(StoredDoc) + doc.path.size() + doc.symbol.size() + doc.scope.size() +
                    doc.chunk_id.size() + 16;
}

uint32_t SegmentBuilder::doc_count() const {
  return static_cast<uint32_t>(state_->docs.size());
}

size_t SegmentBuilder::memory_bytes() const {
  const State& s = *state_;
  return s.posting_bytes + s.stored_bytes + s.term_ids.size() * 64 + s.postings.size() * 40;
}

// Hands every document and term to `writer`, releasing each term's postings
// as soon as they are copied, then leaves the builder empty.
void SegmentBuilder::Drain(SegmentWriter* writer) {
  State& s = *state_;
  for (size_t i = 0; i < s.docs.size(); ++i) writer->AddDoc(s.docs[i], s.lengths[i]);
  std::vector<std::pair<std::string_view, uint32_t>> sorted;
  sorted.reserve(s.term_ids.size());
  for (const auto& [term, id] : s.term_ids) sorted.emplace_back(term, id);
  std::sort(sorted.begin(), sorted.end());
  std::vector<uint32_t> docnos, tfs;
  for (const auto& [term, id] : sorted) {
    auto& list = s.postings[id];
    docnos.clear();
    tfs.clear();
    for (size_t i = 0; i < list.size(); i += 2) {
      docnos.push_back(list[i]);
      tfs.push_back(list[i + 1]);
    }
    std::vector<uint32_t>().swap(list);
    writer->AddTerm(term, docnos.data(), tfs.data(), docnos.size());
  }
  FieldWeights weights = s.weights;
  state_ = std::make_unique<State>();
  state_->weights = weights;
}

std::string SegmentBuilder::Finish() {
  SegmentWriter writer;
  Drain(&writer);
  return writer.Finish();
}

Result<SegmentFileInfo> SegmentBuilder::FinishToFile(const std::string& path) {
  SegmentWriter writer;
  Drain(&writer);
  return writer.FinishToFile(path);
}

}  // namespace ts::lexical
