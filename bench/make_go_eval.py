#!/usr/bin/env python3
"""A held-out retrieval benchmark in another language than the pydoc one:
CodeSearchNet's method on Go's standard library (never used for training).

Every func, method or type with a doc comment yields one query, the comment's
first sentence (the same first_sentence()/usable() rules as
../shared/eval/make_pydoc_eval.py); the answer is that definition. The corpus
is a copy of the source with EVERY doc comment blanked (its lines kept empty),
so line numbers stay true and only the code can be matched.

  make_go_eval.py --src /usr/share/go-1.19/src --out /var/tmp/goeval [--max-queries 3000] [--seed 7]

The source tree is Debian's golang-1.19-src package (`apt-get install golang-1.19-src`;
/usr/lib/go-1.19/src when golang-1.19-go is installed too).

Writes OUT/corpus/..., OUT/queries.jsonl (run_eval.py's format), OUT/README.txt.
"""
import argparse
import json
import os
import random
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "shared", "eval"))
from make_pydoc_eval import first_sentence, usable  # noqa: E402

DEF = re.compile(r"^(func\s+(\([^)]*\)\s*)?(?P<f>[A-Za-z_]\w*)|type\s+(?P<t>[A-Za-z_]\w*))")


def definitions(lines):
    """(comment_start, def_line, end_line, name) for each documented top-level def (0-based)."""
    out = []
    i = 0
    while i < len(lines):
        m = DEF.match(lines[i])
        if m and i > 0 and lines[i - 1].startswith("//"):
            c = i - 1
            while c > 0 and lines[c - 1].startswith("//"):
                c -= 1
            end = i
            if lines[i].rstrip().endswith("{"):
                end = i + 1
                while end < len(lines) and not lines[end].startswith("}"):
                    end += 1
            name = m.group("f") or m.group("t")
            out.append((c, i, min(end, len(lines) - 1), name))
        i += 1
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--src", default=None, help="Go's src/ (default: Debian's, /usr/share or /usr/lib go-1.19)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--max-queries", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    if a.src is None:
        a.src = next((p for p in ("/usr/share/go-1.19/src", "/usr/lib/go-1.19/src") if os.path.isdir(p)), None)
    if a.src is None or not os.path.isdir(a.src):
        sys.exit("no Go source tree: `apt-get install golang-1.19-src`, or pass --src DIR")
    os.makedirs(a.out, exist_ok=True)
    queries, files = [], 0
    for root, dirs, names in os.walk(a.src):
        dirs[:] = sorted(d for d in dirs if d not in ("testdata", "vendor"))
        for n in sorted(names):
            if not n.endswith(".go") or n.endswith("_test.go"):
                continue
            path = os.path.join(root, n)
            rel = os.path.relpath(path, a.src)
            try:
                lines = open(path, encoding="utf-8").read().split("\n")
            except (UnicodeDecodeError, OSError):
                continue
            files += 1
            blank = set()
            for c, d, end, name in definitions(lines):
                text = " ".join(l[2:].strip() for l in lines[c:d])
                q = first_sentence(text)
                blank.update(range(c, d))
                if usable(q):
                    queries.append({"query": q, "path": rel, "symbol": name,
                                    "kind": "type" if lines[d].startswith("type") else "function",
                                    "start_line": c + 1, "end_line": end + 1})
            out_path = os.path.join(a.out, "corpus", rel)
            os.makedirs(os.path.dirname(out_path), exist_ok=True)
            with open(out_path, "w", encoding="utf-8") as f:
                f.write("\n".join("" if i in blank else l for i, l in enumerate(lines)))
    seen, unique = set(), []
    for q in queries:
        if q["query"] not in seen:
            seen.add(q["query"])
            unique.append(q)
    random.Random(a.seed).shuffle(unique)
    chosen = unique[: a.max_queries]
    with open(os.path.join(a.out, "queries.jsonl"), "w") as f:
        for i, q in enumerate(chosen):
            f.write(json.dumps(dict(qid=f"g{i:05d}", **q)) + "\n")
    with open(os.path.join(a.out, "README.txt"), "w") as f:
        f.write(f"source: {a.src}\nfiles: {files}\ncandidate queries: {len(queries)}\n"
                f"unique: {len(unique)}\nchosen: {len(chosen)} (seed {a.seed})\n")
    print(open(os.path.join(a.out, "README.txt")).read())


if __name__ == "__main__":
    main()
