#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/*_fuzz.cc) with clang, ASan and UBSan in
# build-fuzz/, then runs each on its seed corpus (fuzz/corpus/<name>/) and
# what it finds: for SECONDS each (default 10; `make test` runs 6), or for
# RUNS inputs each when RUNS is set (bench/fuzz.sh: 10^6). The committed
# corpus is read, never written: new inputs go to a temporary folder.
# Prints each target's executions and exits 1 at the first crash, leak or
# timeout (the reproducer is kept under build-fuzz/crashes/). ONLY=fuzz/x_fuzz.cc
# runs one target.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DTS_FUZZ=ON -DBUILD_TESTING=OFF >/dev/null
ninja -C build-fuzz fuzzers >/dev/null
mkdir -p build-fuzz/crashes
status=0
for src in ${ONLY:-fuzz/*_fuzz.cc}; do
  name=$(basename "$src" .cc)
  corpus=fuzz/corpus/${name%_fuzz}
  work=$(mktemp -d)
  limit=(-max_total_time="$seconds")
  [ -n "${RUNS:-}" ] && limit=(-runs="$RUNS")
  log=$(mktemp)
  if ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      "build-fuzz/$name" "${limit[@]}" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
      -artifact_prefix=build-fuzz/crashes/"$name"- "$work" "$corpus" >"$log" 2>&1; then
    execs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
    printf 'fuzz %-18s ok     %s executions, 0 crashes\n' "$name" "${execs:-?}"
  else
    printf 'fuzz %-18s FAILED (reproducer in build-fuzz/crashes/)\n' "$name"
    tail -40 "$log"
    status=1
  fi
  rm -rf "$work" "$log"
  [ $status -eq 0 ] || break
done
exit $status
