"""The watcher when the root itself goes: deleted, re-created, moved away,
replaced; the shrink guard of `index`; catching up at start. Real daemon,
real inotify."""
import json
import os
import shutil
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import CliTestCase  # noqa: E402

FILES = 12  # above index::kShrinkFloor (10), so that losing them all is a shrink


class WatcherTest(CliTestCase):
    def status(self):
        return json.loads(self.ok("status", "t", "--json").stdout)

    def files_of(self, query):
        return [h["file"] for h in self.query_json(query)["results"]]

    def index_tree(self):
        for i in range(FILES):
            self.write(f"pkg/m{i}.py", f"def kept_function_{i}():\n    return {i}\n")
        self.ok("index", self.src, "--name", "t")
        self.assertTrue(self.wait_for(lambda: self.status()["watch"] == "ok"))

    def test_root_deleted_then_recreated(self):
        self.index_tree()
        shutil.rmtree(self.src)
        self.assertTrue(self.wait_for(lambda: self.status()["watch"].startswith("lost")),
                        self.status()["watch"])
        # Nothing was dropped while the root was gone, and search says why results may be stale.
        time.sleep(1.5)  # longer than the watcher's quiet time for removals
        st = self.status()
        self.assertEqual(st["files"], FILES)
        self.assertIn("pkg/m3.py", self.files_of("kept_function_3"))
        self.assertTrue(self.query_json("kept_function_3")["meta"]["watch"].startswith("lost"))
        status, health = self.http("GET", "/health")
        self.assertEqual(health["status"], "degraded")
        self.assertTrue(health["indexes"]["t"]["watch"].startswith("lost"))
        # The root comes back: watched again, and a new file is searchable within 2 s.
        os.makedirs(self.src)
        start = time.time()
        self.write("fresh.py", "def arrived_after_recreation():\n    pass\n")
        self.assertTrue(self.wait_for(lambda: "fresh.py" in self.files_of("arrived_after_recreation"),
                                      timeout=10.0))
        print(f"\nre-created root -> searchable: {time.time() - start:.3f} s", file=sys.stderr)
        self.assertEqual(self.status()["watch"], "ok")
        # The rescan kept the files the new tree lacks (more than half of the index) ...
        self.assertTrue(self.wait_for(lambda: self.status()["state"] == "ready"))
        self.assertEqual(self.status()["files"], FILES + 1)
        # ... and a later edit is still picked up: the new root's folders are watched.
        self.write("fresh2.py", "def second_file_after_recreation():\n    pass\n")
        self.assertTrue(self.wait_for(lambda: "fresh2.py" in self.files_of("second_file_after_recreation")))

    def test_index_refuses_to_shrink_without_allow_shrink(self):
        self.index_tree()
        self.stop_daemon()
        for i in range(FILES):
            os.remove(os.path.join(self.src, f"pkg/m{i}.py"))
        self.write("only.py", "def the_only_file():\n    pass\n")
        self.ok("start", "--no-watch")
        r = self.run_cli("index", self.src, "--name", "t")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--allow-shrink", r.stderr)
        self.assertEqual(self.status()["files"], FILES)
        self.ok("index", self.src, "--name", "t", "--allow-shrink")
        self.assertEqual(self.status()["files"], 1)

    def test_root_moved_away_stops_updates_from_the_moved_copy(self):
        self.index_tree()
        moved = os.path.join(self.tmp, "moved")
        os.rename(self.src, moved)
        self.assertTrue(self.wait_for(lambda: self.status()["watch"] == "lost (root moved away)"),
                        self.status()["watch"])
        # An edit in the moved copy names a path that is not under the root: it must not drop it.
        with open(os.path.join(moved, "pkg/m5.py"), "w") as f:
            f.write("def edited_in_the_moved_copy():\n    pass\n")
        os.remove(os.path.join(moved, "pkg/m6.py"))
        time.sleep(1.5)
        self.assertIn("pkg/m5.py", self.files_of("kept_function_5"))
        self.assertIn("pkg/m6.py", self.files_of("kept_function_6"))
        # Moved back: watched again and rescanned, so both changes arrive.
        os.rename(moved, self.src)
        self.assertTrue(self.wait_for(lambda: "pkg/m5.py" in self.files_of("edited_in_the_moved_copy")))
        self.assertTrue(self.wait_for(lambda: "pkg/m6.py" not in self.files_of("kept_function_6")))
        self.assertEqual(self.status()["watch"], "ok")

    def test_root_replaced_behind_the_watcher(self):
        self.index_tree()
        # A new folder swapped in under the same name (another inode): no event reaches the old watches.
        staged = os.path.join(self.tmp, "staged")
        shutil.copytree(self.src, staged)
        with open(os.path.join(staged, "pkg/m1.py"), "w") as f:
            f.write("def replaced_tree_marker():\n    pass\n")
        old = os.path.join(self.tmp, "old")
        os.rename(self.src, old)
        os.rename(staged, self.src)
        self.assertTrue(self.wait_for(lambda: "pkg/m1.py" in self.files_of("replaced_tree_marker")))
        self.assertEqual(self.status()["watch"], "ok")
        # And the new tree is watched.
        self.write("pkg/new.py", "def after_replacement():\n    pass\n")
        self.assertTrue(self.wait_for(lambda: "pkg/new.py" in self.files_of("after_replacement")))

    def test_changes_made_while_down_are_caught_up_at_start(self):
        self.index_tree()
        self.stop_daemon()
        self.write("pkg/m2.py", "def changed_while_down():\n    pass\n")
        self.write("pkg/added.py", "def added_while_down():\n    pass\n")
        self.ok("start")
        self.assertTrue(self.wait_for(lambda: "pkg/m2.py" in self.files_of("changed_while_down")))
        self.assertTrue(self.wait_for(lambda: "pkg/added.py" in self.files_of("added_while_down")))
        job = self.status().get("job", {})
        self.assertEqual(job.get("reason"), "catching up with changes made while the daemon was down")


if __name__ == "__main__":
    unittest.main()
