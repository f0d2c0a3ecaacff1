#!/usr/bin/env bash
# Every fuzz target for 10^6 inputs (RUNS overrides): prints executions and
# crashes per target. See fuzz/run.sh.
set -euo pipefail
RUNS=${RUNS:-1000000} exec bash "$(dirname "$0")/../fuzz/run.sh"
