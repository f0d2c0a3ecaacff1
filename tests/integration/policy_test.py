"""What may be indexed (docs/SECURITY.md): files that hold credentials are never
indexed or grepped; system folders and key stores are never index roots; broad
roots (the home folder, `/`) need `index --allow-broad` in a terminal, which
writes the user's config, and are refused over HTTP."""
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import CliTestCase  # noqa: E402


class PolicyTest(CliTestCase):
    def setUp(self):
        super().setUp()
        # A home of its own, so the test neither reads nor writes the real one.
        self.home = os.path.join(self.tmp, "home")
        self.config_home = os.path.join(self.tmp, "config")
        os.makedirs(os.path.join(self.home, ".ssh"))
        with open(os.path.join(self.home, ".ssh", "id_ed25519"), "w") as f:
            f.write("-----BEGIN OPENSSH PRIVATE KEY-----\nzzkeymaterialzz\n")
        with open(os.path.join(self.home, "notes.txt"), "w") as f:
            f.write("plain notes\n")
        self.env = {"HOME": self.home, "XDG_CONFIG_HOME": self.config_home}
        self.ok("start", "--no-watch", env=self.env)

    def cli(self, *args):
        return self.run_cli(*args, env=self.env)

    def test_secret_files_are_skipped(self):
        self.write("app/settings.py", "DATABASE = 'postgres'\n")
        self.write("app/.env", "API_KEY=zzsecretvaluezz\n")
        self.write("app/.env.example", "API_KEY=\n")
        self.write("deploy/id_rsa", "-----BEGIN RSA PRIVATE KEY-----\nzzsecretvaluezz\n")
        self.write("tls/server.key", "zzsecretvaluezz\n")
        self.write("nested/.aws/credentials", "aws_secret_access_key = zzsecretvaluezz\n")
        r = self.cli("index", self.src, "--name", "t")
        self.assertEqual(r.returncode, 0, r.stderr)
        st = json.loads(self.cli("status", "t", "--json").stdout)
        self.assertEqual(st["last_update"]["skipped"].get("secret"), 4, st)
        self.assertEqual(st["files"], 2, st)  # settings.py and .env.example
        status, body = self.http("POST", "/indexes/t/grep", {"pattern": "zzsecretvaluezz", "hidden": True})
        self.assertEqual((status, body["matches"]), (200, 0), body)
        status, body = self.http("POST", "/indexes/t/search", {"query": "zzsecretvaluezz API_KEY"})
        self.assertEqual(status, 200, body)
        self.assertNotIn("zzsecretvaluezz", json.dumps(body))
        # Naming one such file does not let it in either.
        status, body = self.http("POST", "/indexes/t/files", {"path": "app/.env"})
        self.assertNotIn("zzsecretvaluezz", json.dumps(body))
        status, body = self.http("POST", "/indexes/t/grep", {"pattern": "zzsecretvaluezz", "hidden": True})
        self.assertEqual(body["matches"], 0, body)

    def test_denied_and_broad_roots(self):
        for root, words in (("/", "whole file system"), ("/etc", "never indexed"),
                            ("/proc", "never indexed"), (self.home, "home folder"),
                            (os.path.join(self.home, ".ssh"), "never indexed")):
            with self.subTest(root=root):
                status, body = self.http("POST", "/indexes", {"path": root, "name": "x"})
                self.assertEqual(status, 400, body)
                self.assertIn(words, body["error"]["message"])
        # A symlink does not smuggle a denied folder in: the resolved path is checked.
        link = os.path.join(self.tmp, "innocent")
        os.symlink(os.path.join(self.home, ".ssh"), link)
        status, body = self.http("POST", "/indexes", {"path": link, "name": "x"})
        self.assertEqual(status, 400, body)
        self.assertEqual(self.http("GET", "/indexes")[1]["indexes"], [])

        # The CLI says how to allow a broad root; --allow-broad writes the config.
        r = self.cli("index", self.home, "--name", "home")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--allow-broad", r.stderr)
        r = self.cli("index", self.home, "--name", "home", "--allow-broad")
        self.assertEqual(r.returncode, 0, r.stderr)
        config = os.path.join(self.config_home, "trusty-search", "config.toml")
        with open(config) as f:
            self.assertIn(json.dumps(self.home), f.read())
        self.assertEqual(os.stat(config).st_mode & 0o777, 0o600)
        st = json.loads(self.cli("status", "home", "--json").stdout)
        self.assertEqual(st["files"], 1, st)  # notes.txt; .ssh is a key store
        self.assertGreaterEqual(st["last_update"]["skipped"].get("secret", 0), 1, st)
        # Key stores stay denied whatever the flag.
        r = self.cli("index", os.path.join(self.home, ".ssh"), "--allow-broad")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("never indexed", r.stderr)

    def test_config_deny_list(self):
        private = os.path.join(self.tmp, "private")
        os.makedirs(os.path.join(private, "code"))
        os.makedirs(os.path.join(self.config_home, "trusty-search"))
        with open(os.path.join(self.config_home, "trusty-search", "config.toml"), "w") as f:
            f.write(f"# mine\ndeny = [{json.dumps(private)}]\n")
        status, body = self.http("POST", "/indexes", {"path": os.path.join(private, "code")})
        self.assertEqual(status, 400, body)
        self.assertIn("never indexed", body["error"]["message"])
        # A broken config is reported, not ignored.
        with open(os.path.join(self.config_home, "trusty-search", "config.toml"), "w") as f:
            f.write("deny = [/unquoted]\n")
        status, body = self.http("POST", "/indexes", {"path": self.src})
        self.assertEqual(status, 400, body)
        self.assertIn("config.toml", body["error"]["message"])

    def test_paths_stay_inside_the_root(self):
        outside = os.path.join(self.tmp, "outside")
        os.makedirs(outside)
        with open(os.path.join(outside, "secret.txt"), "w") as f:
            f.write("zzoutsidezz private words\n")
        self.write("pkg/mod.py", "def confined_function():\n    return 'zzinsidezz'\n")
        os.symlink(outside, os.path.join(self.src, "linkdir"))
        self.assertEqual(self.cli("index", self.src, "--name", "t").returncode, 0)
        # Naming a file through a symlinked folder does not index it.
        status, body = self.http("POST", "/indexes/t/files", {"path": "linkdir/secret.txt"})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["summary"]["files_indexed"], 0, body)
        for pattern in ("zzoutsidezz",):
            status, body = self.http("POST", "/indexes/t/grep", {"pattern": pattern})
            self.assertEqual(body["matches"], 0, body)
        # A NUL byte is refused, not cut; "./x", "x//y" and the absolute path are one file.
        status, body = self.http("POST", "/indexes/t/files", {"path": "pkg/mod.py\u0000.txt"})
        self.assertEqual(status, 400, body)
        self.assertIn("NUL", body["error"]["message"])
        for spelling in ("./pkg/mod.py", "pkg//mod.py", os.path.join(self.src, "pkg", ".", "mod.py")):
            status, body = self.http("POST", "/indexes/t/files", {"path": spelling})
            self.assertEqual((status, body.get("path")), (200, "pkg/mod.py"), body)
        status, body = self.http("POST", "/indexes/t/files", {"path": "../outside/secret.txt"})
        self.assertEqual(status, 400, body)
        st = json.loads(self.cli("status", "t", "--json").stdout)
        self.assertEqual(st["files"], 1, st)
        # A file swapped for a symlink after indexing: snippets are not read through it.
        target = os.path.join(self.src, "pkg", "mod.py")
        os.unlink(target)
        os.symlink(os.path.join(outside, "secret.txt"), target)
        status, body = self.http("POST", "/indexes/t/search",
                                 {"query": "confined_function", "mode": "lexical"})
        self.assertEqual(status, 200, body)
        self.assertTrue(body["results"], body)
        self.assertNotIn("zzoutsidezz", json.dumps(body))


if __name__ == "__main__":
    unittest.main()
