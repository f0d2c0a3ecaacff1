#include "chunk/ctags_json.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace ts::chunk {
namespace {

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  void SkipSpace() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\r')) ++i_;
  }
  bool Eat(char c) {
    SkipSpace();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  bool Peek(char c) {
    SkipSpace();
    return i_ < s_.size() && s_[i_] == c;
  }
  bool String(std::string* out) {
    if (!Eat('"')) return false;
    out->clear();
    while (i_ < s_.size()) {
      char c = s_[i_++];
      if (c == '"') return true;
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (i_ >= s_.size()) return false;
      char e = s_[i_++];
      switch (e) {
        case 'n':
          out->push_back('\n');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'u': {
          if (i_ + 4 > s_.size()) return false;
          unsigned v = static_cast<unsigned>(
              std::strtoul(std::string(s_.substr(i_, 4)).c_str(), nullptr, 16));
          i_ += 4;
          // Encode the BMP code point as UTF-8; surrogates become U+FFFD.
          if (v >= 0xD800 && v <= 0xDFFF) v = 0xFFFD;
          if (v < 0x80) {
            out->push_back(static_cast<char>(v));
          } else if (v < 0x800) {
            out->push_back(static_cast<char>(0xC0 | (v >> 6)));
            out->push_back(static_cast<char>(0x80 | (v & 0x3F)));
          } else {
            out->push_back(static_cast<char>(0xE0 | (v >> 12)));
            out->push_back(static_cast<char>(0x80 | ((v >> 6) & 0x3F)));
            out->push_back(static_cast<char>(0x80 | (v & 0x3F)));
          }
          break;
        }
        default:
          out->push_back(e);  // \" \\ \/
      }
    }
    return false;
  }
  // A bare literal (number, true, false, null) up to ',' or '}'.
  bool Literal(std::string_view* out) {
    SkipSpace();
    size_t start = i_;
    while (i_ < s_.size() && s_[i_] != ',' && s_[i_] != '}' && s_[i_] != ' ') ++i_;
    *out = s_.substr(start, i_ - start);
    return !out->empty();
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

// An ASCII identifier, a `backquoted` name or a <pseudo> name.
bool KotlinName(std::string_view name) {
  if (name.size() >= 2 && ((name.front() == '`' && name.back() == '`') ||
                           (name.front() == '<' && name.back() == '>'))) {
    return true;
  }
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front()))) return false;
  return std::all_of(name.begin(), name.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '$';
  });
}

}  // namespace

bool ParseCtagsJsonLine(std::string_view line, Tag* tag, std::string* path) {
  Cursor c(line);
  if (!c.Eat('{')) return false;
  *tag = Tag();
  path->clear();
  bool is_tag = false;
  std::string key, value;
  if (c.Eat('}')) return false;
  do {
    if (!c.String(&key) || !c.Eat(':')) return false;
    if (c.Peek('"')) {
      if (!c.String(&value)) return false;
      if (key == "_type")
        is_tag = value == "tag";
      else if (key == "name")
        tag->name = value;
      else if (key == "path")
        *path = value;
      else if (key == "kind")
        tag->kind = value;
      else if (key == "scope")
        tag->scope = value;
      else if (key == "scopeKind")
        tag->scope_kind = value;
      else if (key == "signature")
        tag->signature = value;
      else if (key == "inherits")
        tag->inherits = value;
    } else {
      std::string_view lit;
      if (!c.Literal(&lit)) return false;
      if (key == "line")
        tag->line = std::atoi(std::string(lit).c_str());
      else if (key == "end")
        tag->end = std::atoi(std::string(lit).c_str());
    }
  } while (c.Eat(','));
  // ctags' Kotlin parser sometimes puts bytes of uninitialised memory in a
  // lambda's scope ("FormDslJsTest.8\n\x05*WV.<lambda>"), different on every
  // run: a name or scope with a control character is no tag.
  auto corrupt = [](const std::string& s) {
    return std::any_of(s.begin(), s.end(),
                       [](char ch) { return static_cast<unsigned char>(ch) < 0x20; });
  };
  if (!c.Eat('}') || !is_tag || tag->name.empty() || tag->line <= 0 || corrupt(tag->name) ||
      corrupt(tag->scope)) {
    return false;
  }
  // The same parser also names some methods with such bytes ("#_>b\x05",
  // 5% of ktor's tags, different on every run) and pads others with a space:
  // a Kotlin name is kept only as an ASCII identifier, a `quoted` one or a
  // <pseudo> one.
  if (path->ends_with(".kt") || path->ends_with(".kts")) {
    while (!tag->name.empty() && tag->name.front() == ' ') tag->name.erase(0, 1);
    return KotlinName(tag->name);
  }
  return true;
}

}  // namespace ts::chunk
