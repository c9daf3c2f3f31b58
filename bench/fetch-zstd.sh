#!/usr/bin/env bash
# Prints the path of a pristine Debian zstd source tree (upstream's .orig tarball, unpacked
# under bench/work/), fetching it with `apt-get source --download-only` on first use. Adds a
# deb-src entry for bookworm main when the machine has none (needs root or sudo).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$here/work
mkdir -p "$work"
if ! ls "$work"/zstd-src/lib/Makefile >/dev/null 2>&1; then
  sudo=(); [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  if ! grep -rqs '^Types:.*deb-src\|^deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "fetch-zstd.sh: adding a deb-src entry for bookworm main" >&2
    printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' |
      "${sudo[@]}" tee /etc/apt/sources.list.d/buildiff-deb-src.sources >/dev/null
    "${sudo[@]}" apt-get update -q >/dev/null
  fi
  (cd "$work" && apt-get source --download-only zstd >/dev/null 2>&1)
  orig=$(ls "$work"/*zstd_*.orig.tar.* | head -1)
  rm -rf "$work/zstd-src" && mkdir -p "$work/zstd-src"
  tar -xf "$orig" -C "$work/zstd-src" --strip-components=1
fi
echo "$work/zstd-src"
