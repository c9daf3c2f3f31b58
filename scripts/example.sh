#!/usr/bin/env bash
# The README's first command: installs what is missing (the build's packages, make and ccache),
# builds the buildiff program (not the tests), and audits the bundled example
# (examples/stale-cache): built without a cache, with a cold ccache and with a warm one,
# each recorded and every pair diffed. The example diverges on purpose (a build stamp served
# from cache), so the audit exits 1; this script succeeds when the audit ran.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh example
scripts/build.sh release --only-buildiff
out=$PWD/out/example-audit
status=0
(cd examples/stale-cache && ../../build/cli/buildiff audit --cache ccache --out "$out" -- make -s) || status=$?
if ((status > 1)); then exit "$status"; fi
echo
echo "Open $out/report.html in a browser (or read $out/summary.md)."
