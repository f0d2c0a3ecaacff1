"""Crash safety: an update killed with SIGKILL at any step leaves the index at
its last committed state; it reopens, answers queries, and the next update
completes. Kills come from named crash points (TRUSTY_CRASH_POINT, see
src/util/crash_point.h) inside the daemon, and from an outside SIGKILL of the
daemon at varied moments."""
import json
import os
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import BIN, CliTestCase  # noqa: E402

# Tiny rounds and an eager merge make every commit path reachable on a small tree.
SMALL_ROUNDS = {"TRUSTY_ROUND_BYTES": "4096", "TRUSTY_MAX_SEGMENTS": "2"}


def source(i, tag):
    return (f"def function_{tag}_{i}(value):\n"
            f"    return value * {i}  # zq{tag}marker\n\n\n"
            f"class Holder_{tag}_{i}:\n"
            f"    def method_{tag}_{i}(self):\n"
            f"        return {i}\n")


class CrashTest(CliTestCase):
    FILES = 60

    def populate(self, tag):
        # Each file is replaced whole (written aside, then renamed into place): the
        # daemon may still be resuming an interrupted update while this runs, and an
        # in-place rewrite (truncate, then write) could be read half-written. That
        # torn read is the writer's race, not a crash of the index, so it stays out
        # of this test.
        for i in range(self.FILES):
            rel = f"pkg{i % 6}/mod_{i}.py"
            aside = os.path.join(self.tmp, "aside.py")
            with open(aside, "w", encoding="utf-8") as f:
                f.write(source(i, tag))
            os.makedirs(os.path.dirname(os.path.join(self.src, rel)), exist_ok=True)
            os.replace(aside, os.path.join(self.src, rel))

    def assert_consistent(self):
        """Each file is wholly old or wholly new, in one snapshot: a single query
        for both markers sees each file's marked function exactly once. (The
        daemon may be resuming the interrupted update meanwhile.)"""
        st = json.loads(self.ok("status", "t", "--json").stdout)
        self.assertTrue(st["healthy"], st)
        # Lexical: the markers are exact tokens (dense search would add neighbours).
        hits = self.query_json("zqoldmarker zqnewmarker", "t", "--top-k", "1000",
                               "--mode", "lexical")["results"]
        files = [h["file"] for h in hits]
        self.assertEqual(len(files), len(set(files)), "a file seen twice")
        old = sum("zqoldmarker" in h["content"] for h in hits)
        new = sum("zqnewmarker" in h["content"] for h in hits)
        # On failure, say which files went missing and what the index reported,
        # so a rare interleaving can be diagnosed from the CI log alone.
        missing = sorted({f"pkg{i % 6}/mod_{i}.py" for i in range(self.FILES)} - set(files))
        self.assertEqual((old + new, len(hits)), (self.FILES, self.FILES),
                         {"old": old, "new": new, "missing": missing, "status": st})
        self.assertEqual(st["files"], self.FILES)
        return old, new

    def wait_idle(self):
        self.assertTrue(self.wait_for(
            lambda: json.loads(self.ok("status", "t", "--json").stdout)["state"] == "ready", timeout=60))

    def index(self):
        return self.run_cli("index", self.src, "--name", "t")

    def restart_daemon(self, env):
        self.stop_daemon()
        # --no-watch: only the update under test writes to the index.
        self.ok("start", "--no-watch", env=env)

    def test_named_crash_points(self):
        points = ["segment_written", "before_commit", "after_commit", "write_partial",
                  "before_rename", "before_merge_commit"]
        for point in points:
            for nth in (1, 2):
                with self.subTest(point=point, nth=nth):
                    self.tearDown()
                    self.setUp()
                    self.populate("old")
                    self.restart_daemon(SMALL_ROUNDS)
                    self.assertEqual(self.index().returncode, 0)
                    self.populate("new")
                    self.restart_daemon(dict(SMALL_ROUNDS, TRUSTY_CRASH_POINT=f"{point}:{nth}"))
                    r = self.index()
                    # Every point but the merge's is on the path of each update, so it
                    # must have fired (the daemon died and the client says so).
                    if point != "before_merge_commit":
                        self.assertEqual(r.returncode, 1, (point, nth, r.stdout))
                        self.assertIn("connection", r.stderr)
                    else:
                        self.assertIn(r.returncode, (0, 1), r.stderr)
                    self.restart_daemon(SMALL_ROUNDS)
                    self.assert_consistent()
                    self.assertEqual(self.index().returncode, 0)
                    self.wait_idle()
                    self.assertEqual(self.assert_consistent(), (0, self.FILES))
                    segdir = os.path.join(self.data, "indexes", "t", "segments")
                    st = json.loads(self.ok("status", "t", "--json").stdout)
                    # No stray files: every file is a live segment or one of its two
                    # companions (grep, vectors: the real model is found next to the
                    # build), and every segment has both.
                    names = sorted(os.listdir(segdir))
                    self.assertEqual(len(names), 3 * st["segments"], names)
                    for n in names:
                        self.assertTrue(n.endswith((".tsseg", ".tsgrep", ".tsvec")), n)
                        base = n.rsplit(".", 1)[0]
                        for ext in (".tsseg", ".tsgrep", ".tsvec"):
                            self.assertIn(base + ext, names)
                    self.assertEqual(st["lanes"]["semantic"], "ok", st)

    def test_outside_kill_at_varied_moments(self):
        self.populate("old")
        self.restart_daemon(SMALL_ROUNDS)
        self.assertEqual(self.index().returncode, 0)
        for i, delay_ms in enumerate((5, 20, 40, 80, 120, 200)):
            with self.subTest(delay_ms=delay_ms):
                self.populate("new" if i % 2 == 0 else "old")
                self.restart_daemon(SMALL_ROUNDS)
                p = subprocess.Popen([BIN, "--data-dir", self.data, "index", self.src, "--name", "t"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                time.sleep(delay_ms / 1000)
                os.kill(self.daemon_pid(), signal.SIGKILL)
                p.wait(timeout=60)
                self.restart_daemon(SMALL_ROUNDS)
                self.assert_consistent()
        self.assertEqual(self.index().returncode, 0)
        self.assert_consistent()


if __name__ == "__main__":
    unittest.main()
