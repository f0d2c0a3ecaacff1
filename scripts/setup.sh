#!/usr/bin/env bash
# Installs everything trusty-search needs to build, test and run on Debian 12.
# Idempotent: packages already present are not reinstalled, and apt's lists are
# refreshed only when something is missing.
set -euo pipefail

PACKAGES=(
  make cmake ninja-build g++ ccache pkg-config git
  libsqlite3-dev libxxhash-dev nlohmann-json3-dev libcli11-dev libre2-dev
  libcpp-httplib-dev libssl-dev zlib1g-dev libbrotli-dev curl
  libhnswlib-dev
  googletest libgtest-dev
  universal-ctags ripgrep
  python3 sqlite3
  clang libclang-rt-14-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

# Node.js runs the MCP tests (the official SDK client and conformance suite);
# a machine that already has node and npm keeps them.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then missing+=(nodejs npm); fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all Debian packages present" >&2
else
  echo "setup: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# npm packages for the MCP tests, pinned by tests/mcp/package-lock.json;
# reinstalled only when the lock file changed.
MCP_DIR="$(dirname "$0")/../tests/mcp"
if ! cmp -s "$MCP_DIR/package-lock.json" "$MCP_DIR/node_modules/.package-lock.json.installed" 2>/dev/null; then
  echo "setup: npm ci in tests/mcp" >&2
  (cd "$MCP_DIR" && npm ci --no-audit --no-fund --loglevel=error >&2)
  cp "$MCP_DIR/package-lock.json" "$MCP_DIR/node_modules/.package-lock.json.installed"
fi
