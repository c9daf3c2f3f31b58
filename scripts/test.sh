#!/usr/bin/env bash
# The README's test command: installs what is missing, builds buildiff twice (release, and with
# AddressSanitizer + UBSan) and runs the whole test suite on each.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test
jobs=$(nproc)
# Tests whose time is the compilers' (cargo and pip building the same crates several times, five
# thousand processes) run in the release configuration only: under the sanitizers, buildiff's
# code on the way is the same as in the smaller builds of the same kind that run there too.
long_builds='Audit\.PyO3Wheel|Audit\.ThePackedCargoAudit|Audit\.RealSccacheOnTheCargoWorkspace'
long_builds+='|WhatRan\.AnAuditWithTzVaried|RecordLoad\.FiveThousandShortProcesses'
for config in release asan; do
  scripts/build.sh "$config"
  dir=build; exclude=()
  [[ $config == asan ]] && dir=build-asan exclude=(-E "$long_builds")
  echo "== tests ($config)"
  # LeakSanitizer cannot run under ptrace; buildiff itself is never traced, but the tests start
  # traced children of it, so leak checks stay on only for buildiff's own processes.
  ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1} \
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    ctest --test-dir "$dir" --output-on-failure -j "$jobs" "${exclude[@]}"
done
