"""The HTTP API against a real daemon: DESIGN.md §6 shapes, precise 4xx JSON
errors for every kind of bad request, and a daemon that keeps serving."""
import json
import os
import socket
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import CliTestCase  # noqa: E402

PY = "def parse_config(path):\n    return open(path).read()\n\n\nclass Loader:\n    def load(self):\n        return 1\n"


class ApiTest(CliTestCase):
    def setUp(self):
        super().setUp()
        self.write("pkg/config.py", PY)
        self.write("lib/other.py", "def unrelated_helper():\n    return 2\n")
        self.ok("index", self.src, "--name", "t")

    def assertError(self, status_body, status, code=None):
        got, body = status_body
        self.assertEqual(got, status, body)
        self.assertIn("error", body, body)
        self.assertIsInstance(body["error"].get("message"), str)
        self.assertTrue(body["error"]["message"])
        if code:
            self.assertEqual(body["error"]["code"], code)

    def test_health_and_lists(self):
        status, body = self.http("GET", "/health")
        self.assertEqual(status, 200)
        self.assertEqual(body["status"], "ok")
        self.assertEqual(body["indexes"]["t"]["lexical"], "ok")
        self.assertEqual(body["indexes"]["t"]["semantic"], "ok")  # the real model, next to the build
        status, body = self.http("GET", "/indexes")
        self.assertEqual([i["name"] for i in body["indexes"]], ["t"])
        self.assertEqual(body["indexes"][0]["state"], "ready")
        status, body = self.http("GET", "/indexes/t/status")
        self.assertEqual((status, body["files"]), (200, 2))

    def test_search_shape(self):
        status, body = self.http("POST", "/indexes/t/search", {"query": "parse config", "top_k": 5})
        self.assertEqual(status, 200)
        for key in ("results", "intent", "latency_ms", "meta"):
            self.assertIn(key, body)
        hit = body["results"][0]
        for key in ("id", "file", "language", "start_line", "end_line", "function_name", "chunk_type",
                    "score", "match_reason", "content"):
            self.assertIn(key, hit)
        self.assertEqual((hit["file"], hit["function_name"]), ("pkg/config.py", "parse_config"))
        # A calibrated confidence (rank/confidence.cc) with the signals it came from.
        self.assertGreater(body["meta"]["confidence"], 0.5, body["meta"])
        self.assertLessEqual(body["meta"]["confidence"], 1.0)
        self.assertEqual(set(body["meta"]["confidence_signals"]),
                         {"both_lanes", "lexical_found", "cosine", "lexical_rank", "semantic_rank",
                          "file_gap"})
        status, body = self.http("POST", "/indexes/t/search", {"query": "zzqqxxnotfoundqq"})
        self.assertEqual((status, body["results"], body["meta"]["confidence"]), (200, [], 0.0), body)
        # "text" is an alias of "query"; compact gives a snippet instead of content.
        status, body = self.http("POST", "/indexes/t/search", {"text": "parse config", "compact": True})
        self.assertEqual(status, 200)
        self.assertIn("snippet", body["results"][0])
        self.assertNotIn("content", body["results"][0])

    def test_fan_out_search_tags_index(self):
        other = os.path.join(self.tmp, "other")
        os.makedirs(other)
        with open(os.path.join(other, "x.py"), "w") as f:
            f.write("def parse_config_elsewhere():\n    pass\n")
        self.ok("index", other, "--name", "u")
        status, body = self.http("POST", "/search", {"query": "parse config", "top_k": 10})
        self.assertEqual(status, 200)
        self.assertEqual({h["index_id"] for h in body["results"]}, {"t", "u"})
        scores = [h["score"] for h in body["results"]]
        self.assertEqual(scores, sorted(scores, reverse=True))

    def test_bad_requests_get_json_errors_and_daemon_survives(self):
        cases = [
            (self.http("POST", "/indexes/t/search", raw=b"{not json"), 400, "invalid_argument"),
            (self.http("POST", "/indexes/t/search", raw=b"[1,2]"), 400, "invalid_argument"),
            (self.http("POST", "/indexes/t/search", raw=b'{"query": "\xff\xfe"}'), 400, "invalid_argument"),
            (self.http("POST", "/indexes/t/search", {}), 400, "invalid_argument"),
            (self.http("POST", "/indexes/t/search", {"query": 42}), 400, "invalid_argument"),
            (self.http("POST", "/indexes/t/search", {"query": "   "}), 400, "invalid_argument"),
            (self.http("POST", "/indexes/t/search", {"query": "x" * 5000}), 400, "invalid_argument"),
            (self.http("POST", "/indexes/t/search", {"query": "x", "top_k": 0}), 400, "invalid_argument"),
            (self.http("POST", "/indexes/t/search", {"query": "x", "top_k": 100000}), 400, "invalid_argument"),
            (self.http("POST", "/indexes/t/search", {"query": "x", "top_k": "ten"}), 400, "invalid_argument"),
            (self.http("POST", "/indexes/t/search", {"query": "x", "mode": "fuzzy"}), 400, "invalid_argument"),
            (self.http("POST", "/indexes/t/search", raw=b"x" * (2 << 20)), 413, "payload_too_large"),
            (self.http("POST", "/indexes/nope/search", {"query": "x"}), 404, "not_found"),
            (self.http("GET", "/no/such/route"), 404, "not_found"),
            (self.http("POST", "/indexes", {"path": "relative/dir"}), 400, "invalid_argument"),
            (self.http("POST", "/indexes", {"path": "/does/not/exist"}), 404, "not_found"),
            (self.http("POST", "/indexes", {"path": self.src, "name": "../evil"}), 400, "invalid_argument"),
            (self.http("POST", "/indexes", {"path": self.tmp, "name": "t"}), 409, "already_exists"),
            (self.http("POST", "/indexes/t/files", {"path": "../../etc/passwd"}), 400, "invalid_argument"),
            (self.http("POST", "/indexes/t/files", {"path": "/etc/passwd"}), 400, "invalid_argument"),
            (self.http("GET", "/indexes/t/chunks?limit=abc"), 400, "invalid_argument"),
            (self.http("POST", "/indexes/t/search_similar", {"id": "x"}), 404, "not_found"),
            (self.http("POST", "/indexes/t/search_similar", {}), 400, "invalid_argument"),
            (self.http("GET", "/indexes/t/call_chain"), 400, "invalid_argument"),
            (self.http("GET", "/indexes/t/call_chain?symbol=nope"), 404, "not_found"),
            (self.http("GET", "/indexes/t/call_chain?symbol=x&depth=11"), 400, "invalid_argument"),
            (self.http("GET", "/indexes/t/call_chain?symbol=x&direction=up"), 400, "invalid_argument"),
            (self.http("GET", "/indexes/t/graph?kind=edges"), 400, "invalid_argument"),
            (self.http("POST", "/indexes/t/grep", {"pattern": "a(b"}), 400, "invalid_argument"),
            (self.http("DELETE", "/indexes/nope"), 404, "not_found"),
            (self.http("POST", "/indexes/t/reindex", {"force": "yes"}), 400, "invalid_argument"),
        ]
        for i, (got, status, code) in enumerate(cases):
            with self.subTest(case=i):
                self.assertError(got, status, code)
        # A symlink whose target's name is not UTF-8 cannot become an index root.
        bad = os.path.join(self.tmp.encode(), b"bad\xffdir")
        os.makedirs(bad)
        os.symlink(bad, os.path.join(self.tmp, "link"))
        self.assertError(self.http("POST", "/indexes", {"path": os.path.join(self.tmp, "link")}), 400,
                         "invalid_argument")
        # MCP endpoint: a foreign or garbled Origin is refused (DNS rebinding).
        for origin in ("http://evil.example", "http://evil\xff.com"):
            status, body = self.http("POST", "/mcp", raw=b'{"jsonrpc":"2.0","id":1,"method":"ping"}',
                                     headers={"Content-Type": "application/json", "Origin": origin})
            self.assertEqual(status, 403, body)
            self.assertIn("Origin", body["error"]["message"])
        # Garbage on the socket itself.
        with socket.create_connection(("127.0.0.1", self.port()), timeout=5) as s:
            s.sendall(b"\x00\x01GARBAGE\r\n\r\n")
            s.recv(4096)
        status, body = self.http("GET", "/health")
        self.assertEqual((status, body["status"]), (200, "ok"))
        status, body = self.http("POST", "/indexes/t/search", {"query": "parse config"})
        self.assertEqual(status, 200)

    def test_search_all_scores_are_comparable_across_indexes(self):
        # "defs" holds the definition; "notes" only mentions its words in passing.
        defs = os.path.join(self.tmp, "defs")
        notes = os.path.join(self.tmp, "notes")
        for d in (defs, notes):
            os.makedirs(d)
        with open(os.path.join(defs, "billing.py"), "w") as f:
            f.write("def compute_invoice_total(order):\n"
                    "    \"\"\"Sum the order's line items, taxes included.\"\"\"\n"
                    "    return sum(item.price * item.quantity for item in order.items)\n")
        with open(os.path.join(defs, "shipping.py"), "w") as f:
            f.write("def ship_parcel(parcel):\n    return parcel.weight * 2\n")
        with open(os.path.join(notes, "render.py"), "w") as f:
            f.write("def render_page(page):\n"
                    "    # the invoice page shows a total; computing it is not done here\n"
                    "    return '<html>' + page.body + '</html>'\n")
        with open(os.path.join(notes, "colors.py"), "w") as f:
            f.write("def pick_color(theme):\n    return theme.primary\n")
        self.ok("index", defs, "--name", "defs")
        self.ok("index", notes, "--name", "notes")
        for query in ("compute_invoice_total", "compute the invoice total of an order"):
            with self.subTest(query=query):
                status, body = self.http("POST", "/search", {"query": query, "top_k": 10})
                self.assertEqual(status, 200, body)
                first = body["results"][0]
                self.assertEqual((first["index_id"], first["file"]), ("defs", "billing.py"), body)
                notes_hits = [h for h in body["results"] if h["index_id"] == "notes"]
                for h in notes_hits:
                    self.assertLess(h["score"], first["score"])
                self.assertGreater(body["meta"]["indexes"]["defs"]["confidence"],
                                   body["meta"]["indexes"]["notes"]["confidence"])

    def test_files_chunks_and_reindex_stream(self):
        self.write("pkg/new_module.py", "def freshly_added_function():\n    return 3\n")
        status, body = self.http("POST", "/indexes/t/files", {"path": "pkg/new_module.py"})
        self.assertEqual(status, 200, body)
        status, body = self.http("GET", "/indexes/t/chunks?file=pkg/new_module.py")
        self.assertEqual([c["function_name"] for c in body["chunks"]], ["freshly_added_function"])
        status, body = self.http("DELETE", "/indexes/t/files", {"path": "pkg/new_module.py"})
        self.assertEqual((status, body["removed"]), (200, True))
        status, body = self.http("GET", "/indexes/t/chunks?file=pkg/new_module.py")
        self.assertEqual(body["chunks"], [])
        status, body = self.http("POST", "/indexes/t/reindex", {"force": True})
        self.assertEqual(status, 202)
        # The SSE stream ends with the job's final event.
        import urllib.request
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port()}/indexes/t/reindex/stream", timeout=60) as r:
            self.assertEqual(r.headers.get_content_type(), "text/event-stream")
            text = r.read().decode()
        events = [line[7:] for line in text.splitlines() if line.startswith("event: ")]
        self.assertEqual(events[-1], "done", text)
        data = json.loads([line[6:] for line in text.splitlines() if line.startswith("data: ")][-1])
        self.assertEqual(data["summary"]["files_indexed"], 3)
        self.assertEqual(data["job"], body["job"])
        # A caller names its job: a newer one (here a file update, as the
        # watcher would queue) does not take the stream over.
        forced_job = body["job"]
        status, newer = self.http("POST", "/indexes/t/files", {"path": "pkg/new_module.py"})
        self.assertEqual(status, 200, newer)
        url = f"http://127.0.0.1:{self.port()}/indexes/t/reindex/stream?job={forced_job}"
        with urllib.request.urlopen(url, timeout=60) as r:
            text = r.read().decode()
        data = json.loads([line[6:] for line in text.splitlines() if line.startswith("data: ")][-1])
        self.assertEqual((data["job"], data["summary"]["files_indexed"]), (forced_job, 3), text)
        for query, code in (("job=999999", 404), ("job=abc", 400), ("job=0", 400)):
            status, err = self.http("GET", "/indexes/t/reindex/stream?" + query)
            self.assertEqual(status, code, (query, err))
            self.assertIn("job", err["error"]["message"])

    def test_delete_index(self):
        status, body = self.http("DELETE", "/indexes/t")
        self.assertEqual((status, body["removed"]), (200, "t"))
        self.assertEqual(self.http("GET", "/indexes")[1]["indexes"], [])
        self.assertFalse(os.path.exists(os.path.join(self.data, "indexes", "t")))


if __name__ == "__main__":
    unittest.main()
