#!/usr/bin/env bash
# Configures and builds buildiff. Usage: scripts/build.sh [release|asan]  (build dir: build/ or
# build-asan/). Warnings are errors.
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-release}" in
  release) dir=build; flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo) ;;
  asan) dir=build-asan; flags=(-DCMAKE_BUILD_TYPE=Debug -DBUILDIFF_SANITIZE=ON) ;;
  *) echo "usage: $0 [release|asan]" >&2; exit 2 ;;
esac
cmake -S . -B "$dir" -G Ninja -DBUILDIFF_WERROR=ON "${flags[@]}" >/dev/null
cmake --build "$dir"
