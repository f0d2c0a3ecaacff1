"""Shared helpers for integration tests: run the real binary in a temp data dir."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

BIN = os.environ.get("TRUSTY_BIN", os.path.join(os.path.dirname(__file__), "../../build/trusty-search"))


class CliTestCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ts-it-")
        self.data = os.path.join(self.tmp, "data")
        self.src = os.path.join(self.tmp, "src")
        os.makedirs(self.src)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

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
