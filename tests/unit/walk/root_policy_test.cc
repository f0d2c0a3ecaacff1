// What may be indexed (walk/root_policy.h): denied folders, broad roots, the config's lists.
#include "walk/root_policy.h"

#include <gtest/gtest.h>

namespace ts::walk {
namespace {

RootPolicy Policy() {
  RootPolicy p;
  p.home = "/home/me";
  return p;
}

TEST(RootPolicyTest, ProjectFoldersAreFine) {
  for (const char* root : {"/home/me/src/app", "/srv/code", "/tmp/x", "/usr/lib/python3.11",
                           "/home/me/.sshkeys-notes", "/etcetera"}) {
    EXPECT_TRUE(CheckIndexRoot(root, Policy()).ok()) << root;
  }
}

TEST(RootPolicyTest, SystemFoldersAndKeyStoresAreDeniedEvenWhenAllowed) {
  RootPolicy p = Policy();
  for (const char* root : {"/etc", "/etc/nginx", "/proc", "/sys/kernel", "/dev", "/home/me/.ssh",
                           "/home/me/.gnupg/private", "/home/me/.aws", "/home/me/.config/gcloud",
                           "/home/me/.kube", "/home/me/.password-store"}) {
    p.allow = {root};
    Status s = CheckIndexRoot(root, p);
    EXPECT_FALSE(s.ok()) << root;
    EXPECT_NE(s.message().find("never indexed"), std::string::npos) << s.message();
  }
}

TEST(RootPolicyTest, BroadRootsNeedTheAllowlist) {
  for (const char* root : {"/", "/home", "/home/me", "/home/me/", "/home/me/.config"}) {
    Status s = CheckIndexRoot(root, Policy());
    EXPECT_FALSE(s.ok()) << root;
    EXPECT_NE(s.message().find("--allow-broad"), std::string::npos) << s.message();
  }
  RootPolicy p = Policy();
  p.allow = {"/home/me"};
  EXPECT_TRUE(CheckIndexRoot("/home/me", p).ok());
  EXPECT_FALSE(CheckIndexRoot("/", p).ok());  // exact folders only
}

TEST(RootPolicyTest, ConfigDenyListAddsFolders) {
  RootPolicy p = Policy();
  ASSERT_TRUE(ParseRootPolicy("# mine\ndeny = [\n  \"/srv/secrets\",  # keys\n  \"/data/x/\"\n]\n"
                              "allow = [\"/home/me\"]\nother = 1\n",
                              &p)
                  .ok());
  EXPECT_EQ(p.deny, (std::vector<std::string>{"/srv/secrets", "/data/x"}));
  EXPECT_EQ(p.allow, (std::vector<std::string>{"/home/me"}));
  EXPECT_FALSE(CheckIndexRoot("/srv/secrets/app", p).ok());
  EXPECT_FALSE(CheckIndexRoot("/srv", p).ok());  // it holds a denied folder
  EXPECT_TRUE(CheckIndexRoot("/data/y", p).ok());
}

TEST(RootPolicyTest, MalformedConfigIsAnError) {
  RootPolicy p;
  EXPECT_FALSE(ParseRootPolicy("deny = [/etc]\n", &p).ok());
  EXPECT_FALSE(ParseRootPolicy("deny = [\"relative/path\"]\n", &p).ok());
  EXPECT_FALSE(ParseRootPolicy("allow = [\"/x\"\n", &p).ok());
  EXPECT_FALSE(ParseRootPolicy("allow = [\"/x\\n\"]\n", &p).ok());
  EXPECT_TRUE(ParseRootPolicy("", &p).ok());
}

TEST(RootPolicyTest, WithAllowedRootKeepsTheRest) {
  const std::string text = "# my config\ndeny = [\"/srv/secrets\"]\n";
  const std::string once = WithAllowedRoot(text, "/home/me");
  EXPECT_EQ(once, text + "allow = [\"/home/me\"]\n");
  const std::string twice = WithAllowedRoot(once, "/home/o\"dd");
  RootPolicy p;
  ASSERT_TRUE(ParseRootPolicy(twice, &p).ok()) << twice;
  EXPECT_EQ(p.allow, (std::vector<std::string>{"/home/o\"dd", "/home/me"}));
  EXPECT_EQ(p.deny, (std::vector<std::string>{"/srv/secrets"}));
  EXPECT_NE(twice.find("# my config"), std::string::npos);
  RootPolicy empty;
  ASSERT_TRUE(ParseRootPolicy(WithAllowedRoot("allow = []\n", "/a"), &empty).ok());
  EXPECT_EQ(empty.allow, (std::vector<std::string>{"/a"}));
}

}  // namespace
}  // namespace ts::walk
