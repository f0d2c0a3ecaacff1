#!/usr/bin/env bash
# Hybrid search on the pydoc benchmark (../shared/eval): indexes the corpus
# into a private data dir, starts a daemon, runs run_eval.py for the lexical,
# semantic and hybrid modes on each query file, and prints one table.
#
#   bench/pydoc_eval.sh [QUERIES.jsonl ...]
#
# Environment: TRUSTY_BIN (default build-dev/trusty-search), PYDOC_CORPUS
# (/var/tmp/pydoc-eval/corpus), DATA_DIR (/var/tmp/pydoc-lane-data), PORT
# (18790), EVAL (../shared/eval/run_eval.py), MODES ("lexical semantic
# hybrid"), TRUSTY_FUSION (fusion parameters, see fusion::FusionParams) and
# TRUSTY_MODEL are passed to the daemon. KEEP=1 leaves the daemon running.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${TRUSTY_BIN:-$here/build-dev/trusty-search}
corpus=${PYDOC_CORPUS:-/var/tmp/pydoc-eval/corpus}
data=${DATA_DIR:-/var/tmp/pydoc-lane-data}
port=${PORT:-18790}
eval_py=${EVAL:-$here/../shared/eval/run_eval.py}
modes=${MODES:-lexical semantic hybrid}
[ $# -gt 0 ] || set -- /var/tmp/pydoc-even.jsonl /var/tmp/pydoc-odd.jsonl /var/tmp/pydoc-eval/queries.jsonl
out=$(mktemp -d)
trap 'rm -rf "$out"; [ "${KEEP:-0}" = 1 ] || "$bin" --data-dir "$data" stop >/dev/null 2>&1 || true' EXIT

"$bin" --data-dir "$data" stop >/dev/null 2>&1 || true
"$bin" --data-dir "$data" start --port "$port" --no-watch >/dev/null
/usr/bin/time -f "index: %e s wall, %M KB peak RSS (client)" \
  "$bin" --data-dir "$data" index "$corpus" --name pydoc >&2
"$bin" --data-dir "$data" status pydoc >&2
echo "segments on disk:" >&2
du -cb "$data"/indexes/pydoc/segments/*.tsvec "$data"/indexes/pydoc/segments/*.tsseg 2>/dev/null |
  tail -1 | awk '{printf "  seg+vec total %.1f MB\n", $1/1e6}' >&2
du -cb "$data"/indexes/pydoc/segments/*.tsvec 2>/dev/null | tail -1 |
  awk '{printf "  vectors %.1f MB\n", $1/1e6}' >&2

printf "%-28s %-9s %8s %8s %8s %8s %9s\n" queries mode "MRR@10" "R@1" "R@10" "nDCG@10" "p50 ms"
for q in "$@"; do
  for m in $modes; do
    python3 "$eval_py" --queries "$q" --url "http://127.0.0.1:$port/indexes/pydoc/search" \
      --mode "$m" --json "$out/r.json" >/dev/null
    python3 - "$q" "$m" "$out/r.json" <<'PY'
import json, os, sys
q, m, path = sys.argv[1:]
r = json.load(open(path))
p50 = r.get("latency_ms_p50", 0)
print(f"{os.path.basename(q):28s} {m:9s} {r['mrr@10']:8.4f} {r['recall@1']:8.4f} "
      f"{r['recall@10']:8.4f} {r['ndcg@10']:8.4f} {p50:9.1f}")
PY
  done
done
