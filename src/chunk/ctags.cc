// Runs universal-ctags as one process per batch of files, in its sandboxed
// interactive mode: requests and file contents in on stdin, JSON lines out.
// ctags opens no file (its sandbox refuses), so it parses the bytes the
// caller read from inside the root. Never through a shell.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "chunk/chunk.h"
#include "chunk/ctags_json.h"
#include "util/file.h"
#include "util/utf8.h"

extern char** environ;

namespace ts::chunk {
namespace {

constexpr int kBatchTimeoutSeconds = 300;

struct ProcessOutput {
  int exit_code = -1;
  bool timed_out = false;
  std::string out;
};

// Spawns argv in `cwd` with stdin from `input_fd` (from /dev/null when < 0)
// and stderr discarded, and collects stdout. Kills the child when it runs
// past the deadline.
Result<ProcessOutput> RunProcess(const std::vector<std::string>& argv, const std::string& cwd,
                                 int timeout_seconds, int input_fd = -1) {
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) return Status::IoError("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (input_fd >= 0) {
    posix_spawn_file_actions_adddup2(&actions, input_fd, 0);  // dup2 clears CLOEXEC
  } else {
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  }
  posix_spawn_file_actions_adddup2(&actions, pipefd[1], 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
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

// `text` as a JSON string literal (valid UTF-8 in, so only quotes,
// backslashes and control characters need escaping).
std::string JsonString(std::string_view text) {
  std::string out = "\"";
  for (char ch : text) {
    const unsigned char u = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (u < 0x20) {
      char esc[8];
      std::snprintf(esc, sizeof(esc), "\\u%04x", u);
      out += esc;
    } else {
      out += ch;
    }
  }
  return out + "\"";
}

// An extension that makes ctags pick the parser a script's shebang names,
// for a file whose name says nothing ("bin/deploy": "#!/bin/sh"). ctags reads
// a shebang itself only from an executable file on disk; here it sees none.
std::string_view ShebangExtension(std::string_view rel_path, std::string_view content) {
  if (!DetectLanguage(rel_path, "").empty()) return {};
  const std::string language = DetectLanguage(rel_path, content.substr(0, 256));
  static constexpr std::pair<std::string_view, std::string_view> kExtensionOf[] = {
      {"shell", ".sh"}, {"python", ".py"}, {"ruby", ".rb"},       {"perl", ".pl"},
      {"php", ".php"},  {"lua", ".lua"},   {"javascript", ".js"}, {"typescript", ".ts"},
      {"tcl", ".tcl"},  {"r", ".r"},       {"awk", ".awk"}};
  for (const auto& [name, extension] : kExtensionOf) {
    if (name == language) return extension;
  }
  return {};
}

// The name ctags is given for input `i`: the file's own (its extension or
// whole name picks the parser; a script's shebang adds one), unless that is
// not UTF-8, which a JSON request cannot carry; then a stand-in with the same
// extension. Names are unique within a batch ("//" never occurs in a relative
// path), so ctags' echo of a name finds its input.
std::string NameForCtags(std::string_view rel_path, std::string_view content, size_t i) {
  if (IsValidUtf8(rel_path)) {
    const std::string_view extension = ShebangExtension(rel_path, content);
    if (extension.empty()) return std::string(rel_path);
    return std::string(rel_path) + "//" + std::to_string(i) + std::string(extension);
  }
  const size_t slash = rel_path.rfind('/');
  const size_t dot = rel_path.rfind('.');
  std::string ext;
  if (dot != std::string_view::npos && (slash == std::string_view::npos || dot > slash)) {
    ext = std::string(rel_path.substr(dot));
    if (!IsValidUtf8(ext)) ext.clear();
  }
  return "non-utf8//" + std::to_string(i) + ext;
}

}  // namespace

Result<Ctags> Ctags::Find(const std::string& program) {
  // Checked once per process and program: every update calls Find, and the
  // probes below start ctags twice (about 15 ms). Failures are not
  // remembered, so installing ctags needs no restart.
  static std::mutex found_mu;
  static std::map<std::string, std::string> found;  // program -> the executable that passed
  {
    std::lock_guard<std::mutex> lock(found_mu);
    if (auto it = found.find(program); it != found.end()) return Ctags(it->second);
  }
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
  if (features->out.find("interactive") == std::string::npos) {
    return Status::Unavailable(exe + " was built without the interactive mode" + install);
  }
  std::lock_guard<std::mutex> lock(found_mu);
  found[program] = exe;
  return Ctags(exe);
}

Result<std::vector<std::vector<Tag>>> Ctags::Run(const std::vector<Input>& files) const {
  std::vector<std::vector<Tag>> tags(files.size());
  if (files.empty()) return tags;
  // Requests and contents go through an anonymous in-memory file (nothing is
  // left in /tmp if this process is killed), handed to ctags as its stdin:
  // per file a JSON request line naming it and its size, then its bytes.
  std::unordered_map<std::string, size_t> slot;
  std::string requests;
  for (size_t i = 0; i < files.size(); ++i) {
    std::string name = NameForCtags(files[i].rel_path, files[i].content, i);
    requests += "{\"command\":\"generate-tags\",\"filename\":" + JsonString(name) +
                ",\"size\":" + std::to_string(files[i].content.size()) + "}\n";
    requests += files[i].content;
    slot.emplace(std::move(name), i);
  }
  int input_fd = ::memfd_create("trusty-ctags-input", MFD_CLOEXEC);
  if (input_fd < 0) return Status::IoError("cannot create the ctags input");
  size_t written = 0;
  while (written < requests.size()) {
    const ssize_t n = ::write(input_fd, requests.data() + written, requests.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(input_fd);
      return Status::IoError("cannot write the ctags input");
    }
    written += static_cast<size_t>(n);
  }
  if (::lseek(input_fd, 0, SEEK_SET) != 0) {
    ::close(input_fd);
    return Status::IoError("cannot rewind the ctags input");
  }
  // Struct members, enumerators and variables of C/C++ are left out: they are
  // not chunks, and on a large C tree they are most of ctags' output.
  auto ran = RunProcess({executable_, "--_interactive=sandbox", "--output-format=json",
                         "--fields=+neKSZi", "--sort=no", "--kinds-C=-mev", "--kinds-C++=-mev"},
                        "/", kBatchTimeoutSeconds, input_fd);
  ::close(input_fd);
  if (!ran.ok()) return ran.status();
  if (ran->timed_out) {
    return Status::Unavailable("ctags took over " + std::to_string(kBatchTimeoutSeconds) +
                               " s on a batch starting with " +
                               std::string(files.front().rel_path));
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

Result<std::vector<std::vector<Tag>>> Ctags::Run(const std::string& root,
                                                 const std::vector<std::string>& rel_paths) const {
  constexpr size_t kMaxBytes = 64u << 20;
  std::vector<std::string> contents;
  std::vector<Input> inputs;
  std::vector<size_t> slots;
  contents.reserve(rel_paths.size());  // inputs view these strings: no reallocation
  for (size_t i = 0; i < rel_paths.size(); ++i) {
    auto content = ReadFileBeneath(root, rel_paths[i], kMaxBytes);
    if (!content.ok()) continue;
    contents.push_back(std::move(content).value());
    inputs.push_back({rel_paths[i], contents.back()});
    slots.push_back(i);
  }
  TS_ASSIGN_OR_RETURN(auto found, Run(inputs));
  std::vector<std::vector<Tag>> tags(rel_paths.size());
  for (size_t k = 0; k < slots.size(); ++k) tags[slots[k]] = std::move(found[k]);
  return tags;
}

}  // namespace ts::chunk
