#!/usr/bin/env bash
# Lexical benchmark on the Linux kernel source (Debian's linux-source-6.1),
# with SQLite FTS5 over the same chunks and tokens as the peer, in one run.
#
#   bash bench/run_kernel_bench.sh            # prints figures, one "key: value" a line
#
# The corpus is installed once and cached in $TS_BENCH_CACHE (default
# /var/tmp/trusty-bench), outside the repository. Needs root or sudo the first
# time (apt-get install linux-source-6.1).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/kernel_corpus.sh  # sets CORPUS (and SUDO)
command -v bc >/dev/null || { $SUDO apt-get install -y -qq bc >&2; }

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build trusty-search lexical_bench >&2
BIN=build/trusty-search
DATA=$(mktemp -d /var/tmp/ts-bench-data.XXXXXX)

echo "corpus: $CORPUS"
echo "corpus_files: $(find "$CORPUS" -type f | wc -l)"
echo "corpus_mb: $(du -sm "$CORPUS" | cut -f1)"
echo "cores: $(nproc)"

# Drop nothing from the page cache (no root needed): warm one read so both
# engines see the same cache state.
cat $(find "$CORPUS" -type f -size -1100k | head -100000) > /dev/null 2>&1 || true

# Indexing runs in the daemon (the CLI is its client): wall time from the CLI,
# peak RSS from the daemon's VmHWM. Watching is off so that nothing else runs.
"$BIN" --data-dir "$DATA" start --no-watch >&2
trap '"$BIN" --data-dir "$DATA" stop >/dev/null 2>&1 || true; rm -rf "$DATA"' EXIT
DPID=$(cat "$DATA/daemon.pid")
t0=$(date +%s.%N)
"$BIN" --data-dir "$DATA" index "$CORPUS" --name linux --json > "$DATA/index.out"
echo "index_s: $(echo "$(date +%s.%N) - $t0" | bc -l | xargs printf '%.2f')"
echo "index_peak_rss_mb: $(( $(grep VmHWM /proc/$DPID/status | awk '{print $2}') / 1024 ))"
python3 - "$DATA/index.out" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
secs = s["seconds"]
print(f"files_indexed: {s['files_indexed']}")
print(f"chunks: {s['total_chunks']}")
print(f"files_per_s: {s['files_indexed'] / secs:.0f}")
print(f"mb_per_s: {s['bytes_read'] / 1e6 / secs:.1f}")
print(f"chunks_per_s: {s['total_chunks'] / secs:.0f}")
print("skipped: " + ", ".join(f"{k}={v}" for k, v in sorted(s["skipped"].items())))
PY
echo "index_disk_mb: $(du -sm "$DATA/indexes/linux" | cut -f1)"
t0=$(date +%s.%N)
"$BIN" --data-dir "$DATA" index "$CORPUS" --name linux --json > /dev/null
echo "noop_reindex_s: $(echo "$(date +%s.%N) - $t0" | bc -l | xargs printf '%.2f')"
"$BIN" --data-dir "$DATA" stop >&2
./build/lexical_bench --data-dir "$DATA" --index linux --queries bench/queries/kernel.txt --repeat 5
