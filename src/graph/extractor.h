// The extractor's working parts, shared by its files (internal to
// src/graph): the per-language rules (extract_rules.cc) and the Extractor,
// whose passes live in extract.cc (nodes and nesting), extract_extent.cc
// (extents, parameters, locals) and extract_calls.cc (call sites, bases).
#pragma once

#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "chunk/chunk.h"
#include "graph/extract_internal.h"
#include "graph/graph.h"
#include "graph/lexer.h"

namespace ts::graph {

struct Rules {
  bool calls = false;  // call sites are extracted
  bool python = false;
  bool module_calls = false;       // code outside definitions runs (scripts, modules)
  bool name_first_params = false;  // "name: Type" / "name Type" parameters
  bool brace_defs = true;          // definitions end at their closing brace
  bool js_methods = false;         // "name(...) {" is a method definition, not a call
  std::vector<std::string_view> self_names;
};

// What each language's syntax allows the extractor to assume.
Rules RulesFor(std::string_view lang);
// Words that are followed by '(' without being calls.
const std::unordered_set<std::string_view>& NotCalls(bool python);
// Keywords after which a name is being defined, not called.
bool DefinesName(std::string_view w);
bool TypeLikeKind(std::string_view k);
// A scope kind whose members are members of a type (self/this applies).
bool TypeScopeKind(std::string_view k);
// What a tag becomes in the graph, or false when it is not a node.
bool Classify(const chunk::Tag& t, std::string_view lang, Role* role, std::string* kind);
// A ctags scope without its anonymous parts ("__anon1::Foo" -> "Foo").
std::string CleanScope(const std::string& scope);

struct Node {
  Definition def;
  size_t order = 0;                        // position in ctags' output
  int name_tok = -1;                       // the token of the name at def_line
  size_t claim_begin = 0, claim_end = 0;   // token range it owns (nested claims cut out)
  size_t body_begin = 0;                   // tokens before it are its header (owned by nobody)
  std::unordered_set<std::string> shadow;  // parameters and locals (bare calls to them are local)
  std::string self_name;   // Python: its first parameter when a method; Go: its receiver
  bool is_static = false;  // Python @staticmethod
};

// One file's pass: ExtractFile's worker.
class Extractor : private TokenAccessors<Extractor> {
 public:
  Extractor(std::string_view lang, std::string_view content, const std::vector<chunk::Tag>& tags)
      : lang_(lang), s_(content), tags_(tags), rules_(RulesFor(lang)) {}

  FileGraph Run();

 private:
  friend class TokenAccessors<Extractor>;
  void BuildLines();
  std::string_view LineText(int line) const;
  // First token on `line` or later.
  size_t TokAtLine(int line) const {
    if (line < 1) return 0;
    if (static_cast<size_t>(line) >= line_tok_.size()) return toks_.size();
    return line_tok_[line];
  }

  void CollectNodes();

  // "const f = (a) => ...", "const f = function ...", "f = async () => ..." on the tag's line.
  bool IsFunctionValue(const chunk::Tag& t) const;
  void SplitBases(const std::string& inherits, std::vector<std::string>* out) const;

  // Name token, header/body split, first line (decorators) and end line.
  void Extent(Node& n);
  int EstimateEnd(const Node& n) const;

  // The first line of the decorators/annotations/attributes stacked right
  // above the token `first` (the first token of the definition's line).
  int DecoratorStart(size_t first, int def_line) const;
  size_t MatchOpen(size_t close) const;

  // Python parameters: names in the def's parentheses; the first is `self`
  // (or `cls`) for a method that is not a staticmethod.
  void PythonParams(Node& n, size_t kw, size_t colon);

  // Parameters of brace languages (the shadow set), and a Go method's receiver.
  void OtherParams(Node& n);
  void AddParamName(Node& n, size_t b, size_t e, int depth);

  // Nesting: the innermost claim that holds a definition is its parent.
  void Nest();

  // Names a definition binds (parameters are already in): bare calls to them
  // are calls of a local value, not of a definition elsewhere.
  void Shadows(Node& n);

  // Python's rule (what the compiler treats as local): assignment targets,
  // for/with/except/import bindings, walrus, annotated names, anywhere in
  // the function's text, nested functions included.
  void PythonStores(Node& n, size_t b, size_t e);

  // The bracket depth of the statement holding token i (0 unless inside an f-string field).
  int StatementDepth(size_t i) const;
  bool IsSelfName(const Node* owner, std::string_view w) const;

  // Sweeps the tokens once with a stack of open claims, and records each
  // call site under the innermost definition that owns it.
  void Calls();

  // "a.b.c" when the receiver ending at token r is a chain of plain names
  // joined by '.' (a module path such as urllib.request); "" otherwise (a call
  // result, a subscript, ->).
  std::string DottedReceiver(size_t r) const;

  // A lambda's body ends at a ',' or a closing bracket at its own depth, or at
  // the end of the logical line.
  size_t LambdaEnd(size_t i) const;

  // Bases where ctags gives none: Rust "impl Trait for Type", Go embedding,
  // "extends"/"implements"/":" in headers of other languages.
  void Bases();
  std::string_view lang_, s_;
  const std::vector<chunk::Tag>& tags_;
  Rules rules_;
  std::vector<size_t> lines_;
  std::vector<Token> toks_;
  std::vector<size_t> line_tok_;  // line -> first token on it or later
  std::vector<Node> nodes_;
  std::vector<CallRef> module_calls_;
};

}  // namespace ts::graph
