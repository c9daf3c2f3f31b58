#!/usr/bin/env bash
# Fetches Debian 12's source package PACKAGE with `apt-get source --download-only` into
# DIR/download (once) and prints DIR/download, or, with --unpack, unpacks it with dpkg-source
# into DIR/PACKAGE (the packaging applied, a name without the version) and prints that path.
# Adds a deb-src entry for bookworm main when the machine has none (needs root or sudo).
# Usage: scripts/debian-source.sh [--unpack] PACKAGE DIR
set -euo pipefail
unpack=false
if [[ ${1:-} == --unpack ]]; then unpack=true; shift; fi
(($# == 2)) || { echo "usage: $0 [--unpack] PACKAGE DIR" >&2; exit 2; }
package=$1 dir=$2
mkdir -p "$dir/download"
dir=$(cd "$dir" && pwd)
dsc() { ls "$dir"/download/"${package}"_*.dsc 2>/dev/null | head -1; }
if [[ -z $(dsc) ]]; then
  sudo=(); [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  if ! grep -rqs '^Types:.*deb-src\|^deb-src' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "debian-source.sh: adding a deb-src entry for bookworm main" >&2
    printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' |
      "${sudo[@]}" tee /etc/apt/sources.list.d/buildiff-deb-src.sources >/dev/null
    "${sudo[@]}" apt-get update -q >/dev/null
  fi
  if ! (cd "$dir/download" && apt-get source -q --download-only "$package" >"$dir/apt.log" 2>&1)
  then
    cat "$dir/apt.log" >&2
    echo "debian-source.sh: apt-get source $package failed" >&2
    exit 1
  fi
fi
if ! $unpack; then echo "$dir/download"; exit 0; fi
if [[ ! -d $dir/$package/debian ]]; then
  rm -rf "$dir/$package" "$dir/$package.partial"
  # (Without the uploader's key dpkg-source says it cannot check the signature; the archive's
  # Release file, which apt checked, vouches for the .dsc's checksums.)
  if ! dpkg-source -x "$(dsc)" "$dir/$package.partial" >"$dir/unpack.log" 2>&1; then
    cat "$dir/unpack.log" >&2
    echo "debian-source.sh: dpkg-source -x $(dsc) failed" >&2
    exit 1
  fi
  mv "$dir/$package.partial" "$dir/$package"
fi
echo "$dir/$package"
