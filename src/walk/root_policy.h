// What folders may become an index root (docs/SECURITY.md, "What may be
// indexed"). Checked by the service for every root a request names, after the
// path is resolved (symlinks followed), so a link cannot smuggle a denied
// folder in.
//   - Denied, whatever is asked: /proc, /sys, /dev, /etc, /boot, /run, the
//     user's key stores (~/.ssh, ~/.gnupg, ~/.aws, ~/.azure, ~/.kube,
//     ~/.config/gcloud, ~/.password-store, ~/.docker) and the config's
//     `deny` list, with everything under them.
//   - Broad: `/`, the home folder itself and every folder above it, and every
//     folder above a denied one (`~/.config`). Refused unless the config's
//     `allow` list names that exact folder, which only the user can write
//     (`trusty-search index --allow-broad` adds it); a request, over HTTP or
//     MCP, cannot.
// The config is `$XDG_CONFIG_HOME/trusty-search/config.toml` (else
// ~/.config/trusty-search/config.toml) with two optional string arrays:
//   deny = ["/srv/secrets"]
//   allow = ["/home/me"]
#pragma once

#include <string>
#include <vector>

#include "util/status.h"

namespace ts::walk {

struct RootPolicy {
  std::string home;                // the user's home folder; "" when unknown
  std::vector<std::string> deny;   // from the config
  std::vector<std::string> allow;  // from the config: broad roots the user accepted
};

// Ok, or InvalidArgument saying why `root` (absolute, resolved) may not be indexed.
Status CheckIndexRoot(const std::string& root, const RootPolicy& policy);

// The config's lists; a missing file gives empty lists, a malformed one an error.
Result<RootPolicy> LoadRootPolicy(std::string home, const std::string& config_path);

// The string arrays `deny` and `allow` of a config's text (other keys are ignored).
Status ParseRootPolicy(const std::string& text, RootPolicy* policy);

// `text` with `root` added to its `allow` array (made when absent); comments
// and other keys are kept.
std::string WithAllowedRoot(const std::string& text, const std::string& root);

}  // namespace ts::walk
