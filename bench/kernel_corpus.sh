# Sourced by the kernel benchmarks: installs Debian's linux-source-6.1 once,
# extracts it into $TS_BENCH_CACHE (default /var/tmp/trusty-bench), outside the
# repository, and sets CORPUS to it. Needs root or sudo the first time.
CACHE=${TS_BENCH_CACHE:-/var/tmp/trusty-bench}
CORPUS="$CACHE/linux-source-6.1"
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"

if [ ! -d "$CORPUS" ]; then
  if [ ! -f /usr/src/linux-source-6.1.tar.xz ]; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq linux-source-6.1 >&2
  fi
  mkdir -p "$CACHE"
  echo "extracting the kernel source into $CACHE ..." >&2
  tar -C "$CACHE" -xf /usr/src/linux-source-6.1.tar.xz
fi
# Debian's packaging appends "/*" and "!/debian/" to the kernel's top-level
# .gitignore (its repository keeps only debian/); honoured as written, they
# ignore the whole tree. Drop those two lines so the kernel's own rules apply.
sed -i -e '/^\/\*$/d' -e '/^!\/debian\/$/d' "$CORPUS/.gitignore"
