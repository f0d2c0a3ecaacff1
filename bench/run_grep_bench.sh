#!/usr/bin/env bash
# Indexed grep against ripgrep on the Linux kernel, in one run: indexes the
# kernel in a fresh data dir (wall time, daemon peak RSS, grep index size),
# then bench/grep_bench.py times every pattern of bench/queries/grep_kernel.txt
# with `rg` and with `trusty-search grep` (CLI against the running daemon),
# warm cache, and checks that both print the same bytes.
#
#   bash bench/run_grep_bench.sh          # REPEAT=5 by default
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/kernel_corpus.sh  # sets CORPUS
command -v rg >/dev/null || { $SUDO apt-get install -y -qq ripgrep >&2; }
command -v bc >/dev/null || { $SUDO apt-get install -y -qq bc >&2; }

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
ninja -C build trusty-search >&2
BIN=build/trusty-search
DATA=$(mktemp -d /var/tmp/ts-grep-bench.XXXXXX)
# No HNSW graph builds in the background while grep is timed (they would
# take a core for ~25 minutes after indexing; grep does not use them).
TRUSTY_HNSW_MIN_VECTORS=1000000000 "$BIN" --data-dir "$DATA" start --no-watch >&2
trap '"$BIN" --data-dir "$DATA" stop >/dev/null 2>&1 || true; rm -rf "$DATA"' EXIT

echo "corpus: $CORPUS"
echo "rg_version: $(rg --version | head -1)"
t0=$(date +%s.%N)
"$BIN" --data-dir "$DATA" index "$CORPUS" --name linux --json > "$DATA/index.out"
t1=$(date +%s.%N)
echo "index_seconds: $(echo "$t1 - $t0" | bc)"
echo "index_peak_rss_mb: $(awk '/VmHWM/ {print int($2/1024)}' /proc/$(cat "$DATA/daemon.pid")/status)"
echo "index_disk_mb: $(du -sm "$DATA/indexes/linux" | cut -f1)"
python3 bench/grep_bench.py --bin "$BIN" --data-dir "$DATA" --index linux --root "$CORPUS" \
  --repeat "${REPEAT:-5}"
