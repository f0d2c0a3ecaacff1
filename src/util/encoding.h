// Byte encoding helpers for segment files: little-endian fixed-width integers
// and LEB128 varints. Reads go through memcpy so that unaligned offsets in a
// memory-mapped file are well-defined.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace ts {

inline void PutFixed32(std::string* out, uint32_t v) {
  out->append(reinterpret_cast<const char*>(&v), 4);
}
inline void PutFixed64(std::string* out, uint64_t v) {
  out->append(reinterpret_cast<const char*>(&v), 8);
}
inline uint32_t GetFixed32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint64_t GetFixed64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

inline void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// Decodes a varint at *p, not reading past `end`. Returns false on truncation.
inline bool GetVarint(const char** p, const char* end, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && *p < end; shift += 7) {
    uint8_t byte = static_cast<uint8_t>(**p);
    ++*p;
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

inline void PutLengthPrefixed(std::string* out, std::string_view s) {
  PutVarint(out, s.size());
  out->append(s);
}

// A view of the bytes, valid as long as they are.
inline bool GetLengthPrefixed(const char** p, const char* end, std::string_view* s) {
  uint64_t n;
  if (!GetVarint(p, end, &n) || n > static_cast<uint64_t>(end - *p)) return false;
  *s = std::string_view(*p, n);
  *p += n;
  return true;
}

inline bool GetLengthPrefixed(const char** p, const char* end, std::string* s) {
  std::string_view view;
  if (!GetLengthPrefixed(p, end, &view)) return false;
  s->assign(view);
  return true;
}

inline void PadTo8(std::string* out) {
  while (out->size() % 8 != 0) out->push_back('\0');
}

}  // namespace ts
