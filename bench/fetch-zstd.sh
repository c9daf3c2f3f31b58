#!/usr/bin/env bash
# Prints the path of a pristine Debian zstd source tree (upstream's .orig tarball, unpacked
# under bench/work/), fetching it with scripts/debian-source.sh on first use.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$here/work
mkdir -p "$work"
if ! ls "$work"/zstd-src/lib/Makefile >/dev/null 2>&1; then
  download=$("$here/../scripts/debian-source.sh" libzstd "$work")
  orig=$(ls "$download"/libzstd_*.orig.tar.* | grep -v '\.asc$' | head -1)
  rm -rf "$work/zstd-src" && mkdir -p "$work/zstd-src"
  tar -xf "$orig" -C "$work/zstd-src" --strip-components=1
fi
echo "$work/zstd-src"
