"""Daemon lifecycle, live watching and zero cold-start, with the real binary."""
import json
import os
import signal
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import CliTestCase  # noqa: E402


class DaemonTest(CliTestCase):
    def names(self, query):
        return [(h["file"], h["function_name"]) for h in self.query_json(query)["results"]]

    def test_lifecycle(self):
        r = self.run_cli("status")
        self.assertEqual(r.returncode, 1)
        self.assertIn("not running", r.stdout)
        self.assertNotEqual(self.run_cli("port").returncode, 0)
        self.assertIn("started on 127.0.0.1:", self.ok("start").stdout)
        self.assertIn("already running", self.ok("start").stdout)
        port = self.port()
        for name in ("daemon.pid", "port", "daemon.log"):
            self.assertTrue(os.path.exists(os.path.join(self.data, name)), name)
        st = json.loads(self.ok("status", "--json").stdout)
        self.assertTrue(st["running"])
        self.assertEqual(st["port"], port)
        # A second data dir gets its own daemon on another port.
        other = os.path.join(self.tmp, "data2")
        self.ok("start", data_dir=other)
        self.assertNotEqual(int(self.ok("port", data_dir=other).stdout), port)
        self.stop_daemon(other)
        self.assertIn("stopped", self.ok("stop").stdout)
        self.assertFalse(os.path.exists(os.path.join(self.data, "port")))
        self.assertIn("no daemon", self.ok("stop").stdout)

    def test_signal_during_startup_still_stops_the_daemon(self):
        import subprocess
        from harness import BIN
        os.makedirs(self.data, exist_ok=True)
        for delay in (0.0, 0.005, 0.02, 0.05):
            p = subprocess.Popen([BIN, "--data-dir", self.data, "start", "--foreground", "--no-watch"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(delay)
            p.send_signal(signal.SIGTERM)
            # Before the daemon installs its signal handling the default action
            # ends it (-SIGTERM); after, it shuts down cleanly (0). Never a hang.
            self.assertIn(p.wait(timeout=20), (0, -signal.SIGTERM), f"delay {delay}")
            self.assertFalse(os.path.exists(os.path.join(self.data, "port")))

    def test_a_file_replaced_by_a_fifo_does_not_hang_searches(self):
        self.write("pkg/a.py", "def fifo_victim():\n    pass\n")
        self.ok("start", "--no-watch")
        self.ok("index", self.src, "--name", "t")
        os.remove(os.path.join(self.src, "pkg/a.py"))
        os.mkfifo(os.path.join(self.src, "pkg/a.py"))
        hits = self.query_json("fifo_victim")["results"]  # would block forever on open()
        self.assertEqual(hits[0]["content"], "")

    def test_saved_file_is_searchable_and_deleted_file_disappears(self):
        self.write("pkg/a.py", "def alpha():\n    pass\n")
        self.ok("index", self.src, "--name", "t")
        delays = []
        for n in range(3):
            start = time.time()
            self.write(f"pkg/b{n}.py", f"def watched_function_{n}():\n    return {n}\n")
            found = self.wait_for(lambda: (f"pkg/b{n}.py", f"watched_function_{n}") in self.names(f"watched_function_{n}"),
                                  timeout=5)
            self.assertTrue(found, f"edit {n} not searchable within 5 s")
            delays.append(time.time() - start)
        # Modify in place, rename, delete.
        self.write("pkg/b0.py", "def renamed_body():\n    return 0\n")
        self.assertTrue(self.wait_for(lambda: ("pkg/b0.py", "renamed_body") in self.names("renamed_body")))
        os.rename(os.path.join(self.src, "pkg/b1.py"), os.path.join(self.src, "pkg/moved.py"))
        self.assertTrue(self.wait_for(
            lambda: ("pkg/moved.py", "watched_function_1") in self.names("watched_function_1")
            and ("pkg/b1.py", "watched_function_1") not in self.names("watched_function_1")))
        os.remove(os.path.join(self.src, "pkg/b2.py"))
        self.assertTrue(self.wait_for(lambda: ("pkg/b2.py", "watched_function_2") not in self.names("watched_function_2")))
        # A directory moved in, and an ignored file that must stay out.
        os.makedirs(os.path.join(self.tmp, "outside/deep"))
        with open(os.path.join(self.tmp, "outside/deep/m.py"), "w") as f:
            f.write("def came_with_a_directory():\n    pass\n")
        os.rename(os.path.join(self.tmp, "outside"), os.path.join(self.src, "moved_in"))
        self.assertTrue(self.wait_for(lambda: ("moved_in/deep/m.py", "came_with_a_directory") in self.names("came_with_a_directory")))
        self.write(".gitignore", "secret_*.py\n")
        self.write("pkg/secret_x.py", "def should_stay_hidden():\n    pass\n")
        self.write("pkg/visible.py", "def visible_marker_fn():\n    pass\n")
        self.assertTrue(self.wait_for(lambda: ("pkg/visible.py", "visible_marker_fn") in self.names("visible_marker_fn")))
        self.assertNotIn("pkg/secret_x.py", [f for f, _ in self.names("should_stay_hidden")])
        print(f"\nsave->searchable: {[round(d, 3) for d in delays]} s", file=sys.stderr)

    def test_restart_after_kill_answers_from_disk(self):
        for i in range(20):
            self.write(f"m{i}.py", f"def function_number_{i}(x):\n    return x + {i}\n")
        self.ok("index", self.src, "--name", "t")
        before = self.query_json("function_number_7")["results"][0]
        os.kill(self.daemon_pid(), signal.SIGKILL)
        time.sleep(0.2)
        # The stale port file does not fool the client: a new daemon starts.
        after = self.query_json("function_number_7")["results"][0]
        self.assertEqual((before["file"], before["start_line"], before["id"]),
                         (after["file"], after["start_line"], after["id"]))
        st = json.loads(self.ok("status", "t", "--json").stdout)
        self.assertEqual(st["files"], 20)
        self.assertTrue(st["healthy"])

    def test_start_right_after_a_kill_leaves_a_daemon_that_answers(self):
        # A killed daemon keeps its lock while the kernel tears it down; `start`
        # must not take that for a running daemon.
        for _ in range(3):
            self.ok("start", "--no-watch")
            os.kill(self.daemon_pid(), signal.SIGKILL)
            r = self.ok("start", "--no-watch")
            self.assertRegex(r.stdout, r"^(started|already running)")
            status, body = self.http("GET", "/health")
            self.assertEqual((status, body["status"]), (200, "ok"), r.stdout)

    def test_interrupted_update_is_reported_and_resumed_at_start(self):
        for i in range(40):
            self.write(f"m{i}.py", f"def resumable_{i}():\n    return {i}\n")
        # Killed right after its first commit: part of the tree is in, the rest is not.
        self.ok("start", "--no-watch", env={"TRUSTY_ROUND_BYTES": "512", "TRUSTY_CRASH_POINT": "after_commit:1"})
        r = self.run_cli("index", self.src, "--name", "t")
        self.assertEqual(r.returncode, 1)
        self.assertTrue(self.wait_for(lambda: self.run_cli("port").returncode != 0))
        # A new daemon resumes it without being asked.
        self.ok("start", "--no-watch")
        self.assertTrue(self.wait_for(
            lambda: json.loads(self.ok("status", "t", "--json").stdout)["files"] == 40, timeout=30))
        st = json.loads(self.ok("status", "t", "--json").stdout)
        self.assertTrue(self.wait_for(lambda: json.loads(self.ok("status", "t", "--json").stdout)["state"] == "ready"))
        self.assertFalse(json.loads(self.ok("status", "t", "--json").stdout)["interrupted"])
        self.assertIn("resuming the interrupted update", open(os.path.join(self.data, "daemon.log")).read())

    def test_sigterm_during_indexing_leaves_a_consistent_index(self):
        for i in range(300):
            self.write(f"d{i % 10}/f{i}.py", f"def generated_{i}():\n    return {i}\n" * 20)
        self.ok("start", env={"TRUSTY_ROUND_BYTES": "8192"})
        import subprocess
        from harness import BIN
        p = subprocess.Popen([BIN, "--data-dir", self.data, "index", self.src, "--name", "t"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.3)
        self.ok("stop")
        p.wait(timeout=60)
        st = json.loads(self.ok("status", "t", "--json").stdout)
        self.assertTrue(st["healthy"])
        self.ok("index", self.src, "--name", "t")
        st = json.loads(self.ok("status", "t", "--json").stdout)
        self.assertEqual(st["files"], 300)


if __name__ == "__main__":
    unittest.main()
