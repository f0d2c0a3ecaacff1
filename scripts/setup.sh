#!/usr/bin/env bash
# Installs everything trusty-search needs to build, test and run on Debian 12.
# Idempotent: packages already present are not reinstalled, and apt's lists are
# refreshed only when something is missing.
set -euo pipefail

PACKAGES=(
  make cmake ninja-build g++ ccache pkg-config git
  libsqlite3-dev libxxhash-dev nlohmann-json3-dev libcli11-dev libre2-dev
  libcpp-httplib-dev libssl-dev zlib1g-dev libbrotli-dev curl
  googletest libgtest-dev
  universal-ctags
  python3 sqlite3
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#PACKAGES[@]} packages present" >&2
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "setup: installing ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
