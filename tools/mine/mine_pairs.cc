// mine_pairs: (doc comment first sentence, code) training pairs for the
// semantic model, mined with the index's own walker, ctags runner and chunker
// from installed Debian library source. See tools/mine/README.md.
//
// Usage:
//   mine_pairs --out PAIRS.jsonl --stats STATS.json [--decontam QUERIES.jsonl]
//              [--exclude PREFIX]... [--exclude-pkg NAME]...
//              [--max-per-pkg N] [--max-per-query N] [--jobs N] ROOT[=PKG]...
// A ROOT's files belong to the Debian package that dpkg says owns them, or to
// PKG when given (trees extracted from .deb files rather than installed).
// Files no package owns are skipped.
#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "chunk/chunk.h"
#include "util/file.h"
#include "util/hash.h"
#include "walk/walk.h"

namespace {

using ts::chunk::Chunk;

constexpr size_t kCtagsBatchFiles = 64;
constexpr int kMinWords = 4, kMaxWords = 30;  // as make_pydoc_eval.py
constexpr int kMaxCodeLines = 200;

struct Options {
  std::string out_path, stats_path, decontam_path;
  std::vector<std::string> exclude_prefixes;
  std::unordered_set<std::string> exclude_pkgs;
  size_t max_per_pkg = 4000, max_per_query = 3;
  int jobs = 2;
  struct Root {
    std::string dir, pkg;  // pkg empty: ask dpkg
  };
  std::vector<Root> roots;
};

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

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool StartsWith(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

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

struct Pair {
  std::string lang, pkg, path, symbol, query, code;
};

int CountNonEmpty(std::string_view code, std::string_view ignore_line) {
  int n = 0;
  for (std::string_view l : SplitLines(code)) {
    std::string_view t = Trim(l);
    if (!t.empty() && t != ignore_line) ++n;
  }
  return n;
}

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

// ---- package ownership ----

// Path -> Debian package for the files under `roots`, from dpkg's file lists.
std::unordered_map<std::string, std::string> ReadDpkgOwners(const std::vector<std::string>& roots) {
  std::unordered_map<std::string, std::string> owner;
  for (const auto& entry : std::filesystem::directory_iterator("/var/lib/dpkg/info")) {
    std::string name = entry.path().filename();
    if (!name.ends_with(".list")) continue;
    std::string pkg = name.substr(0, name.size() - 5);
    pkg = pkg.substr(0, pkg.find(':'));
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line)) {
      for (const auto& r : roots) {
        if (StartsWith(line, r) && (line.size() == r.size() || line[r.size()] == '/')) {
          owner[line] = pkg;
          break;
        }
      }
    }
  }
  return owner;
}

// ---- the run ----

struct FileRef {
  size_t root = 0;
  std::string rel;
  std::string pkg;
};

struct Candidate {
  Pair pair;
  uint64_t order = 0;  // hash of path + symbol: a stable random order for the caps
};

struct Shared {
  std::mutex mu;
  std::unordered_set<std::string> eval_queries;
  std::unordered_set<uint64_t> seen;  // Hash64(query + '\0' + code)
  std::vector<Candidate> candidates;
  size_t decontam_dropped = 0, duplicates = 0;
  std::atomic<size_t> files_done{0}, files_with_pairs{0};
};

void MineBatch(const Options& opt, const ts::chunk::Ctags& ctags, const std::vector<FileRef>& files,
               size_t begin, size_t end, Shared* shared) {
  struct Loaded {
    const FileRef* file;
    std::string content, lang;
  };
  std::vector<Loaded> loaded;
  std::vector<std::string> rels;
  const std::string& root = opt.roots[files[begin].root].dir;
  for (size_t i = begin; i < end; ++i) {
    auto content = ts::ReadFile(root + "/" + files[i].rel);
    shared->files_done.fetch_add(1);
    if (!content.ok()) continue;
    ts::walk::SkipReason reason;
    if (!ts::walk::ClassifyContent(files[i].rel, *content, &reason)) continue;
    std::string lang =
        ts::chunk::DetectLanguage(files[i].rel, std::string_view(*content).substr(0, 256));
    if (!MinedLanguage(lang)) continue;
    rels.push_back(files[i].rel);
    loaded.push_back({&files[i], std::move(content).value(), lang});
  }
  if (loaded.empty()) return;
  auto tags = ctags.Run(root, rels);
  if (!tags.ok()) {
    std::cerr << "ctags failed in " << root << ": " << tags.status().ToString() << "\n";
    return;
  }
  ts::chunk::ChunkOptions chunk_options;
  chunk_options.max_definition_lines = 100000;  // one chunk per definition (x4 must fit an int)
  std::vector<Candidate> found;
  for (size_t i = 0; i < loaded.size(); ++i) {
    const Loaded& f = loaded[i];
    auto chunks = ts::chunk::ChunkFile(f.file->rel, f.content, f.lang, (*tags)[i], chunk_options);
    size_t before = found.size();
    for (const Chunk& c : chunks) {
      if (std::getenv("MINE_DEBUG")) {
        std::cerr << f.file->rel << ":" << c.start_line << "-" << c.end_line << " " << c.kind << " "
                  << c.symbol << "\n";
      }
      if (!DefinitionKind(c.kind) || c.symbol.empty()) continue;
      std::string_view text =
          std::string_view(f.content).substr(c.byte_begin, c.byte_end - c.byte_begin);
      std::string query, code;
      if (!PairFromChunk(f.lang, text, &query, &code)) continue;
      std::string symbol = c.scope.empty() ? c.symbol : c.scope + "." + c.symbol;
      std::string path = opt.roots[f.file->root].dir + "/" + f.file->rel;
      uint64_t order = ts::Hash64(path + "\n" + symbol);
      found.push_back({{f.lang == "c" ? "cpp" : f.lang, f.file->pkg, path, symbol, std::move(query),
                        CutLines(code, kMaxCodeLines)},
                       order});
    }
    if (found.size() > before) shared->files_with_pairs.fetch_add(1);
  }
  std::lock_guard lock(shared->mu);
  for (Candidate& c : found) {
    if (shared->eval_queries.count(c.pair.query)) {
      ++shared->decontam_dropped;
      continue;
    }
    if (!shared->seen.insert(ts::Hash64(c.pair.query + '\0' + c.pair.code)).second) {
      ++shared->duplicates;
      continue;
    }
    shared->candidates.push_back(std::move(c));
  }
}

int Usage() {
  std::cerr << "usage: mine_pairs --out PAIRS.jsonl --stats STATS.json [--decontam QUERIES.jsonl]\n"
               "  [--exclude PREFIX]... [--exclude-pkg NAME]... [--max-per-pkg N]\n"
               "  [--max-per-query N] [--jobs N] ROOT[=PKG]...\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) std::exit(Usage());
      return argv[++i];
    };
    if (a == "--out")
      opt.out_path = value();
    else if (a == "--stats")
      opt.stats_path = value();
    else if (a == "--decontam")
      opt.decontam_path = value();
    else if (a == "--exclude")
      opt.exclude_prefixes.push_back(value());
    else if (a == "--exclude-pkg")
      opt.exclude_pkgs.insert(value());
    else if (a == "--max-per-pkg")
      opt.max_per_pkg = std::stoul(value());
    else if (a == "--max-per-query")
      opt.max_per_query = std::stoul(value());
    else if (a == "--jobs")
      opt.jobs = std::max(1, std::stoi(value()));
    else if (StartsWith(a, "--"))
      return Usage();
    else {
      size_t eq = a.find('=');
      Options::Root r{a.substr(0, eq), eq == std::string::npos ? "" : a.substr(eq + 1)};
      while (r.dir.size() > 1 && r.dir.back() == '/') r.dir.pop_back();
      opt.roots.push_back(r);
    }
  }
  if (opt.out_path.empty() || opt.stats_path.empty() || opt.roots.empty()) return Usage();

  auto ctags = ts::chunk::Ctags::Find();
  if (!ctags.ok()) {
    std::cerr << "mine_pairs: " << ctags.status().ToString() << "\n";
    return 1;
  }
  Shared shared;
  if (!opt.decontam_path.empty()) {
    std::ifstream in(opt.decontam_path);
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty()) shared.eval_queries.insert(nlohmann::json::parse(line).at("query"));
    }
    std::cerr << "decontamination: " << shared.eval_queries.size() << " evaluation queries\n";
  }

  std::vector<std::string> dpkg_roots;
  for (const auto& r : opt.roots) {
    if (r.pkg.empty()) dpkg_roots.push_back(r.dir);
  }
  auto owner = ReadDpkgOwners(dpkg_roots);
  std::cerr << "dpkg: " << owner.size() << " files under the roots\n";

  // Enumerate.
  std::vector<FileRef> files;
  size_t unowned = 0, excluded = 0;
  ts::walk::WalkOptions walk_options;
  walk_options.respect_ignore_files = false;  // installed trees: .gitignore files are leftovers
  walk_options.extra_excluded_dirs = {"tests", "test", "testing", "testdata", "__tests__", "spec"};
  for (size_t ri = 0; ri < opt.roots.size(); ++ri) {
    const auto& root = opt.roots[ri];
    if (!std::filesystem::is_directory(root.dir)) {
      std::cerr << "skipping missing root " << root.dir << "\n";
      continue;
    }
    ts::walk::WalkStats stats;
    auto st = ts::walk::Walk(
        root.dir, walk_options,
        [&](ts::walk::FileEntry&& e) {
          std::string abs = root.dir + "/" + e.rel_path;
          for (const auto& p : opt.exclude_prefixes) {
            if (StartsWith(abs, p)) {
              ++excluded;
              return;
            }
          }
          std::string pkg = root.pkg;
          if (pkg.empty()) {
            auto it = owner.find(abs);
            if (it == owner.end()) {
              ++unowned;
              return;
            }
            pkg = it->second;
          }
          if (opt.exclude_pkgs.count(pkg)) {
            ++excluded;
            return;
          }
          files.push_back({ri, std::move(e.rel_path), std::move(pkg)});
        },
        &stats);
    if (!st.ok()) std::cerr << "walk " << root.dir << ": " << st.ToString() << "\n";
  }
  std::cerr << "files: " << files.size() << " (" << excluded << " excluded, " << unowned
            << " owned by no package)\n";

  // Batches of one root each, handed out to the workers.
  std::vector<std::pair<size_t, size_t>> batches;
  for (size_t b = 0; b < files.size();) {
    size_t e = b + 1;
    while (e < files.size() && e - b < kCtagsBatchFiles && files[e].root == files[b].root) ++e;
    batches.push_back({b, e});
    b = e;
  }
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < opt.jobs; ++w) {
    workers.emplace_back([&] {
      for (size_t b; (b = next.fetch_add(1)) < batches.size();) {
        MineBatch(opt, *ctags, files, batches[b].first, batches[b].second, &shared);
      }
    });
  }
  for (size_t last = 0; shared.files_done.load() < files.size();) {
    std::this_thread::sleep_for(std::chrono::seconds(5));
    size_t done = shared.files_done.load();
    if (done != last) {
      std::lock_guard lock(shared.mu);
      std::cerr << "  " << done << "/" << files.size() << " files, " << shared.candidates.size()
                << " candidate pairs\n";
    }
    last = done;
    if (next.load() >= batches.size() + static_cast<size_t>(opt.jobs)) break;
  }
  for (auto& t : workers) t.join();

  // Caps, in a stable pseudo-random order: at most max_per_query pairs per
  // query text, then at most max_per_pkg per package.
  auto& cands = shared.candidates;
  std::sort(cands.begin(), cands.end(),
            [](const Candidate& a, const Candidate& b) { return a.order < b.order; });
  std::unordered_map<std::string, size_t> per_query, per_pkg;
  std::map<std::string, std::map<std::string, size_t>> pkg_lang_pairs;
  size_t query_capped = 0, pkg_capped = 0;
  std::vector<const Pair*> kept;
  for (const Candidate& c : cands) {
    if (++per_query[c.pair.query] > opt.max_per_query) {
      ++query_capped;
      continue;
    }
    if (++per_pkg[c.pair.pkg] > opt.max_per_pkg) {
      ++pkg_capped;
      continue;
    }
    kept.push_back(&c.pair);
  }
  std::sort(kept.begin(), kept.end(), [](const Pair* a, const Pair* b) {
    return std::tie(a->path, a->symbol) < std::tie(b->path, b->symbol);
  });
  std::ofstream out(opt.out_path);
  std::map<std::string, size_t> per_lang;
  for (const Pair* p : kept) {
    nlohmann::json j = {{"lang", p->lang},     {"pkg", p->pkg},     {"path", p->path},
                        {"symbol", p->symbol}, {"query", p->query}, {"code", p->code}};
    out << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    ++pkg_lang_pairs[p->pkg][p->lang];
    ++per_lang[p->lang];
  }
  out.close();

  nlohmann::json stats;
  stats["total"] = kept.size();
  stats["per_language"] = per_lang;
  nlohmann::json pkgs = nlohmann::json::object();
  for (const auto& [pkg, langs] : pkg_lang_pairs) {
    auto main_lang = std::max_element(langs.begin(), langs.end(), [](const auto& a, const auto& b) {
      return a.second < b.second;
    });
    size_t total = 0;
    for (const auto& [l, n] : langs) total += n;
    pkgs[pkg] = {{"language", main_lang->first}, {"pairs", total}};
  }
  stats["packages"] = pkgs;
  stats["files_mined"] = files.size();
  stats["files_with_pairs"] = shared.files_with_pairs.load();
  stats["decontamination_dropped"] = shared.decontam_dropped;
  stats["duplicates_dropped"] = shared.duplicates;
  stats["query_cap_dropped"] = query_capped;
  stats["package_cap_dropped"] = pkg_capped;
  stats["max_per_package"] = opt.max_per_pkg;
  stats["max_per_query"] = opt.max_per_query;
  std::ofstream(opt.stats_path) << stats.dump(2) << "\n";
  std::cerr << "pairs: " << kept.size() << " written to " << opt.out_path
            << " (decontamination dropped " << shared.decontam_dropped << ", duplicates "
            << shared.duplicates << ", query cap " << query_capped << ", package cap " << pkg_capped
            << ")\n";
  for (const auto& [l, n] : per_lang) std::cerr << "  " << l << ": " << n << "\n";
  return 0;
}
