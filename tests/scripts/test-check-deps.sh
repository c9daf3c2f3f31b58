#!/usr/bin/env bash
# scripts/check-deps.py on deliberately incomplete copies of scripts/deps.sh: each copy lacks one
# package a header, a test program or a test's Python module comes from, and the check must fail
# naming what needs it and the package. The real lists must pass.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
check=$root/scripts/check-deps.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

# Expects the check on deps.sh without PACKAGE to exit 1 and print every one of EXPECTED.
without() {
  local pkg=$1; shift
  sed -E "s/(^|[( ])$pkg([ )]|$)/\1\2/g" "$root/scripts/deps.sh" > "$tmp/deps.sh"
  if bash "$tmp/deps.sh" --list test | grep -qx "$pkg"; then
    echo "FAIL: the copy still lists $pkg"; failures=$((failures + 1)); return
  fi
  local out status=0
  out=$("$check" --root "$root" --deps "$tmp/deps.sh" 2>&1) || status=$?
  if ((status != 1)); then
    echo "FAIL: without $pkg the check exited $status (want 1):"; echo "$out"
    failures=$((failures + 1)); return
  fi
  for want in "$@"; do
    if ! grep -qF -- "$want" <<<"$out"; then
      echo "FAIL: without $pkg the check does not say '$want':"; echo "$out"
      failures=$((failures + 1)); return
    fi
  done
  echo "ok: without $pkg: $(grep -F -- "$pkg" <<<"$out" | head -1)"
}

out=$("$check" --root "$root") || { echo "FAIL: the real lists do not pass:"; echo "$out"; exit 1; }
echo "ok: the real lists: $out"
without libkainjow-mustache-dev "<kainjow/mustache.hpp>" "report/diff_templates.cc" \
  "libkainjow-mustache-dev" "deps.sh build"
without sccache "runs sccache" "Debian package sccache" "deps.sh test"
without ccache "runs ccache" "deps.sh example"
without python3-jsonschema "Python module jsonschema" "python3-jsonschema"
without libgtest-dev "<gtest/gtest.h>" "libgtest-dev"
((failures == 0)) || { echo "$failures failed"; exit 1; }
echo "check-deps self-test: 6 passed, 0 failed"
