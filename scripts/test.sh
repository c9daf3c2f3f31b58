#!/usr/bin/env bash
# The README's test command: installs what is missing, builds buildiff twice (release, and with
# AddressSanitizer + UBSan) and runs the whole test suite on each.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test
jobs=$(nproc)
for config in release asan; do
  scripts/build.sh "$config"
  dir=build; [[ $config == asan ]] && dir=build-asan
  echo "== tests ($config)"
  # LeakSanitizer cannot run under ptrace; buildiff itself is never traced, but the tests start
  # traced children of it, so leak checks stay on only for buildiff's own processes.
  ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1} \
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    ctest --test-dir "$dir" --output-on-failure -j "$jobs"
done
