// graph_dump: what the graph extractor finds in files (definitions with their
// lines, parents and calls; imports), with tags from the real ctags. A
// debugging aid for the extractor: `graph_dump FILE...` (paths relative to
// the current directory).
#include <chrono>
#include <cstdio>

#include "chunk/chunk.h"
#include "graph/graph.h"
#include "util/file.h"

int main(int argc, char** argv) {
  using namespace ts;
  auto ctags = chunk::Ctags::Find();
  if (!ctags.ok()) {
    std::fprintf(stderr, "%s\n", ctags.status().message().c_str());
    return 1;
  }
  bool bench = argc > 1 && std::string(argv[1]) == "--bench";
  std::vector<std::string> paths(argv + 1 + (bench ? 1 : 0), argv + argc);
  auto tags = ctags->Run(".", paths);
  if (!tags.ok()) {
    std::fprintf(stderr, "%s\n", tags.status().message().c_str());
    return 1;
  }
  if (bench) {
    // Extraction alone, timed: tags and contents are read first.
    std::vector<std::string> contents, langs;
    size_t bytes = 0;
    for (const auto& p : paths) {
      auto c = ReadFile(p);
      contents.push_back(c.ok() ? *c : std::string());
      langs.push_back(chunk::DetectLanguage(p, std::string_view(contents.back()).substr(0, 256)));
      bytes += contents.back().size();
    }
    auto t0 = std::chrono::steady_clock::now();
    size_t defs = 0, calls = 0;
    for (size_t i = 0; i < paths.size(); ++i) {
      graph::FileGraph g = graph::ExtractFile(paths[i], langs[i], contents[i], (*tags)[i]);
      defs += g.defs.size();
      for (const auto& d : g.defs) calls += d.calls.size();
    }
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%zu files, %.1f MB, %zu defs, %zu calls: %.3f s, %.1f MB/s\n", paths.size(),
                bytes / 1e6, defs, calls, s, bytes / 1e6 / s);
    return 0;
  }
  for (size_t i = 0; i < paths.size(); ++i) {
    auto content = ReadFile(paths[i]);
    if (!content.ok()) continue;
    std::string lang = chunk::DetectLanguage(paths[i], std::string_view(*content).substr(0, 256));
    graph::FileGraph g = graph::ExtractFile(paths[i], lang, *content, (*tags)[i]);
    std::printf("== %s (%s)\n", paths[i].c_str(), lang.c_str());
    for (const auto& imp : g.imports) {
      std::printf("import %d %s %s%s alias=%s names=", imp.line, imp.kind.c_str(),
                  imp.module.c_str(), imp.wildcard ? ".*" : "", imp.alias.c_str());
      for (const auto& n : imp.names)
        std::printf("%s%s%s ", n.name.c_str(), n.alias.empty() ? "" : "=", n.alias.c_str());
      std::printf("\n");
    }
    for (size_t d = 0; d < g.defs.size(); ++d) {
      const auto& def = g.defs[d];
      std::printf("[%zu] %s %s scope=%s self=%s lines=%d/%d-%d parent=%d bases=", d,
                  def.kind.c_str(), def.name.c_str(), def.scope.c_str(), def.self_scope.c_str(),
                  def.line, def.def_line, def.end_line, def.parent);
      for (const auto& b : def.bases) std::printf("%s,", b.c_str());
      std::printf("\n");
      for (const auto& c : def.calls) {
        static const char* kinds[] = {"bare",   "self", "super", "member",
                                      "scoped", "new",  "local", "macro"};
        std::printf("    %s %s%s%s @%d\n", kinds[static_cast<int>(c.kind)], c.receiver.c_str(),
                    c.receiver.empty() ? "" : ".", c.name.c_str(), c.line);
      }
    }
  }
  return 0;
}
