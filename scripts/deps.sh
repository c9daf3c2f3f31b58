#!/usr/bin/env bash
# Installs the Debian packages buildiff needs that are missing (a no-op when all are present).
# Usage: scripts/deps.sh build|test|bench
set -euo pipefail

build_pkgs=(cmake ninja-build g++ pkg-config libfmt-dev nlohmann-json3-dev libcli11-dev
            libseccomp-dev libxxhash-dev libelf-dev libdw-dev libarchive-dev libiberty-dev
            libdtl-dev)
test_pkgs=(libgtest-dev make strace ccache sccache librust-cc-dev python3-jsonschema zip
           clang-14 libclang-rt-14-dev chromium unzip python3-pip python3-dev python3-wheel
           python3-setuptools-rust librust-pyo3-dev bear)
bench_pkgs=(bear strace time xz-utils python3 diffoscope-minimal)

want=("${build_pkgs[@]}")
case "${1:-build}" in
  build) ;;
  test) want+=("${test_pkgs[@]}") ;;
  bench) want+=("${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
  *) echo "usage: $0 build|test|bench" >&2; exit 2 ;;
esac
# The cargo tests need cargo and rustc: Debian's when none is on PATH (e.g. from rustup).
if [[ "${1:-build}" != build ]] && ! command -v cargo >/dev/null 2>&1; then
  want+=(cargo rustc)
fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
((${#missing[@]})) || exit 0

sudo=()
[[ $(id -u) -eq 0 ]] || sudo=(sudo)
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q >/dev/null
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
