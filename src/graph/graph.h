// Public header of src/graph: the symbol graph.
//
// Two halves:
//  - extraction (pure, per file): ExtractFile turns one file's content and its
//    ctags tags into definitions (with their first line, parent and the type
//    `self` refers to), the call sites inside each definition, the file's
//    imports and each type's bases. Nothing here knows other files, so a
//    changed file re-derives only its own rows.
//  - resolution (at query time): a Resolver maps a call site to definitions
//    through a Source (src/index implements it over the catalog), in this
//    order: same class, enclosing scopes, same file, imported files, same
//    directory, a name unique in the index. Edges are never stored, so an
//    edit or a removal leaves nothing dangling: edges into a changed file are
//    re-resolved by the next query.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "chunk/chunk.h"
#include "util/status.h"

namespace ts::graph {

// How a call site names its target.
enum class CallKind : uint8_t {
  kBare = 0,    // name(...)
  kSelf = 1,    // self.name(), this->name(), cls.name(), a Go receiver: the enclosing object
  kSuper = 2,   // super().name(), super.name()
  kMember = 3,  // x.name(), x->name(): some other value; `receiver` holds x when a plain name
  kScoped = 4,  // X::name()
  kNew = 5,     // new Name(...)
  kLocal = 6,   // name(...) where name is a parameter or a local of the caller
  kMacro = 7,   // name!(...) (Rust)
};

struct CallRef {
  std::string name;
  CallKind kind = CallKind::kBare;
  std::string receiver;  // kMember / kScoped: the receiver when it is a plain identifier
  int line = 0;          // the first such call in the caller
};

// What a definition is to the graph.
enum class Role : uint8_t {
  kCallable = 1,  // function, method, constructor, function-like macro
  kType = 2,      // class, struct, union, enum, interface, trait, typedef
  kField = 3,     // data member of a type
  kModule = 4,    // a file's top-level code (the caller of calls outside any definition)
  kImpl = 5,      // Rust impl block, Swift extension: holds members of a type defined elsewhere
};

struct Definition {
  std::string name;
  std::string kind;  // normalized: function, method, class, struct, macro, field, impl, module, ...
  Role role = Role::kCallable;
  std::string scope;  // enclosing scope as ctags names it ("C", "ns::A"), "" at file level
  int line = 0;       // first line: the first decorator/attribute line, else def_line
  int def_line = 0;   // the line of the name (ctags' line)
  int end_line = 0;
  int parent = -1;         // enclosing definition, an index into FileGraph::defs; -1 at file level
  std::string self_scope;  // the type that self/this means inside it, as a scope string; ""
  std::vector<std::string> bases;  // INHERITS, as written: "Base", "mod.Mixin", "ns::B"
  std::vector<CallRef> calls;      // deduplicated by (name, kind, receiver)
};

struct ImportedName {
  std::string name;   // as exported by the module
  std::string alias;  // local name ("" when the same)
};

struct Import {
  int line = 0;
  std::string kind;       // include, import, from, use, mod, require
  std::string module;     // "linux/slab.h", "a.b", "..pkg", "./x", "crate::a::b", "a.b.C", "fmt"
  bool system = false;    // #include <...>
  bool wildcard = false;  // from x import *, import a.b.*, use a::*
  std::string alias;      // the local name bound to the module itself ("" when none)
  std::vector<ImportedName> names;
};

struct FileGraph {
  std::vector<Definition> defs;  // in file order; a parent comes before its children
  std::vector<Import> imports;
};

// Definitions, calls, imports and bases of one file. `tags` are ctags' tags
// for it (chunk::Ctags::Run). Never fails: what cannot be parsed is left out.
FileGraph ExtractFile(std::string_view rel_path, std::string_view language,
                      std::string_view content, const std::vector<chunk::Tag>& tags);

// Storage encodings (docs/FORMATS.md): one text value per definition's calls,
// bases, and per file's imports. Decoding skips malformed lines.
std::string EncodeCalls(const std::vector<CallRef>& calls);
std::vector<CallRef> DecodeCalls(std::string_view text);
std::string EncodeBases(const std::vector<std::string>& bases);
std::vector<std::string> DecodeBases(std::string_view text);
std::string EncodeImports(const std::vector<Import>& imports);
std::vector<Import> DecodeImports(std::string_view text);
// 63-bit hash of a name (fits a SQLite INTEGER); names are looked up by it.
int64_t NameHash(std::string_view name);
// "scope.name" or "scope::name" (the language's separator), or just name.
std::string QualifiedName(const std::string& scope, const std::string& name,
                          std::string_view language);
// The last component of a qualified name: "c" of "a.b.c" or "a::b::c".
std::string_view LastComponent(std::string_view qualified);
// Language families whose code can call each other (c/cpp/objc, javascript/typescript).
std::string_view LanguageFamily(std::string_view language);

// ---------------------------------------------------------------------------
// Resolution.

// The index's files, in memory, for import resolution and path rules.
// Lookups by file id are array accesses (ids are SQLite rowids: dense).
class PathSet {
 public:
  void Add(int64_t id, std::string path, std::string language);
  int64_t Find(std::string_view path) const;    // 0 when absent
  const std::string& PathOf(int64_t id) const;  // "" when unknown
  const std::string& LanguageOf(int64_t id) const;
  // A small number per directory and per language family (LanguageFamily),
  // for cheap comparisons; -1 for an unknown file.
  int DirOf(int64_t id) const;
  int FamilyOf(int64_t id) const;
  int FamilyId(std::string_view language) const;  // -1 when no file has that family
  // Ids of the files directly in `dir` ("" is the root).
  const std::vector<int64_t>& FilesIn(std::string_view dir) const;
  // Ids of files whose path is `suffix` or ends with "/" + suffix.
  std::vector<int64_t> WithSuffix(std::string_view suffix) const;
  size_t size() const { return count_; }

 private:
  struct Entry {
    std::string path, language;
    int dir = -1, family = -1;
  };
  const Entry* At(int64_t id) const {
    return id > 0 && static_cast<size_t>(id) < entries_.size() && entries_[id].dir >= 0
               ? &entries_[id]
               : nullptr;
  }
  std::vector<Entry> entries_;  // by file id
  size_t count_ = 0;
  std::unordered_map<std::string, int64_t> by_path_;
  std::unordered_map<std::string, int> dir_ids_, family_ids_;
  std::vector<std::vector<int64_t>> by_dir_;  // by dir id
  std::unordered_map<std::string, std::vector<int64_t>> by_base_;
};

std::string_view DirName(std::string_view path);
std::string_view BaseName(std::string_view path);

// The files an import statement refers to, among the index's files (empty
// when it points outside the index). Several for a Go package (its files).
std::vector<int64_t> ResolveImport(const PathSet& paths, std::string_view from_path,
                                   std::string_view language, const Import& imp);

class ContextCache;

struct SymbolInfo {
  int64_t id = 0;
  int64_t file_id = 0;
  std::string name, kind, scope, self_scope;
  Role role = Role::kCallable;
  int line = 0, def_line = 0, end_line = 0;
  int64_t parent = 0;  // 0 at file level
};

// Read access to a stored graph. Implementations may cache; a Resolver uses
// one Source from one thread.
class Source {
 public:
  virtual ~Source() = default;
  virtual Result<std::vector<SymbolInfo>> SymbolsNamed(std::string_view name) = 0;
  virtual Result<SymbolInfo> Symbol(int64_t id) = 0;
  virtual Result<std::vector<CallRef>> CallsOf(int64_t id) = 0;
  virtual Result<std::vector<std::string>> BasesOf(int64_t id) = 0;
  // Ids of symbols with a call site naming `name` (maybe a few extra: callers
  // are checked by resolving their calls), in id order, at most `limit`.
  virtual Result<std::vector<int64_t>> CallersNamed(std::string_view name, size_t limit) = 0;
  virtual Result<std::vector<Import>> ImportsOf(int64_t file_id) = 0;
  virtual const PathSet& Paths() = 0;
  // File contexts shared with other queries of the same snapshot; may be null.
  virtual ContextCache* SharedContexts() { return nullptr; }
  // Every symbol in (file, line) order, with its encoded calls and bases.
  virtual Status ForEachSymbol(const std::function<Status(const SymbolInfo&, std::string_view calls,
                                                          std::string_view bases)>& f) = 0;
  // Every file that has imports.
  virtual Status ForEachFileImports(
      const std::function<Status(int64_t file_id, const std::vector<Import>&)>& f) = 0;
};

struct Resolution {
  enum class State { kResolved, kAmbiguous, kUnresolved } state = State::kUnresolved;
  std::string rule;                 // which rule decided: same_class, same_file, imports, ...
  std::vector<int64_t> targets;     // kResolved: one, or several alternatives in one file and scope
  std::vector<int64_t> candidates;  // kAmbiguous: the definitions it could be (capped)
};

// What a file's imports bring into scope, resolved against a PathSet.
struct FileContext {
  std::vector<int64_t> imported_files;
  std::unordered_set<int64_t> imported_set;
  std::vector<int64_t> wildcard_files;  // from x import *, use a::*, ...
  // Local name -> the files that define it / the module it names.
  std::unordered_map<std::string, std::vector<int64_t>> name_sources, module_aliases;
  std::unordered_set<std::string> unresolved_names;  // imported from outside the index
  bool star_unresolved = false;                      // a star import of a module outside the index
};

// File contexts shared by the queries of one index snapshot (they depend only
// on a file's imports and the file list). Thread-safe; bounded: it starts
// over when full.
class ContextCache {
 public:
  explicit ContextCache(size_t max_entries = 50000) : max_(max_entries) {}
  std::shared_ptr<const FileContext> Get(int64_t file_id) const;
  void Put(int64_t file_id, std::shared_ptr<const FileContext> ctx);

 private:
  size_t max_;
  mutable std::mutex mu_;
  std::unordered_map<int64_t, std::shared_ptr<const FileContext>> map_;
};

class Resolver {
 public:
  explicit Resolver(Source* source) : source_(source) {}
  Result<Resolution> Resolve(const SymbolInfo& caller, const CallRef& call);
  // The definitions a base class name refers to, seen from `from` (a type).
  Result<std::vector<int64_t>> ResolveType(const SymbolInfo& from, const std::string& name);
  // The files a file imports (resolved), cached.
  Result<const std::vector<int64_t>*> ImportedFiles(int64_t file_id);

 private:
  Result<const FileContext*> Context(int64_t file_id);
  Result<const std::vector<SymbolInfo>*> Named(const std::string& name);
  Result<const SymbolInfo*> SymbolCached(int64_t id);
  Result<Resolution> ResolveSelf(const SymbolInfo& caller, const std::string& self_scope,
                                 const std::vector<const SymbolInfo*>& cands, bool skip_own);
  Source* source_;
  std::unordered_map<int64_t, std::shared_ptr<const FileContext>> contexts_;
  std::unordered_map<std::string, std::vector<SymbolInfo>> named_;
  std::unordered_map<int64_t, SymbolInfo> symbols_;
};

// A call tree around one symbol (GET /indexes/{id}/call_chain).
struct ChainOptions {
  bool callers = true;
  bool callees = true;
  int depth = 3;           // 1..10
  size_t max_nodes = 200;  // the tree stops growing here (truncated = true)
  size_t max_roots = 10;   // definitions of the symbol shown
};

struct ChainNode {
  int64_t id = 0;  // 0 for an unresolved or ambiguous call
  std::string symbol, kind, file;
  int line = 0, end_line = 0;
  int call_line = 0;       // the line of the call (in the caller)
  bool cycle = false;      // already on the path from the root: not expanded again
  bool repeated = false;   // expanded elsewhere in the tree: not expanded again
  bool ambiguous = false;  // a caller whose call could also be another definition of the name
  std::string unresolved;  // "" when resolved; else "unresolved" or "ambiguous"
  std::vector<std::string> candidates;  // "file:line symbol" for ambiguous calls
  std::vector<ChainNode> callers, callees;
};

struct ChainResult {
  std::vector<ChainNode> roots;
  size_t nodes = 0;
  bool truncated = false;
};

// `symbol` is a name, or qualified ("Class.method", "ns::f"); `file` (may be
// empty) keeps only definitions in that file.
Result<ChainResult> CallChain(Source* source, const std::string& symbol, const std::string& file,
                              const ChainOptions& options);

// Direct neighbours of one definition, resolved: who calls it, what it calls.
struct Neighbor {
  SymbolInfo symbol;
  int call_line = 0;  // the line of the call, in the caller
};
Result<std::vector<Neighbor>> CallersOf(Source* source, const SymbolInfo& target, size_t limit);
Result<std::vector<Neighbor>> CalleesOf(Source* source, const SymbolInfo& caller, size_t limit);

// The definitions named `symbol` (qualified or not), callables and types first.
Result<std::vector<SymbolInfo>> FindDefinitions(Source* source, const std::string& symbol,
                                                const std::string& file);

// Every edge of one kind, as GET /indexes/{id}/graph lists them. A node is
// {file, symbol, line}: line is the definition's first line (its first
// decorator or attribute when it has one); a file is {path, "", 1}.
struct EdgeEnd {
  std::string file, symbol;
  int line = 0;
};
struct Edge {
  std::string_view kind;  // calls, imports, inherits, contains
  EdgeEnd from, to;
  std::string_view rule;  // calls: the resolution rule; imports: the module as written
};
struct EdgeStats {
  uint64_t edges = 0;
  uint64_t unresolved = 0;  // calls/bases/imports that name nothing in the index
  uint64_t ambiguous = 0;   // calls/bases with candidates in several places
  uint64_t local = 0;       // calls of parameters and local variables
};
// `kind`: calls, imports, inherits or contains. `emit` returns false to stop.
Status ForEachEdge(Source* source, std::string_view kind,
                   const std::function<bool(const Edge&)>& emit, EdgeStats* stats);

}  // namespace ts::graph
