"""Crash safety: an update killed with SIGKILL at any step leaves the index at
its last committed state; it reopens, answers queries, and the next update
completes. Kills come from named crash points (TRUSTY_CRASH_POINT, see
src/util/crash_point.h) and from an outside SIGKILL at varied moments."""
import json
import os
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import BIN, CliTestCase  # noqa: E402


def source(i, tag):
    return (f"def function_{tag}_{i}(value):\n"
            f"    return value * {i}  # zq{tag}marker\n\n\n"
            f"class Holder_{tag}_{i}:\n"
            f"    def method_{tag}_{i}(self):\n"
            f"        return {i}\n")


class CrashTest(CliTestCase):
    FILES = 60

    def populate(self, tag):
        for i in range(self.FILES):
            self.write(f"pkg{i % 6}/mod_{i}.py", source(i, tag))

    def count_hits(self, term):
        out = self.query_json(term, "t", "--top-k", "1000")
        return len(out["results"])

    def assert_consistent(self):
        """Each file is wholly old or wholly new: the definitions of a tag come
        and go together with their file."""
        st = json.loads(self.ok("status", "t", "--json").stdout)
        self.assertTrue(st["healthy"], st)
        old = self.count_hits("zqoldmarker")
        new = self.count_hits("zqnewmarker")
        self.assertEqual(old + new, self.FILES, (old, new))
        self.assertEqual(st["files"], self.FILES)
        return old, new

    def index_args(self):
        # Small rounds: several commits per update, so kills land between them.
        return ["index", self.src, "--name", "t"]

    def test_named_crash_points(self):
        points = ["segment_written", "before_commit", "after_commit", "write_partial",
                  "before_rename", "before_merge_commit"]
        for point in points:
            for nth in (1, 2):
                with self.subTest(point=point, nth=nth):
                    self.tearDown()
                    self.setUp()
                    self.populate("old")
                    self.ok(*self.index_args())
                    self.populate("new")
                    env = {"TRUSTY_CRASH_POINT": f"{point}:{nth}", "TRUSTY_ROUND_BYTES": "4096",
                           "TRUSTY_MAX_SEGMENTS": "2"}
                    r = self.run_cli(*self.index_args(), env=env)
                    self.assertIn(r.returncode, (-signal.SIGKILL, 0), r.stderr)
                    self.assert_consistent()
                    self.ok(*self.index_args())
                    self.assertEqual(self.assert_consistent(), (0, self.FILES))
                    # No leftover temp or orphan segment files after a clean update.
                    segdir = os.path.join(self.data, "indexes", "t", "segments")
                    st = json.loads(self.ok("status", "t", "--json").stdout)
                    self.assertEqual(len(os.listdir(segdir)), st["segments"])

    def test_outside_kill_at_varied_moments(self):
        self.populate("old")
        self.ok(*self.index_args())
        for delay_ms in (5, 20, 40, 80, 120, 200):
            with self.subTest(delay_ms=delay_ms):
                self.populate("new" if delay_ms % 40 else "old")
                env = dict(os.environ, TRUSTY_ROUND_BYTES="4096")
                p = subprocess.Popen([BIN, "--data-dir", self.data, *self.index_args()],
                                     env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
                time.sleep(delay_ms / 1000)
                p.send_signal(signal.SIGKILL)
                p.wait()
                self.assert_consistent()
        self.ok(*self.index_args())
        self.assert_consistent()


if __name__ == "__main__":
    unittest.main()
