#!/usr/bin/env python3
"""Indexed grep against ripgrep, in the same run on the same tree.

For each pattern line (bench/queries/grep_kernel.txt): the median wall time of
`rg --no-heading -n ARGS` at the root and of `trusty-search grep ARGS` (a CLI
process talking to a running daemon), over --repeat runs each, warm cache; and
whether our output equals `rg --no-heading -n --sort path ARGS` byte for byte.
Prints one row per pattern, then the median speedup, the grep index size and
the daemon's peak RSS.

  python3 bench/grep_bench.py --bin build/trusty-search --data-dir D --index linux \\
      --root /var/tmp/trusty-bench/linux-source-6.1
"""
import argparse
import glob
import os
import shlex
import statistics
import subprocess
import sys
import time


def timed(cmd, cwd, repeat):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - t0)
        out = p
    return statistics.median(times), out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--index", required=True)
    ap.add_argument("--root", required=True)
    ap.add_argument("--patterns", default=os.path.join(os.path.dirname(__file__), "queries/grep_kernel.txt"))
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    bin_path = os.path.abspath(a.bin)
    lines = [l.strip() for l in open(a.patterns) if l.strip() and not l.startswith("#")]
    ratios, mismatches = [], 0
    print(f"{'pattern':58} {'lines':>8} {'rg ms':>9} {'ours ms':>9} {'speedup':>8}  same")
    for line in lines:
        args = shlex.split(line)
        rg_t, _ = timed(["rg", "--no-heading", "-n"] + args, a.root, a.repeat)
        ref = subprocess.run(["rg", "--no-heading", "-n", "--sort", "path"] + args, cwd=a.root,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        ours_t, ours = timed([bin_path, "--data-dir", a.data_dir, "grep", "--index", a.index] + args,
                             a.root, a.repeat)
        same = ours.stdout == ref.stdout and (ours.returncode == ref.returncode)
        if not same:
            mismatches += 1
            a_lines, b_lines = ref.stdout.splitlines(), ours.stdout.splitlines()
            extra = set(b_lines) - set(a_lines)
            missing = set(a_lines) - set(b_lines)
            print(f"  MISMATCH rc {ref.returncode}/{ours.returncode}; rg-only {len(missing)} ours-only {len(extra)};"
                  f" e.g. {sorted(missing)[:2]} {sorted(extra)[:2]} {ours.stderr[:200]!r}", file=sys.stderr)
        n = ref.stdout.count(b"\n")
        ratio = rg_t / ours_t if ours_t > 0 else float("inf")
        ratios.append(ratio)
        print(f"{line[:58]:58} {n:8d} {rg_t * 1000:9.1f} {ours_t * 1000:9.1f} {ratio:7.1f}x  {'yes' if same else 'NO'}")
    print(f"patterns: {len(lines)}")
    print(f"identical_outputs: {len(lines) - mismatches}/{len(lines)}")
    print(f"median_speedup: {statistics.median(ratios):.1f}x")
    grep_bytes = sum(os.path.getsize(p) for p in glob.glob(os.path.join(a.data_dir, "indexes", a.index, "segments", "*.tsgrep")))
    lex_bytes = sum(os.path.getsize(p) for p in glob.glob(os.path.join(a.data_dir, "indexes", a.index, "segments", "*.tsseg")))
    print(f"grep_index_mb: {grep_bytes / 1e6:.1f}")
    print(f"lexical_index_mb: {lex_bytes / 1e6:.1f}")
    try:
        pid = open(os.path.join(a.data_dir, "daemon.pid")).read().strip()
        for l in open(f"/proc/{pid}/status"):
            if l.startswith("VmHWM"):
                print(f"daemon_peak_rss_mb: {int(l.split()[1]) / 1024:.0f}")
    except OSError:
        pass
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
