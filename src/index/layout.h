// File layout of an index directory (docs/FORMATS.md):
//   <dir>/catalog.db          SQLite catalog (+ -wal, -shm)
//   <dir>/segments/*.tsseg    immutable lexical segments named by the catalog
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
inline std::string LockPath(const std::string& dir) {
  return dir + "/LOCK";
}

}  // namespace ts::index
