// Public header of src/chunk: language detection, symbols from universal-ctags,
// and splitting a file into search chunks.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace ts::chunk {

// Canonical lowercase language name from the extension, the file name
// (Makefile, Dockerfile, ...) or a shebang in `head` (the first bytes of the
// file). Returns "" when unknown; such files are still chunked as text windows.
// Names: c, cpp, python, go, javascript, typescript, rust, java, csharp, ruby,
// php, shell, kotlin, swift, scala, lua, perl, markdown, json, yaml, toml, html,
// css, sql, make, cmake, dockerfile, text, ...
std::string DetectLanguage(std::string_view rel_path, std::string_view head);

// One definition reported by ctags.
struct Tag {
  std::string name;
  std::string kind;        // long form: function, method, member, class, struct, ...
  std::string scope;       // enclosing scope name ("Bar" for Bar.meth), may be empty
  std::string scope_kind;  // class, struct, namespace, ...
  std::string signature;   // "(int a, int b)" where ctags knows it
  std::string inherits;    // "Base, Other" where ctags knows it
  int line = 0;            // 1-based first line (the name line, not decorators)
  int end = 0;             // 1-based last line; 0 when ctags does not know it
};

// Runs universal-ctags over batches of files. One process per batch (never one
// per file); callers run a few batches in parallel, one per core.
class Ctags {
 public:
  // Finds `program` (a path, or a name looked up on PATH) and checks that it
  // is Universal Ctags with JSON output. Unavailable otherwise.
  static Result<Ctags> Find(const std::string& program = "ctags");

  // One file for ctags: its name (which picks the parser) and its content,
  // already read by the caller.
  struct Input {
    std::string_view rel_path;
    std::string_view content;
  };
  // Tags for each input, in the same order. ctags runs in its sandboxed
  // interactive mode: the contents arrive on its stdin and it cannot open
  // any file itself, so it parses exactly the bytes the caller read (from
  // inside the index's root, util/file.h), never a file a symlink swapped in
  // since. A file ctags cannot parse yields an empty list, not an error; an
  // error means the process could not run at all.
  Result<std::vector<std::vector<Tag>>> Run(const std::vector<Input>& files) const;
  // The same for files read beneath `root` (ReadFileBeneath); one that cannot
  // be read yields an empty list. For tools and tests.
  Result<std::vector<std::vector<Tag>>> Run(const std::string& root,
                                            const std::vector<std::string>& rel_paths) const;

  const std::string& executable() const { return executable_; }

 private:
  explicit Ctags(std::string exe) : executable_(std::move(exe)) {}
  std::string executable_;
};

struct ChunkOptions {
  int max_definition_lines = 150;  // longer definitions are split into windows
  int window_lines = 60;           // size of a window (long definitions, loose code)
  int window_overlap = 10;         // lines shared by consecutive windows
  std::string ctags = "ctags";     // the program (Ctags::Find); the daemon maps $TRUSTY_CTAGS
};

// A contiguous line range of one file that is indexed and returned as a hit.
struct Chunk {
  std::string id;         // 16 hex digits; stable for the same path + symbol + part
  int start_line = 0;     // 1-based, inclusive
  int end_line = 0;       // 1-based, inclusive
  size_t byte_begin = 0;  // offsets of the chunk's text in the file content
  size_t byte_end = 0;
  std::string symbol;  // definition name ("meth"), or heading for Markdown; "" for windows
  std::string scope;   // enclosing scope ("Bar"), may be empty
  // function, method, class, struct, ..., "section" (Markdown), "window", or
  // "imports" (a window of import/use/include lines and nothing else).
  std::string kind;
  std::string signature;
  std::string inherits;
};

// Splits `content` into chunks:
//  - each definition (functions, methods, classes/structs/interfaces/enums,
//    macros, ...) from `tags` becomes a chunk that starts at its leading doc
//    comment and decorators/attributes and ends at its end line; a class chunk
//    covers only its header up to its first member when members are chunked
//    on their own;
//  - definitions longer than max_definition_lines are split into overlapping
//    windows that keep the symbol;
//  - lines outside every definition are grouped into windows (kind "window";
//    "imports" when they hold only imports, namespace lines and comments);
//  - Markdown is split by heading (kind "section").
// Namespaces and modules are transparent: their members are top-level chunks.
// Chunks are returned in file order; every line that holds a letter or digit is
// in at least one chunk, except a lone short line (< 40 bytes) between
// definitions, such as "}  // namespace x".
std::vector<Chunk> ChunkFile(std::string_view rel_path, std::string_view content,
                             std::string_view language, const std::vector<Tag>& tags,
                             const ChunkOptions& options = {});

}  // namespace ts::chunk
