"""End-to-end behaviour of the CLI against the real binary, ctags and SQLite."""
import json
import os
import stat
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import BIN, CliTestCase  # noqa: E402
import subprocess  # noqa: E402

PY = '''import os


def parse_config_file(path):
    """Read the configuration."""
    with open(path) as f:
        return f.read()


class TokenStream:
    def next_token(self):
        return None
'''

C = '''#include <stdio.h>

/* Adds two numbers. */
static int add_numbers(int a, int b) {
  return a + b;
}

int main(void) { return add_numbers(1, 2); }
'''


class CliTest(CliTestCase):
    def index(self, *extra):
        return self.ok("index", self.src, "--name", "t", *extra)

    def test_index_and_query_finds_definition(self):
        self.write("pkg/config.py", PY)
        self.write("math/add.c", C)
        r = self.index()
        self.assertIn("indexed 't'", r.stdout)
        out = self.query_json("parse config file")
        self.assertEqual(out["results"][0]["file"], "pkg/config.py")
        self.assertEqual(out["results"][0]["function_name"], "parse_config_file")
        self.assertEqual(out["results"][0]["start_line"], 4)
        self.assertIn("def parse_config_file", out["results"][0]["content"])
        self.assertEqual(out["meta"]["lexical"], "ok")
        self.assertEqual(out["meta"]["semantic"], "ok")
        self.assertEqual(out["mode"], "hybrid")
        hit = self.query_json("add_numbers")["results"][0]
        self.assertEqual((hit["file"], hit["function_name"]), ("math/add.c", "add_numbers"))

    def test_text_output_format(self):
        self.write("math/add.c", C)
        self.index()
        r = self.ok("query", "add numbers", "--index", "t")
        first = r.stdout.splitlines()[0]
        self.assertRegex(first, r"^math/add\.c:\d+-\d+  add_numbers  \d+\.\d{3}$")
        self.assertNotIn("note:", r.stderr)  # every lane is up: nothing to say
        self.stop_daemon()
        self.ok("start", "--no-watch", env={"TRUSTY_MODEL": "/nonexistent.tsmodel"})
        r = self.ok("query", "add numbers", "--index", "t")
        self.assertIn("note: semantic lane unavailable: no embedding model at /nonexistent.tsmodel",
                      r.stderr)

    def test_reindex_skips_unchanged_and_sees_changes(self):
        # --no-watch: the watcher would index the edit and the deletion below
        # before the explicit update runs, leaving it nothing to count.
        self.ok("start", "--no-watch")
        self.write("a.py", PY)
        self.write("b.c", C)
        self.index()
        s = json.loads(self.ok("index", self.src, "--name", "t", "--json").stdout)
        self.assertEqual(s["files_unchanged"], 2)
        self.assertEqual(s["files_indexed"], 0)
        self.write("b.c", C.replace("add_numbers", "sum_values"))
        os.remove(os.path.join(self.src, "a.py"))
        s = json.loads(self.ok("index", self.src, "--name", "t", "--json").stdout)
        self.assertEqual((s["files_indexed"], s["files_deleted"]), (1, 1))
        names = lambda q: [h["function_name"] for h in self.query_json(q)["results"]]
        self.assertNotIn("add_numbers", names("add_numbers"))
        self.assertEqual(self.query_json("parse_config_file", "t", "--mode", "lexical")["results"], [])
        self.assertEqual(self.query_json("sum_values")["results"][0]["file"], "b.c")
        st = json.loads(self.ok("status", "t", "--json").stdout)
        self.assertEqual(st["files"], 1)

    def test_first_hits_do_not_depend_on_top_k(self):
        # Several files with several chunks each, tests among them: the
        # re-ranker reorders the whole candidate pool, never just the top_k.
        for i in range(6):
            self.write(f"pkg/mod{i}.py", PY.replace("parse_config_file", f"parse_config_{i}"))
            self.write(f"tests/test_mod{i}.py",
                       f"from pkg.mod{i} import parse_config_{i}\n\n\n"
                       f"def test_parse_config_file():\n"
                       f"    assert parse_config_{i}('config.file') is not None\n")
        self.write("math/add.c", C)
        self.index()
        self.assertEqual(len(self.query_json("parse config file", "t", "--top-k", "10")["results"]), 10)
        for query in ("parse config file", "token stream next", "add numbers", "read", "test"):
            runs = {k: [(h["file"], h["start_line"]) for h in
                        self.query_json(query, "t", "--top-k", str(k))["results"]]
                    for k in (1, 3, 5, 10, 40)}
            self.assertEqual(len(runs[10]), min(10, len(runs[40])), query)
            for k in (1, 3, 5, 10):
                self.assertEqual(runs[k], runs[40][:k], (query, k))
        # The top 5 of a query that matches every module spans five files: no
        # file's second chunk comes before another file's first.
        top = self.query_json("config file parsing", "t", "--top-k", "5")["results"]
        self.assertEqual(len({h["file"] for h in top}), 5, top)

    def test_force_rebuilds(self):
        self.write("a.py", PY)
        self.index()
        s = json.loads(self.ok("index", self.src, "--name", "t", "--force", "--json").stdout)
        self.assertEqual(s["files_indexed"], 1)
        top = self.query_json("TokenStream")["results"][0]
        self.assertEqual((top["function_name"], top["chunk_type"]), ("TokenStream", "class"))
        self.assertEqual(json.loads(self.ok("status", "t", "--json").stdout)["chunks"], 3)

    def test_refuses_to_empty_an_index(self):
        # --no-watch: the watcher would drop the deleted file before the
        # explicit update runs (a race that ASan's slowness exposes).
        self.ok("start", "--no-watch")
        self.write("a.py", PY)
        self.index()
        os.remove(os.path.join(self.src, "a.py"))
        r = self.run_cli("index", self.src, "--name", "t")
        self.assertEqual(r.returncode, 1)
        self.assertIn("refusing to empty", r.stderr)
        self.assertEqual(self.query_json("TokenStream")["results"][0]["function_name"], "TokenStream")

    def test_unknown_index_is_one_line_error(self):
        self.write("a.py", PY)
        self.index()
        r = self.run_cli("query", "x", "--index", "nope")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1)
        self.assertIn("no index named 'nope'", r.stderr)

    def test_missing_path(self):
        r = self.run_cli("index", os.path.join(self.tmp, "does-not-exist"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("path not found", r.stderr)

    def test_unwritable_data_dir(self):
        blocker = os.path.join(self.tmp, "file")
        open(blocker, "w").close()
        self.write("a.py", PY)
        r = self.run_cli("index", self.src, data_dir=os.path.join(blocker, "data"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("not writable", r.stderr)

    def test_semantic_mode_is_a_clear_error(self):
        self.write("a.py", PY)
        self.index()
        self.stop_daemon()
        self.ok("start", "--no-watch", env={"TRUSTY_MODEL": "/nonexistent.tsmodel"})
        r = self.run_cli("query", "x", "--index", "t", "--mode", "semantic")
        self.assertEqual(r.returncode, 1)
        self.assertIn("semantic search is unavailable: no embedding model", r.stderr)
        self.ok("query", "x", "--index", "t", "--mode", "hybrid")  # lexical alone, and says why
        r = self.run_cli("query", "x", "--index", "t", "--mode", "fuzzy")
        self.assertEqual(r.returncode, 2)

    def test_invalid_utf8_arguments_are_clear_errors(self):
        self.write("a.py", PY)
        self.index()
        r = subprocess.run([BIN, "--data-dir", self.data, "query", b"caf\xe9 \xff", "--index", "t"],
                           capture_output=True)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn(b"not valid UTF-8", r.stderr)
        bad = os.path.join(self.tmp.encode(), b"bad\xffdir")
        os.makedirs(bad)
        with open(os.path.join(bad, b"x.py"), "w") as f:
            f.write(PY)
        r = subprocess.run([BIN, "--data-dir", self.data, "index", bad], capture_output=True)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(b"not valid UTF-8", r.stderr)
        # The daemon is still there and still answers.
        self.assertEqual(self.query_json("TokenStream")["results"][0]["function_name"], "TokenStream")

    def test_usage_errors_exit_2(self):
        self.assertEqual(self.run_cli().returncode, 2)
        self.assertEqual(self.run_cli("index").returncode, 2)
        self.assertEqual(self.run_cli("frobnicate").returncode, 2)
        r = self.run_cli("--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("index", r.stdout)
        # A query that looks like an option (or CLI11's "++") is missing to the
        # parser: the error says how to pass it, and after -- it is a query.
        for text in ("++", "-x"):
            r = self.run_cli("query", text)
            self.assertEqual(r.returncode, 2, r.stderr)
            self.assertIn("goes after --", r.stderr)
        self.assertNotIn("goes after --", self.run_cli("query", "--", "-x").stderr)

    def test_list_status_remove(self):
        self.write("a.py", PY)
        self.index()
        lst = json.loads(self.ok("list", "--json").stdout)
        self.assertEqual([e["name"] for e in lst], ["t"])
        st = json.loads(self.ok("status", "t", "--json").stdout)
        self.assertEqual(st["files"], 1)
        self.assertGreater(st["chunks"], 0)
        self.assertTrue(st["healthy"])
        self.assertEqual(st["lanes"]["lexical"], "ok")
        self.ok("remove", "t")
        self.assertEqual(json.loads(self.ok("list", "--json").stdout), [])
        self.assertFalse(os.path.exists(os.path.join(self.data, "indexes", "t")))

    def test_corrupt_registry_is_an_error_not_empty(self):
        self.write("a.py", PY)
        self.index()
        self.ok("index", self.src, "--name", "u")  # a second write keeps a .bak of the first
        self.stop_daemon()
        with open(os.path.join(self.data, "registry.json"), "a") as f:
            f.write("garbage")
        r = self.run_cli("list")
        self.assertEqual(r.returncode, 1)
        self.assertIn("corrupt", r.stderr)
        self.assertIn("registry.json", r.stderr)
        # The previous version is kept beside it.
        self.assertTrue(os.path.exists(os.path.join(self.data, "registry.json.bak")))

    def test_corrupt_segment_is_reported(self):
        self.write("a.py", PY)
        self.index()
        self.stop_daemon()
        segdir = os.path.join(self.data, "indexes", "t", "segments")
        seg = os.path.join(segdir, sorted(n for n in os.listdir(segdir) if n.endswith(".tsseg"))[0])
        with open(seg, "r+b") as f:
            f.seek(100)
            f.write(b"\xff\xff\xff\xff")
        # --no-watch: the watcher's catch-up at start could rewrite it before the checks below.
        self.ok("start", "--no-watch")
        st = json.loads(self.ok("status", "t", "--json").stdout)
        self.assertFalse(st["healthy"])
        self.assertIn("checksum", st["lanes"]["lexical"])
        r = self.run_cli("query", "TokenStream", "--index", "t")
        self.assertEqual(r.returncode, 1)
        self.assertIn("lexical lane unavailable", r.stderr)
        health = json.loads(self.ok("status", "--json").stdout)
        self.assertEqual(health["status"], "degraded")

    def test_skipped_files_are_counted(self):
        self.write("a.py", PY)
        with open(os.path.join(self.src, "blob.bin"), "wb") as f:
            f.write(b"\x00\x01\x02" * 100)
        self.write("node_modules/x.js", "function hidden() {}\n")
        self.write(".gitignore", "ignored.py\n")
        self.write("ignored.py", PY)
        s = json.loads(self.ok("index", self.src, "--name", "t", "--json").stdout)
        self.assertEqual(s["skipped"].get("binary"), 1)
        self.assertGreaterEqual(s["skipped"].get("excluded_dir", 0), 1)
        self.assertEqual(s["skipped"].get("ignored"), 1)
        self.assertEqual(self.query_json("hidden", "t", "--mode", "lexical")["results"], [])

    def test_path_prefix_and_top_k(self):
        for i in range(5):
            self.write(f"d{i % 2}/f{i}.py", PY.replace("parse_config_file", f"parse_config_file{i}"))
        self.index()
        out = self.query_json("parse config", "t", "--top-k", "3")
        self.assertEqual(len(out["results"]), 3)
        out = self.query_json("parse config", "t", "--path-prefix", "d1/")
        self.assertTrue(out["results"])
        self.assertTrue(all(h["file"].startswith("d1/") for h in out["results"]))


if __name__ == "__main__":
    unittest.main()
