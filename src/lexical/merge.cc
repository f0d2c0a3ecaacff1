#include <queue>

#include "lexical/lexical.h"
#include "lexical/segment_writer.h"

namespace ts::lexical {

namespace {

void MergeInto(const std::vector<SegmentView>& inputs, SegmentWriter& writer) {
  // New docno of every (input, old docno); -1 for deleted documents.
  std::vector<std::vector<int64_t>> remap(inputs.size());
  int64_t next = 0;
  for (size_t s = 0; s < inputs.size(); ++s) {
    const SegmentReader& seg = *inputs[s].segment;
    const std::vector<bool>* deleted = inputs[s].deleted.get();
    remap[s].assign(seg.doc_count(), -1);
    for (uint32_t d = 0; d < seg.doc_count(); ++d) {
      if (deleted != nullptr && d < deleted->size() && (*deleted)[d]) continue;
      remap[s][d] = next++;
      writer.AddDoc(seg.Doc(d), seg.doc_length(d));
    }
  }

  // K-way merge of the sorted term lists.
  using Head = std::pair<std::string_view, std::pair<size_t, uint32_t>>;  // term, (input, index)
  std::priority_queue<Head, std::vector<Head>, std::greater<>> heads;
  for (size_t s = 0; s < inputs.size(); ++s) {
    if (inputs[s].segment->term_count() > 0) heads.push({inputs[s].segment->TermAt(0), {s, 0}});
  }
  std::vector<uint32_t> docnos, tfs, in_docs, in_tfs;
  while (!heads.empty()) {
    std::string_view term = heads.top().first;
    docnos.clear();
    tfs.clear();
    // Inputs pop in index order for equal terms, so docnos stay increasing.
    while (!heads.empty() && heads.top().first == term) {
      auto [s, i] = heads.top().second;
      heads.pop();
      const SegmentReader& seg = *inputs[s].segment;
      seg.ReadPostings(seg.TermInfoAt(i), &in_docs, &in_tfs);
      for (size_t j = 0; j < in_docs.size(); ++j) {
        int64_t nd = remap[s][in_docs[j]];
        if (nd < 0) continue;
        docnos.push_back(static_cast<uint32_t>(nd));
        tfs.push_back(in_tfs[j]);
      }
      if (i + 1 < seg.term_count()) heads.push({seg.TermAt(i + 1), {s, i + 1}});
    }
    if (!docnos.empty()) writer.AddTerm(term, docnos.data(), tfs.data(), docnos.size());
  }
}

}  // namespace

std::string MergeSegments(const std::vector<SegmentView>& inputs) {
  SegmentWriter writer;
  MergeInto(inputs, writer);
  return writer.Finish();
}

Result<SegmentFileInfo> MergeSegmentsToFile(const std::vector<SegmentView>& inputs,
                                            const std::string& path) {
  SegmentWriter writer;
  MergeInto(inputs, writer);
  return writer.FinishToFile(path);
}

}  // namespace ts::lexical
