#!/usr/bin/env bash
# What the build-script analysis (recording/build_scripts.cc) and the timeline
# (recording/timeline.cc) cost `buildiff show --html` (which runs both), counted in instructions by callgrind (repeatable on a
# noisy machine): a recorded `cargo check` of tests/fixtures/cargo-check-ws, and a make build of
# 5,000 `cp` steps (no build script: the analysis returns at once). Prints each function's
# inclusive share of the whole `show`.
# Usage: bench/show-analysis.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
buildiff=${BUILDIFF:-$root/build/cli/buildiff}
work=$here/work/show-analysis
rm -rf "$work" && mkdir -p "$work"

cp -r "$root/tests/fixtures/cargo-check-ws" "$work/ws"
(cd "$work/ws" && env -u RUSTC_WRAPPER -u CARGO_BUILD_RUSTC_WRAPPER -u CC -u CFLAGS -u RUSTFLAGS \
   CARGO_INCREMENTAL=0 "$buildiff" record -q -o "$work/cargo.rec" -- cargo check 2>/dev/null)
mkdir -p "$work/cp/src"
for ((i = 0; i < 5000; i++)); do echo "$i" > "$work/cp/src/f$i.txt"; done
printf 'SRCS := $(wildcard src/*.txt)\nall: $(SRCS:src/%%.txt=out/%%.txt)\nout/%%.txt: src/%%.txt\n\t@mkdir -p out && cp $< $@\n' \
  > "$work/cp/Makefile"
(cd "$work/cp" && "$buildiff" record -q -o "$work/cp.rec" -- make -s -j4)

echo "# bench/show-analysis.sh  ($(date -u +%Y-%m-%d), buildiff $(git -C "$root" rev-parse --short HEAD))"
for rec in cargo cp; do
  valgrind --tool=callgrind --callgrind-out-file="$work/$rec.cg" "$buildiff" show "$work/$rec.rec" \
    --html "$work/$rec.html" 2>"$work/$rec.valgrind"
  callgrind_annotate --inclusive=yes --threshold=100 "$work/$rec.cg" 2>/dev/null > "$work/$rec.txt"
  total=$(awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }' "$work/$rec.txt")
  share() {  # the inclusive instructions of function $1, and their share of the total
    awk -v f="$1" -v t="$total" 'index($0, f) && !done { gsub(",", "", $1); printf "%s instructions (%.2f%%)", $1, 100 * $1 / t; done = 1 }
      END { if (!done) printf "not called" }' "$work/$rec.txt"
  }
  echo "$rec.rec: show --html $total instructions; build_script_costs $(share 'buildiff::build_script_costs('); build_timeline $(share 'buildiff::build_timeline(')"
done
