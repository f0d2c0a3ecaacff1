// The data dir's contract between the daemon and its clients: where it is,
// which index names it accepts, and the files that say whether and where a
// daemon runs.
#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdlib>

#include "client/client.h"
#include "util/file.h"

namespace ts::client {

std::string DefaultDataDir() {
  if (const char* d = std::getenv("TRUSTY_DATA_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x)
    return std::string(x) + "/trusty-search";
  if (const char* h = std::getenv("HOME"); h && *h)
    return std::string(h) + "/.local/share/trusty-search";
  return ".trusty-search";
}

std::string HomeDir() {
  if (const char* h = std::getenv("HOME"); h && *h) return h;
  if (const passwd* pw = ::getpwuid(::getuid()); pw != nullptr && pw->pw_dir != nullptr)
    return pw->pw_dir;
  return "";
}

std::string DefaultConfigPath() {
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x && *x)
    return std::string(x) + "/trusty-search/config.toml";
  const std::string home = HomeDir();
  return home.empty() ? std::string() : home + "/.config/trusty-search/config.toml";
}

bool IsValidIndexName(const std::string& name) {
  if (name.empty() || name.size() > 64 || name[0] == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

std::string CanonicalDataDir(const std::string& data_dir) {
  char resolved[PATH_MAX];
  return ::realpath(data_dir.c_str(), resolved) != nullptr ? std::string(resolved) : data_dir;
}

std::string PidPath(const std::string& d) {
  return d + "/daemon.pid";
}
std::string PortPath(const std::string& d) {
  return d + "/port";
}
std::string LockPath(const std::string& d) {
  return d + "/daemon.lock";
}
std::string LogPath(const std::string& d) {
  return d + "/daemon.log";
}

namespace {

Result<int> ReadNumberFile(const std::string& path) {
  auto text = ReadFilePrefix(path, 64);
  if (!text.ok()) return text.status();
  int v = std::atoi(text->c_str());
  if (v <= 0) return Status::Corruption(path + " holds no number");
  return v;
}

}  // namespace

bool DaemonLockHeld(const std::string& data_dir) {
  int fd = ::open(LockPath(data_dir).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0;
  ::close(fd);
  return held;
}

Result<int> RunningDaemonPort(const std::string& data_dir) {
  if (!DaemonLockHeld(data_dir)) return Status::NotFound("no daemon is running for " + data_dir);
  return ReadNumberFile(PortPath(data_dir));
}

Result<int> RunningDaemonPid(const std::string& data_dir) {
  if (!DaemonLockHeld(data_dir)) return Status::NotFound("no daemon is running for " + data_dir);
  return ReadNumberFile(PidPath(data_dir));
}

}  // namespace ts::client
