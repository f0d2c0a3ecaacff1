// SegmentSet::Open (segment_set.h): each lane's readers for the live
// segments, reusing the previous set's, with the tombstones applied.
#include "index/segment_set.h"

#include <algorithm>

#include "index/layout.h"
#include "util/crash_point.h"
#include "util/file.h"
#include "util/file_system.h"

namespace ts::index {
namespace {

// The deletion mask of a segment's documents under `tombstones` (chunk or
// file keys); null when none of them is deleted.
template <typename Reader>
std::shared_ptr<std::vector<bool>> DeletionMask(const Reader& reader,
                                                const std::unordered_set<uint64_t>& tombstones) {
  std::shared_ptr<std::vector<bool>> deleted;
  if (tombstones.empty()) return deleted;
  for (uint32_t d = 0; d < reader.doc_count(); ++d) {
    if (tombstones.count(reader.doc_key(d))) {
      if (!deleted) deleted = std::make_shared<std::vector<bool>>(reader.doc_count(), false);
      (*deleted)[d] = true;
    }
  }
  return deleted;
}

// A segment's mask in the new set, and the documents it deletes that the
// previous set's mask did not (`fresh`, only when derived from that mask).
struct Mask {
  std::shared_ptr<const std::vector<bool>> deleted;
  bool derived = false;  // from the previous mask plus the added tombstones
  std::vector<uint32_t> fresh;
};

// The mask of segment `name`: its previous mask plus the added tombstones
// when the reader was reused and the caller knows them, else every document
// tested against the whole tombstone set. Records `keys` and the mask in
// `set_readers`.
template <typename Reader>
Mask MaskOf(const std::string& name, const Reader& reader, bool reused,
            const SegmentSetOptions& options, const SegmentReaders& previous,
            SegmentReaders* set_readers) {
  std::shared_ptr<const SegmentKeys> keys;
  if (reused) {
    if (auto it = previous.keys.find(name); it != previous.keys.end()) keys = it->second;
  }
  if (!keys) keys = SegmentKeys::Of(reader);
  set_readers->keys[name] = keys;
  Mask out;
  auto prev = previous.masks.find(name);
  if (reused && options.added_tombstones != nullptr && prev != previous.masks.end()) {
    out.derived = true;
    std::shared_ptr<std::vector<bool>> grown;
    for (uint64_t key : *options.added_tombstones) {
      for (uint32_t d : keys->Find(key)) {
        if (prev->second && (*prev->second)[d]) continue;
        if (!grown) {
          grown = prev->second ? std::make_shared<std::vector<bool>>(*prev->second)
                               : std::make_shared<std::vector<bool>>(reader.doc_count(), false);
        }
        if (!(*grown)[d]) out.fresh.push_back(d);
        (*grown)[d] = true;
      }
    }
    out.deleted = grown ? grown : prev->second;
  } else {
    out.deleted = DeletionMask(reader, *options.tombstones);
  }
  set_readers->masks[name] = out.deleted;
  return out;
}

// The reader of `name` in `open`, or null.
template <typename Reader>
std::shared_ptr<const Reader> FindOpen(
    const std::map<std::string, std::shared_ptr<const Reader>>& open, const std::string& name) {
  auto it = open.find(name);
  return it == open.end() ? nullptr : it->second;
}

void OpenLexical(const SegmentSetOptions& options, const SegmentReaders& previous,
                 SegmentSet* set) {
  for (const std::string& name : options.names) {
    std::shared_ptr<const lexical::SegmentReader> reader = FindOpen(previous.lexical, name);
    const bool reused = reader != nullptr;
    if (!reader) {
      auto r = lexical::SegmentReader::Open(options.segment_dir + "/" + name);
      if (!r.ok()) {
        set->lexical_error = r.status().message();
        continue;  // the lane reports it; the other segments still answer
      }
      reader = *r;
    }
    set->readers.lexical[name] = reader;
    Mask mask = MaskOf(name, *reader, reused, options, previous, &set->readers);
    set->lexical.push_back({reader, mask.deleted, name});
  }
}

// What grep reads: each segment's trigram companion, masked by file key.
void OpenGrep(const SegmentSetOptions& options, const SegmentReaders& previous, SegmentSet* set) {
  set->grep = std::make_shared<GrepState>();
  for (const auto& view : set->lexical) {
    const std::string grep_name = GrepSegmentName(view.name);
    const std::string grep_path = options.segment_dir + "/" + grep_name;
    std::shared_ptr<const grep::SegmentReader> reader = FindOpen(previous.grep, grep_name);
    const bool reused = reader != nullptr;
    if (!reader && PathExists(grep_path)) {
      auto r = grep::SegmentReader::Open(grep_path);
      if (r.ok()) {
        reader = *r;
      } else {
        set->grep->error = r.status().message();
      }
    }
    if (!reader) continue;
    set->readers.grep[grep_name] = reader;
    Mask mask = MaskOf(grep_name, *reader, reused, options, previous, &set->readers);
    // A file's first block (offset 0) counts the file.
    uint64_t live_files = 0;
    auto prev_live = previous.live_files.find(grep_name);
    if (mask.derived && prev_live != previous.live_files.end()) {
      live_files = prev_live->second;
      for (uint32_t d : mask.fresh) live_files -= reader->doc_offset(d) == 0 ? 1 : 0;
    } else {
      for (uint32_t d = 0; d < reader->doc_count(); ++d) {
        live_files += reader->doc_offset(d) == 0 && (!mask.deleted || !(*mask.deleted)[d]) ? 1 : 0;
      }
    }
    set->readers.live_files[grep_name] = live_files;
    set->grep_live_files += live_files;
    set->grep->views.push_back({reader, mask.deleted, view.name});
  }
}

// Vector companions: one per lexical segment, record d for docno d (checked
// by key when first opened). One that is missing, damaged or misaligned
// leaves its documents without vectors: the lane says so, nothing fails.
void OpenVectors(const SegmentSetOptions& options, const SegmentReaders& previous,
                 SegmentSet* set) {
  set->vectors = std::make_shared<VectorState>();
  VectorState& state = *set->vectors;
  const std::shared_ptr<const semantic::Model>& model = options.model;
  for (uint32_t i = 0; i < set->lexical.size(); ++i) {
    const auto& view = set->lexical[i];
    uint64_t live = view.segment->doc_count();
    if (view.deleted) live -= std::count(view.deleted->begin(), view.deleted->end(), true);
    state.live_docs += live;
    const std::string vec_name = VectorSegmentName(view.name);
    const std::string vec_path = options.segment_dir + "/" + vec_name;
    std::shared_ptr<const semantic::VectorSegmentReader> reader =
        FindOpen(previous.vectors, vec_name);
    const bool reused = reader != nullptr;
    if (!reader && PathExists(vec_path)) {
      auto r = semantic::VectorSegmentReader::Open(vec_path);
      if (!r.ok()) {
        state.error = r.status().message();
      } else {
        bool aligned = (*r)->doc_count() == view.segment->doc_count();
        for (uint32_t d = 0; aligned && d < view.segment->doc_count(); ++d) {
          aligned = (*r)->key(d) == view.segment->doc_key(d);
        }
        if (aligned) {
          reader = *r;
        } else {
          state.error = "vector companion " + vec_path + " does not match its segment";
        }
      }
    }
    if (!reader) {
      state.missing += live;
      continue;
    }
    set->readers.vectors[vec_name] = reader;
    const bool current =
        model && reader->model_checksum() == model->checksum() && reader->dim() == model->dim();
    if (model && !current) {
      state.stale += live;
      state.stale_model = semantic::ModelLabel(reader->model_name(), reader->model_checksum());
    } else {
      // Records carried through a merge from a segment that had no vectors
      // (listed once per companion: most have none).
      std::shared_ptr<const std::vector<uint32_t>> unembedded;
      if (auto it = previous.unembedded.find(vec_name); reused && it != previous.unembedded.end()) {
        unembedded = it->second;
      } else {
        auto list = std::make_shared<std::vector<uint32_t>>();
        for (uint32_t d = 0; d < reader->doc_count(); ++d) {
          if (reader->scale(d) < 0) list->push_back(d);
        }
        unembedded = std::move(list);
      }
      set->readers.unembedded[vec_name] = unembedded;
      for (uint32_t d : *unembedded) {
        if (!(view.deleted && (*view.deleted)[d])) ++state.missing;
      }
    }
    // Large companions of the loaded model are searched through an HNSW graph
    // once the index's worker has one (semantic_ann.cc).
    std::string graph_name;
    if (current && reader->doc_count() >= options.ann_min_vectors) {
      graph_name = AnnGraphName(view.name);
    }
    state.segments.push_back({reader, view.deleted, i, current, live, nullptr, graph_name,
                              set->readers.keys[view.name]});
  }
}

}  // namespace

SegmentSet SegmentSet::Open(const SegmentSetOptions& options, const SegmentReaders& previous) {
  SegmentSet set;
  OpenLexical(options, previous, &set);
  OpenGrep(options, previous, &set);
  OpenVectors(options, previous, &set);
  SealSearchable(set.vectors.get());
  return set;
}

void SealSearchable(VectorState* state) {
  std::vector<semantic::VectorSnapshotSegment> segments;
  uint32_t dim = 0;
  for (const auto& seg : state->segments) {
    if (!seg.current) continue;
    dim = seg.vectors->dim();  // every current companion is of the loaded model
    segments.push_back({seg.vectors, seg.deleted, seg.graph, seg.live, seg.lexical_segment});
  }
  state->searchable = std::make_shared<const semantic::VectorSnapshot>(std::move(segments), dim);
}

std::vector<std::string> SegmentFileNames(const std::string& name) {
  return {name, GrepSegmentName(name), VectorSegmentName(name), AnnGraphName(name)};
}

void RemoveSegmentFiles(const std::string& segment_dir, const std::string& name) {
  for (const std::string& file : SegmentFileNames(name))
    CurrentFileSystem().Remove(segment_dir + "/" + file);
}

Result<MergedSegment> MergeSegments(const SegmentMerge& merge) {
  // The grep companions merge with their segments. A segment without one
  // (an older build's, or damaged) adds nothing; the files it held are
  // verified in full by grep until reindexed (see GrepState).
  std::vector<grep::SegmentView> grep_views;
  for (const auto& v : merge.views) {
    for (const auto& g : merge.grep ? merge.grep->views : std::vector<grep::SegmentView>{}) {
      if (g.name == v.name) grep_views.push_back(g);
    }
  }

  // The vector companions merge with their segments, as vectors of the loaded
  // model (else of the first companion's): records of a segment without a
  // usable companion are carried as missing, so the merged companion stays
  // aligned and the lane keeps saying what the next full update must embed.
  std::vector<semantic::VectorSegmentView> vector_views;
  std::optional<semantic::VectorModelId> vector_model;
  if (merge.model) {
    vector_model =
        semantic::VectorModelId{merge.model->dim(), merge.model->checksum(), merge.model->name()};
  }
  for (const auto& v : merge.views) {
    semantic::VectorSegmentView vv;
    vv.deleted = v.deleted;
    for (const auto& s :
         merge.vectors ? merge.vectors->segments : std::vector<VectorState::Segment>{}) {
      if (merge.lexical->segments()[s.lexical_segment].name == v.name) vv.segment = s.vectors;
    }
    if (vv.segment && !vector_model) {
      vector_model = semantic::VectorModelId{vv.segment->dim(), vv.segment->model_checksum(),
                                             vv.segment->model_name()};
    }
    if (!vv.segment) {
      vv.keys.resize(v.segment->doc_count());
      for (uint32_t d = 0; d < v.segment->doc_count(); ++d) vv.keys[d] = v.segment->doc_key(d);
    }
    vector_views.push_back(std::move(vv));
  }

  // Streamed to its file: a merge never holds the merged segment in memory twice.
  const std::string path = merge.segment_dir + "/" + merge.name;
  if (vector_model) {
    TS_RETURN_IF_ERROR(
        semantic::MergeVectorSegmentsToFile(vector_views, *vector_model,
                                            merge.segment_dir + "/" + VectorSegmentName(merge.name))
            .status());
  }
  uint64_t grep_docs = 0;
  if (!grep_views.empty()) {
    TS_ASSIGN_OR_RETURN(grep::SegmentFileInfo grep_info,
                        grep::MergeSegmentsToFile(
                            grep_views, merge.segment_dir + "/" + GrepSegmentName(merge.name)));
    grep_docs = grep_info.doc_count;
  }
  MergedSegment out;
  TS_ASSIGN_OR_RETURN(out.info, lexical::MergeSegmentsToFile(merge.views, path));
  CrashPoint("segment_written");
  out.docs = out.info.doc_count;
  out.name = merge.name;
  if (out.docs == 0 && grep_docs == 0) {  // every merged document was deleted: nothing to keep
    RemoveSegmentFiles(merge.segment_dir, merge.name);
    out.name.clear();
  }
  for (const auto& v : merge.views) {
    if (!v.deleted) continue;
    for (uint32_t d = 0; d < v.segment->doc_count(); ++d) {
      if ((*v.deleted)[d]) out.obsolete.push_back(v.segment->doc_key(d));
    }
  }
  for (const auto& g : grep_views) {
    if (!g.deleted) continue;
    for (uint32_t d = 0; d < g.segment->doc_count(); ++d) {
      if ((*g.deleted)[d]) out.obsolete.push_back(g.segment->doc_key(d));
    }
  }
  return out;
}

}  // namespace ts::index
