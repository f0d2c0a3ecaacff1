// SegmentSet, internal to src/index: one published set of segments. Each
// live lexical segment is opened with its companions (grep's trigram
// companion, the semantic lane's vectors), masked by the tombstones, and
// every reader the set before it had open is reused. A lane's companion is
// opened here and nowhere else; the set is immutable once built.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "grep/grep.h"
#include "index/segment_keys.h"
#include "lexical/lexical.h"
#include "semantic/hnsw.h"
#include "semantic/semantic.h"

namespace ts::index {

// The vector companions of a snapshot's segments (semantic lane).
struct VectorState {
  struct Segment {
    std::shared_ptr<const semantic::VectorSegmentReader> vectors;
    std::shared_ptr<const std::vector<bool>> deleted;  // the lexical view's
    uint32_t lexical_segment = 0;                      // index into the lexical snapshot's segments
    bool current = false;                              // made by the loaded model (searchable)
    uint64_t live = 0;                                 // records not deleted
    // Its HNSW graph (semantic_ann.cc): null until built or loaded, and for
    // companions small enough to scan exactly.
    std::shared_ptr<const semantic::VectorGraph> graph;
    std::string graph_name;  // seg-N.tshnsw when it should have a graph, else ""
    // Its lexical segment's documents by key (record d is document d).
    std::shared_ptr<const SegmentKeys> keys;
  };
  std::vector<Segment> segments;
  uint64_t live_docs = 0;  // of the lexical snapshot
  uint64_t missing = 0;    // live docs in segments without a usable companion
  uint64_t stale = 0;      // live docs whose vectors another model made
  std::string error;       // why a companion could not be used, "" when none failed
  std::string stale_model;
  // What the semantic lane searches: the companions of the loaded model, with
  // the graphs attached so far. Rebuilt by SealSearchable whenever
  // `segments` changes; never null once sealed.
  std::shared_ptr<const semantic::VectorSnapshot> searchable;
};
// Rebuilds `state->searchable` from `state->segments`.
void SealSearchable(VectorState* state);
// What grep reads: the companions of the live segments, and the files of
// segments without a usable companion (always verified, never narrowed).
struct GrepState {
  std::vector<grep::SegmentView> views;
  std::vector<std::string> unindexed_paths;
  std::string error;  // why a companion could not be opened, "" when all are fine
};

// The readers a set has open, by file name (seg-N.tsseg and its companions),
// with what the set computed for each: what the next set reuses instead of
// opening and scanning them again.
struct SegmentReaders {
  std::map<std::string, std::shared_ptr<const lexical::SegmentReader>> lexical;
  std::map<std::string, std::shared_ptr<const grep::SegmentReader>> grep;
  std::map<std::string, std::shared_ptr<const semantic::VectorSegmentReader>> vectors;
  // Lexical and grep segments: their documents by key, and their deletion
  // mask under the set's tombstones (null: none deleted).
  std::map<std::string, std::shared_ptr<const SegmentKeys>> keys;
  std::map<std::string, std::shared_ptr<const std::vector<bool>>> masks;
  std::map<std::string, uint64_t> live_files;  // grep companions: files not deleted
  // Vector companions: records carried through a merge without a vector.
  std::map<std::string, std::shared_ptr<const std::vector<uint32_t>>> unembedded;
};

struct SegmentSetOptions {
  std::string segment_dir;         // where the segment files live
  std::vector<std::string> names;  // the live lexical segments, in catalog order
  const std::unordered_set<uint64_t>* tombstones = nullptr;  // deleted chunk and file keys
  // The keys tombstoned since `previous` was opened, when the caller knows
  // them: a reused segment then takes its previous mask plus these, found
  // through its SegmentKeys, instead of testing every document against
  // `tombstones` (a one-file update costs the file, not the index). Null:
  // every mask is computed from `tombstones`. Tombstones removed since (by a
  // merge) must belong to segments that are not in `names` any more.
  const std::vector<uint64_t>* added_tombstones = nullptr;
  std::shared_ptr<const semantic::Model> model;  // null: no model, vectors not searchable
  uint64_t ann_min_vectors = 0;                  // companions this large should get an HNSW graph
};

struct SegmentSet {
  std::vector<lexical::SegmentView> lexical;  // becomes the lexical::Snapshot
  std::string lexical_error;  // why a segment could not be opened; the others still answer
  std::shared_ptr<GrepState> grep;
  uint64_t grep_live_files = 0;  // live files the grep companions hold
  std::shared_ptr<VectorState> vectors;
  SegmentReaders readers;  // every reader in use

  // Opens the set named by `options`, reusing the readers of `previous`.
  // Never fails: a segment or companion that cannot be opened is left out and
  // its lane says why (lexical_error, GrepState::error, VectorState::error).
  static SegmentSet Open(const SegmentSetOptions& options, const SegmentReaders& previous);
};

// The file names of segment `name`: the segment and every lane's companion
// (grep, vectors, the vectors' HNSW graph). A new lane's companion is added here.
std::vector<std::string> SegmentFileNames(const std::string& name);

// Removes every file of segment `name` from `segment_dir`; missing ones are fine.
void RemoveSegmentFiles(const std::string& segment_dir, const std::string& name);

// A merge of some segments of one published set into one new segment.
struct SegmentMerge {
  // The segments to merge, in catalog order, as the set sees them, with the
  // set's grep and vector states (companions are found by segment name).
  std::vector<lexical::SegmentView> views;
  std::shared_ptr<const GrepState> grep;
  std::shared_ptr<const VectorState> vectors;
  std::shared_ptr<const lexical::Snapshot> lexical;  // the set the vector state indexes
  // The model the merged vectors are of; null: the first companion's model.
  std::shared_ptr<const semantic::Model> model;
  std::string segment_dir;
  std::string name;  // the new segment's file name
};

struct MergedSegment {
  // The new segment's name; "" when every merged document was deleted (then
  // no file was left behind).
  std::string name;
  uint64_t docs = 0;
  lexical::SegmentFileInfo info;
  // The tombstones the merge made obsolete: keys of the documents it dropped.
  std::vector<uint64_t> obsolete;
};

// Writes the new segment and each lane's companion, companions first (the
// commit protocol: a segment on disk always has its companions). Nothing is
// committed: the caller records the result in the catalog, publishes, then
// removes the merged segments' files (RemoveSegmentFiles).
Result<MergedSegment> MergeSegments(const SegmentMerge& merge);

}  // namespace ts::index
