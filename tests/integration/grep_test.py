"""Indexed grep against the real ripgrep: the same fixture tree, 70 patterns
(literal, regex, case-insensitive, word, Unicode, context, max-count, globs,
multiline, invert, files-with-matches), output compared byte for byte with
`rg --no-heading -n --sort path`, exit codes too. Also: hostile patterns end
in a clear error or a partial result while the daemon keeps serving, the HTTP
face validates its input, and an edited file is grepped as it is now."""
import json
import os
import shlex
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import BIN, CliTestCase  # noqa: E402

PATTERNS = r"""
foo
-F foo(
-F 'a.b'
'a.b'
-i FOO
-i 'straße'
-w foo
-w -- -foo
-w 'foo\w*'
'^\s*def '
'^#include <\w+\.h>'
'\bfoo_bar\b'
'[A-Z]+_VALUE'
'[A-Z][a-z]+Error'
'(?i)hello world'
'hello|world'
-i 'HELLO|WORLD'
'\d{4}-\d{2}-\d{2}'
'\p{Greek}+'
-i 'ΑΛΦΑ'
'日本'
'caf\x{e9}'
'é'
'\w+é'
'\s+$'
'^$'
'x*'
'return\s+\w+;'
'struct \w+ \{'
-C1 foo
-A2 'def '
-B2 'return'
-C3 -w bar
-m1 foo
-m2 -A1 foo
-m1 -C1 -i foo
-v o
-v -i foo
-l foo
-l -i 'value'
-g '*.py' def
-g '!*.py' def
-g 'sub/**' foo
-g '*.{c,h}' VALUE
-F -w 'foo_bar'
-F -i 'FOO_BAR'
-U 'foo\nbar'
-U 'def \w+\(\):\n\s+return'
-U -i 'BEGIN.*\n.*END'
'needle'
-w needle
-m3 needle
-l needle
'\tindented'
'trailing\r$'
'no newline at end'
-i 'ǅ'
'[[:upper:]]{3,}'
'[^\x00-\x7f]+'
'TODO|FIXME|XXX'
'(foo|bar)baz'
'a{1000}'
'\wVA'
-i '\wva'
-w '\wVA\w+'
-i kiss
-i missing
-i kelvin
-i 'mi\w\w'
-F -i 'KISS'
-i '\p{Greek}'
-v '\p{Greek}'
"""

FILES = {
    "a.py": "def foo():\n    return bar\n\n\ndef foo_bar():\n    return 1\n\nclass ValueError2(Exception):\n    pass\n",
    "b.py": "import os\n# TODO: remove foo\nfoobaz = 'a.b'\nbarbaz = 'axb'\ndef hello():\n    return 'Hello World'\n",
    "c.c": "#include <stdio.h>\n#include <linux/list.h>\nstruct foo {\n  int MAX_VALUE;\n};\nint foo(void) {\n  return MAX_VALUE;\n}\n/* FIXME: -foo */\n",
    "c.h": "#define MIN_VALUE 1\n#define FOO_BAR 2\nextern int foo_bar;\n",
    "sub/deep/x.rs": "fn foo() -> u32 {\n    42\n}\n// date 2024-01-31\nstruct Foo { x: u32 }\n",
    "sub/y.go": "package sub\n\nfunc Foo() string {\n\treturn \"foo\"\n}\n",
    "unicode.txt": "Straße und STRASSE\nαλφα βήτα ΑΛΦΑ\n日本語のテキスト\ncafé crème\nǅemal ǆ Ǆ\n",
    # U+212A KELVIN SIGN and U+017F LONG S: -i folds them to k and s.
    "fold.txt": "Kelvin: 3 \u212a\nmi\u017fs the point\nkiss KISS ki\u017fs\nMi\u017fsing\n\u212aelvin scale\n",
    "ws.txt": "\tindented line\nspaces at end   \n\nfoo\n\n",
    "crlf.txt": "trailing\r\nfoo\r\n",
    "noeol.txt": "first\nno newline at end",
    "empty.txt": "",
    "multi.txt": "BEGIN block\nmiddle\nEND block\nfoo\nbar\nfoo\nbar baz\n",
    # Non-ASCII neighbours: é is a word character, U+00B7 (middle dot) is not.
    "words.txt": "a-foo-b\nxfoo\n-foo\nfoo-\nfoobar foo\n\u00e9foo\nfoo\u00b7\nfoo\u00e9 foo\u00e9\n",
    ".hidden.txt": "foo in a hidden file\n",
    "build/gen.c": "int foo_generated = 1; /* under an excluded dir: rg searches it */\n",
    "ignored/skip.txt": "foo but ignored by .gitignore\n",
    ".gitignore": "ignored/\n",
}


def big_file():
    # Over the 64 KiB block size, with needles in several blocks.
    lines = []
    for i in range(1, 9001):
        lines.append(f"needle {i}" if i in (3, 4000, 8999) else f"filler line {i} of the haystack")
    return "\n".join(lines) + "\n"


class GrepAgainstRipgrepTest(CliTestCase):
    @classmethod
    def setUpClass(cls):
        cls.fixture = CliTestCase()
        cls.fixture.setUp()
        src = cls.fixture.src
        for rel, text in FILES.items():
            cls.fixture.write(rel, text)
        cls.fixture.write("big.log", big_file())
        with open(os.path.join(src, "min.js"), "w") as f:  # minified: grep-only
            f.write("var foo=1;" * 600 + "\n")
        with open(os.path.join(src, "blob.bin"), "wb") as f:  # binary: skipped by both
            f.write(b"foo\x00\x01\x02" * 100)
        # A git repository, so ripgrep applies .gitignore as the index does.
        subprocess.run(["git", "init", "-q", src], check=True)
        cls.fixture.ok("index", src, "--name", "g")

    @classmethod
    def tearDownClass(cls):
        cls.fixture.tearDown()

    def setUp(self):
        pass

    def tearDown(self):
        pass

    def grep(self, *args):
        return subprocess.run([BIN, "--data-dir", self.fixture.data, "grep", "--index", "g", *args],
                              cwd=self.fixture.src, capture_output=True, timeout=120,
                              stdin=subprocess.DEVNULL)

    def rg(self, *args):
        return subprocess.run(["rg", "--no-heading", "-n", "--sort", "path", *args],
                              cwd=self.fixture.src, capture_output=True, timeout=120,
                              stdin=subprocess.DEVNULL)

    def test_seventy_patterns_match_ripgrep_line_for_line(self):
        lines = [l for l in PATTERNS.strip().splitlines() if l.strip()]
        self.assertGreaterEqual(len(lines), 50)
        matched = 0
        for line in lines:
            args = shlex.split(line)
            with self.subTest(pattern=line):
                ours, ref = self.grep(*args), self.rg(*args)
                self.assertEqual(ours.returncode, ref.returncode, (ours.stderr, ref.stderr))
                self.assertEqual(ours.stdout.decode("utf-8", "replace"),
                                 ref.stdout.decode("utf-8", "replace"))
                matched += ref.returncode == 0
        # The fixture exercises matches, not only empty answers.
        self.assertGreater(matched, 50)

    def test_excluded_and_minified_files_are_grepped_like_rg(self):
        ours = self.grep("foo_generated").stdout.decode()
        self.assertIn("build/gen.c:1:", ours)
        self.assertEqual(self.grep("-l", "var foo").stdout.decode(), "min.js\n")
        # ...while search (the ranked lane) still skips them.
        hits = self.fixture.query_json("foo_generated", "g")["results"]
        self.assertFalse(any(h["file"].startswith("build/") for h in hits))

    def test_invalid_patterns_are_clear_errors(self):
        for args, needle in ((["a(b"], "invalid pattern"),
                             (["a\\nb"], "not allowed"),
                             (["--glob", "", "x"], "invalid glob")):
            with self.subTest(args=args):
                r = self.grep(*args)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertIn(needle, r.stderr.decode())

    def test_hostile_patterns_never_stall_the_daemon(self):
        # Catastrophic-backtracking shapes run in linear time in RE2.
        for pattern in ("(a+)+$", "(x+x+)+y", "(a|aa)+b", "(.*a){20}"):
            t0 = time.time()
            r = self.grep(pattern)
            self.assertIn(r.returncode, (0, 1), r.stderr)
            self.assertLess(time.time() - t0, 30)
        # A program too large for the memory budget is refused, and so is an
        # over-long pattern and a repetition RE2 cannot bound.
        for pattern, needle in (("\\pL" * 20000, "too large"), ("x" * 70000, "limit"),
                                ("((((a{100}){100}){100}){100})", "repetition")):
            r = self.grep(pattern)
            self.assertEqual(r.returncode, 2)
            self.assertIn(needle, r.stderr.decode())
        # A huge alternation compiles within budget and answers.
        alternation = "|".join(f"word{i}x" for i in range(3000))
        status, body = self.fixture.http("POST", "/indexes/g/grep", {"pattern": alternation})
        self.assertEqual(status, 200, body)
        # The empty pattern matches every line; the cap makes it partial.
        status, body = self.fixture.http("POST", "/indexes/g/grep",
                                         {"pattern": "", "max_results": 5})
        self.assertEqual(status, 200, body)
        self.assertTrue(body["partial"])
        self.assertEqual(body["matches"], 5)
        self.assertIn("cap", body["partial_reason"])
        # A time budget cuts a slow grep short and says so.
        status, body = self.fixture.http("POST", "/indexes/g/grep",
                                         {"pattern": "(.*a){20}", "timeout_ms": 1})
        self.assertEqual(status, 200, body)
        # Still serving.
        self.assertEqual(self.grep("-F", "foo(").returncode, 0)

    def test_http_validation(self):
        cases = [
            (None, b"{not json", 400),
            ({"pattern": 3}, None, 400),
            ({}, None, 400),
            ({"pattern": "x", "context": -1}, None, 400),
            ({"pattern": "x", "globs": "*.py"}, None, 400),
            ({"pattern": "x", "format": "xml"}, None, 400),
            ({"pattern": "x", "max_results": 0}, None, 400),
        ]
        for body, raw, code in cases:
            with self.subTest(body=body, raw=raw):
                status, answer = self.fixture.http("POST", "/indexes/g/grep", body=body, raw=raw)
                self.assertEqual(status, code, answer)
                self.assertIn("error", answer)
        status, answer = self.fixture.http("POST", "/indexes/nope/grep", {"pattern": "x"})
        self.assertEqual(status, 404, answer)
        status, answer = self.fixture.http("POST", "/indexes/g/grep",
                                           {"pattern": "foo", "context": 1, "globs": ["*.py"]})
        self.assertEqual(status, 200, answer)
        self.assertEqual(answer["meta"]["grep"], "ok")
        self.assertTrue(answer["stats"]["trigram_index_used"])
        self.assertEqual({f["path"] for f in answer["files"]}, {"a.py", "b.py"})


class GrepFollowsEditsTest(CliTestCase):
    def test_an_edited_file_is_grepped_as_it_is_now(self):
        self.write("m.py", "def alpha():\n    pass\n")
        self.ok("index", self.src, "--name", "e")
        self.assertEqual(self.run_cli("grep", "--index", "e", "omega_marker").returncode, 1)
        self.write("m.py", "def alpha():\n    omega_marker = 1\n")
        status, body = self.http("POST", "/indexes/e/files", {"path": "m.py"})
        self.assertEqual(status, 200, body)
        r = self.ok("grep", "--index", "e", "omega_marker")
        self.assertEqual(r.stdout, "m.py:2:    omega_marker = 1\n")
        # The old content is gone from the trigram index too.
        self.assertEqual(self.run_cli("grep", "--index", "e", "pass").returncode, 1)
        os.remove(os.path.join(self.src, "m.py"))
        status, body = self.http("DELETE", "/indexes/e/files", {"path": "m.py"})
        self.assertEqual(status, 200, body)
        self.assertEqual(self.run_cli("grep", "--index", "e", "alpha").returncode, 1)
        answer = json.loads(self.run_cli("grep", "--index", "e", "--json", "alpha").stdout)
        self.assertEqual(answer["matches"], 0)

    def test_a_damaged_companion_degrades_grep_but_loses_nothing(self):
        self.write("m.py", "def alpha():\n    return 'needle_text'\n")
        self.ok("index", self.src, "--name", "e")
        self.stop_daemon()
        segdir = os.path.join(self.data, "indexes", "e", "segments")
        for name in os.listdir(segdir):
            if name.endswith(".tsgrep"):
                with open(os.path.join(segdir, name), "r+b") as f:
                    f.seek(20)
                    f.write(b"\xff\xff\xff\xff")
        # --no-watch: the watcher's catch-up at start could repair it before the checks below.
        self.ok("start", "--no-watch")
        st = json.loads(self.ok("status", "e", "--json").stdout)
        self.assertTrue(st["lanes"]["grep"].startswith("degraded:"), st["lanes"])
        self.assertIn("checksum", st["lanes"]["grep"])
        r = self.run_cli("grep", "--index", "e", "needle_text")
        self.assertEqual(r.stdout, "m.py:2:    return 'needle_text'\n")
        self.assertIn("degraded", r.stderr)


if __name__ == "__main__":
    unittest.main()
