#!/usr/bin/env bash
# Recording overhead, side by side in one run (issue: "buildiff record" benchmark).
#  1. Debian's zstd: `make -j2 -C lib libzstd.a` from a clean tree, plain vs `buildiff record`
#     vs `buildiff record --no-notify` (every read a ptrace stop) vs `bear --` vs
#     `strace -f -e trace=execve,openat -o FILE`, rounds alternating the order.
#  2. Exec-heavy: `bash -c 'for i in $(seq 500); do /bin/true; done'`, plain vs buildiff (with
#     and without --no-notify) vs bear.
#  3. 5,000 short processes, 8 in parallel: the recorder's peak RSS and the size per process.
# Prints a Markdown report (medians of wall and CPU = user+sys seconds, ratios to plain).
# Usage: bench/record-overhead.sh [ROUNDS]   (default 7; needs scripts/deps.sh bench)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
# shellcheck source=bench/lib.sh
source "$here/lib.sh"
rounds=${1:-7}
buildiff=${BUILDIFF:-$root/build/cli/buildiff}
src=$("$here/fetch-zstd.sh")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run NAME CMD...: one timed run, appended to $tmp/NAME as "wall cpu".
run() {
  local name=$1; shift
  /usr/bin/time -f "%e %U %S" -o "$tmp/time" "$@" >/dev/null 2>"$tmp/stderr" ||
    { echo "bench: $name failed:" >&2; cat "$tmp/stderr" >&2; exit 1; }
  awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }' "$tmp/time" >> "$tmp/$name"
}
col() { awk -v c="$2" '{ print $c }' "$tmp/$1" | median; }
report() {  # report TITLE PLAIN NAME...
  local title=$1 plain=$2; shift 2
  local pw pc
  pw=$(col "$plain" 1); pc=$(col "$plain" 2)
  echo "| $title | wall (median s) | wall / plain | CPU (median s) | CPU / plain |"
  echo "|---|---|---|---|---|"
  for name in "$plain" "$@"; do
    local w c
    w=$(col "$name" 1); c=$(col "$name" 2)
    printf '| %s | %.3f | %.3f | %.3f | %.3f |\n' "$name" "$w" "$(echo "$w $pw" | awk '{print $1/$2}')" \
      "$c" "$(echo "$c $pc" | awk '{print $1/$2}')"
  done
}

zstd_build() { make -C "$src/lib" clean >/dev/null; }
zstd=(make -j2 -C "$src/lib" libzstd.a)
for ((r = 0; r < rounds; r++)); do
  order=(plain buildiff buildiff-no-notify bear strace)
  # rotate the order every round, so no tool always runs first (cold caches) or last
  for ((k = 0; k < 5; k++)); do
    name=${order[(k + r) % 5]}
    zstd_build
    case $name in
      plain) run zstd-plain "${zstd[@]}" ;;
      buildiff) run zstd-buildiff "$buildiff" record -q -o "$tmp/zstd.rec" -- "${zstd[@]}" ;;
      buildiff-no-notify)
        run zstd-buildiff-no-notify "$buildiff" record -q --no-notify -o "$tmp/zstd-nn.rec" -- \
          "${zstd[@]}" ;;
      bear) run zstd-bear bear --output "$tmp/cc.json" -- "${zstd[@]}" ;;
      strace) run zstd-strace strace -f -e trace=execve,openat -o "$tmp/strace.out" "${zstd[@]}" ;;
    esac
  done
done
# The records as text: a recording is zstd-compressed (version 2); -f passes version 1 through.
records() { zstd -dcqf "$1"; }
zstd_procs=$(records "$tmp/zstd.rec" | grep -c '"type":"process"')
zstd_files=$("$buildiff" show --json "$tmp/zstd.rec" |
  python3 -c 'import json, sys; print(sum(len(json.loads(l)["files"]) for l in sys.stdin))')

loop=(bash -c 'for i in $(seq 500); do /bin/true; done')
for ((r = 0; r < rounds; r++)); do
  order=(plain buildiff buildiff-no-notify bear)
  for ((k = 0; k < 4; k++)); do
    case ${order[(k + r) % 4]} in
      plain) run exec-plain "${loop[@]}" ;;
      buildiff) run exec-buildiff "$buildiff" record -q -o "$tmp/loop.rec" -- "${loop[@]}" ;;
      buildiff-no-notify)
        run exec-buildiff-no-notify "$buildiff" record -q --no-notify -o "$tmp/loop-nn.rec" -- \
          "${loop[@]}" ;;
      bear) run exec-bear bear --output "$tmp/loop.json" -- "${loop[@]}" ;;
    esac
  done
done

"$buildiff" record -q -o "$tmp/load.rec" -- sh -c 'seq 5000 | xargs -P8 -n1 /bin/true'
load_procs=$(records "$tmp/load.rec" | grep -c '"type":"process"')
load_rss=$(records "$tmp/load.rec" | grep '"type":"trailer"' | sed 's/.*"recorder_peak_rss_kb":\([0-9]*\).*/\1/')
load_bytes=$(stat -c %s "$tmp/load.rec")

echo "Machine: $(nproc) cores, $(uname -r), $(date -u +%Y-%m-%d); $rounds rounds, alternating order."
echo
echo "### Debian zstd \`make -j2 -C lib libzstd.a\` from a clean tree"
echo
report "zstd" zstd-plain zstd-buildiff zstd-buildiff-no-notify zstd-bear zstd-strace
echo
echo "The buildiff recording: $zstd_procs processes, $zstd_files file events, $(stat -c %s "$tmp/zstd.rec") bytes."
echo "Recorder stats, default: $(records "$tmp/zstd.rec" | grep -o '"recorder_stats":{[^}]*}')"
echo "Recorder stats, --no-notify: $(records "$tmp/zstd-nn.rec" | grep -o '"recorder_stats":{[^}]*}')"
echo
echo "### Exec-heavy: 500 x /bin/true from bash"
echo
report "exec loop" exec-plain exec-buildiff exec-buildiff-no-notify exec-bear
echo
echo "### 5,000 short processes, 8 in parallel (\`seq 5000 | xargs -P8 -n1 /bin/true\`)"
echo
echo "- processes recorded: $load_procs"
echo "- recorder (tracer) peak RSS: $((load_rss / 1024)) MiB ($load_rss kB)"
echo "- recording: $load_bytes bytes, $((load_bytes / load_procs)) bytes per process"
