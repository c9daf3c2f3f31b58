#!/usr/bin/env bash
# Configures and builds buildiff. Warnings are errors.
# Usage: scripts/build.sh [release|asan] [--only-buildiff|--without-e2e]
#   release: build/ (GCC 12, RelWithDebInfo: -O2, line tables); asan: build-asan/ (clang-14, Debug,
#   AddressSanitizer + UBSan, and the fuzz targets).
#   --only-buildiff: the buildiff program alone, without the tests (and without GoogleTest); a
#   build directory already configured with the tests keeps them (only buildiff is built).
#   --without-e2e: buildiff, the unit tests and (asan) the fuzz binary (scripts/test.sh runs the
#   release build's end-to-end tests against the sanitizer build's buildiff).
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-release}" in
  # Line tables only (-g1): backtraces and perf name file and line; full debug information
  # takes a third more of the build's time (3m42s against 2m28s here), which is half the suite's.
  # (Under the sanitizers the instrumentation costs the time, not the debug information.)
  release) dir=build; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo
                             "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG"
                             "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG") ;;
  # The sanitizer configuration is built with clang-14 (the release build with GCC 12, so both
  # compilers' warnings are errors): clang's ASan + UBSan build takes three quarters of GCC's time
  # here, and its libraries carry libFuzzer's coverage instrumentation, so the fuzz targets link
  # against them (tests/fuzz) instead of compiling everything a second time.
  asan) dir=build-asan; flags=(-DCMAKE_BUILD_TYPE=Debug -DBUILDIFF_SANITIZE=ON
                               -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14)
        command -v clang++-14 >/dev/null ||
          { echo "build.sh asan: clang++-14 not found (scripts/deps.sh test installs clang-14)" >&2; exit 2; }
        # A directory configured by another compiler is configured afresh (CMake keeps the first).
        if [[ -f $dir/CMakeCache.txt ]] && ! grep -q '^CMAKE_CXX_COMPILER:[A-Z]*=.*clang++-14$' "$dir/CMakeCache.txt"; then
          rm -rf "$dir"
        fi ;;
  *) echo "usage: $0 [release|asan] [--only-buildiff|--without-e2e]" >&2; exit 2 ;;
esac
target=()
case "${2:-}" in
  "") flags+=(-DBUILD_TESTING=ON) ;;
  --only-buildiff)
    grep -qs '^BUILD_TESTING:BOOL=ON' "$dir/CMakeCache.txt" || flags+=(-DBUILD_TESTING=OFF)
    target=(--target buildiff) ;;
  --without-e2e) flags+=(-DBUILD_TESTING=ON); target=(--target buildiff unit_tests)
                 [[ $dir == build-asan ]] && target+=(fuzz) ;;
  *) echo "usage: $0 [release|asan] [--only-buildiff|--without-e2e]" >&2; exit 2 ;;
esac
# A unity build (a few sources per translation unit) parses the heavy headers (CLI11,
# nlohmann/json, fmt, GoogleTest) a few times instead of once per source: a third of the CPU time.
cmake -S . -B "$dir" -G Ninja -DBUILDIFF_WERROR=ON -DCMAKE_UNITY_BUILD=ON "${flags[@]}" >/dev/null
cmake --build "$dir" "${target[@]}"
