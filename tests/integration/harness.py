"""Shared helpers for integration tests: the real binary, a temp data dir per
test, and the daemon that the CLI starts for it (stopped in tearDown)."""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

BIN = os.environ.get("TRUSTY_BIN", os.path.join(os.path.dirname(__file__), "../../build/trusty-search"))


class CliTestCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ts-it-")
        self.data = os.path.join(self.tmp, "data")
        self.src = os.path.join(self.tmp, "src")
        os.makedirs(self.src)

    def tearDown(self):
        self.stop_daemon()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def stop_daemon(self, data_dir=None):
        d = data_dir or self.data
        if os.path.isdir(d):
            subprocess.run([BIN, "--data-dir", d, "stop"], capture_output=True, timeout=60)

    def daemon_pid(self):
        with open(os.path.join(self.data, "daemon.pid")) as f:
            return int(f.read())

    def port(self):
        return int(self.ok("port").stdout.strip())

    def write(self, rel, text):
        path = os.path.join(self.src, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def run_cli(self, *args, env=None, data_dir=None):
        cmd = [BIN, "--data-dir", data_dir or self.data, *args]
        full_env = dict(os.environ)
        full_env.update(env or {})
        return subprocess.run(cmd, capture_output=True, text=True, env=full_env, timeout=300)

    def ok(self, *args, **kw):
        r = self.run_cli(*args, **kw)
        self.assertEqual(r.returncode, 0, f"{args} failed: {r.stderr}")
        return r

    def query_json(self, text, index="t", *extra):
        r = self.ok("query", text, "--index", index, "--json", *extra)
        return json.loads(r.stdout)

    def http(self, method, path, body=None, raw=None, headers=None):
        """Returns (status, parsed JSON body) from the running daemon."""
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(f"http://127.0.0.1:{self.port()}{path}", data=data, method=method,
                                     headers=headers or {"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as e:
            text = e.read()
            try:
                return e.code, json.loads(text)
            except ValueError:
                return e.code, {"raw": text.decode("utf-8", "replace")}

    def wait_for(self, predicate, timeout=5.0, step=0.05):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if predicate():
                return True
            time.sleep(step)
        return predicate()
