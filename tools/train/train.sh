#!/usr/bin/env bash
# Trains the semantic lane's model from mined pairs and writes it, its golden
# vectors and its measured metrics into models/. One command:
#
#   bash tools/train/train.sh [PAIRS.jsonl [train_model options]]   (default /var/tmp/ts-train/pairs.jsonl,
#                                                 made by tools/mine/mine.sh)
#
# Deterministic for a given pairs file and thread count (seeded shuffles and
# initialisation, no -ffast-math). Hyperparameters below were chosen on the
# even-numbered pydoc queries (docs/BENCHMARKS.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
PAIRS=${1:-/var/tmp/ts-train/pairs.jsonl}
shift || true  # any further arguments go to train_model (e.g. --hard-negatives)
BUILD=build-train
HYPER=(--dim 256 --vocab 60000 --buckets 16384 --min-df 3 --epochs 8 --batch 1024
       --lr 0.006 --scale 20 --header-weight 3 --seed 7 --threads 2 --hard-negatives)

# Java pairs all come from a bundled copy of java.util.concurrent (a standard
# library): left out. Sentences of the evaluation sets are left out too when
# those sets are present (decontamination: some packages vendor stdlib code).
EXCLUDES=(--exclude-lang java)
for q in /var/tmp/pydoc-eval/queries.jsonl /var/tmp/goeval/queries.jsonl; do
  [ -f "$q" ] && EXCLUDES+=(--exclude-queries "$q")
done

cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
ninja -C "$BUILD" train_model eval_dense >/dev/null

start=$(date +%s)
"$BUILD/tools/train/train_model" --pairs "$PAIRS" --out models/code-nbow.tsmodel \
  --golden models/golden.jsonl "${HYPER[@]}" "${EXCLUDES[@]}" "$@" 2>&1 | tee /tmp/train_model.log
seconds=$(( $(date +%s) - start ))

# Dense-only quality on the pydoc benchmark when it is present (../shared/eval).
declare -A mrr
for split in even odd all; do
  q=/var/tmp/pydoc-$split.jsonl
  [ "$split" = all ] && q=/var/tmp/pydoc-eval/queries.jsonl
  if [ -f "$q" ] && [ -d /var/tmp/pydoc-eval/corpus ]; then
    mrr[$split]=$("$BUILD/tools/train/eval_dense" --model models/code-nbow.tsmodel \
      --corpus /var/tmp/pydoc-eval/corpus --queries "$q" | awk '/MRR@10/ {print $2}')
  fi
done
python3 - "$PAIRS" "$seconds" "${mrr[even]:-}" "${mrr[odd]:-}" "${mrr[all]:-}" "${HYPER[*]}" <<'PY'
import json, os, subprocess, sys
pairs, seconds, even, odd, alltotal, hyper = sys.argv[1:7]
log = open("/tmp/train_model.log").read().splitlines()
epochs = [l for l in log if " epoch " in l]
metrics = {
    "model": "models/code-nbow.tsmodel",
    "bytes": os.path.getsize("models/code-nbow.tsmodel"),
    "pairs_file": pairs,
    "pairs": sum(1 for _ in open(pairs)),
    "hyperparameters": hyper,
    "training_seconds_wall": int(seconds),
    "machine": f"{os.cpu_count()} cores",
    "trainer_commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip(),
    "last_epoch": epochs[-1].split("train_model: ")[-1] if epochs else "",
    # eval_dense: in-process, exact float scan over the same chunks the index
    # makes; equals the daemon's semantic mode (docs/BENCHMARKS.md).
    "pydoc_dense_mrr10_eval_dense": {"even": even, "odd": odd, "all": alltotal},
}
json.dump(metrics, open("models/metrics.json", "w"), indent=2)
print(json.dumps(metrics, indent=2))
PY
