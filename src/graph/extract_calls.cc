// The extractor's call pass: every call site under the innermost definition
// that owns it, and the bases a type names.
#include <algorithm>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "graph/extractor.h"
#include "util/hash.h"

namespace ts::graph {

bool Extractor::IsSelfName(const Node* owner, std::string_view w) const {
  if (owner == nullptr) return false;
  if (!owner->self_name.empty() && w == owner->self_name) return true;
  // In Python "self" is a convention, also where the first parameter is cls
  // (__new__ and classmethods build one); a staticmethod has neither.
  if (rules_.python) return w == "self" && !owner->def.self_scope.empty() && !owner->is_static;
  if (!owner->self_name.empty()) return false;
  if (owner->def.self_scope.empty()) return false;
  for (auto s : rules_.self_names) {
    if (w == s) return true;
  }
  return false;
}

void Extractor::Calls() {
  std::unordered_set<size_t> name_toks;  // nodes_ is sorted by claim_begin (Nest)
  for (const auto& n : nodes_) {
    if (n.name_tok >= 0) name_toks.insert(n.name_tok);
  }
  // (owner, name, kind, receiver) already recorded, as a 64-bit hash.
  std::unordered_set<uint64_t> seen;
  const auto& not_calls = NotCalls(rules_.python);
  std::vector<size_t> stack;
  size_t next = 0;
  size_t skip_until = 0;  // Python lambda bodies are skipped
  for (size_t i = 0; i < toks_.size(); ++i) {
    while (!stack.empty() && nodes_[stack.back()].claim_end <= i) stack.pop_back();
    while (next < nodes_.size() && nodes_[next].claim_begin <= i) {
      size_t d = next++;
      while (!stack.empty() && nodes_[stack.back()].claim_end <= nodes_[d].claim_begin)
        stack.pop_back();
      if (nodes_[d].claim_end > i) stack.push_back(d);
    }
    if (i < skip_until) continue;
    const Token& t = toks_[i];
    if (rules_.python && t.kind == Tok::kIdent && Text(i) == "lambda") {
      skip_until = LambdaEnd(i);
      continue;
    }
    if (t.kind != Tok::kIdent) continue;
    Node* owner = stack.empty() ? nullptr : &nodes_[stack.back()];
    if (owner != nullptr && i < owner->body_begin) continue;  // header: decorators, defaults
    if (owner == nullptr && !rules_.module_calls) continue;
    if (owner != nullptr && owner->def.role != Role::kCallable &&
        owner->def.role != Role::kModule && !rules_.python)
      continue;  // declarations in a class body are not calls
    if (owner != nullptr && owner->def.role == Role::kField) continue;
    // name(...)
    CallKind kind = CallKind::kBare;
    size_t after = i + 1;
    if (lang_ == "rust" && Punct(after, "!") &&
        (Punct(after + 1, "(") || Punct(after + 1, "[") || Punct(after + 1, "{"))) {
      kind = CallKind::kMacro;
    } else if (!Punct(after, "(")) {
      continue;
    }
    std::string_view name = Text(i);
    if (name_toks.count(i)) continue;
    if (i > 0 && toks_[i - 1].kind == Tok::kIdent && toks_[i - 1].line == t.line &&
        DefinesName(Text(i - 1)))
      continue;
    if ((t.flags & kPreproc) && i > 0 && toks_[i - 1].kind == Tok::kDirective) continue;
    if (rules_.js_methods && kind == CallKind::kBare) {
      size_t close = MatchClose(toks_, s_, after);
      if (close + 1 < toks_.size() && Punct(close + 1, "{") &&
          !(i > 0 && (Punct(i - 1, ".") || Punct(i - 1, "?.")))) {
        continue;  // "name(...) {": a method being defined
      }
    }
    std::string receiver;
    if (kind != CallKind::kMacro && i > 0) {
      size_t p = i - 1;
      auto member_op_at = [&](size_t k) {
        return Punct(k, ".") || Punct(k, "->") || Punct(k, "?.");
      };
      bool member_op = member_op_at(p);
      if (member_op && p > 0) {
        size_t r = p - 1;
        bool chained = r > 0 && member_op_at(r - 1);
        if (Ident(r)) {
          std::string_view rw = Text(r);
          if (!chained && IsSelfName(owner, rw)) {
            kind = CallKind::kSelf;
          } else if (!chained && rw == "super") {
            kind = CallKind::kSuper;
          } else {
            kind = CallKind::kMember;
            receiver = chained ? DottedReceiver(r) : std::string(rw);
          }
        } else if (Punct(r, ")")) {
          size_t open = MatchOpen(r);
          kind = open < toks_.size() && open > 0 && Word(open - 1, "super") ? CallKind::kSuper
                                                                            : CallKind::kMember;
        } else {
          kind = CallKind::kMember;
        }
      } else if (member_op) {
        kind = CallKind::kMember;
      } else if (Punct(p, "::")) {
        if (p > 0 && Ident(p - 1)) {
          std::string_view rw = Text(p - 1);
          if (rw == "Self" || rw == "self" || rw == "super" || rw == "crate") {
            kind = rw == "Self" ? CallKind::kSelf : CallKind::kBare;
          } else {
            kind = CallKind::kScoped;
            receiver = rw;
          }
        }
      } else if (Word(p, "new")) {
        kind = CallKind::kNew;
      }
    }
    if ((kind == CallKind::kBare || kind == CallKind::kNew) && not_calls.count(name)) continue;
    if (kind == CallKind::kBare && owner != nullptr && owner->shadow.count(std::string(name)))
      kind = CallKind::kLocal;
    uint64_t key = Hash64(name) * 0x9E3779B97F4A7C15ull ^ Hash64(receiver) * 31 ^
                   (static_cast<uint64_t>(kind) << 56) ^
                   static_cast<uint64_t>(owner == nullptr ? 0 : owner - nodes_.data() + 1);
    if (!seen.insert(key).second) continue;
    CallRef ref{std::string(name), kind, receiver, static_cast<int>(t.line)};
    if (owner == nullptr) {
      module_calls_.push_back(std::move(ref));
    } else {
      owner->def.calls.push_back(std::move(ref));
    }
  }
}

std::string Extractor::DottedReceiver(size_t r) const {
  std::vector<std::string_view> parts = {Text(r)};
  size_t k = r;
  while (k >= 2 && Punct(k - 1, ".") && Ident(k - 2) && parts.size() < 6) {
    k -= 2;
    parts.push_back(Text(k));
  }
  if (k > 0 &&
      (Punct(k - 1, ".") || Punct(k - 1, "->") || Punct(k - 1, "?.") || Punct(k - 1, "::")))
    return "";
  std::string out;
  for (size_t i = parts.size(); i-- > 0;) {
    out += parts[i];
    if (i > 0) out += '.';
  }
  return out;
}

size_t Extractor::LambdaEnd(size_t i) const {
  int depth = toks_[i].depth;
  for (size_t k = i + 1; k < toks_.size(); ++k) {
    const Token& t = toks_[k];
    if (t.flags & kStmtStart) return k;
    if (t.depth < depth) return k;
    if (t.depth == depth && t.kind == Tok::kPunct) {
      std::string_view p = Text(k);
      if (p == "," || p == ")" || p == "]" || p == "}" || p == ";") return k;
    }
    if (t.depth == depth && Word(k, "for")) return k;  // [lambda: x for x in y]
  }
  return toks_.size();
}

void Extractor::Bases() {
  for (auto& n : nodes_) {
    Definition& d = n.def;
    if (!d.bases.empty()) continue;
    if (d.role == Role::kImpl && lang_ == "rust") {
      size_t i = TokAtLine(d.def_line), stop = TokAtLine(d.def_line + 1);
      while (i < stop && !Word(i, "impl")) ++i;
      size_t f = i;
      while (f < toks_.size() && f < i + 64 && !Word(f, "for") && !Punct(f, "{")) ++f;
      if (f < toks_.size() && Word(f, "for")) {
        // The trait: the last path segment before "for", generics dropped.
        std::string trait;
        int angle = 0;
        for (size_t k = i + 1; k < f; ++k) {
          if (Punct(k, "<")) ++angle;
          if (Punct(k, ">")) --angle;
          if (Punct(k, ">>")) angle -= 2;
          if (angle == 0 && Ident(k)) trait = Text(k);
        }
        if (!trait.empty()) d.bases.push_back(trait);
      }
      continue;
    }
    if (d.role != Role::kType) continue;
    if (lang_ == "go" && (d.kind == "struct" || d.kind == "interface")) {
      // Embedded fields: a line holding only [*]Name or [*]pkg.Name (and maybe a tag).
      for (int l = d.def_line + 1; l < d.end_line; ++l) {
        size_t i = TokAtLine(l), stop = TokAtLine(l + 1);
        if (i >= stop) continue;
        if (Punct(i, "*")) ++i;
        std::string name;
        if (Ident(i)) {
          name = Text(i);
          ++i;
          if (Punct(i, ".") && Ident(i + 1)) {
            name += "." + std::string(Text(i + 1));
            i += 2;
          }
        }
        if (i < stop && toks_[i].kind == Tok::kString) ++i;
        if (!name.empty() && i == stop) d.bases.push_back(name);
      }
      continue;
    }
    if (n.name_tok < 0) continue;
    // Header keywords up to the body.
    size_t i = n.name_tok + 1;
    int depth = toks_[n.name_tok].depth;
    bool collecting = false;
    std::string cur;
    for (size_t k = i; k < toks_.size() && k < i + 128; ++k) {
      if (toks_[k].depth < depth) break;
      if (toks_[k].depth == depth && (Punct(k, "{") || Punct(k, ";") || Punct(k, "where"))) break;
      if (toks_[k].depth != depth) continue;
      std::string_view w = Text(k);
      if (Word(k, "extends") || Word(k, "implements") || Word(k, "with") ||
          (Punct(k, ":") && (lang_ == "kotlin" || lang_ == "swift" || lang_ == "csharp"))) {
        if (!cur.empty()) d.bases.push_back(cur);
        cur.clear();
        collecting = true;
        continue;
      }
      if (!collecting) continue;
      if (Punct(k, ",")) {
        if (!cur.empty()) d.bases.push_back(cur);
        cur.clear();
      } else if (Ident(k)) {
        if (!cur.empty() && !Punct(k - 1, ".")) {
          d.bases.push_back(cur);
          cur.clear();
        }
        cur += w;
      } else if (Punct(k, ".")) {
        cur += ".";
      } else if (Punct(k, "<")) {
        // generic arguments: skip to the matching '>'
        int angle = 1;
        while (++k < toks_.size() && angle > 0) {
          if (Punct(k, "<")) ++angle;
          if (Punct(k, ">")) --angle;
        }
        --k;
      }
    }
    if (!cur.empty()) d.bases.push_back(cur);
  }
}

}  // namespace ts::graph
