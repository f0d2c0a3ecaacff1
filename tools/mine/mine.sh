#!/usr/bin/env bash
# Mines (doc comment first sentence, code) training pairs from Debian-packaged
# library source. One command, idempotent; run as root (or with sudo):
#
#   bash tools/mine/mine.sh [OUT.jsonl]        # default /var/tmp/ts-train/pairs.jsonl
#
# 1. installs the packages of tools/mine/packages.txt that are missing
#    (apt-get install --no-install-recommends); the JavaScript group is
#    downloaded and unpacked under /var/tmp/ts-train/node instead, because
#    Debian's node-* packages need Debian's nodejs, which would replace the
#    newer nodejs the MCP tests use;
# 2. builds tools/mine/mine_pairs in build-mine/ (not part of `make build`);
# 3. mines every installed library root, minus the standard libraries
#    (README.md, "Excluded"), and writes OUT plus models/training-manifest.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
OUT=${1:-/var/tmp/ts-train/pairs.jsonl}
WORK=/var/tmp/ts-train
EVAL_QUERIES=${EVAL_QUERIES:-/var/tmp/pydoc-eval/queries.jsonl}
mkdir -p "$WORK" "$(dirname "$OUT")" models
SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo

# packages.txt -> "language package" lines.
mapfile -t ROWS < <(awk '/^# \[/ {lang=substr($2, 2, length($2)-2); next}
                         {sub(/#.*/, ""); for (i = 1; i <= NF; i++) print lang, $i}' tools/mine/packages.txt)
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"; }

# 1a. System packages (all groups but JavaScript).
missing=()
for row in "${ROWS[@]}"; do
  set -- $row
  [ "$1" = javascript ] && continue
  installed "$2" || missing+=("$2")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${#missing[@]} packages" >&2
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

# 1b. JavaScript: unpack the .deb files, no dependencies, nothing installed.
NODE_ROOTS=()
mkdir -p "$WORK/debs" "$WORK/node"
for row in "${ROWS[@]}"; do
  set -- $row
  [ "$1" = javascript ] || continue
  pkg=$2
  if [ ! -f "$WORK/node/$pkg/.version" ]; then
    rm -rf "$WORK/node/$pkg"
    (cd "$WORK/debs" && apt-get download -q "$pkg" >&2) || true
    deb=$(ls -t "$WORK/debs/${pkg}_"*.deb 2>/dev/null | head -1 || true)
    if [ -z "$deb" ]; then echo "warning: no .deb for $pkg, skipped" >&2; continue; fi
    dpkg-deb -x "$deb" "$WORK/node/$pkg"
    dpkg-deb -f "$deb" Version > "$WORK/node/$pkg/.version"
  fi
  [ -d "$WORK/node/$pkg/usr/share/nodejs" ] && NODE_ROOTS+=("$WORK/node/$pkg/usr/share/nodejs=$pkg")
done

# 2. The miner.
cmake -G Ninja -B build-mine -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build build-mine --target mine_pairs -j 2 >&2

# 3. Mine. Standard libraries never are: Python's is /usr/lib/python3.11 (not a
# root), Go's /usr/lib/go-*/src, Rust's std, node's, PHP's and Ruby's cores are
# not under these roots either; C/C++ system headers are dropped by owner.
ROOTS=(/usr/lib/python3/dist-packages /usr/share/gocode/src /usr/share/cargo/registry
       /usr/share/php /usr/lib/ruby/vendor_ruby /usr/share/rubygems-integration
       /usr/lib/x86_64-linux-gnu/ruby/vendor_ruby /usr/include /usr/src/googletest)
EXCLUDES=(--exclude /usr/lib/python3/dist-packages/setuptools/_distutils   # copy of stdlib distutils
          --exclude /usr/lib/python3/dist-packages/pip/_vendor
          --exclude /usr/include/c++                                       # libstdc++
          --exclude /usr/include/python3 --exclude /usr/include/php --exclude /usr/include/node
          --exclude /usr/include/ruby
          --exclude-pkg libc6-dev --exclude-pkg linux-libc-dev --exclude-pkg libcrypt-dev
          --exclude-pkg libstdc++-12-dev --exclude-pkg libgcc-12-dev
          --exclude-pkg libclang-common-14-dev --exclude-pkg libpython3.11-dev
          --exclude-pkg python3-distutils --exclude-pkg python3-lib2to3
          --exclude-pkg php8.2-dev --exclude-pkg ruby3.1-dev --exclude-pkg libnode-dev)
DECONTAM=()
[ -f "$EVAL_QUERIES" ] && DECONTAM=(--decontam "$EVAL_QUERIES")
start=$(date +%s)
build-mine/tools/mine_pairs --out "$OUT" --stats "$WORK/stats.json" "${DECONTAM[@]}" \
  "${EXCLUDES[@]}" --jobs 2 "${ROOTS[@]}" "${NODE_ROOTS[@]}"
echo "mined in $(( $(date +%s) - start )) s" >&2

# Manifest: the miner's counts plus package versions.
python3 - "$WORK/stats.json" "$WORK/node" "$(git -C "$REPO" rev-parse HEAD)" \
  "$OUT" "${EXCLUDES[*]}" > models/training-manifest.json <<'EOF'
import datetime, json, os, subprocess, sys
stats_path, node_dir, commit, out, excludes = sys.argv[1:6]
stats = json.load(open(stats_path))
def version(pkg):
    vf = os.path.join(node_dir, pkg, ".version")
    if os.path.exists(vf):
        return open(vf).read().strip()
    r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True, text=True)
    return r.stdout.strip()
packages = [{"name": name, "version": version(name), "language": p["language"], "pairs": p["pairs"]}
            for name, p in sorted(stats["packages"].items())]
manifest = {
    "generated_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "miner_commit": commit,
    "pairs_file": out,
    "total": stats["total"],
    "per_language": stats["per_language"],
    "packages": packages,
    "excluded": {
        "standard_library_roots": ["/usr/lib/python3.11", "/usr/lib/go-*/src", "rustc std (rust-src)",
                                   "node core (/usr/include/node, nodejs)", "PHP core (/usr/include/php)",
                                   "Ruby stdlib and bundled gems (/usr/lib/ruby/3.1, /usr/lib/ruby/gems)",
                                   "libc and kernel headers (libc6-dev, linux-libc-dev)",
                                   "libstdc++ (/usr/include/c++)"],
        "miner_arguments": excludes.split(),
        "decontamination_queries": "/var/tmp/pydoc-eval/queries.jsonl",
        "decontamination_dropped": stats["decontamination_dropped"],
    },
    "dropped": {k: stats[k] for k in ("duplicates_dropped", "query_cap_dropped", "package_cap_dropped")},
    "caps": {"max_per_package": stats["max_per_package"], "max_per_query": stats["max_per_query"]},
}
json.dump(manifest, sys.stdout, indent=1)
print()
EOF

# A few random pairs per language, to eyeball.
python3 - "$OUT" > "$WORK/pairs-sample.txt" <<'EOF'
import json, random, sys
by_lang = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    by_lang.setdefault(r["lang"], []).append(r)
rng = random.Random(7)
for lang, rows in sorted(by_lang.items()):
    for r in rng.sample(rows, min(5, len(rows))):
        print(f"=== {lang} {r['pkg']} {r['path']} {r['symbol']}\nQUERY: {r['query']}\n{r['code']}")
EOF
echo "pairs: $OUT; manifest: models/training-manifest.json; sample: $WORK/pairs-sample.txt" >&2
