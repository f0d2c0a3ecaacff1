// RootPolicy (root_policy.h): the denied and broad roots, and the config's lists.
#include "walk/root_policy.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "util/file.h"

namespace ts::walk {
namespace {

// `path` is `dir` or lies under it (both absolute, without a trailing '/').
bool IsAtOrUnder(const std::string& path, const std::string& dir) {
  if (dir == "/") return true;
  return path == dir || (path.size() > dir.size() && path.compare(0, dir.size(), dir) == 0 &&
                         path[dir.size()] == '/');
}

std::string WithoutTrailingSlash(std::string p) {
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

std::vector<std::string> DeniedRoots(const RootPolicy& policy) {
  std::vector<std::string> out = {"/proc", "/sys", "/dev", "/etc", "/boot", "/run"};
  if (!policy.home.empty() && policy.home != "/") {
    const std::string h = WithoutTrailingSlash(policy.home);
    for (const char* d : {"/.ssh", "/.gnupg", "/.aws", "/.azure", "/.kube", "/.config/gcloud",
                          "/.password-store", "/.docker"}) {
      out.push_back(h + d);
    }
  }
  for (const auto& d : policy.deny) out.push_back(WithoutTrailingSlash(d));
  return out;
}

// Parses one TOML basic string starting at text[*pos] == '"'; advances *pos.
bool ParseString(const std::string& text, size_t* pos, std::string* out) {
  out->clear();
  for (size_t i = *pos + 1; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') {
      *pos = i + 1;
      return true;
    }
    if (c == '\n') return false;
    if (c == '\\') {
      if (++i >= text.size()) return false;
      const char e = text[i];
      if (e == '"' || e == '\\') {
        *out += e;
      } else if (e == 't') {
        *out += '\t';
      } else {
        return false;  // other escapes have no business in a path here
      }
      continue;
    }
    *out += c;
  }
  return false;
}

// The line number (1-based) of text[pos], for error messages.
size_t LineOf(const std::string& text, size_t pos) {
  return 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + pos, '\n'));
}

void SkipSpaceAndComments(const std::string& text, size_t* pos) {
  while (*pos < text.size()) {
    const char c = text[*pos];
    if (c == '#') {
      while (*pos < text.size() && text[*pos] != '\n') ++*pos;
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++*pos;
    } else {
      return;
    }
  }
}

// The position of `key = [` at the start of a line: the index just after '['.
size_t FindArray(const std::string& text, const std::string& key) {
  size_t line = 0;
  while (line < text.size()) {
    size_t p = line;
    while (p < text.size() && (text[p] == ' ' || text[p] == '\t')) ++p;
    if (text.compare(p, key.size(), key) == 0) {
      size_t q = p + key.size();
      while (q < text.size() && (text[q] == ' ' || text[q] == '\t')) ++q;
      if (q < text.size() && text[q] == '=') {
        ++q;
        while (q < text.size() && (text[q] == ' ' || text[q] == '\t')) ++q;
        if (q < text.size() && text[q] == '[') return q + 1;
      }
    }
    const size_t nl = text.find('\n', line);
    if (nl == std::string::npos) break;
    line = nl + 1;
  }
  return std::string::npos;
}

}  // namespace

Status ParseRootPolicy(const std::string& text, RootPolicy* policy) {
  for (const auto& [key, list] :
       {std::pair<std::string, std::vector<std::string>*>{"deny", &policy->deny},
        {"allow", &policy->allow}}) {
    size_t pos = FindArray(text, key);
    if (pos == std::string::npos) continue;
    for (;;) {
      SkipSpaceAndComments(text, &pos);
      if (pos >= text.size()) {
        return Status::InvalidArgument("config: the '" + key + "' array is not closed");
      }
      if (text[pos] == ']') break;
      std::string value;
      if (text[pos] != '"' || !ParseString(text, &pos, &value)) {
        return Status::InvalidArgument("config line " + std::to_string(LineOf(text, pos)) + ": '" +
                                       key + "' must be an array of \"quoted\" paths");
      }
      if (value.empty() || value[0] != '/') {
        return Status::InvalidArgument("config line " + std::to_string(LineOf(text, pos)) + ": '" +
                                       value + "' is not an absolute path");
      }
      list->push_back(WithoutTrailingSlash(value));
      SkipSpaceAndComments(text, &pos);
      if (pos < text.size() && text[pos] == ',') ++pos;
    }
  }
  return Status::Ok();
}

Result<RootPolicy> LoadRootPolicy(std::string home, const std::string& config_path) {
  RootPolicy policy;
  policy.home = WithoutTrailingSlash(std::move(home));
  if (config_path.empty()) return policy;
  if (::access(config_path.c_str(), F_OK) != 0 && errno == ENOENT) return policy;
  auto text = ReadFilePrefix(config_path, 1u << 20);
  if (!text.ok()) {
    return Status::InvalidArgument("cannot read " + config_path + ": " + text.status().message());
  }
  if (Status s = ParseRootPolicy(*text, &policy); !s.ok()) {
    return Status::InvalidArgument(config_path + ": " + s.message());
  }
  return policy;
}

Status CheckIndexRoot(const std::string& raw_root, const RootPolicy& policy) {
  const std::string root = WithoutTrailingSlash(raw_root);
  const std::vector<std::string> denied = DeniedRoots(policy);
  for (const auto& d : denied) {
    if (IsAtOrUnder(root, d)) {
      return Status::InvalidArgument("refusing to index " + root + ": " + d +
                                     " is never indexed (docs/SECURITY.md)");
    }
  }
  if (std::find(policy.allow.begin(), policy.allow.end(), root) != policy.allow.end()) {
    return Status::Ok();
  }
  std::string why;
  if (root == "/") {
    why = "it is the whole file system";
  } else if (!policy.home.empty() && IsAtOrUnder(policy.home, root)) {
    why = root == policy.home ? "it is your whole home folder" : "it holds your home folder";
  } else {
    for (const auto& d : denied) {
      if (IsAtOrUnder(d, root)) {
        why = "it holds " + d;
        break;
      }
    }
  }
  if (why.empty()) return Status::Ok();
  return Status::InvalidArgument(
      "refusing to index " + root + ": " + why +
      ". Index a project folder instead, or run `trusty-search index " + root +
      " --allow-broad` in a terminal (requests over HTTP or MCP cannot allow it)");
}

std::string WithAllowedRoot(const std::string& text, const std::string& root) {
  std::string quoted = "\"";
  for (char c : root) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  quoted += "\"";
  const size_t pos = FindArray(text, "allow");
  if (pos == std::string::npos) {
    std::string out = text;
    if (!out.empty() && out.back() != '\n') out += '\n';
    return out + "allow = [" + quoted + "]\n";
  }
  std::string out = text;
  out.insert(pos, quoted + ", ");
  return out;
}

}  // namespace ts::walk
