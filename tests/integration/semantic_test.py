"""Semantic lane, end to end with the real model (models/code-nbow.tsmodel,
found next to the build directory): vector companions beside every segment,
embedding reuse by content hash across updates and restarts, semantic and
hybrid search, and honest degradation when the model or a companion is bad."""
import json
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import CliTestCase  # noqa: E402

FILES = {
    "fsutil.py": (
        "import os\n\n\n"
        "def wipe_tree(top):\n"
        "    for root, dirs, files in os.walk(top, topdown=False):\n"
        "        for name in files:\n"
        "            os.remove(os.path.join(root, name))\n"
        "        for name in dirs:\n"
        "            os.rmdir(os.path.join(root, name))\n"
        "    os.rmdir(top)\n\n\n"
        "def size_of(path):\n"
        "    return os.stat(path).st_size\n"),
    "net.py": (
        "import socket\n\n\n"
        "def fetch_banner(host, port):\n"
        "    s = socket.create_connection((host, port), timeout=5)\n"
        "    try:\n"
        "        return s.recv(1024)\n"
        "    finally:\n"
        "        s.close()\n"),
    "text.py": (
        "def title_words(sentence):\n"
        "    return ' '.join(w.capitalize() for w in sentence.split())\n\n\n"
        "def count_vowels(word):\n"
        "    return sum(1 for c in word.lower() if c in 'aeiou')\n"),
    "dates.py": (
        "import datetime\n\n\n"
        "def days_between(a, b):\n"
        "    return abs((b - a).days)\n"),
}


class SemanticTest(CliTestCase):
    def setUp(self):
        super().setUp()
        for rel, text in FILES.items():
            self.write(rel, text)

    def index(self, *extra, env=None):
        r = self.ok("index", self.src, "--name", "t", "--json", *extra, env=env)
        return json.loads(r.stdout)

    def summary(self, out):
        return out.get("summary", out)

    def status(self):
        return json.loads(self.ok("status", "t", "--json").stdout)

    def segdir(self):
        return os.path.join(self.data, "indexes", "t", "segments")

    def test_hybrid_default_semantic_finds_description_and_companions_exist(self):
        self.index()
        names = os.listdir(self.segdir())
        segs = [n for n in names if n.endswith(".tsseg")]
        self.assertTrue(segs)
        for s in segs:
            self.assertIn(s[:-6] + ".tsvec", names)
        out = self.query_json("remove a directory and everything inside it recursively")
        self.assertEqual(out["mode"], "hybrid")
        self.assertEqual(out["meta"]["semantic"], "ok")
        self.assertIn("semantic_scan", out["timings_ms"])
        sem = self.query_json("remove a directory and everything inside it recursively", "t",
                              "--mode", "semantic")
        self.assertEqual(sem["mode"], "semantic")
        self.assertEqual(sem["results"][0]["function_name"], "wipe_tree", sem["results"][:3])
        top = out["results"][0]
        self.assertEqual(top["function_name"], "wipe_tree", out["results"][:3])
        self.assertIn("semantic #", top["match_reason"])
        self.assertEqual(self.status()["lanes"]["semantic"], "ok")
        # auto is hybrid; lexical stays lexical and still reports the semantic lane.
        self.assertEqual(self.query_json("wipe_tree", "t", "--mode", "auto")["mode"], "hybrid")
        lex = self.query_json("wipe_tree", "t", "--mode", "lexical")
        self.assertEqual(lex["mode"], "lexical")
        self.assertEqual(lex["meta"]["semantic"], "ok")
        self.assertEqual(lex["results"][0]["function_name"], "wipe_tree")

    def test_nonsense_gets_no_hits_and_meta_says_why(self):
        self.index()
        for mode in ("hybrid", "semantic"):
            out = self.query_json("zzqqxxnotfoundqq", "t", "--mode", mode)
            self.assertEqual(out["results"], [], (mode, out["results"][:2]))
            self.assertTrue(out["meta"]["semantic_floor"].startswith("ok: "), out["meta"])
            self.assertEqual(out["meta"]["semantic"], "ok")
        # A real question keeps its answer, and the text output warns of nothing.
        out = self.query_json("remove a directory and everything inside it recursively")
        self.assertEqual(out["results"][0]["function_name"], "wipe_tree")
        r = self.ok("query", "zzqqxxnotfoundqq", "--index", "t")
        self.assertNotIn("note:", r.stderr)

    def test_a_query_the_model_cannot_embed_is_answered_lexically(self):
        # "for" and "in" are stop words to the model: no feature, no vector,
        # no nearest chunk. Semantic mode answered nothing and said nothing.
        self.index()
        for query in ("for", "in"):
            sem = self.query_json(query, "t", "--mode", "semantic")
            self.assertEqual(sem["mode"], "lexical", sem["meta"])
            self.assertTrue(sem["results"], sem)
            note = sem["meta"]["semantic_query"]
            self.assertTrue(note.startswith("ok: no word of the query is known"), note)
            self.assertIn("lexical mode", note)
            hyb = self.query_json(query)
            self.assertEqual(hyb["mode"], "hybrid")
            self.assertTrue(hyb["results"], hyb)
            self.assertIn("without the semantic lane", hyb["meta"]["semantic_query"])
        # One letter: the grep lane answers, in either mode.
        sem = self.query_json("s", "t", "--mode", "semantic")
        self.assertEqual((sem["mode"], sem["meta"]["short_words"]), ("lexical", "ok: grep lane"))
        self.assertTrue(sem["results"], sem)
        # A question the model knows keeps semantic mode, and no such note.
        sem = self.query_json("remove a directory and everything inside it", "t", "--mode",
                              "semantic")
        self.assertEqual(sem["mode"], "semantic")
        self.assertNotIn("semantic_query", sem["meta"])

    def test_unchanged_chunks_are_never_embedded_again(self):
        # --no-watch: the watcher would index the edit below first, leaving the
        # explicit update nothing to do (a race that ASan's slowness exposes).
        self.ok("start", "--no-watch")
        first = self.summary(self.index())
        self.assertEqual(first["chunks_embedding_reused"], 0)
        self.assertEqual(first["chunks_embedded"], first["chunks_added"])
        self.assertGreater(first["chunks_embedded"], 0)
        # One function of one file changes; its other function keeps its text.
        self.write("text.py", FILES["text.py"].replace("'aeiou'", "'aeiouy'"))
        second = self.summary(self.index())
        self.assertEqual(second["files_indexed"], 1)
        self.assertEqual(second["chunks_embedded"], 1, second)
        self.assertEqual(second["chunks_embedding_reused"], second["chunks_added"] - 1, second)
        # Across a restart, a forced rebuild reuses every vector from the companions.
        self.stop_daemon()
        forced = self.summary(self.index("--force"))
        self.assertEqual(forced["chunks_embedded"], 0, forced)
        self.assertEqual(forced["chunks_embedding_reused"], forced["chunks_added"])

    def test_missing_and_corrupt_model(self):
        self.index()
        bad = os.path.join(self.tmp, "corrupt.tsmodel")
        with open(bad, "wb") as f:
            f.write(b"TSEMBED1" + b"\0" * 64)
        for path, word in ((os.path.join(self.tmp, "absent.tsmodel"), "no embedding model"),
                           (bad, "damaged")):
            with self.subTest(model=path):
                self.stop_daemon()
                self.ok("start", "--no-watch", env={"TRUSTY_MODEL": path})
                out = self.query_json("wipe_tree")
                self.assertEqual(out["mode"], "lexical")
                self.assertTrue(out["meta"]["semantic"].startswith("unavailable: "), out["meta"])
                self.assertIn(word, out["meta"]["semantic"])
                self.assertEqual(out["results"][0]["function_name"], "wipe_tree")
                st = self.status()
                self.assertTrue(st["lanes"]["semantic"].startswith("unavailable: "), st)
                self.assertTrue(st["healthy"])
                r = self.run_cli("query", "remove a folder", "--index", "t", "--mode", "semantic")
                self.assertEqual(r.returncode, 1)
                self.assertIn("semantic search is unavailable", r.stderr)
                self.assertIn(word, r.stderr)
                status, body = self.http("POST", "/indexes/t/search",
                                         {"query": "remove a folder", "mode": "semantic"})
                self.assertGreaterEqual(status, 400)
                self.assertIn(word, body["error"]["message"])

    def test_damaged_companion_degrades_and_index_repairs_it(self):
        self.index()
        self.write("extra.py", "def spare(x):\n    return x\n")
        self.index()  # a second segment
        vecs = sorted(n for n in os.listdir(self.segdir()) if n.endswith(".tsvec"))
        self.assertEqual(len(vecs), 2, os.listdir(self.segdir()))
        path = os.path.join(self.segdir(), vecs[0])
        with open(path, "r+b") as f:
            f.seek(os.path.getsize(path) // 2)
            f.write(b"\xff\xfe\xfd")
        self.stop_daemon()
        # --no-watch: the watcher's catch-up at start would repair it before `index` below.
        self.ok("start", "--no-watch")
        out = self.query_json("count the vowels in a word")
        self.assertTrue(out["meta"]["semantic"].startswith("degraded: "), out["meta"])
        self.assertIn("damaged", out["meta"]["semantic"])
        self.assertTrue(out["results"])  # still answered
        repaired = self.summary(self.index())
        self.assertIn("embed", repaired["semantic_note"])
        self.assertGreater(repaired["chunks_embedded"], 0)
        self.assertEqual(self.status()["lanes"]["semantic"], "ok")

    def test_hnsw_graph_is_built_persisted_and_rebuilt_when_damaged(self):
        # Every companion counts as large here, so the daemon's worker builds
        # a graph; on four chunks it must answer exactly like the scan.
        ann = {"TRUSTY_HNSW_MIN_VECTORS": "1"}
        query = ("delete a directory and everything in it", "--index", "t", "--mode", "semantic",
                 "--json")

        def wait_for_graph():
            for _ in range(200):
                lane = json.loads(self.ok("status", "t", "--json", env=ann).stdout)["lanes"]["semantic"]
                if lane.startswith("ok (hnsw on 1 of 1 segments"):
                    return lane
                time.sleep(0.1)
            self.fail("no HNSW graph attached: " + lane)

        def hits(env):
            out = json.loads(self.ok("query", *query, env=env).stdout)
            return [(h["function_name"], h["score"]) for h in out["results"]]

        self.index(env=ann)
        wait_for_graph()
        graphs = [n for n in os.listdir(self.segdir()) if n.endswith(".tshnsw")]
        self.assertEqual(len(graphs), 1, os.listdir(self.segdir()))
        path = os.path.join(self.segdir(), graphs[0])
        with_graph = hits(ann)
        self.assertEqual(with_graph[0][0], "wipe_tree")
        # A damaged graph file is rejected when the daemon reopens the index,
        # rebuilt and saved again; answers do not change.
        self.stop_daemon()
        with open(path, "r+b") as f:
            # Flip the bytes (writing a fixed value can leave them as they
            # were: links there are often -1, all 0xff, and then nothing is damaged).
            f.seek(80)
            was = f.read(8)
            f.seek(80)
            f.write(bytes(b ^ 0xFF for b in was))
        with open(path, "rb") as f:
            damaged = f.read()
        wait_for_graph()
        self.assertEqual(hits(ann), with_graph)
        with open(path, "rb") as f:
            self.assertNotEqual(f.read(), damaged)
        # Without graphs (the default threshold), the exact scan gives the same.
        self.stop_daemon()
        self.assertEqual(json.loads(self.ok("status", "t", "--json").stdout)["lanes"]["semantic"], "ok")
        self.assertEqual(hits(None), with_graph)


if __name__ == "__main__":
    unittest.main()
