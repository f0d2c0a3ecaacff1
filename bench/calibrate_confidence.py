#!/usr/bin/env python3
"""Fits and checks meta.confidence (src/rank/confidence.cc): a logistic model of
"the first hit's file is relevant" on the signals the daemon reports in
meta.confidence_signals.

    # 1. a semble dev-split run with the daemon under test (per-query dumps keep meta):
    python3 ../shared/eval/semble/run_semble.py --modes hybrid
    # 2. fit on half the repos, check on the other half, then fit on all:
    python3 bench/calibrate_confidence.py --semble /var/tmp/semble-dev/per_query
    # 3. check the shipped model on other queries (pydoc: the file of the
    #    function whose docstring is the query), against a running daemon:
    python3 bench/calibrate_confidence.py --pydoc http://127.0.0.1:18790/indexes/pydoc/search \\
        --queries /var/tmp/pydoc-odd.jsonl --limit 1000

Prints the weights to paste into kModel, and for each check: the Brier score,
the expected calibration error (ECE, 5 bins) and the bins themselves (mean
confidence against the share of queries whose first file was right).
"""
import argparse
import glob
import json
import math
import os
import urllib.request
import zlib

FEATURES = ["both_lanes", "cosine", "lexical_found", "file_gap", "lexical_top", "semantic_top"]


def features(signals):
    lr, sr = signals.get("lexical_rank", 0), signals.get("semantic_rank", 0)
    return [signals.get("both_lanes", 0), signals.get("cosine", 0), signals.get("lexical_found", 0),
            signals.get("file_gap", 0), 1.0 / lr if lr > 0 else 0.0, 1.0 / sr if sr > 0 else 0.0]


def sigmoid(z):
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def fit(rows, l2=1e-3, steps=4000, rate=0.5):
    """Logistic regression by batch gradient descent: (intercept, weights)."""
    w = [0.0] * (len(FEATURES) + 1)
    n = len(rows)
    for _ in range(steps):
        grad = [0.0] * len(w)
        for x, y in rows:
            p = sigmoid(w[0] + sum(wi * xi for wi, xi in zip(w[1:], x)))
            grad[0] += p - y
            for i, xi in enumerate(x):
                grad[i + 1] += (p - y) * xi
        for i in range(len(w)):
            w[i] -= rate * (grad[i] / n + (l2 * w[i] if i else 0))
    return w


def predict(w, x):
    return sigmoid(w[0] + sum(wi * xi for wi, xi in zip(w[1:], x)))


def report(name, preds):
    n = len(preds)
    brier = sum((p - y) ** 2 for p, y in preds) / n
    bins = [[] for _ in range(5)]
    for p, y in preds:
        bins[min(4, int(p * 5))].append((p, y))
    ece = sum(len(b) / n * abs(sum(p for p, _ in b) / len(b) - sum(y for _, y in b) / len(b))
              for b in bins if b)
    base = sum(y for _, y in preds) / n
    print(f"{name}: {n} queries, first file right {base:.3f}, Brier {brier:.4f} "
          f"(constant {base * (1 - base):.4f}), ECE {ece:.4f}")
    for i, b in enumerate(bins):
        if b:
            print(f"  confidence {i / 5:.1f}-{(i + 1) / 5:.1f}: {len(b):5d} queries, "
                  f"mean confidence {sum(p for p, _ in b) / len(b):.3f}, "
                  f"right {sum(y for _, y in b) / len(b):.3f}")


def semble_rows(folder):
    by_repo = {}
    for path in sorted(glob.glob(os.path.join(folder, "*.json"))):
        repo = os.path.basename(path)[:-5]
        for q in json.load(open(path)):
            h = q["modes"].get("hybrid")
            if not h or not h.get("meta") or "confidence_signals" not in h["meta"]:
                continue
            y = 1 if 1 in [r for r in h["target_file_ranks50"] if r is not None] else 0
            by_repo.setdefault(repo, []).append((features(h["meta"]["confidence_signals"]), y,
                                                 h["meta"].get("confidence")))
    return by_repo


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--semble", help="per-query dumps of a run_semble.py run")
    ap.add_argument("--pydoc", help="search URL of a daemon with the pydoc corpus indexed")
    ap.add_argument("--queries", help="pydoc queries (JSONL with query and path)")
    ap.add_argument("--limit", type=int, default=1000)
    args = ap.parse_args()
    if args.semble:
        by_repo = semble_rows(args.semble)
        if not by_repo:
            raise SystemExit("no per-query dumps with meta.confidence_signals under " + args.semble)
        # Two folds by a stable hash of the repository's name: fit on one, check on the other.
        folds = [[], []]
        for repo, rows in by_repo.items():
            folds[zlib.crc32(repo.encode()) % 2].extend(rows)
        held_out = []
        for k in (0, 1):
            w = fit([(x, y) for x, y, _ in folds[k]])
            held_out += [(predict(w, x), y) for x, y, _ in folds[1 - k]]
        report("semble dev split, each half predicted by a model fit on the other", held_out)
        everything = [r for rows in by_repo.values() for r in rows]
        shipped = [(c, y) for _, y, c in everything if c is not None]
        if shipped:
            report("semble dev split, the shipped model (meta.confidence)", shipped)
        w = fit([(x, y) for x, y, _ in everything])
        report("semble dev split, in sample (the weights below)", [(predict(w, x), y) for x, y, _ in everything])
        print("kModel = {" + ", ".join(f"{v:.3f}" for v in w) + "};  // intercept, " + ", ".join(FEATURES))
    if args.pydoc:
        preds = []
        with open(args.queries) as f:
            for line in f:
                if len(preds) >= args.limit:
                    break
                q = json.loads(line)
                body = json.dumps({"query": q["query"], "top_k": 10, "mode": "hybrid"}).encode()
                req = urllib.request.Request(args.pydoc, data=body, headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(req, timeout=60) as r:
                    res = json.loads(r.read())
                conf = res.get("meta", {}).get("confidence")
                if conf is None or not res["results"]:
                    continue
                preds.append((conf, 1 if res["results"][0]["file"] == q["path"] else 0))
        report("pydoc, the shipped model (first file = the docstring's file)", preds)


if __name__ == "__main__":
    main()
