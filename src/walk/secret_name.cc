// IsSecretName (walk.h): names that hold credentials are never indexed, read
// for grep, or copied into a companion, whatever the ignore files say.
#include <algorithm>
#include <array>

#include "util/ascii.h"
#include "walk/walk.h"

namespace ts::walk {

bool IsSecretName(std::string_view name, bool is_dir) {
  const std::string lower = LowerAscii(name);
  if (is_dir) {
    // Key stores of ssh, gpg, cloud CLIs and password managers.
    constexpr std::array<std::string_view, 6> kDirs = {".ssh",  ".gnupg",          ".aws",
                                                       ".kube", ".password-store", ".azure"};
    return std::find(kDirs.begin(), kDirs.end(), lower) != kDirs.end();
  }
  // Private keys (and their .pub siblings, harmless but of no use to search).
  for (std::string_view prefix : {"id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"}) {
    if (lower.starts_with(prefix)) return true;
  }
  if (lower == ".netrc" || lower == "_netrc" || lower == ".pgpass" || lower == ".htpasswd" ||
      lower.starts_with("credentials")) {
    return true;
  }
  // .env and .env.local hold secrets; .env.example and friends are templates.
  if (lower == ".env") return true;
  if (lower.starts_with(".env.")) {
    const std::string_view rest = std::string_view(lower).substr(5);
    return rest != "example" && rest != "sample" && rest != "template" && rest != "dist";
  }
  for (std::string_view ext : {".pem", ".key", ".p12", ".pfx", ".jks", ".keystore"}) {
    if (lower.size() > ext.size() && lower.ends_with(ext)) return true;
  }
  return false;
}

}  // namespace ts::walk
