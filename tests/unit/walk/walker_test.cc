// Tests of Walk() on real directory trees built in a temporary directory.
#include <fcntl.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "walk/walk.h"
#include "walk_test_util.h"

namespace ts::walk {
namespace {

using Paths = std::vector<std::string>;
using testing::RunWalk;
using testing::TempTree;
using testing::WalkOutput;

TEST(WalkTest, YieldsFilesWithRelativePathsAndMetadata) {
  TempTree tree;
  tree.Write("a.txt", "hello");
  tree.Write("dir/b.txt", "hi");
  WalkOutput out = RunWalk(tree.root());
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.paths, (Paths{"a.txt", "dir/b.txt"}));
  EXPECT_EQ(out.stats.files_seen, 2u);
  struct stat st;
  ASSERT_EQ(::stat(tree.Path("a.txt").c_str(), &st), 0);
  EXPECT_EQ(out.entries[0].size, 5u);
  EXPECT_EQ(out.entries[0].mtime_ns,
            static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec);
  EXPECT_TRUE(out.stats.skipped.empty());
}

TEST(WalkTest, SecretsAreSkippedWhateverTheIgnoreFilesSay) {
  TempTree tree;
  tree.Write("app.py", "x = 1\n");
  tree.Write(".env", "API_KEY=hunter2\n");
  tree.Write(".env.example", "API_KEY=\n");
  tree.Write("deploy/id_ed25519", "-----BEGIN OPENSSH PRIVATE KEY-----\n");
  tree.Write("tls/server.pem", "-----BEGIN PRIVATE KEY-----\n");
  tree.Write("home/.ssh/config", "Host *\n");
  tree.Write("home/.aws/config", "[default]\n");
  tree.Write("credentials.json", "{}\n");
  tree.Write(".gitignore", "!.env\n");  // an ignore file cannot let a secret in
  WalkOutput out = RunWalk(tree.root());
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.paths, (Paths{".env.example", ".gitignore", "app.py"}));
  EXPECT_EQ(out.stats.skipped.at("secret"), 6u);  // .env, the key, the pem, credentials, 2 dirs
}

TEST(WalkTest, SecretNames) {
  for (const char* name : {"id_rsa", "id_rsa.pub", "ID_ED25519", "server.key", "a.p12", ".netrc",
                           ".env", ".env.local", ".env.production", "credentials", ".pgpass"}) {
    EXPECT_TRUE(IsSecretName(name, false)) << name;
  }
  for (const char* name : {"key.py", "keys.go", "monkey", ".env.example", "env.py", "pem.c", ".key",
                           "README.md", "secret_santa.py"}) {
    EXPECT_FALSE(IsSecretName(name, false)) << name;
  }
  EXPECT_TRUE(IsSecretName(".ssh", true));
  EXPECT_TRUE(IsSecretName(".gnupg", true));
  EXPECT_FALSE(IsSecretName("ssh", true));
  EXPECT_FALSE(IsSecretName(".ssh", false));
}

TEST(WalkTest, RootWithTrailingSlashGivesSamePaths) {
  TempTree tree;
  tree.Write("dir/b.txt");
  EXPECT_EQ(RunWalk(tree.root() + "/").paths, (Paths{"dir/b.txt"}));
}

TEST(WalkTest, RootErrors) {
  TempTree tree;
  tree.Write("file");
  EXPECT_EQ(RunWalk(tree.Path("missing")).status.code(), Status::Code::kNotFound);
  EXPECT_EQ(RunWalk(tree.Path("file")).status.code(), Status::Code::kInvalidArgument);
}

TEST(WalkTest, DeterministicByteWiseOrder) {
  TempTree tree;
  for (const char* rel : {"b", "a-b", "a/z", "a/y", "B", "\xC3\xA9", "_", "a.txt", "Z/x"}) {
    tree.Write(rel);
  }
  WalkOutput first = RunWalk(tree.root());
  // Byte order: "B" (0x42) < "Z" < "_" (0x5F) < "a" < "a-b" < "a.txt" < "b" < "é".
  EXPECT_EQ(first.paths, (Paths{"B", "Z/x", "_", "a/y", "a/z", "a-b", "a.txt", "b", "\xC3\xA9"}));
  EXPECT_EQ(RunWalk(tree.root()).paths, first.paths);
}

TEST(WalkTest, NestedGitignoreAppliesToItsSubtreeOnly) {
  TempTree tree;
  tree.Write("sub/.gitignore", "*.log\n");
  tree.Write("sub/a.log");
  tree.Write("sub/deep/b.log");
  tree.Write("sub/keep.txt");
  tree.Write("top.log");
  WalkOutput out = RunWalk(tree.root());
  EXPECT_EQ(out.paths, (Paths{"sub/.gitignore", "sub/keep.txt", "top.log"}));
  EXPECT_EQ(out.Skipped(SkipReason::kIgnored), 2u);
}

TEST(WalkTest, NegationReincludesAndDeeperFileWins) {
  TempTree tree;
  tree.Write(".gitignore", "*.txt\n!important.txt\n");
  tree.Write("a.txt");
  tree.Write("important.txt");
  tree.Write("sub/.gitignore", "!b.txt\n");
  tree.Write("sub/b.txt");
  tree.Write("sub/c.txt");
  WalkOutput out = RunWalk(tree.root());
  EXPECT_EQ(out.paths, (Paths{".gitignore", "important.txt", "sub/.gitignore", "sub/b.txt"}));
}

TEST(WalkTest, NegationCannotReincludeInsideIgnoredDirectory) {
  TempTree tree;
  tree.Write(".gitignore", "out/\n!out/keep.txt\n");
  tree.Write("out/keep.txt");
  tree.Write("out/deep/x.txt");
  WalkOutput out = RunWalk(tree.root());
  EXPECT_EQ(out.paths, (Paths{".gitignore"}));
  EXPECT_EQ(out.Skipped(SkipReason::kIgnored), 1u);  // the directory, counted once
}

TEST(WalkTest, AnchoredPatternsMatchRelativeToTheirFile) {
  TempTree tree;
  tree.Write(".gitignore", "/root_only.txt\n");
  tree.Write("root_only.txt");
  tree.Write("sub/root_only.txt");
  tree.Write("sub/.gitignore", "docs/*.md\n");
  tree.Write("sub/docs/a.md");
  tree.Write("sub/docs/inner/b.md");
  tree.Write("docs/c.md");
  WalkOutput out = RunWalk(tree.root());
  EXPECT_EQ(out.paths, (Paths{".gitignore", "docs/c.md", "sub/.gitignore", "sub/docs/inner/b.md",
                              "sub/root_only.txt"}));
}

TEST(WalkTest, DirectoryOnlyPatternSkipsDirectoriesNotFiles) {
  TempTree tree;
  tree.Write(".gitignore", "cache/\n");
  tree.Write("cache/x.txt");
  tree.Write("sub/cache/y.txt");
  tree.Write("other/cache");  // a file named like the pattern
  WalkOutput out = RunWalk(tree.root());
  EXPECT_EQ(out.paths, (Paths{".gitignore", "other/cache"}));
  EXPECT_EQ(out.Skipped(SkipReason::kIgnored), 2u);
}

TEST(WalkTest, DoubleStarPatterns) {
  TempTree tree;
  tree.Write(".gitignore", "**/tmp\nlogs/**\nsrc/**/gen.c\n");
  tree.Write("tmp");
  tree.Write("a/b/tmp");
  tree.Write("logs/x.txt");
  tree.Write("logs/d/y.txt");
  tree.Write("src/gen.c");
  tree.Write("src/a/b/gen.c");
  tree.Write("src/a/main.c");
  tree.Write("other/src/gen.c");
  WalkOutput out = RunWalk(tree.root());
  EXPECT_EQ(out.paths, (Paths{".gitignore", "other/src/gen.c", "src/a/main.c"}));
}

TEST(WalkTest, DotIgnoreFileIsHonouredAndOverridesGitignore) {
  TempTree tree;
  tree.Write(".ignore", "*.bak\n!special.tmp\n");
  tree.Write(".gitignore", "*.tmp\n");
  tree.Write("a.bak");
  tree.Write("x.tmp");
  tree.Write("special.tmp");
  tree.Write("main.c");
  WalkOutput out = RunWalk(tree.root());
  EXPECT_EQ(out.paths, (Paths{".gitignore", ".ignore", "main.c", "special.tmp"}));
}

TEST(WalkTest, GitInfoExcludeAppliesAtRootBelowGitignore) {
  TempTree tree;
  tree.Write(".git/info/exclude", "*.secret\nlocal/\n");
  tree.Write(".gitignore", "!shared.secret\n");
  tree.Write("a.secret");
  tree.Write("shared.secret");
  tree.Write("sub/b.secret");
  tree.Write("local/x.txt");
  WalkOutput out = RunWalk(tree.root());
  EXPECT_EQ(out.paths, (Paths{".gitignore", "shared.secret"}));
  EXPECT_EQ(out.Skipped(SkipReason::kIgnored), 3u);
}

TEST(WalkTest, IgnoreFilesCanBeDisregarded) {
  TempTree tree;
  tree.Write(".gitignore", "*.txt\n");
  tree.Write("a.txt");
  tree.Write("node_modules/m.js");
  WalkOptions options;
  options.respect_ignore_files = false;
  WalkOutput out = RunWalk(tree.root(), options);
  EXPECT_EQ(out.paths, (Paths{".gitignore", "a.txt"}));
  EXPECT_EQ(out.Skipped(SkipReason::kExcludedDir), 1u);
}

TEST(WalkTest, DefaultExcludedDirsAreNotEnteredAndCountedOnce) {
  TempTree tree;
  tree.Write("node_modules/a/b.js");
  tree.Write("node_modules/c.js");
  tree.Write(".git/HEAD");
  tree.Write("sub/__pycache__/x.pyc");
  tree.Write("sub/target/debug/out");
  tree.Write("build");  // a file, not a directory: kept
  tree.Write("src/main.c");
  WalkOutput out = RunWalk(tree.root());
  EXPECT_EQ(out.paths, (Paths{"build", "src/main.c"}));
  EXPECT_EQ(out.Skipped(SkipReason::kExcludedDir), 4u);
}

TEST(WalkTest, ExtraExcludedDirs) {
  TempTree tree;
  tree.Write("third_party/lib.c");
  tree.Write("a/third_party/lib.c");
  tree.Write("a/main.c");
  WalkOptions options;
  options.extra_excluded_dirs = {"third_party"};
  WalkOutput out = RunWalk(tree.root(), options);
  EXPECT_EQ(out.paths, (Paths{"a/main.c"}));
  EXPECT_EQ(out.Skipped(SkipReason::kExcludedDir), 2u);
  EXPECT_EQ(RunWalk(tree.root()).paths.size(), 3u);  // not excluded by default
}

TEST(WalkTest, FilesOverTheSizeCapAreSkipped) {
  TempTree tree;
  tree.Write("at_cap", std::string(100, 'x'));
  tree.Write("over_cap", std::string(101, 'x'));
  WalkOptions options;
  options.max_file_size = 100;
  WalkOutput out = RunWalk(tree.root(), options);
  EXPECT_EQ(out.paths, (Paths{"at_cap"}));
  EXPECT_EQ(out.Skipped(SkipReason::kTooLarge), 1u);
}

TEST(WalkTest, SymlinksAreNotFollowedByDefault) {
  TempTree tree;
  tree.Write("real/f.txt");
  tree.Symlink("real", "dir_link");
  tree.Symlink("real/f.txt", "file_link");
  WalkOutput out = RunWalk(tree.root());
  EXPECT_EQ(out.paths, (Paths{"real/f.txt"}));
  EXPECT_EQ(out.Skipped(SkipReason::kSymlink), 2u);
}

TEST(WalkTest, IgnoreRulesApplyToUnfollowedSymlinks) {
  TempTree tree;
  tree.Write(".gitignore", "file_link\n");
  tree.Write("f.txt");
  tree.Symlink("f.txt", "file_link");
  WalkOutput out = RunWalk(tree.root());
  EXPECT_EQ(out.Skipped(SkipReason::kIgnored), 1u);
  EXPECT_EQ(out.Skipped(SkipReason::kSymlink), 0u);
}

TEST(WalkTest, FollowedSymlinksInsideRootAreWalked) {
  TempTree tree;
  tree.Write("real/f.txt", "12345");
  tree.Symlink("real", "a_dir_link");  // sorts before "real": walked through the link
  tree.Symlink("real/f.txt", "file_link");
  WalkOptions options;
  options.follow_symlinks = true;
  WalkOutput out = RunWalk(tree.root(), options);
  EXPECT_EQ(out.paths, (Paths{"a_dir_link/f.txt", "file_link", "real/f.txt"}));
  EXPECT_EQ(out.entries[1].size, 5u);  // the target's size
}

TEST(WalkTest, FollowedSymlinkOutsideRootIsSkipped) {
  TempTree outside;
  outside.Write("secret.txt");
  TempTree tree;
  tree.Write("inside.txt");
  tree.Symlink(outside.root(), "out_dir");
  tree.Symlink(outside.Path("secret.txt"), "out_file");
  tree.Symlink("../" + std::filesystem::path(outside.root()).filename().string(), "relative_out");
  WalkOptions options;
  options.follow_symlinks = true;
  WalkOutput out = RunWalk(tree.root(), options);
  EXPECT_EQ(out.paths, (Paths{"inside.txt"}));
  EXPECT_EQ(out.Skipped(SkipReason::kOutsideRoot), 3u);
}

TEST(WalkTest, FollowedSymlinkLoopsAreSkipped) {
  TempTree tree;
  tree.Write("a/f.txt");
  tree.Symlink("..", "a/up");       // back to the root, an ancestor
  tree.Symlink(".", "a/self_dir");  // the directory itself
  tree.Symlink("loop", "loop");     // a link to itself: ELOOP
  tree.Symlink("a", "z_again");     // a directory already walked
  WalkOptions options;
  options.follow_symlinks = true;
  WalkOutput out = RunWalk(tree.root(), options);
  EXPECT_EQ(out.paths, (Paths{"a/f.txt"}));
  EXPECT_EQ(out.Skipped(SkipReason::kSymlinkLoop), 4u);
}

TEST(WalkTest, SymlinkDiamondsDoNotExplode) {
  // d0/{l,r} -> d1, d1/{l,r} -> d2, ...: 2^24 distinct paths without the
  // visited set, one walk of each directory with it.
  TempTree tree;
  constexpr int kLevels = 24;
  for (int i = 0; i <= kLevels; ++i) tree.Write("d" + std::to_string(i) + "/f");
  for (int i = 0; i < kLevels; ++i) {
    const std::string next = "../d" + std::to_string(i + 1);
    tree.Symlink(next, "d" + std::to_string(i) + "/l");
    tree.Symlink(next, "d" + std::to_string(i) + "/r");
  }
  WalkOptions options;
  options.follow_symlinks = true;
  const auto start = std::chrono::steady_clock::now();
  WalkOutput out = RunWalk(tree.root(), options);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_LE(out.paths.size(), 2u * (kLevels + 1));
}

TEST(WalkTest, DanglingFollowedSymlinkIsUnreadable) {
  TempTree tree;
  tree.Write("ok.txt");
  tree.Symlink("does-not-exist", "dangling");
  WalkOptions options;
  options.follow_symlinks = true;
  WalkOutput out = RunWalk(tree.root(), options);
  EXPECT_EQ(out.paths, (Paths{"ok.txt"}));
  EXPECT_EQ(out.Skipped(SkipReason::kUnreadable), 1u);
  EXPECT_EQ(out.stats.unreadable_samples, (Paths{"dangling"}));
}

// Walks `root` with permission checks in force: as root (the usual case in
// CI containers), in a child process that has dropped to an unprivileged
// user. Returns "<yielded paths>|<unreadable count>|<samples>", or "skip:..."
// when privileges cannot be dropped.
std::string WalkWithoutPrivileges(const std::string& root) {
  auto describe = [](const WalkOutput& out) {
    std::string text;
    for (const std::string& path : out.paths) text += path + ",";
    text += "|" + std::to_string(out.Skipped(SkipReason::kUnreadable)) + "|";
    for (const std::string& path : out.stats.unreadable_samples) text += path + ",";
    return text;
  };
  if (::geteuid() != 0) return describe(RunWalk(root));

  int fds[2];
  if (::pipe(fds) != 0) return "skip: pipe failed";
  const pid_t pid = ::fork();
  if (pid < 0) return "skip: fork failed";
  if (pid == 0) {
    ::close(fds[0]);
    constexpr uid_t kNobody = 65534;
    std::string text;
    if (::setgroups(0, nullptr) != 0 || ::setgid(kNobody) != 0 || ::setuid(kNobody) != 0) {
      text = "skip: cannot drop privileges";
    } else {
      text = describe(RunWalk(root));
    }
    const ssize_t written = ::write(fds[1], text.data(), text.size());
    ::_exit(written == static_cast<ssize_t>(text.size()) ? 0 : 1);
  }
  ::close(fds[1]);
  std::string text;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buffer, sizeof(buffer))) > 0) text.append(buffer, n);
  ::close(fds[0]);
  int wait_status = 0;
  ::waitpid(pid, &wait_status, 0);
  if (!WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != 0) return "child failed: " + text;
  return text;
}

TEST(WalkTest, UnreadableFilesAndDirectoriesAreCountedAndSampled) {
  TempTree tree;
  ASSERT_EQ(::chmod(tree.root().c_str(), 0755), 0);  // the unprivileged child must get in
  tree.Write("a_ok.txt");
  tree.Write("locked_dir/hidden.txt");
  tree.Write("secret.txt");
  ASSERT_EQ(::chmod(tree.Path("locked_dir").c_str(), 0), 0);
  ASSERT_EQ(::chmod(tree.Path("secret.txt").c_str(), 0), 0);
  const std::string result = WalkWithoutPrivileges(tree.root());
  if (result.starts_with("skip:")) GTEST_SKIP() << result;
  EXPECT_EQ(result, "a_ok.txt,|2|locked_dir,secret.txt,");
}

TEST(WalkTest, UnreadableSamplesAreCapped) {
  WalkStats stats;
  for (int i = 0; i < 25; ++i) stats.Count(SkipReason::kUnreadable, "f" + std::to_string(i));
  stats.Count(SkipReason::kBinary, "b");
  EXPECT_EQ(stats.skipped["unreadable"], 25u);
  EXPECT_EQ(stats.skipped["binary"], 1u);
  ASSERT_EQ(stats.unreadable_samples.size(), 10u);
  EXPECT_EQ(stats.unreadable_samples.front(), "f0");
  EXPECT_EQ(stats.unreadable_samples.back(), "f9");
}

TEST(WalkTest, FifosAndSocketsAreNotRegular) {
  TempTree tree;
  tree.Write("plain.txt");
  ASSERT_EQ(::mkfifo(tree.Path("pipe").c_str(), 0644), 0);
  const int sock = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(sock, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string sock_path = tree.Path("sock");
  ASSERT_LT(sock_path.size(), sizeof(addr.sun_path));
  std::strcpy(addr.sun_path, sock_path.c_str());
  ASSERT_EQ(::bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  WalkOutput out = RunWalk(tree.root());
  ::close(sock);
  EXPECT_EQ(out.paths, (Paths{"plain.txt"}));
  EXPECT_EQ(out.Skipped(SkipReason::kNotRegular), 2u);
}

TEST(WalkTest, FollowedSymlinkToFifoIsNotRegular) {
  TempTree tree;
  ASSERT_EQ(::mkfifo(tree.Path("pipe").c_str(), 0644), 0);
  tree.Symlink("pipe", "pipe_link");
  WalkOptions options;
  options.follow_symlinks = true;
  WalkOutput out = RunWalk(tree.root(), options);
  EXPECT_TRUE(out.paths.empty());
  EXPECT_EQ(out.Skipped(SkipReason::kNotRegular), 2u);
}

TEST(WalkTest, InvalidNamesAreSkipped) {
  TempTree tree;
  tree.Write("good.txt");
  tree.Write("bad\xFF.txt");
  tree.Write("new\nline.txt");
  tree.Write(
      "bad\xC0\xAF"
      "dir/inside.txt");          // overlong encoding of '/'
  tree.Write("caf\xC3\xA9.txt");  // valid UTF-8
  WalkOutput out = RunWalk(tree.root());
  EXPECT_EQ(out.paths, (Paths{"caf\xC3\xA9.txt", "good.txt"}));
  EXPECT_EQ(out.Skipped(SkipReason::kInvalidName), 3u);
}

TEST(SkipReasonTest, NamesAreStable) {
  EXPECT_EQ(SkipReasonName(SkipReason::kIgnored), "ignored");
  EXPECT_EQ(SkipReasonName(SkipReason::kExcludedDir), "excluded_dir");
  EXPECT_EQ(SkipReasonName(SkipReason::kTooLarge), "too_large");
  EXPECT_EQ(SkipReasonName(SkipReason::kBinary), "binary");
  EXPECT_EQ(SkipReasonName(SkipReason::kMinified), "minified");
  EXPECT_EQ(SkipReasonName(SkipReason::kSymlink), "symlink");
  EXPECT_EQ(SkipReasonName(SkipReason::kOutsideRoot), "outside_root");
  EXPECT_EQ(SkipReasonName(SkipReason::kSymlinkLoop), "symlink_loop");
  EXPECT_EQ(SkipReasonName(SkipReason::kUnreadable), "unreadable");
  EXPECT_EQ(SkipReasonName(SkipReason::kNotRegular), "not_regular");
  EXPECT_EQ(SkipReasonName(SkipReason::kInvalidName), "invalid_name");
}

}  // namespace
}  // namespace ts::walk
