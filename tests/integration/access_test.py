"""Only the daemon's user gets in (docs/SECURITY.md): web pages (foreign Host,
Origin or Sec-Fetch-Site, non-JSON bodies) are refused on every route; callers
without the token get 401 unless they are a loopback socket of the daemon's own
uid, and not even then under --require-token; the token rotates."""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import CliTestCase  # noqa: E402


class AccessTest(CliTestCase):
    def setUp(self):
        super().setUp()
        self.write("pkg/app.py", "def serve_requests():\n    return 1\n")

    def token(self):
        return self.ok("token").stdout.strip()

    def test_web_pages_are_refused_on_every_route(self):
        self.ok("start", "--no-watch")
        self.ok("index", self.src, "--name", "t")
        port = self.port()
        own = f"http://127.0.0.1:{port}"
        json_type = {"Content-Type": "application/json"}
        cases = [
            # DNS rebinding: the page's own name arrives as Host.
            ("GET", "/indexes", None, {"Host": f"rebind.example:{port}"}, 403, "forbidden_host"),
            ("GET", "/health", None, {"Host": f"rebind.example:{port}"}, 403, "forbidden_host"),
            ("POST", "/mcp", {}, dict(json_type, Host=f"rebind.example:{port}"), 403, "forbidden_host"),
            # A cross-origin fetch or form.
            ("POST", "/indexes", {"path": "/"}, dict(json_type, Origin="https://evil.example"), 403,
             "forbidden_origin"),
            ("DELETE", "/indexes/t", None, {"Origin": "null"}, 403, "forbidden_origin"),
            ("GET", "/indexes/t/status", None, {"Sec-Fetch-Site": "cross-site"}, 403, "forbidden_origin"),
            ("GET", "/indexes", None, {"Origin": "http://localhost:3000"}, 403, "forbidden_origin"),
            # A "simple" request: no preflight, so the body must be JSON-typed.
            ("POST", "/indexes", {"path": self.src, "name": "x"}, {"Content-Type": "text/plain"}, 415,
             "unsupported_media_type"),
            ("POST", "/indexes/t/search", {"query": "serve"},
             {"Content-Type": "application/x-www-form-urlencoded"}, 415, "unsupported_media_type"),
        ]
        for method, path, body, headers, status, code in cases:
            with self.subTest(method=method, path=path, headers=headers):
                got = self.http(method, path, body, headers=headers)
                self.assertEqual(got[0], status, got)
                self.assertEqual(got[1]["error"]["code"], code, got)
                self.assertNotIn("Access-Control-Allow-Origin", json.dumps(got[1]))
        # Nothing was changed by the refused requests, and the daemon's own origin works.
        status, body = self.http("GET", "/indexes", headers={"Origin": own})
        self.assertEqual(status, 200, body)
        self.assertEqual([i["name"] for i in body["indexes"]], ["t"])
        status, body = self.http("POST", "/indexes/t/search", {"query": "serve requests"},
                                 headers=dict(json_type, Origin=own, Host=f"localhost:{port}"))
        self.assertEqual(status, 200, body)
        self.assertTrue(body["results"])

    def test_token_proves_the_owner(self):
        # --require-token: even this user's own processes need the token.
        self.ok("start", "--no-watch", "--require-token")
        token = self.token()
        self.assertRegex(token, r"^[0-9a-f]{64}$")
        self.assertEqual(os.stat(os.path.join(self.data, "token")).st_mode & 0o777, 0o600)
        # The CLI sends it.
        self.ok("index", self.src, "--name", "t")
        self.assertTrue(self.query_json("serve requests")["results"])
        for method, path, body in (("GET", "/indexes", None), ("GET", "/indexes/t/status", None),
                                   ("POST", "/indexes/t/search", {"query": "serve"}),
                                   ("DELETE", "/indexes/t", None),
                                   ("POST", "/mcp", {"jsonrpc": "2.0", "id": 1, "method": "ping"})):
            with self.subTest(path=path, method=method):
                status, got = self.http(method, path, body)
                self.assertEqual(status, 401, got)
                self.assertNotIn("serve", json.dumps(got))
                bad = {"Content-Type": "application/json", "Authorization": "Bearer " + "0" * 64}
                self.assertEqual(self.http(method, path, body, headers=bad)[0], 401)
        # Liveness stays open, and says nothing about indexes.
        status, health = self.http("GET", "/health")
        self.assertEqual(status, 200)
        self.assertNotIn("indexes", health)
        self.assertFalse(health["authenticated"])
        good = {"Content-Type": "application/json", "Authorization": "Bearer " + token}
        status, body = self.http("GET", "/indexes", headers=good)
        self.assertEqual((status, [i["name"] for i in body["indexes"]]), (200, ["t"]))
        self.assertIn("indexes", self.http("GET", "/health", headers=good)[1])
        # Rotation: the old token stops working at once, the CLI reads the new one.
        rotated = self.ok("token", "--rotate").stdout.strip()
        self.assertNotEqual(rotated, token)
        self.assertEqual(self.http("GET", "/indexes", headers=good)[0], 401)
        fresh = dict(good, Authorization="Bearer " + rotated)
        self.assertEqual(self.http("GET", "/indexes", headers=fresh)[0], 200)
        self.assertTrue(self.query_json("serve requests")["results"])

    def test_same_user_needs_no_token_by_default(self):
        # Eval harnesses and scripts of this user speak plain HTTP.
        self.ok("start", "--no-watch")
        self.ok("index", self.src, "--name", "t")
        status, body = self.http("POST", "/indexes/t/search", {"query": "serve requests"})
        self.assertEqual(status, 200, body)
        self.assertTrue(body["results"])
        self.assertIn("indexes", self.http("GET", "/health")[1])

    @unittest.skipUnless(os.getuid() == 0 and os.access("/usr/bin/python3", os.X_OK),
                         "needs root (to run a client as another user) and /usr/bin/python3")
    def test_another_user_is_refused(self):
        self.ok("start", "--no-watch")
        self.ok("index", self.src, "--name", "t")
        os.chmod(self.tmp, 0o755)  # the other user runs Python from here; the data dir stays 0700
        probe = ("import sys, urllib.request, urllib.error\n"
                 "req = urllib.request.Request(sys.argv[1], method=sys.argv[2])\n"
                 "try:\n"
                 "    print(urllib.request.urlopen(req, timeout=10).status)\n"
                 "except urllib.error.HTTPError as e:\n"
                 "    print(e.code)\n")
        port = self.port()
        for path, method, expected in (("/indexes", "GET", "401"), ("/indexes/t", "DELETE", "401"),
                                       ("/indexes/t/status", "GET", "401"), ("/health", "GET", "200")):
            with self.subTest(path=path, method=method):
                r = subprocess.run(["/usr/bin/python3", "-c", probe, f"http://127.0.0.1:{port}{path}", method],
                                   user=65534, group=65534, extra_groups=[], capture_output=True,
                                   text=True, timeout=30, cwd="/")
                self.assertEqual(r.stdout.strip(), expected, r.stderr)
        # Nor can that user read the token or the index files.
        r = subprocess.run(["cat", os.path.join(self.data, "token")], user=65534, group=65534,
                           extra_groups=[], capture_output=True, timeout=30)
        self.assertNotEqual(r.returncode, 0)
        self.assertEqual([i["name"] for i in self.http("GET", "/indexes")[1]["indexes"]], ["t"])


if __name__ == "__main__":
    unittest.main()
