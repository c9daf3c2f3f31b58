#!/usr/bin/env bash
# The README's first command: installs what is missing, builds buildiff, records the bundled
# example build and shows the recording.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test
scripts/build.sh release
out=out/example
rm -rf "$out" && mkdir -p "$out"
cp -r tests/fixtures/make-c "$out/src"
build/cli/buildiff record -o "$out/hello.rec" --label example -- make -C "$out/src" -j2
build/cli/buildiff show "$out/hello.rec"
echo
echo "Recording: $out/hello.rec   (try: build/cli/buildiff show $out/hello.rec --json)"
