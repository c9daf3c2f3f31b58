#!/usr/bin/env bash
# The README's test command: installs what is missing, builds buildiff twice (release, and with
# AddressSanitizer + UBSan, with clang), runs the release build's tests, then the unit tests and
# fuzz targets of the sanitizer build and the other end-to-end tests against its buildiff.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test
# The Debian source packages the end-to-end tests build with dpkg-buildpackage (fetched once).
for package in hello cjson; do
  scripts/debian-source.sh --unpack "$package" tests/work/debian-sources >/dev/null
done
jobs=$(nproc)
# Tests whose time is the compilers' (cargo and pip building the same crates several times, five
# thousand processes, Debian packages built by dpkg-buildpackage) run in the release
# configuration only: under the sanitizers, buildiff's code on the way is the same as in the
# smaller builds of the same kind that run there too (tests/fixtures/deb-hello among them).
long_builds='Audit\.PyO3Wheel|Audit\.ThePackedCargoAudit|Audit\.RealSccacheOnTheCargoWorkspace'
long_builds+='|WhatRan\.AnAuditWithTzVaried|RecordLoad\.FiveThousandShortProcesses|DebianPackage\.'
long_builds+='|RecordLoad\.TheRecordersMemoryStaysFlat'
# Cargo workspaces built twice or more: the C builds of the same kind (the same wrappers and
# caches, and `confirm`'s re-runs) run under the sanitizers instead.
cargo_builds='WhatRan\.SccachesKindless|WhatRan\.UnderRustLld|RecordCargo\.WithSccache'
cargo_builds+='|Audit\.CargoSysCrate|DiffCargo\.|DiffCache\.PlainAgainstSccache|RecordCargo\.ACheck'
# ctest starts the tests it remembers as longest first; a fresh build remembers none, and the
# long builds, started last, would run alone at the end. Tell it which they are.
remember_long_builds() {
  local costs=$1/Testing/Temporary/CTestCostData.txt
  [[ -s $costs ]] && return 0
  mkdir -p "$(dirname "$costs")"
  { ctest --test-dir "$1" -N | sed -n 's/^ *Test *#[0-9]*: //p' |
      grep -E "$long_builds" | awk '{ print $0, 1, /^DebianPackage/ ? 200 : 100 }'
    echo ---; } > "$costs"
}
# Every end-to-end test runs once: those above on the release build, the others against the
# sanitizer build's buildiff (below), where what they exercise is buildiff's own code.
# Release-only too, as their time is a build's or a load's, not buildiff's code: the big HTML
# report (a unit test of its size; the smaller reports run), icecream (its daemon; distcc and the
# caches' pairing run), a recording race under load (as the five thousand processes).
release_only='DiffHtml\.BigBuilds|DiffCache\.Icecream|RecordLoad\.ChildrenThatRun'
release_e2e="$long_builds|$cargo_builds|$release_only"
scripts/build.sh release
remember_long_builds build
# The release run leaves out the end-to-end tests the sanitizer run has (by exact name).
sanitizer_e2e=$(ctest --test-dir build -N -L e2e | sed -n 's/^ *Test *#[0-9]*: //p' |
                  grep -vE "$release_e2e" | sed 's/[.]/\\./g' | paste -sd'|')
echo "== tests (release)"
ctest --test-dir build --output-on-failure -j "$jobs" ${sanitizer_e2e:+-E "^($sanitizer_e2e)\$"}

scripts/build.sh asan --without-e2e
echo "== tests (asan)"
# LeakSanitizer cannot run under ptrace; buildiff itself is never traced, but the tests start
# traced children of it, so leak checks stay on only for buildiff's own processes.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# The unit tests and the fuzz targets (the fuzz binary is this configuration's).
ctest --test-dir build-asan --output-on-failure -j "$jobs" -L 'unit|fuzz' -E "$release_only"
BUILDIFF_UNDER_TEST=$PWD/build-asan/cli/buildiff \
  ctest --test-dir build --output-on-failure -j "$jobs" -L e2e -E "$release_e2e"
