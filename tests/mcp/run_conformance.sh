#!/usr/bin/env bash
# Runs the official MCP conformance suite's server scenarios that apply to a
# search server against a real daemon's /mcp (docs/MCP.md lists the others
# and why they do not apply). Fails when any scenario fails or passes nothing.
set -euo pipefail
BIN=${TRUSTY_BIN:-$(dirname "$0")/../../build/trusty-search}
cd "$(dirname "$0")"
[ -d node_modules/@modelcontextprotocol/conformance ] || { echo "run scripts/setup.sh first (npm ci in tests/mcp)"; exit 1; }
TMP=$(mktemp -d)
trap '"$BIN" --data-dir "$TMP/data" stop >/dev/null 2>&1 || true; rm -rf "$TMP"' EXIT
mkdir -p "$TMP/repo"
printf 'def parse_config(path):\n    return open(path).read()\n' > "$TMP/repo/config.py"
"$BIN" --data-dir "$TMP/data" index "$TMP/repo" --name fx > /dev/null
PORT=$("$BIN" --data-dir "$TMP/data" port)
SCENARIOS=(server-initialize ping tools-list logging-set-level completion-complete
           dns-rebinding-protection server-sse-multiple-streams)
passed=0 failed=0
for s in "${SCENARIOS[@]}"; do
  out=$(timeout 120 ./node_modules/.bin/conformance server --url "http://127.0.0.1:$PORT/mcp" --scenario "$s" 2>&1 || true)
  if echo "$out" | grep -qE 'Passed: [1-9][0-9]*/[0-9]+, 0 failed'; then
    echo "ok   $s"; passed=$((passed + 1))
  else
    echo "FAIL $s"; echo "$out" | tail -20; failed=$((failed + 1))
  fi
done
echo "conformance: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
