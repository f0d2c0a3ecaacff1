// DetectLanguage: file extension, then well-known file names, then a shebang.
#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

#include "chunk/chunk.h"

namespace ts::chunk {
namespace {

struct NameToLanguage {
  std::string_view name;
  std::string_view language;
};

// Lowercase extensions (without the dot). Linear search: the table is small
// and this runs once per file, next to reading and tokenizing it.
constexpr NameToLanguage kExtensions[] = {
    {"c", "c"},
    {"h", "c"},  // C and C++ share .h; C is the more common owner (the kernel)
    {"cc", "cpp"},
    {"cpp", "cpp"},
    {"cxx", "cpp"},
    {"c++", "cpp"},
    {"hpp", "cpp"},
    {"hh", "cpp"},
    {"hxx", "cpp"},
    {"h++", "cpp"},
    {"ipp", "cpp"},
    {"inl", "cpp"},
    {"tcc", "cpp"},
    {"cu", "cpp"},
    {"cuh", "cpp"},
    {"m", "objc"},
    {"mm", "objc"},
    {"py", "python"},
    {"pyi", "python"},
    {"pyw", "python"},
    {"go", "go"},
    {"js", "javascript"},
    {"mjs", "javascript"},
    {"cjs", "javascript"},
    {"jsx", "javascript"},
    {"ts", "typescript"},
    {"tsx", "typescript"},
    {"mts", "typescript"},
    {"cts", "typescript"},
    {"rs", "rust"},
    {"java", "java"},
    {"cs", "csharp"},
    {"rb", "ruby"},
    {"rake", "ruby"},
    {"gemspec", "ruby"},
    {"php", "php"},
    {"sh", "shell"},
    {"bash", "shell"},
    {"zsh", "shell"},
    {"ksh", "shell"},
    {"fish", "fish"},
    {"kt", "kotlin"},
    {"kts", "kotlin"},
    {"swift", "swift"},
    {"scala", "scala"},
    {"sc", "scala"},
    {"lua", "lua"},
    {"pl", "perl"},
    {"pm", "perl"},
    {"md", "markdown"},
    {"markdown", "markdown"},
    {"mdx", "markdown"},
    {"json", "json"},
    {"jsonc", "json"},
    {"yaml", "yaml"},
    {"yml", "yaml"},
    {"toml", "toml"},
    {"html", "html"},
    {"htm", "html"},
    {"xhtml", "html"},
    {"css", "css"},
    {"scss", "css"},
    {"sass", "css"},
    {"less", "css"},
    {"sql", "sql"},
    {"cmake", "cmake"},
    {"mk", "make"},
    {"mak", "make"},
    {"dockerfile", "dockerfile"},
    {"txt", "text"},
    {"rst", "text"},
    {"adoc", "text"},
    {"s", "asm"},  // .S and .s: the lookup lowercases
    {"asm", "asm"},
    {"dts", "dts"},
    {"dtsi", "dts"},
    {"xml", "xml"},
    {"proto", "protobuf"},
    {"dart", "dart"},
    {"ex", "elixir"},
    {"exs", "elixir"},
    {"erl", "erlang"},
    {"hrl", "erlang"},
    {"hs", "haskell"},
    {"ml", "ocaml"},
    {"mli", "ocaml"},
    {"clj", "clojure"},
    {"cljs", "clojure"},
    {"r", "r"},
    {"jl", "julia"},
    {"vim", "vim"},
    {"el", "elisp"},
    {"zig", "zig"},
    {"vue", "vue"},
    {"svelte", "svelte"},
    {"tf", "terraform"},
    {"ini", "ini"},
    {"cfg", "ini"},
    {"groovy", "groovy"},
    {"gradle", "groovy"},
    {"ps1", "powershell"},
    {"tcl", "tcl"},
    {"awk", "awk"},
    {"tex", "tex"},
    {"csv", "csv"},
    {"f90", "fortran"},
    {"pas", "pascal"},
    {"lds", "linkerscript"},
};

// Exact file names (case-sensitive, as tools treat them).
constexpr NameToLanguage kFileNames[] = {
    {"CMakeLists.txt", "cmake"},
    {"Makefile", "make"},
    {"makefile", "make"},
    {"GNUmakefile", "make"},
    {"Kbuild", "make"},
    {"Dockerfile", "dockerfile"},
    {"Containerfile", "dockerfile"},
    {"Kconfig", "kconfig"},
    {"Rakefile", "ruby"},
    {"Gemfile", "ruby"},
    {"Vagrantfile", "ruby"},
    {"Jenkinsfile", "groovy"},
    {"BUILD", "starlark"},
    {"WORKSPACE", "starlark"},
    {"meson.build", "meson"},
};

// Interpreter names in a shebang, after stripping a version suffix
// ("python3.11" -> "python").
constexpr NameToLanguage kInterpreters[] = {
    {"python", "python"},     {"bash", "shell"},      {"sh", "shell"},  {"zsh", "shell"},
    {"dash", "shell"},        {"ksh", "shell"},       {"ash", "shell"}, {"node", "javascript"},
    {"nodejs", "javascript"}, {"deno", "typescript"}, {"perl", "perl"}, {"ruby", "ruby"},
    {"php", "php"},           {"lua", "lua"},         {"tclsh", "tcl"}, {"Rscript", "r"},
    {"awk", "awk"},           {"gawk", "awk"},        {"fish", "fish"}, {"pwsh", "powershell"},
    {"make", "make"},
};

std::string_view LookUp(const NameToLanguage* begin, const NameToLanguage* end,
                        std::string_view name) {
  for (const NameToLanguage* entry = begin; entry != end; ++entry) {
    if (entry->name == name) return entry->language;
  }
  return {};
}

std::string_view BaseName(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string_view LanguageFromExtension(std::string_view base_name) {
  size_t dot = base_name.rfind('.');
  // A leading dot is a hidden file (".bashrc"), not an extension.
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == base_name.size()) return {};
  std::string_view extension = base_name.substr(dot + 1);
  if (extension.size() > 16) return {};
  char lower[16];
  for (size_t i = 0; i < extension.size(); ++i) {
    lower[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(extension[i])));
  }
  return LookUp(std::begin(kExtensions), std::end(kExtensions),
                std::string_view(lower, extension.size()));
}

std::string_view LanguageFromFileName(std::string_view base_name) {
  std::string_view language = LookUp(std::begin(kFileNames), std::end(kFileNames), base_name);
  if (!language.empty()) return language;
  // Variants such as "Dockerfile.dev", "Kconfig.debug", "Makefile.am".
  auto starts_with = [&](std::string_view prefix) {
    return base_name.size() > prefix.size() && base_name.substr(0, prefix.size()) == prefix &&
           base_name[prefix.size()] == '.';
  };
  if (starts_with("Dockerfile")) return "dockerfile";
  if (starts_with("Kconfig")) return "kconfig";
  if (starts_with("Makefile")) return "make";
  return {};
}

bool IsShebangSpace(char c) {
  return c == ' ' || c == '\t';
}

// "#!/usr/bin/env -S python3 -u" -> "python"; "#!/bin/bash" -> "shell".
std::string_view LanguageFromShebang(std::string_view head) {
  if (head.size() < 3 || head[0] != '#' || head[1] != '!') return {};
  std::string_view line = head.substr(2);
  line = line.substr(0, std::min(line.find('\n'), line.size()));
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  bool after_env = false;
  size_t pos = 0;
  while (pos < line.size()) {
    while (pos < line.size() && IsShebangSpace(line[pos])) ++pos;
    size_t word_end = pos;
    while (word_end < line.size() && !IsShebangSpace(line[word_end])) ++word_end;
    if (word_end == pos) break;
    std::string_view word = BaseName(line.substr(pos, word_end - pos));
    pos = word_end;
    if (!after_env && word == "env") {
      after_env = true;
      continue;
    }
    if (after_env && (word.empty() || word[0] == '-' || word.find('=') != word.npos)) {
      continue;  // env options (-S) and VAR=value assignments
    }
    // Strip a version suffix: python3, python3.11, perl5.36.
    size_t name_end = word.size();
    while (name_end > 0 && (std::isdigit(static_cast<unsigned char>(word[name_end - 1])) ||
                            word[name_end - 1] == '.')) {
      --name_end;
    }
    return LookUp(std::begin(kInterpreters), std::end(kInterpreters), word.substr(0, name_end));
  }
  return {};
}

}  // namespace

std::string DetectLanguage(std::string_view rel_path, std::string_view head) {
  std::string_view base_name = BaseName(rel_path);
  // File names first: "CMakeLists.txt" must not be read as plain text.
  std::string_view language = LanguageFromFileName(base_name);
  if (language.empty()) language = LanguageFromExtension(base_name);
  if (language.empty()) language = LanguageFromShebang(head);
  return std::string(language);
}

}  // namespace ts::chunk
