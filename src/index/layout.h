// File layout of an index directory (docs/FORMATS.md):
//   <dir>/catalog.db          SQLite catalog (+ -wal, -shm)
//   <dir>/segments/*.tsseg    immutable lexical segments named by the catalog
//   <dir>/segments/*.tsgrep   their grep companions
//   <dir>/segments/*.tsvec    their vector companions (when a model is loaded)
//   <dir>/segments/*.tshnsw   HNSW graphs of the large vector companions
//   <dir>/LOCK                writer lock (flock)
#pragma once

#include <string>

namespace ts::index {

inline std::string CatalogPath(const std::string& dir) {
  return dir + "/catalog.db";
}
inline std::string SegmentDir(const std::string& dir) {
  return dir + "/segments";
}
// A file that accompanies a lexical segment: seg-N.tsseg -> seg-N<extension>.
inline std::string CompanionName(const std::string& segment_name, const char* extension) {
  std::string base = segment_name;
  if (base.size() > 6 && base.compare(base.size() - 6, 6, ".tsseg") == 0)
    base.resize(base.size() - 6);
  return base + extension;
}

// The grep companion of a lexical segment: seg-N.tsseg -> seg-N.tsgrep.
inline std::string GrepSegmentName(const std::string& segment_name) {
  return CompanionName(segment_name, ".tsgrep");
}

// The vector companion of a lexical segment: seg-N.tsseg -> seg-N.tsvec.
inline std::string VectorSegmentName(const std::string& segment_name) {
  return CompanionName(segment_name, ".tsvec");
}

// The HNSW graph of a large vector companion: seg-N.tsseg -> seg-N.tshnsw.
inline std::string AnnGraphName(const std::string& segment_name) {
  return CompanionName(segment_name, ".tshnsw");
}

inline std::string LockPath(const std::string& dir) {
  return dir + "/LOCK";
}

}  // namespace ts::index
