"""The layer check (tools/layers/check_layers.py) passes on this tree and fails
on a tree where a stage includes one above it, or CMake links upward."""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
CHECK = os.path.join(ROOT, "tools", "layers", "check_layers.py")


def run(root):
    return subprocess.run([sys.executable, CHECK, root], capture_output=True, text=True, timeout=60)


class LayersTest(unittest.TestCase):
    def test_this_tree_passes(self):
        r = run(ROOT)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_an_upward_include_or_link_fails(self):
        with tempfile.TemporaryDirectory() as tmp:
            shutil.copytree(os.path.join(ROOT, "src"), os.path.join(tmp, "src"))
            shutil.copy(os.path.join(ROOT, "CMakeLists.txt"), tmp)
            with open(os.path.join(tmp, "src", "util", "status.h"), "a") as f:
                f.write('\n#include "index/index.h"\n')
            r = run(tmp)
            self.assertEqual(r.returncode, 1, r.stdout)
            self.assertIn("src/util/status.h", r.stdout)
            self.assertIn("util may not include index/", r.stdout)
            shutil.copy(os.path.join(ROOT, "src", "util", "status.h"), os.path.join(tmp, "src", "util"))
            with open(os.path.join(tmp, "CMakeLists.txt"), "a") as f:
                f.write("\ntarget_link_libraries(ts_lexical PUBLIC ts_daemon)\n")
            r = run(tmp)
            self.assertEqual(r.returncode, 1, r.stdout)
            self.assertIn("ts_lexical links ts_daemon", r.stdout)
            os.makedirs(os.path.join(tmp, "src", "newstage"))
            self.assertIn("missing from the layer table", run(tmp).stdout)


if __name__ == "__main__":
    unittest.main()
