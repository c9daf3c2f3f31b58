#!/usr/bin/env bash
# Shows that two commits of buildiff report the same: builds buildiff at OLD and at NEW, records
# the end-to-end fixtures' builds once (make, CMake + Ninja, cargo plain and through sccache, the
# glue library, audits with ccache and with a variation), then has both binaries render every
# report of every pair and every view of every recording, and compares the outputs byte for byte.
# Usage: scripts/compare-reports.sh OLD [NEW]     (NEW: the work tree as it is, by default)
#        KEEP=1 scripts/compare-reports.sh ...     keeps the recordings and outputs (named at the end)
# Exit status: 0 when every output is identical, 1 when one differs (each is named), 2 on trouble.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
old=${1:?usage: scripts/compare-reports.sh OLD [NEW]} new=${2:-}
work=$(mktemp -d /tmp/compare-reports.XXXXXX)
trap 'git -C "$root" worktree remove --force "$work/old" >/dev/null 2>&1 || true
      [[ -z $new ]] || git -C "$root" worktree remove --force "$work/new" >/dev/null 2>&1 || true
      [[ ${KEEP:-} == 1 ]] || rm -rf "$work"' EXIT

build_at() {  # COMMIT DIR -> path of its buildiff
  git -C "$root" worktree add -q --detach "$2" "$1"
  (cd "$2" && scripts/build.sh release --only-buildiff >"$work/build-$(basename "$2").log" 2>&1) ||
    { echo "compare-reports: building $1 failed: $work/build-$(basename "$2").log" >&2; exit 2; }
  echo "$2/build/cli/buildiff"
}
echo "compare-reports: building $old" >&2
old_bin=$(build_at "$old" "$work/old")
if [[ -n $new ]]; then
  echo "compare-reports: building $new" >&2
  new_bin=$(build_at "$new" "$work/new")
else
  echo "compare-reports: building the work tree" >&2
  (cd "$root" && scripts/build.sh release --only-buildiff >"$work/build-new.log" 2>&1) ||
    { echo "compare-reports: building the work tree failed: $work/build-new.log" >&2; exit 2; }
  new_bin=$root/build/cli/buildiff
fi

# The subjects, recorded once with the new binary: pairs of recordings and audit directories.
fx=$root/tests/fixtures
subjects=$work/subjects
mkdir -p "$subjects"
rec() {  # NAME DIR ENV... -- COMMAND...
  local name=$1 dir=$2; shift 2
  local env=()
  while [[ $1 != -- ]]; do env+=("$1"); shift; done
  shift
  (cd "$dir" && env "${env[@]}" "$new_bin" record -q -o "$subjects/$name.rec" -- "$@") \
    >>"$work/record.log" 2>&1 || true
}
copy() { rm -rf "$2"; cp -r "$1" "$2"; }
echo "compare-reports: recording the fixtures' builds" >&2
export CCACHE_DIR=$work/ccache SCCACHE_DIR=$work/sccache CARGO_TERM_COLOR=never
export CARGO_INCREMENTAL=0 SCCACHE_SERVER_PORT=$((20000 + RANDOM % 20000))
copy "$fx/make-c" "$work/m1"; copy "$fx/make-c" "$work/m2"
rec make-plain "$work/m1" CC=cc -- make -s
rec make-ccache "$work/m2" "CC=ccache cc" -- make -s
copy "$fx/diff-c" "$work/d1"; copy "$fx/diff-c" "$work/d2"
rec diff-a "$work/d1" SOURCE_DATE_EPOCH=1 -- make -s CFLAGS=-g UTIL_CFLAGS=-DA
rec diff-b "$work/d2" SOURCE_DATE_EPOCH=2 -- make -s CFLAGS=-g LIBOBJS="util.o stamp.o clock.o" \
  CLOCK_CFLAGS=-DWITH_TIME
copy "$fx/glue-make" "$work/g1"; copy "$fx/glue-make" "$work/g2"
rec glue-good "$work/g1" -- make -s
rec glue-bad "$work/g2" -- make -s BLST_OBJS=stub.o
copy "$fx/cmake-c" "$work/c1"; copy "$fx/cmake-c" "$work/c2"
rec cmake-a "$work/c1" -- sh -c 'cmake -S . -B b -G Ninja >/dev/null && ninja -C b'
rec cmake-b "$work/c2" -- sh -c 'cmake -S . -B b -G Ninja -DCMAKE_C_FLAGS=-O1 >/dev/null && ninja -C b'
copy "$fx/cargo-ws" "$work/r1"; copy "$fx/cargo-ws" "$work/r2"
rec cargo-plain "$work/r1" -- cargo build
rec cargo-sccache "$work/r2" RUSTC_WRAPPER=sccache -- cargo build
sccache --stop-server >/dev/null 2>&1 || true
copy "$root/examples/stale-cache" "$work/s"
(cd "$work/s" && "$new_bin" audit --cache ccache --out "$subjects/audit-ccache" -- make -s) \
  >>"$work/record.log" 2>&1 || true
copy "$fx/make-c" "$work/v"
(cd "$work/v" && "$new_bin" audit --cache none --keep --vary build-path,tz --out "$subjects/audit-vary" \
   -- make -s CFLAGS=-g) >>"$work/record.log" 2>&1 || true

# Every output, from both binaries.
pairs=(make-plain:make-ccache diff-a:diff-b glue-good:glue-bad cmake-a:cmake-b
       cargo-plain:cargo-sccache)
render() {  # BIN OUTDIR
  local binary=$1 out=$2 l r
  # Both binaries run as "buildiff", so that the help's usage lines name the same program.
  bin() { (exec -a buildiff "$binary" "$@"); }
  local bin=bin
  mkdir -p "$out"
  for p in "${pairs[@]}"; do
    l=$subjects/${p%%:*}.rec r=$subjects/${p##*:}.rec
    "$bin" diff "$l" "$r" --text >"$out/$p.txt" 2>&1 || true
    "$bin" diff "$l" "$r" --json "$out/$p.json" --html "$out/$p.html" --markdown "$out/$p.md" \
      >/dev/null 2>&1 || true
  done
  for a in audit-ccache audit-vary; do
    "$bin" diff "$subjects/$a" --text >"$out/$a.txt" 2>&1 || true
    "$bin" diff "$subjects/$a" --json "$out/$a.json" --html "$out/$a.html" \
      --markdown "$out/$a.md" >/dev/null 2>&1 || true
    "$bin" show "$subjects/$a" >"$out/$a.show" 2>&1 || true
  done
  # Plain files: the audit's trees, as an artifact differ.
  local other
  other=$(ls -d "$subjects"/audit-vary/trees/* | grep -v '/plain$' | head -1)
  "$bin" diff "$subjects/audit-vary/trees/plain" "$other" --text >"$out/trees.txt" 2>&1 || true
  for f in "$subjects"/*.rec; do
    n=$(basename "$f" .rec)
    "$bin" show "$f" >"$out/$n.show" 2>&1 || true
    "$bin" show "$f" --json >"$out/$n.show.json" 2>&1 || true
    "$bin" export compdb "$f" -o "$out/$n.compdb.json" >/dev/null 2>&1 || true
  done
  # The command line itself: help, usage errors, bad inputs, each with its exit status.
  for c in "" record show diff audit export "export compdb" pack explain; do
    # shellcheck disable=SC2086
    "$bin" $c --help >"$out/help-${c// /-}.txt" 2>&1 || true
  done
  printf 'kind:no-such-kind\n' >"$work/bad.ignore"
  local i=0
  for args in "diff $subjects/glue-good.rec" "diff --ignore-file $work/bad.ignore $subjects/glue-good.rec $subjects/glue-bad.rec" \
              "diff $subjects/glue-good.rec /nonexistent" "diff --map x $subjects/glue-good.rec $subjects/glue-bad.rec" \
              "show /nonexistent" "explain $subjects/glue-bad.rec nosuch" "record" "audit --max-evidence 3Q -- true" \
              "pack --max-size x $subjects/glue-good.rec" "export" "nosuchcommand"; do
    i=$((i + 1))
    # shellcheck disable=SC2086
    "$bin" $args >"$out/usage-$i.txt" 2>&1 && echo "exit 0" >>"$out/usage-$i.txt" ||
      echo "exit $?" >>"$out/usage-$i.txt"
  done
  "$bin" explain "$subjects/glue-bad.rec" libglue.so >"$out/explain-glue.txt" 2>&1 || true
  "$bin" explain "$subjects/cargo-sccache.rec" target/debug/libfoo.so >"$out/explain-cargo.txt" 2>&1 || true
}
echo "compare-reports: rendering with both binaries" >&2
render "$old_bin" "$work/out-old"
render "$new_bin" "$work/out-new"

total=0 differ=0
for f in "$work"/out-old/*; do
  n=$(basename "$f")
  total=$((total + 1))
  if ! cmp -s "$f" "$work/out-new/$n"; then
    differ=$((differ + 1))
    echo "DIFFERS: $n"
    diff -u "$f" "$work/out-new/$n" | head -20 || true
  fi
done
extra=$(comm -13 <(ls "$work/out-old") <(ls "$work/out-new") | wc -l)
echo "compare-reports: $old vs ${new:-work tree}: $total outputs, $((total - differ)) identical," \
     "$differ differ, $extra only new; recordings: $(ls "$subjects"/*.rec | wc -l), audits: 2"
[[ ${KEEP:-} != 1 ]] || echo "compare-reports: kept in $work"
((differ == 0 && extra == 0))
