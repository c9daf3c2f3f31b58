#!/usr/bin/env bash
# Installs the Debian packages (Debian 12, bookworm) that a task of buildiff's needs and that are
# missing; a no-op when all are present.
# Usage: scripts/deps.sh build|example|test|bench      install what the task needs
#        scripts/deps.sh --list build|example|test|bench   print the task's packages, one a line
# scripts/check-deps.py checks these lists against the headers the sources include and the
# programs the example, the tests and the benchmarks run; keep every package here.
set -euo pipefail

# Compiling buildiff: the toolchain and every library a source includes.
build_pkgs=(cmake ninja-build g++ pkg-config libfmt-dev nlohmann-json3-dev libcli11-dev
            libseccomp-dev libxxhash-dev libelf-dev libdw-dev libarchive-dev libiberty-dev
            libdtl-dev libkainjow-mustache-dev libcapstone-dev libzstd-dev)
# The README's first command: audits examples/stale-cache, a make project, with ccache.
example_pkgs=(make ccache)
# The test suite: real builds (make, CMake, cargo with the cc crate, Python wheels), real caches,
# the reference tools the tests check buildiff against, the fuzzers and the browser. Debian's
# cargo and rustc (1.63, linking with GNU ld) always: the sccache link-kind test needs GNU ld's
# order-sensitivity, which rustup's default rust-lld hides. Two Debian source packages are built
# as a distribution builds them (scripts/debian-source.sh fetches them): their build
# dependencies (hello: debhelper, help2man, texinfo; cjson: cmake, debhelper) and patch. The
# audit's variations: libfaketime (time), disorderfs (order), useradd (user).
test_pkgs=(libgtest-dev make strace ccache sccache distcc icecc librust-cc-dev python3 python3-jsonschema zstd
           zip clang-14 libclang-rt-14-dev chromium unzip python3-pip python3-dev python3-wheel
           python3-setuptools-rust librust-pyo3-dev bear binutils git procps cargo rustc
           dpkg-dev debhelper help2man texinfo patch faketime disorderfs passwd)
# The benchmarks' reference tools.
bench_pkgs=(bear strace time xz-utils python3 diffoscope-minimal git valgrind)

list=false
if [[ ${1:-} == --list ]]; then list=true; shift; fi
task=${1:-build}
want=("${build_pkgs[@]}")
case "$task" in
  build) ;;
  example) want+=("${example_pkgs[@]}") ;;
  test) want+=("${test_pkgs[@]}") ;;
  bench) want+=("${test_pkgs[@]}" "${bench_pkgs[@]}") ;;
  *) echo "usage: $0 [--list] build|example|test|bench" >&2; exit 2 ;;
esac
if $list; then printf '%s\n' "${want[@]}" | sort -u; exit 0; fi

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
# Debian starts icecream's daemon when icecc is installed; it would join any icecream network it
# finds and take compile jobs from it. The tests run a scheduler and a daemon of their own, so
# the one this script installed is stopped and not started again at boot.
if [[ " ${missing[*]} " == *" icecc "* ]]; then
  "${sudo[@]}" invoke-rc.d iceccd stop >/dev/null 2>&1 || true
  "${sudo[@]}" update-rc.d iceccd disable >/dev/null 2>&1 || true
fi
