// GlobFilter: rg --glob semantics on top of the gitignore matcher. A glob is
// added as an ignore line, so "matched as ignored" means "matched an include
// glob" and "matched as re-included" means "matched an exclude glob".
#include "walk/ignore_rules.h"
#include "walk/walk.h"

namespace ts::walk {

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
    // A leading '#' would make the line a comment; escape it so it stays a glob.
    std::string line = exclude ? "!" : "";
    if (body[0] == '#') line += "\\";
    line += body;
    rules->AddLine(line);
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
