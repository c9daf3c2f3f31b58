#!/usr/bin/env bash
# What it costs to prove a root cause by re-running its step (`buildiff confirm`), against what
# reprotest-style bisection of whole builds would need (one full build per variation), measured
# side by side in one run, medians of REPEAT runs:
#  1. diff-c: one unit gets -O0 and TZ differs for the whole build (a flags cause, ddmin);
#  2. diff-c: __TIME__ compiled a second apart (nondeterministic);
#  3. diff-c: -g in two directories (build-path, with -ffile-prefix-map tried);
#  4. kindless-link with Debian's cargo 1.63: plain against sccache's `-l dylib=` rewrite (cache,
#     ddmin over rustc's arguments).
# For each: re-runs, seconds to confirm (all causes), the original build's time, the share, and
# the time of K full builds, where K is the number of differences confirm searched over (what a
# bisection over variations rebuilds at least once each).
# Usage: bench/confirm-speed.sh [REPEAT]   (default 3)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
# shellcheck source=bench/lib.sh
source "$here/lib.sh"
repeat=${1:-3}
buildiff=${BUILDIFF:-$root/build/cli/buildiff}
work=$here/work/confirm-speed
rm -rf "$work" && mkdir -p "$work"
export -n CFLAGS CC SOURCE_DATE_EPOCH 2>/dev/null || true
unset CFLAGS CC SOURCE_DATE_EPOCH

now() { date +%s.%N; }
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", a / b }'; }

# build NAME DIR REC ENV... -- CMD...: records CMD in DIR into REC; prints its seconds.
build() {
  local dir=$1 rec=$2; shift 2
  local env=()
  while [[ $1 != -- ]]; do env+=("$1"); shift; done
  shift
  local t0 t1
  t0=$(now)
  (cd "$dir" && env "${env[@]}" "$buildiff" record -q -o "$rec" -- "$@" >/dev/null 2>&1)
  t1=$(now)
  seconds "$t0" "$t1"
}

# plain_build DIR ENV... -- CMD...: the build alone, without buildiff (the reference); seconds.
plain_build() {
  local dir=$1; shift
  local env=()
  while [[ $1 != -- ]]; do env+=("$1"); shift; done
  shift
  local t0 t1
  t0=$(now)
  (cd "$dir" && env "${env[@]}" "$@" >/dev/null 2>&1)
  t1=$(now)
  seconds "$t0" "$t1"
}

# confirm NAME LEFT RIGHT CLEAN BUILD...: REPEAT confirms, then K full builds; prints a row.
confirm_row() {
  local name=$1 left=$2 right=$3 dir=$4 clean=$5; shift 5
  local walls=() runs=0 k=0
  for ((i = 0; i < repeat; i++)); do
    local t0 t1
    t0=$(now)
    "$buildiff" confirm "$left" "$right" --json "$work/$name.json" --repro-dir "$work/repro-$name" >/dev/null 2>&1 || true
    t1=$(now)
    walls+=("$(seconds "$t0" "$t1")")
  done
  read -r runs k statuses < <(python3 - "$work/$name.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
runs = k = 0
statuses = []
for c in r['root_causes']:
    x = c.get('confirmation') or {}
    runs += x.get('runs', 0)
    k += len(x.get('minimal', [])) + len(x.get('irrelevant', []))
    statuses.append(x.get('status', '-'))
print(runs, max(k, 1), ','.join(statuses))
PY
)
  # The reference: K whole builds, one per variation, run now.
  local builds=() t0 t1
  for ((j = 0; j < k; j++)); do
    (cd "$dir" && eval "$clean" >/dev/null 2>&1)
    builds+=("$(plain_build "$dir" "$@")")
  done
  local w b one
  w=$(printf '%s\n' "${walls[@]}" | median)
  b=$(printf '%s\n' "${builds[@]}" | awk '{ s += $1 } END { printf "%.2f", s }')
  one=$(printf '%s\n' "${builds[@]}" | median)
  printf '| %s | %s | %s | %s s | %s s | %s | %s | %s s | %s |\n' "$name" "$statuses" "$runs" \
    "$w" "$one" "$(ratio "$w" "$one")x" "$k" "$b" "$(ratio "$b" "$w")x"
}

echo "| case | status | re-runs | confirm (median of $repeat) | one build | confirm / build | variations K | K whole builds | whole builds / confirm |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"

c=$root/tests/fixtures/diff-c
# 1. flags + TZ
cp -r "$c" "$work/flags"
build "$work/flags" "$work/flags-l.rec" TZ=UTC -- make >/dev/null
(cd "$work/flags" && make clean >/dev/null)
build "$work/flags" "$work/flags-r.rec" TZ=Asia/Kolkata -- make UTIL_CFLAGS=-O0 >/dev/null
confirm_row flags "$work/flags-l.rec" "$work/flags-r.rec" "$work/flags" "make clean" TZ=UTC -- make
# 2. __TIME__
cp -r "$c" "$work/time"
build "$work/time" "$work/time-l.rec" -- make CLOCK_CFLAGS=-DWITH_TIME >/dev/null
(cd "$work/time" && make clean >/dev/null)
sleep 1.1
build "$work/time" "$work/time-r.rec" -- make CLOCK_CFLAGS=-DWITH_TIME >/dev/null
confirm_row time "$work/time-l.rec" "$work/time-r.rec" "$work/time" "make clean" -- make CLOCK_CFLAGS=-DWITH_TIME
# 3. build path
cp -r "$c" "$work/a" && cp -r "$c" "$work/bb-longer"
build "$work/a" "$work/path-l.rec" -- make "CFLAGS=-O2 -g" >/dev/null
build "$work/bb-longer" "$work/path-r.rec" -- make "CFLAGS=-O2 -g" >/dev/null
confirm_row build-path "$work/path-l.rec" "$work/path-r.rec" "$work/a" "make clean" -- make "CFLAGS=-O2 -g"
# 4. sccache's rewrite, Debian's cargo (GNU ld)
ws=$root/tests/fixtures/kindless-link
# The workspace's own .cargo/config.toml makes it offline (Debian's librust-*-dev crates).
cargo_env=(-u RUSTC_WRAPPER -u CARGO_TARGET_DIR -u RUSTFLAGS PATH=/usr/bin:/bin
           CARGO_TERM_COLOR=never CARGO_INCREMENTAL=0)
cp -r "$ws" "$work/plain" && cp -r "$ws" "$work/cached"
build "$work/plain" "$work/cargo-l.rec" "${cargo_env[@]}" -- cargo build >/dev/null
port=$((20000 + RANDOM % 20000))
build "$work/cached" "$work/cargo-r.rec" "${cargo_env[@]}" RUSTC_WRAPPER=sccache \
  SCCACHE_DIR="$work/sccache" SCCACHE_SERVER_PORT=$port SCCACHE_IDLE_TIMEOUT=0 -- cargo build >/dev/null
(cd "$work/cached" && env SCCACHE_SERVER_PORT=$port sccache --stop-server >/dev/null 2>&1 || true)
confirm_row sccache-rewrite "$work/cargo-l.rec" "$work/cargo-r.rec" "$work/plain" "cargo clean" \
  "${cargo_env[@]}" -- cargo build
