#!/usr/bin/env bash
# The semantic lane's cost on the Linux kernel: a fresh full index with the
# model (every chunk embedded), the size of the vector companions beside the
# other segment files, and search latency per mode for natural-language
# queries, all against a running daemon (Release build).
#
#   bash bench/run_semantic_kernel_bench.sh
#
# Environment: TRUSTY_BIN (default build/trusty-search, built if missing),
# DATA_DIR (/var/tmp/ts-sem-kernel), PORT (18796), TS_BENCH_CACHE (kernel copy).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
source bench/kernel_corpus.sh
bin=${TRUSTY_BIN:-$here/build/trusty-search}
[ -x "$bin" ] || make build >/dev/null
data=${DATA_DIR:-/var/tmp/ts-sem-kernel}
port=${PORT:-18796}
"$bin" --data-dir "$data" stop >/dev/null 2>&1 || true
rm -rf "$data"
"$bin" --data-dir "$data" start --port "$port" --no-watch >/dev/null
trap '"$bin" --data-dir "$data" stop >/dev/null 2>&1 || true' EXIT
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
start=$(date +%s.%N)
"$bin" --data-dir "$data" index "$CORPUS" --name linux >/tmp/sem_kernel_index.txt
end=$(date +%s.%N)
printf "index_wall_s: %.1f\n" "$(echo "$end - $start" | bc)"
grep -E "vectors|chunks|files" /tmp/sem_kernel_index.txt | head -5
seg="$data/indexes/linux/segments"
for ext in tsseg tsgrep tsvec; do
  printf "%s_mb: %.0f\n" "$ext" "$(du -cb "$seg"/*."$ext" | tail -1 | awk '{print $1/1e6}')"
done
pid=$(cat "$data"/*.pid 2>/dev/null || pgrep -f "data-dir $data start" | head -1)
python3 - "$port" "$pid" <<'PY'
import json, statistics, sys, time, urllib.request
port, pid = sys.argv[1], sys.argv[2]
queries = ["allocate memory for a network buffer", "free the page tables of a process",
           "parse the kernel command line", "read a block from the disk", "wait for an interrupt",
           "lock a mutex with a timeout", "copy data from user space", "schedule a timer callback",
           "register a character device", "compute a crc checksum"]
def ask(q, mode):
    body = json.dumps({"query": q, "top_k": 10, "mode": mode}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/indexes/linux/search", data=body,
                                 headers={"Content-Type": "application/json"})
    t = time.perf_counter()
    with urllib.request.urlopen(req) as r:
        out = json.loads(r.read())
    return (time.perf_counter() - t) * 1000, out
for mode in ("lexical", "semantic", "hybrid"):
    lat = []
    for _ in range(3):
        for q in queries:
            ms, out = ask(q, mode)
            lat.append(ms)
    scan = out.get("timings_ms", {}).get("semantic_scan")
    print(f"{mode}_p50_ms: {statistics.median(lat):.1f}  p95_ms: {sorted(lat)[int(0.95*len(lat))-1]:.1f}"
          + (f"  last_scan_ms: {scan:.1f}" if scan else ""))
print("meta.semantic:", out.get("meta", {}).get("semantic"))
try:
    rss = [l for l in open(f"/proc/{pid}/status") if l.startswith("VmHWM")][0].split()[1]
    print(f"daemon_peak_rss_mb: {int(rss)/1024:.0f}")
except Exception as e:
    print("daemon_peak_rss_mb: unknown", e)
PY
