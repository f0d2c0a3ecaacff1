"""The symbol graph end to end: call chains and edge listings through the CLI
and the HTTP API, incremental updates (an edited file re-derives only its own
edges), the lane's state (--no-kg, an index from before the graph), and the
graph in search (usage and definition intents, search_similar)."""
import json
import os
import sqlite3
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import CliTestCase  # noqa: E402

UTIL = '''import os


def helper(path):
    return os.path.join(path, "x")


def unused():
    return 0


class Base:
    def run(self):
        return self.step()

    def step(self):
        return helper("base")
'''

APP = '''from .util import helper, Base


@decorate
def main(argv):
    for a in argv:
        process(a)
    return helper("main")


def process(item):
    if item:
        return process(item[1:])
    return helper(item)


class App(Base):
    def step(self):
        return main([])
'''

CLI = '''from .app import main


def entry():
    return main(["a"])
'''

C_HEADER = "static inline int twice(int x)\n{\n\treturn x * 2;\n}\n"
C_FILE = '''#include "twice.h"

static int quad(int x)
{
\treturn twice(twice(x));
}

int api(int x)
{
\treturn quad(x) + twice(x);
}
'''


class GraphTest(CliTestCase):
    def setUp(self):
        super().setUp()
        self.write("pkg/__init__.py", "")
        self.write("pkg/util.py", UTIL)
        self.write("pkg/app.py", APP)
        self.write("pkg/cli.py", CLI)
        self.write("csrc/twice.h", C_HEADER)
        self.write("csrc/api.c", C_FILE)
        self.ok("index", self.src, "--name", "t")

    def edges(self, kind="calls"):
        out = json.loads(self.ok("graph", "--index", "t", "--kind", kind, "--json").stdout)
        for e in out["edges"]:
            self.assertEqual(e["kind"], kind)
            self.assertEqual(set(e["from"]), {"file", "symbol", "line"})
            self.assertEqual(set(e["to"]), {"file", "symbol", "line"})
        return out

    @staticmethod
    def pairs(out):
        return {(e["from"]["file"], e["from"]["symbol"], e["from"]["line"],
                 e["to"]["file"], e["to"]["symbol"], e["to"]["line"]) for e in out["edges"]}

    def test_graph_listing_every_kind(self):
        calls = self.pairs(self.edges("calls"))
        expected = {
            ("pkg/app.py", "main", 4, "pkg/app.py", "process", 11),  # line 4: the decorator
            ("pkg/app.py", "main", 4, "pkg/util.py", "helper", 4),
            ("pkg/app.py", "process", 11, "pkg/app.py", "process", 11),
            ("pkg/app.py", "process", 11, "pkg/util.py", "helper", 4),
            ("pkg/app.py", "App.step", 18, "pkg/app.py", "main", 4),
            ("pkg/util.py", "Base.run", 13, "pkg/util.py", "Base.step", 16),
            ("pkg/util.py", "Base.step", 16, "pkg/util.py", "helper", 4),
            ("pkg/cli.py", "entry", 4, "pkg/app.py", "main", 4),
            ("csrc/api.c", "quad", 3, "csrc/twice.h", "twice", 1),
            ("csrc/api.c", "api", 8, "csrc/api.c", "quad", 3),
            ("csrc/api.c", "api", 8, "csrc/twice.h", "twice", 1),
        }
        self.assertEqual(calls, expected)
        imports = self.pairs(self.edges("imports"))
        self.assertIn(("pkg/app.py", "", 1, "pkg/util.py", "", 1), imports)
        self.assertIn(("pkg/cli.py", "", 1, "pkg/app.py", "", 1), imports)
        self.assertIn(("csrc/api.c", "", 1, "csrc/twice.h", "", 1), imports)
        inherits = self.pairs(self.edges("inherits"))
        self.assertEqual(inherits, {("pkg/app.py", "App", 17, "pkg/util.py", "Base", 12)})
        contains = self.pairs(self.edges("contains"))
        self.assertIn(("pkg/util.py", "", 1, "pkg/util.py", "Base", 12), contains)
        self.assertIn(("pkg/util.py", "Base", 12, "pkg/util.py", "Base.run", 13), contains)
        self.assertNotIn(("pkg/util.py", "", 1, "pkg/util.py", "Base.run", 13), contains)
        out = self.edges("calls")
        self.assertEqual(out["count"], len(out["edges"]))
        self.assertGreater(out["nodes"], 10)
        # Text output: one edge a line.
        r = self.ok("graph", "--index", "t", "--kind", "calls")
        self.assertIn("pkg/cli.py:4 entry -> pkg/app.py:4 main", r.stdout)
        r = self.run_cli("graph", "--index", "t", "--kind", "bogus")
        self.assertEqual(r.returncode, 2)

    def test_call_chain_cli_and_api(self):
        r = self.ok("calls", "main", "--index", "t", "--depth", "5")
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0], "main  pkg/app.py:4")
        self.assertIn("  <- App.step  pkg/app.py:18", lines)
        self.assertIn("  <- entry  pkg/cli.py:4", lines)
        self.assertIn("  -> process  pkg/app.py:11", lines)
        self.assertIn("    -> process  pkg/app.py:11  (cycle)", lines)
        self.assertTrue([l for l in lines if l.startswith("  -> helper  pkg/util.py:4")], lines)
        self.assertIn("    -> helper  pkg/util.py:4", lines)
        out = json.loads(self.ok("calls", "process", "--index", "t", "--callers", "--json").stdout)
        root = out["roots"][0]
        self.assertEqual((root["file"], root["line"], root["location"]), ("pkg/app.py", 11, "pkg/app.py:11"))
        self.assertNotIn("callees", root)
        callers = {(c["symbol"], c.get("cycle", False)) for c in root["callers"]}
        self.assertEqual(callers, {("main", False), ("process", True)})
        out = json.loads(self.ok("calls", "Base.step", "--index", "t", "--callees", "--json").stdout)
        self.assertEqual([c["symbol"] for c in out["roots"][0]["callees"]], ["helper"])
        self.assertEqual(self.run_cli("calls", "main", "--index", "t", "--depth", "11").returncode, 2)
        r = self.run_cli("calls", "nowhere", "--index", "t")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no definition named 'nowhere'", r.stderr)
        status, body = self.http("GET", "/indexes/t/call_chain?symbol=twice&direction=callers&depth=2")
        self.assertEqual(status, 200, body)
        self.assertEqual({c["symbol"] for c in body["roots"][0]["callers"]}, {"quad", "api"})
        self.assertLess(body["latency_ms"], 1000)

    def test_editing_one_file_changes_only_its_edges(self):
        # Without the watcher, so that this test decides when the file is read again.
        self.stop_daemon()
        self.ok("start", "--no-watch")
        before = self.pairs(self.edges("calls"))
        # util.py changes: a new function above helper calls it, and helper moves
        # down four lines. No other file is read again.
        edited = UTIL.replace("import os\n", "import os\n\n\ndef added():\n    return helper('a')\n")
        self.write("pkg/util.py", edited)
        files = json.loads(self.ok("status", "t", "--json").stdout)["files"]
        s = json.loads(self.ok("index", self.src, "--name", "t", "--json").stdout)
        self.assertEqual((s["files_indexed"], s["files_unchanged"]), (1, files - 1))
        after = self.pairs(self.edges("calls"))
        touches = lambda e: "pkg/util.py" in (e[0], e[3])
        # Edges that neither start nor end in the edited file are exactly the same.
        self.assertEqual({e for e in before if not touches(e)}, {e for e in after if not touches(e)})
        # Edges into the edited file follow it without re-reading their callers' files.
        self.assertIn(("pkg/app.py", "main", 4, "pkg/util.py", "helper", 8), after)
        self.assertNotIn(("pkg/app.py", "main", 4, "pkg/util.py", "helper", 4), after)
        self.assertIn(("pkg/util.py", "added", 4, "pkg/util.py", "helper", 8), after)
        # A removed definition leaves no dangling edge: the callers' calls become unresolved.
        self.write("pkg/util.py", edited.replace("def helper(path)", "def renamed(path)"))
        status, body = self.http("POST", "/indexes/t/files", {"path": "pkg/util.py"})
        self.assertEqual(status, 200, body)
        self.assertEqual(body["summary"]["files_indexed"], 1)
        after = self.pairs(self.edges("calls"))
        self.assertFalse([e for e in after if e[4] == "helper"], after)
        self.assertEqual({e for e in before if not touches(e)}, {e for e in after if not touches(e)})
        # Deleting the file takes its edges with it.
        os.remove(os.path.join(self.src, "pkg/util.py"))
        status, body = self.http("DELETE", "/indexes/t/files", {"path": "pkg/util.py"})
        self.assertEqual(status, 200, body)
        after = self.pairs(self.edges("calls"))
        self.assertFalse([e for e in after if touches(e)], after)

    def test_lane_state_no_kg_and_old_index(self):
        st = json.loads(self.ok("status", "t", "--json").stdout)
        self.assertEqual(st["lanes"]["graph"], "ok")
        self.assertEqual(st["format_version"], 2)
        self.ok("index", self.src, "--name", "t", "--no-kg")
        st = json.loads(self.ok("status", "t", "--json").stdout)
        self.assertTrue(st["lanes"]["graph"].startswith("unavailable: symbol graph disabled"), st)
        status, body = self.http("GET", "/indexes/t/call_chain?symbol=main")
        self.assertEqual((status, body["error"]["code"]), (503, "unavailable"))
        self.assertIn("--no-kg", body["error"]["message"])
        q = self.query_json("who calls main")
        self.assertTrue(q["meta"]["graph"].startswith("unavailable"))
        self.assertTrue(q["meta"]["graph_expansion"].startswith("not applied"))
        r = self.run_cli("calls", "main", "--index", "t")
        self.assertEqual(r.returncode, 1)
        self.assertIn("unavailable", r.stderr)
        # Without --no-kg again: every file is read again to build the graph.
        files = st["files"]
        s = json.loads(self.ok("index", self.src, "--name", "t", "--json").stdout)
        self.assertEqual(s["files_indexed"], files)
        self.assertEqual(json.loads(self.ok("status", "t", "--json").stdout)["lanes"]["graph"], "ok")
        self.assertIn(("pkg/cli.py", "entry", 4, "pkg/app.py", "main", 4), self.pairs(self.edges()))

        # An index written before the graph existed (catalog format 1): migrated on
        # open, the lane says why it is unavailable until a full update rebuilds it.
        self.stop_daemon()
        db = sqlite3.connect(os.path.join(self.data, "indexes", "t", "catalog.db"))
        db.execute("DROP TABLE symbols")
        db.execute("DROP TABLE calls")
        db.execute("DROP TABLE graph_files")
        db.execute("DELETE FROM meta WHERE key IN ('graph_state', 'graph_enabled')")
        db.execute("UPDATE meta SET value='1' WHERE key='format_version'")
        db.commit()
        db.close()
        # --no-watch: the watcher's catch-up at start would rebuild the graph before `index` below.
        self.ok("start", "--no-watch")
        st = json.loads(self.ok("status", "t", "--json").stdout)
        self.assertEqual(st["format_version"], 2)
        self.assertIn("built before the symbol graph existed", st["lanes"]["graph"])
        self.assertEqual(self.query_json("process")["results"][0]["function_name"], "process")
        s = json.loads(self.ok("index", self.src, "--name", "t", "--json").stdout)
        self.assertEqual(s["files_indexed"], files)
        self.assertEqual(json.loads(self.ok("status", "t", "--json").stdout)["lanes"]["graph"], "ok")
        self.assertIn(("pkg/cli.py", "entry", 4, "pkg/app.py", "main", 4), self.pairs(self.edges()))

    def test_search_intents_and_similar(self):
        out = self.query_json("who calls helper")
        self.assertEqual(out["intent"], "usage")
        self.assertEqual(out["meta"]["graph"], "ok")
        self.assertTrue(out["meta"]["graph_expansion"].startswith("callers of helper (pkg/util.py:4)"), out["meta"])
        first = out["results"][0]
        self.assertEqual((first["file"], first["function_name"]), ("pkg/util.py", "helper"))
        graph_hits = {(h["file"], h["function_name"]) for h in out["results"] if h["match_reason"].startswith("graph")}
        self.assertEqual(graph_hits, {("pkg/app.py", "main"), ("pkg/app.py", "process"), ("pkg/util.py", "step")})
        scores = [h["score"] for h in out["results"]]
        self.assertEqual(scores, sorted(scores, reverse=True))
        out = self.query_json("where is step defined")
        self.assertEqual(out["intent"], "definition")
        self.assertEqual(out["results"][0]["function_name"], "step")
        self.assertTrue(out["results"][0]["match_reason"].startswith("definition"))
        out = self.query_json("process")
        self.assertEqual(out["intent"], "definition")
        self.assertEqual(out["results"][0]["function_name"], "process")
        self.assertEqual(self.query_json("process the items")["intent"], "conceptual")
        self.assertEqual(self.query_json("process items")["intent"], "search")
        status, body = self.http("POST", "/indexes/t/search", {"query": "process item", "expand_graph": True})
        self.assertEqual(status, 200)
        self.assertIn("graph_expansion", body["meta"])
        chunks = self.http("GET", "/indexes/t/chunks?file=pkg/app.py")[1]["chunks"]
        main_id = [c["id"] for c in chunks if c["function_name"] == "main"][0]
        status, body = self.http("POST", "/indexes/t/search_similar", {"id": main_id, "top_k": 5})
        self.assertEqual(status, 200, body)
        reasons = {(h["function_name"], h["match_reason"]) for h in body["results"]}
        self.assertIn(("process", "graph: called by main"), reasons)
        self.assertIn(("entry", "graph: calls main"), reasons)
        self.assertNotIn(main_id, [h["id"] for h in body["results"]])


if __name__ == "__main__":
    unittest.main()
