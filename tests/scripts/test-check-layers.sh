#!/usr/bin/env bash
# scripts/check-layers.sh on copies of the tree with one upward reference put in: an include
# from a higher folder, and a link to a higher library. Each must fail naming it; the real tree
# must pass.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
check=$root/scripts/check-layers.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0 passed=0

copy() {
  rm -rf "$tmp/tree"; mkdir -p "$tmp/tree"
  for d in base toolchain recording record diff report audit cli; do cp -r "$root/$d" "$tmp/tree/"; done
}
expect_fail() {  # WHAT WANT...
  local what=$1 out status=0; shift
  out=$("$check" "$tmp/tree" 2>&1) || status=$?
  if ((status != 1)); then
    echo "FAIL: $what: exit $status (want 1): $out"; failures=$((failures + 1)); return
  fi
  for want in "$@"; do
    grep -qF -- "$want" <<<"$out" ||
      { echo "FAIL: $what: does not say '$want': $out"; failures=$((failures + 1)); return; }
  done
  echo "ok: $what: $(head -1 <<<"$out")"; passed=$((passed + 1))
}

out=$("$check" "$root") || { echo "FAIL: the real tree: $out"; exit 1; }
echo "ok: the real tree: $out"; passed=$((passed + 1))

copy
printf '#include "audit/auditor.h"\n' >> "$tmp/tree/base/hash.cc"
expect_fail "base includes audit" "base/hash.cc" "includes from audit/, a layer above base/"

copy
printf '  #  include "report/show.h"\n' >> "$tmp/tree/diff/model.h"
expect_fail "diff includes report (spaced)" "diff/model.h" "from report/"

copy
printf 'target_link_libraries(buildiff_toolchain PUBLIC buildiff_diff)\n' >> "$tmp/tree/toolchain/CMakeLists.txt"
expect_fail "toolchain links diff" "toolchain/CMakeLists.txt links to buildiff_diff"

copy
rm -rf "$tmp/tree/recording"
expect_fail "a layer missing" "recording/ is missing"

((failures == 0)) || { echo "$passed passed, $failures failed"; exit 1; }
echo "check-layers self-test: $passed passed, 0 failed"
