#!/usr/bin/env bash
# HNSW against the exact scan on the Linux kernel index's vector companions
# (bench/hnsw_bench.cc): graph build time on 2 threads, file size, RSS, and
# recall@10 / p50 / p95 per ef for 200 natural-language queries
# (queries.jsonl of bench/pydoc_eval.sh) and 200 chunk vectors.
#
#   bash bench/run_hnsw_bench.sh
#
# Environment: SEGMENTS (default: the index built by
# bench/run_semantic_kernel_bench.sh, /var/tmp/ts-sem-kernel/indexes/linux/segments;
# read only), QUERIES (/var/tmp/pydoc-eval/queries.jsonl), OUT (where the graphs
# are written, /var/tmp/hnsw-bench), BUILD (build-dev).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
build=${BUILD:-build-dev}
segments=${SEGMENTS:-/var/tmp/ts-sem-kernel/indexes/linux/segments}
queries=${QUERIES:-/var/tmp/pydoc-eval/queries.jsonl}
[ -d "$segments" ] || { echo "no vector companions at $segments: run bench/run_semantic_kernel_bench.sh" >&2; exit 1; }
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C "$build" hnsw_bench >/dev/null
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
"$build"/hnsw_bench --segments "$segments" --queries-file "$queries" --queries 200 \
  --code-queries 200 --threads 2 --out "${OUT:-/var/tmp/hnsw-bench}" "$@"
