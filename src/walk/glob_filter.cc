// GlobFilter: rg --glob semantics on top of the gitignore matcher. A glob is
// added as an ignore line, so "matched as ignored" means "matched an include
// glob" and "matched as re-included" means "matched an exclude glob".
#include "walk/ignore_rules.h"
#include "walk/walk.h"

namespace ts::walk {
namespace {

// ripgrep's globs accept {a,b} alternatives, which gitignore syntax lacks:
// each glob is expanded into plain ones ("*.{c,h}" -> "*.c", "*.h").
void ExpandBraces(const std::string& glob, std::vector<std::string>* out) {
  size_t open = std::string::npos;
  int depth = 0;
  for (size_t i = 0; i < glob.size(); ++i) {
    if (glob[i] == '\\') {
      ++i;
    } else if (glob[i] == '{') {
      if (depth++ == 0) open = i;
    } else if (glob[i] == '}' && depth > 0 && --depth == 0) {
      std::vector<std::string> parts;
      size_t start = open + 1;
      int inner = 0;
      for (size_t j = open + 1; j < i; ++j) {
        if (glob[j] == '\\') {
          ++j;
        } else if (glob[j] == '{') {
          ++inner;
        } else if (glob[j] == '}') {
          --inner;
        } else if (glob[j] == ',' && inner == 0) {
          parts.push_back(glob.substr(start, j - start));
          start = j + 1;
        }
      }
      parts.push_back(glob.substr(start, i - start));
      for (const auto& part : parts) {
        ExpandBraces(glob.substr(0, open) + part + glob.substr(i + 1), out);
      }
      return;
    }
  }
  out->push_back(glob);
}

}  // namespace

Result<GlobFilter> GlobFilter::Create(const std::vector<std::string>& globs) {
  GlobFilter filter;
  if (globs.empty()) return filter;
  auto rules = std::make_shared<IgnoreRules>();
  for (const auto& g : globs) {
    std::string_view body = g;
    bool exclude = !body.empty() && body[0] == '!';
    if (exclude) body.remove_prefix(1);
    if (body.empty() || body.find('\n') != std::string_view::npos) {
      return Status::InvalidArgument("invalid glob '" + g + "'");
    }
    if (!exclude) filter.has_includes_ = true;
    std::vector<std::string> expanded;
    ExpandBraces(std::string(body), &expanded);
    for (const auto& one : expanded) {
      if (one.empty()) continue;
      // A leading '#' would make the line a comment; escape it so it stays a glob.
      std::string line = exclude ? "!" : "";
      if (one[0] == '#') line += "\\";
      rules->AddLine(line + one);
    }
  }
  filter.rules_ = std::move(rules);
  return filter;
}

bool GlobFilter::Allows(std::string_view rel_path) const {
  if (!rules_) return true;
  for (size_t slash = rel_path.find('/'); slash != std::string_view::npos;
       slash = rel_path.find('/', slash + 1)) {
    if (rules_->Match(rel_path.substr(0, slash), true) == IgnoreVerdict::kIncluded) return false;
  }
  switch (rules_->Match(rel_path, false)) {
    case IgnoreVerdict::kIgnored:
      return true;
    case IgnoreVerdict::kIncluded:
      return false;
    case IgnoreVerdict::kNoMatch:
      break;
  }
  return !has_includes_;
}

}  // namespace ts::walk
