// Runs universal-ctags as one process per batch of files (a list file in,
// JSON lines out). Never through a shell: paths may hold any character.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

#include "chunk/chunk.h"
#include "chunk/ctags_json.h"

extern char** environ;

namespace ts::chunk {
namespace {

constexpr int kBatchTimeoutSeconds = 300;

struct ProcessOutput {
  int exit_code = -1;
  bool timed_out = false;
  std::string out;
};

// Spawns argv in `cwd` with stdin from /dev/null and stderr discarded, and
// collects stdout. Kills the child when it runs past the deadline.
// `input_fd`, when >= 0, becomes the child's fd 3.
Result<ProcessOutput> RunProcess(const std::vector<std::string>& argv, const std::string& cwd,
                                 int timeout_seconds, int input_fd = -1) {
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) return Status::IoError("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipefd[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  if (input_fd >= 0)
    posix_spawn_file_actions_adddup2(&actions, input_fd, 3);  // dup2 clears CLOEXEC
  if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // The daemon blocks and ignores signals that ctags must keep: an orphaned
  // ctags has to die on SIGPIPE or SIGTERM like any process.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t empty, defaults;
  sigemptyset(&empty);
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGTERM, SIGINT, SIGHUP}) sigaddset(&defaults, sig);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  pid_t pid;
  int rc = posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipefd[1]);
  if (rc != 0) {
    ::close(pipefd[0]);
    return Status::Unavailable("cannot run " + argv[0] + ": " + std::strerror(rc));
  }
  ProcessOutput result;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  char buf[65536];
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) {
      ::kill(pid, SIGKILL);
      result.timed_out = true;
      break;
    }
    pollfd pfd{pipefd[0], POLLIN, 0};
    int pr = ::poll(&pfd, 1, static_cast<int>(std::min<long long>(left, 1000)));
    if (pr < 0 && errno != EINTR) break;
    if (pr <= 0) continue;
    ssize_t n = ::read(pipefd[0], buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    result.out.append(buf, static_cast<size_t>(n));
  }
  ::close(pipefd[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

bool FindOnPath(const std::string& name, std::string* found) {
  if (name.find('/') != std::string::npos) {
    *found = name;
    return ::access(name.c_str(), X_OK) == 0;
  }
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string candidate = dirs.substr(start, end - start) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) {
      *found = candidate;
      return true;
    }
    start = end + 1;
  }
  return false;
}

}  // namespace

Result<Ctags> Ctags::Find(const std::string& program) {
  const std::string& wanted = program;
  std::string exe;
  const std::string install = " (install it with: apt-get install universal-ctags)";
  if (!FindOnPath(wanted, &exe)) {
    return Status::Unavailable("universal-ctags not found as '" + wanted + "'" + install);
  }
  auto version = RunProcess({exe, "--version"}, "", 30);
  if (!version.ok() || version->out.find("Universal Ctags") == std::string::npos) {
    return Status::Unavailable(exe + " is not Universal Ctags" + install);
  }
  auto features = RunProcess({exe, "--list-features"}, "", 30);
  if (!features.ok() || features->out.find("json") == std::string::npos) {
    return Status::Unavailable(exe + " was built without JSON output" + install);
  }
  return Ctags(exe);
}

Result<std::vector<std::vector<Tag>>> Ctags::Run(const std::string& root,
                                                 const std::vector<std::string>& rel_paths) const {
  std::vector<std::vector<Tag>> tags(rel_paths.size());
  std::unordered_map<std::string, size_t> slot;
  std::string list;
  for (size_t i = 0; i < rel_paths.size(); ++i) {
    const std::string& p = rel_paths[i];
    // A list file holds one path a line; such names cannot be passed (they get no tags).
    if (p.find('\n') != std::string::npos || p.find('\r') != std::string::npos) continue;
    // "./" keeps a name that starts with '-' from being read as an option and
    // one that starts with a space from being trimmed; ctags echoes it back.
    slot.emplace("./" + p, i);
    list += "./";
    list += p;
    list += '\n';
  }
  if (slot.empty()) return tags;
  // The list goes through an anonymous in-memory file (nothing is left in /tmp
  // if this process is killed), handed to ctags as its fd 3.
  int list_fd = ::memfd_create("trusty-ctags-list", MFD_CLOEXEC);
  if (list_fd < 0) return Status::IoError("cannot create the ctags file list");
  bool written = ::write(list_fd, list.data(), list.size()) == static_cast<ssize_t>(list.size());
  if (!written) {
    ::close(list_fd);
    return Status::IoError("cannot write the ctags file list");
  }
  // Struct members, enumerators and variables of C/C++ are left out: they are
  // not chunks, and on a large C tree they are most of ctags' output.
  auto ran = RunProcess({executable_, "--output-format=json", "--fields=+neKSZi", "--sort=no",
                         "--kinds-C=-mev", "--kinds-C++=-mev", "-f", "-", "-L", "/dev/fd/3"},
                        root, kBatchTimeoutSeconds, list_fd);
  ::close(list_fd);
  if (!ran.ok()) return ran.status();
  if (ran->timed_out) {
    return Status::Unavailable("ctags took over " + std::to_string(kBatchTimeoutSeconds) +
                               " s on a batch starting with " + rel_paths.front());
  }
  std::string_view out = ran->out;
  Tag tag;
  std::string path;
  size_t pos = 0;
  while (pos < out.size()) {
    size_t nl = out.find('\n', pos);
    if (nl == std::string_view::npos) nl = out.size();
    if (ParseCtagsJsonLine(out.substr(pos, nl - pos), &tag, &path)) {
      auto it = slot.find(path);
      if (it != slot.end()) tags[it->second].push_back(std::move(tag));
    }
    pos = nl + 1;
  }
  return tags;
}

}  // namespace ts::chunk
