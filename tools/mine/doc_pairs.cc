// The doc-comment side of mine_pairs (doc_pairs.h).
#include "doc_pairs.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace ts::mine {

// Languages whose definitions we mine; everything else is skipped unread.
bool MinedLanguage(std::string_view lang) {
  static const std::set<std::string_view> kLangs = {
      "python", "go", "rust", "javascript", "typescript", "php", "ruby", "c", "cpp", "java"};
  return kLangs.count(lang) > 0;
}

bool DefinitionKind(std::string_view kind) {
  static const std::set<std::string_view> kKinds = {
      "function", "method", "class",  "struct", "interface", "trait",       "enum",
      "union",    "macro",  "getter", "setter", "generator", "constructor", "module"};
  return kKinds.count(kind) > 0;
}

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

bool StartsWith(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

namespace {

std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    lines.push_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return lines;
}

// ---- first sentence, exactly as make_pydoc_eval.py's first_sentence/usable ----

// Python's inspect.cleandoc (what ast.get_docstring(clean=True) applies).
std::string CleanDoc(std::string_view doc) {
  std::string expanded;
  int col = 0;
  for (char c : doc) {
    if (c == '\t') {
      do expanded += ' ';
      while (++col % 8);
    } else {
      expanded += c;
      col = c == '\n' ? 0 : col + 1;
    }
  }
  std::vector<std::string> lines;
  for (size_t pos = 0;;) {
    size_t nl = expanded.find('\n', pos);
    lines.push_back(expanded.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos));
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  size_t margin = std::string::npos;
  for (size_t i = 1; i < lines.size(); ++i) {
    size_t content = lines[i].find_first_not_of(' ');
    if (content != std::string::npos) margin = std::min(margin, content);
  }
  lines[0] = std::string(
      Trim(lines[0]).empty() ? "" : lines[0].substr(lines[0].find_first_not_of(" \t\r\f\v")));
  if (margin != std::string::npos) {
    for (size_t i = 1; i < lines.size(); ++i)
      lines[i] = lines[i].size() > margin ? lines[i].substr(margin) : "";
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  while (!lines.empty() && lines.front().empty()) lines.erase(lines.begin());
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) out += (i ? "\n" : "") + lines[i];
  return out;
}

std::string FirstSentence(std::string_view doc) {
  std::string_view stripped = Trim(doc);
  size_t para_end = stripped.find("\n\n");
  std::string_view para = stripped.substr(0, para_end);
  std::string text;
  bool first = true;
  for (std::string_view line : SplitLines(para)) {
    if (!first) text += ' ';
    text += Trim(line);
    first = false;
  }
  // re.match(r"(.+?[.!?])(\s|$)", text)
  for (size_t i = 1; i < text.size(); ++i) {
    char c = text[i];
    if ((c == '.' || c == '!' || c == '?') &&
        (i + 1 == text.size() || std::isspace(static_cast<unsigned char>(text[i + 1])))) {
      return std::string(Trim(std::string_view(text).substr(0, i + 1)));
    }
  }
  return std::string(Trim(text));
}

bool Usable(std::string_view query) {
  int words = 0;
  bool in_word = false;
  for (char c : query) {
    bool space = std::isspace(static_cast<unsigned char>(c));
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  if (words < kMinWords || words > kMaxWords) return false;
  for (std::string_view bad : {">>>", "::", "http://", "https://"}) {
    if (query.find(bad) != std::string_view::npos) return false;
  }
  return std::any_of(query.begin(), query.end(),
                     [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
}

// Sentences that are not descriptions: licence boilerplate, commented-out
// code, notes to maintainers.
bool LooksLikeNoise(std::string_view query) {
  std::string lower(query);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  for (std::string_view bad : {"copyright",
                               "license",
                               "licence",
                               "spdx",
                               "all rights reserved",
                               "free software",
                               "permission is hereby",
                               "warranty",
                               "auto-generated",
                               "autogenerated",
                               "automatically generated",
                               "generated by",
                               "do not edit",
                               "todo",
                               "fixme",
                               "xxx",
                               "hack:",
                               "eslint-disable",
                               "jshint",
                               "istanbul ignore",
                               "phpcs:",
                               "rubocop:",
                               "@codeCoverageIgnore",
                               "nolint",
                               "#include",
                               "#define",
                               "#if"}) {
    if (lower.find(bad) != std::string::npos) return true;
  }
  if (query.find_first_of(";{}") != std::string_view::npos) return true;
  if (StartsWith(lower, "return ") && query.back() != '.') return true;
  return false;
}

// ---- doc comments of C-like, Go, Rust, Ruby, PHP, JS, Java ----

// One leading line of a chunk, classified.
enum class LeadKind { kDoc, kComment, kAttribute, kOther };

LeadKind ClassifyLead(std::string_view lang, std::string_view line, bool* in_block) {
  std::string_view t = Trim(line);
  if (*in_block) {
    if (t.find("*/") != std::string_view::npos) *in_block = false;
    return LeadKind::kDoc;
  }
  if (t.empty()) return LeadKind::kOther;
  if (lang == "ruby") return t[0] == '#' ? LeadKind::kDoc : LeadKind::kOther;
  if (lang == "rust") {
    if (StartsWith(t, "///") && !StartsWith(t, "////")) return LeadKind::kDoc;
    if (StartsWith(t, "/**") && !StartsWith(t, "/***")) {
      *in_block = t.find("*/", 3) == std::string_view::npos;
      return LeadKind::kDoc;
    }
    if (StartsWith(t, "#[")) return LeadKind::kAttribute;
    if (StartsWith(t, "//") || StartsWith(t, "/*")) return LeadKind::kComment;
    return LeadKind::kOther;
  }
  if (StartsWith(t, "//")) return LeadKind::kDoc;
  if (StartsWith(t, "/*")) {
    *in_block = t.find("*/", 2) == std::string_view::npos;
    return LeadKind::kDoc;
  }
  if (StartsWith(t, "*")) return LeadKind::kDoc;  // inside a block that began above the chunk
  if (t[0] == '@' || StartsWith(t, "#[")) return LeadKind::kAttribute;  // annotations, PHP 8
  return LeadKind::kOther;
}

// The text of one comment line without its markers.
std::string_view StripCommentMarkers(std::string_view line) {
  std::string_view t = Trim(line);
  for (std::string_view open : {"///", "//!", "//", "/**", "/*!", "/*"}) {
    if (StartsWith(t, open)) {
      t.remove_prefix(open.size());
      break;
    }
  }
  if (t.size() >= 2 && t.substr(t.size() - 2) == "*/") t.remove_suffix(2);
  t = Trim(t);
  while (!t.empty() && (t.front() == '*' || t.front() == '#' || t.front() == '!'))
    t.remove_prefix(1);
  // A line of decoration ("=====", "-----") says nothing.
  if (!t.empty() && t.find_first_not_of("=-*#~/+_ ") == std::string_view::npos) return {};
  return Trim(t);
}

// Doc text: tag lines end the description (@param, @return, \param, ...),
// except @brief/@summary/@description whose text is the description.
std::string DocText(const std::vector<std::string_view>& lines) {
  std::string doc;
  for (std::string_view raw : lines) {
    std::string_view t = StripCommentMarkers(raw);
    if (!t.empty() && (t[0] == '@' || t[0] == '\\')) {
      size_t word_end = 1;
      while (word_end < t.size() && std::isalpha(static_cast<unsigned char>(t[word_end])))
        ++word_end;
      std::string_view tag = t.substr(1, word_end - 1);
      if (tag == "brief" || tag == "summary" || tag == "description" || tag == "short" ||
          tag == "details") {
        t = Trim(t.substr(word_end));
      } else if (!tag.empty()) {
        if (!Trim(doc).empty()) break;  // the description is over
        continue;                       // tags before it (@file, @internal): skip
      }
    }
    doc += std::string(t) + "\n";
  }
  return doc;
}

// Markdown, rst, HTML and JSDoc/Doxygen inline noise.
std::string CleanInline(std::string text) {
  static const std::regex kInlineTag(R"(\{@\w+\s+([^}]*)\})");         // {@link Foo} -> Foo
  static const std::regex kMdLink(R"(\[([^\]]*)\]\([^)]*\))");         // [text](url) -> text
  static const std::regex kRefLink(R"(\[([^\]]*)\](\[[^\]]*\])?)");    // [`Foo`] -> Foo
  static const std::regex kHtml(R"(</?[A-Za-z][A-Za-z0-9]*[^<>]*>)");  // <p>, <code>
  static const std::regex kDoxCmd(R"([\\@](c|p|a|e|b|em|ref|code|endcode|link|endlink)\b ?)");
  text = std::regex_replace(text, kInlineTag, "$1");
  text = std::regex_replace(text, kMdLink, "$1");
  text = std::regex_replace(text, kRefLink, "$1");
  text = std::regex_replace(text, kHtml, "");
  text = std::regex_replace(text, kDoxCmd, "");
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '`') continue;
    if (text[i] == '*' && i + 1 < text.size() && text[i + 1] == '*') {
      ++i;
      continue;
    }
    out += text[i];
  }
  for (auto [entity, ch] :
       {std::pair{"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}, {"&quot;", "\""}}) {
    for (size_t pos; (pos = out.find(entity)) != std::string::npos;)
      out.replace(pos, strlen(entity), ch);
  }
  return out;
}

// ---- Python docstrings ----

// Decodes the escapes a docstring literal commonly holds.
std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    char n = s[++i];
    switch (n) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case '\n':
        break;
      case '\\':
      case '\'':
      case '"':
        out += n;
        break;
      default:
        out += '\\';
        out += n;
    }
  }
  return out;
}

struct Docstring {
  size_t begin = 0, end = 0;  // byte range of the literal in the chunk text
  std::string text;           // its value
};

// The docstring of the def/class the chunk holds: a string literal as the
// first statement of its body.
bool FindDocstring(std::string_view code, Docstring* out) {
  // The definition line: the first that starts with def/class after decorators.
  size_t pos = 0;
  for (;;) {
    if (pos >= code.size()) return false;
    size_t nl = code.find('\n', pos);
    std::string_view t = Trim(code.substr(pos, nl == std::string_view::npos ? nl : nl - pos));
    if (StartsWith(t, "def ") || StartsWith(t, "async def ") || StartsWith(t, "class ")) break;
    if (nl == std::string_view::npos) return false;
    pos = nl + 1;
  }
  // The ':' that ends the header, outside brackets and strings.
  int depth = 0;
  size_t i = pos;
  for (; i < code.size(); ++i) {
    char c = code[i];
    if (c == '(' || c == '[' || c == '{')
      ++depth;
    else if (c == ')' || c == ']' || c == '}')
      --depth;
    else if (c == '#') {
      while (i < code.size() && code[i] != '\n') ++i;
    } else if (c == '"' || c == '\'') {
      while (++i < code.size() && code[i] != c && code[i] != '\n') {
        if (code[i] == '\\') ++i;
      }
    } else if (c == ':' && depth == 0) {
      break;
    }
  }
  if (i >= code.size()) return false;
  // After the colon: the rest of the line must be blank (or a comment), then the
  // first statement on its own line.
  size_t nl = code.find('\n', i);
  if (nl == std::string_view::npos) return false;
  std::string_view rest = Trim(code.substr(i + 1, nl - i - 1));
  if (!rest.empty() && rest[0] != '#') return false;
  size_t s = nl + 1;
  for (;;) {
    while (s < code.size() && (code[s] == ' ' || code[s] == '\t')) ++s;
    if (s < code.size() && (code[s] == '\n' || code[s] == '\r')) {
      ++s;
      continue;
    }
    if (s < code.size() && code[s] == '#') {
      s = code.find('\n', s);
      if (s == std::string_view::npos) return false;
      continue;
    }
    break;
  }
  size_t begin = s;
  bool raw = false;
  while (s < code.size() && std::strchr("rRuU", code[s]) && s - begin < 2) {
    raw = raw || code[s] == 'r' || code[s] == 'R';
    ++s;
  }
  if (s >= code.size() || (code[s] != '"' && code[s] != '\'')) return false;
  char q = code[s];
  bool triple = code.substr(s, 3) == std::string(3, q);
  size_t open = s + (triple ? 3 : 1);
  size_t j = open;
  for (; j < code.size(); ++j) {
    if (code[j] == '\\') {
      ++j;
      continue;
    }
    if (!triple && code[j] == '\n') return false;
    if (code[j] == q && (!triple || code.substr(j, 3) == std::string(3, q))) break;
  }
  if (j >= code.size()) return false;
  std::string_view body = code.substr(open, j - open);
  out->begin = begin;
  out->end = j + (triple ? 3 : 1);
  out->text = raw ? std::string(body) : Unescape(body);
  return true;
}

// ---- one file -> pairs ----

int CountNonEmpty(std::string_view code, std::string_view ignore_line) {
  int n = 0;
  for (std::string_view l : SplitLines(code)) {
    std::string_view t = Trim(l);
    if (!t.empty() && t != ignore_line) ++n;
  }
  return n;
}

}  // namespace

std::string CutLines(std::string_view code, int max_lines) {
  size_t pos = 0;
  for (int l = 0; l < max_lines && pos != std::string_view::npos; ++l) {
    pos = code.find('\n', pos);
    if (pos != std::string_view::npos) ++pos;
  }
  std::string out(code.substr(0, pos == std::string_view::npos ? code.size() : pos));
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out + "\n";
}

// Doc comment and code of one definition chunk; false when it has no usable doc.
bool PairFromChunk(std::string_view lang, std::string_view text, std::string* query,
                   std::string* code) {
  if (lang == "python") {
    Docstring doc;
    if (!FindDocstring(text, &doc)) return false;
    *query = FirstSentence(CleanDoc(doc.text));
    if (!Usable(*query) || LooksLikeNoise(*query)) return false;
    int newlines =
        static_cast<int>(std::count(text.begin() + doc.begin, text.begin() + doc.end, '\n'));
    *code = std::string(text.substr(0, doc.begin)) + "\"\"" + std::string(newlines, '\n') +
            std::string(text.substr(doc.end));
    return CountNonEmpty(*code, "\"\"") >= 2;
  }
  // Leading lines: doc comment lines, plain comments, attributes; the doc is
  // the last run of doc lines above the definition.
  std::vector<std::string_view> lines = SplitLines(text);
  bool in_block = false;
  size_t lead = 0;
  std::vector<LeadKind> kinds;
  for (; lead < lines.size(); ++lead) {
    LeadKind k = ClassifyLead(lang, lines[lead], &in_block);
    if (k == LeadKind::kOther) break;
    kinds.push_back(k);
  }
  size_t doc_end = lead;
  while (doc_end > 0 && kinds[doc_end - 1] == LeadKind::kAttribute) --doc_end;
  size_t doc_begin = doc_end;
  while (doc_begin > 0 && kinds[doc_begin - 1] == LeadKind::kDoc) --doc_begin;
  if (doc_begin == doc_end) return false;
  std::vector<std::string_view> doc_lines(lines.begin() + doc_begin, lines.begin() + doc_end);
  *query = FirstSentence(CleanInline(DocText(doc_lines)));
  if (!Usable(*query) || LooksLikeNoise(*query)) return false;
  code->clear();
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i < lead && kinds[i] != LeadKind::kAttribute) {
      *code += "\n";  // comment lines stay as empty lines
    } else {
      *code += std::string(lines[i]) + "\n";
    }
  }
  return CountNonEmpty(*code, {}) >= 2;
}

}  // namespace ts::mine
