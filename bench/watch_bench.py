#!/usr/bin/env python3
"""How fast the watcher makes changes searchable, with the real daemon.

Two measures, each repeated RUNS times (default 10) on a tree of FILES Python
files (default 200): a saved file -> searchable, and the whole root deleted
(rm -rf) and re-created with one new file -> that file searchable. Prints
median, p95 and max in seconds, the load average, and the daemon's peak RSS.

  python3 bench/watch_bench.py [--bin build/trusty-search] [--runs 10] [--files 200]
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.path.join(os.path.dirname(__file__), "../build/trusty-search"))
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--files", type=int, default=200)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="ts-watch-bench-")
    data, src = os.path.join(tmp, "data"), os.path.join(tmp, "src")

    def cli(*a):
        return subprocess.run([args.bin, "--data-dir", data, *a], capture_output=True, text=True, timeout=300)

    def found(word, path):
        r = cli("query", word, "--index", "w", "--mode", "lexical", "--json")
        return r.returncode == 0 and any(h["file"] == path for h in json.loads(r.stdout)["results"])

    def until(word, path, timeout=30.0):
        start = time.time()
        while time.time() - start < timeout:
            if found(word, path):
                return time.time() - start
            time.sleep(0.01)
        raise SystemExit(f"{path} not searchable within {timeout} s")

    def write(rel, text):
        p = os.path.join(src, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)

    try:
        for i in range(args.files):
            write(f"pkg{i % 10}/m{i}.py", f"def bench_function_{i}(x):\n    return x + {i}\n")
        cli("index", src, "--name", "w")
        saves, recreations = [], []
        for n in range(args.runs):
            t0 = time.time()
            write(f"pkg0/saved{n}.py", f"def zqsaved{n}():\n    pass\n")
            until(f"zqsaved{n}", f"pkg0/saved{n}.py")
            saves.append(time.time() - t0)
        for n in range(args.runs):
            shutil.rmtree(src)
            deadline = time.time() + 10
            while time.time() < deadline:  # until the daemon says the root is lost
                st = json.loads(cli("status", "w", "--json").stdout)
                if st.get("watch", "").startswith("lost"):
                    break
                time.sleep(0.02)
            os.makedirs(src)
            t0 = time.time()
            write(f"fresh{n}.py", f"def zqfresh{n}():\n    pass\n")
            until(f"zqfresh{n}", f"fresh{n}.py")
            recreations.append(time.time() - t0)
        pid = int(open(os.path.join(data, "daemon.pid")).read())
        rss = next((line.split()[1] for line in open(f"/proc/{pid}/status") if line.startswith("VmHWM")), "?")

        def row(name, xs):
            xs = sorted(xs)
            p95 = xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]
            print(f"{name:34s} median {statistics.median(xs):.3f} s  p95 {p95:.3f} s  max {xs[-1]:.3f} s  (n={len(xs)})")

        print(f"watch bench: {args.files} files, {args.runs} runs, binary {args.bin}")
        row("saved file -> searchable", saves)
        row("rm -rf + re-create -> searchable", recreations)
        print(f"daemon peak RSS {rss} kB, load average {os.getloadavg()[0]:.2f}")
    finally:
        cli("stop")
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
