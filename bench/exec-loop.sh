#!/usr/bin/env bash
# The exec-heavy case alone, with more rounds than record-overhead.sh gives it, and optionally a
# second build of buildiff side by side (to measure a change to the recorder in one run):
#   bash -c 'for i in $(seq N); do /bin/true; done'
# plain vs `buildiff record` vs bench/null-tracer.c [vs `$BASELINE record`], rounds rotating the
# order. The null tracer asks for the same ptrace events as buildiff and does nothing at its
# stops: the floor under any ptrace recorder on this machine. Prints a Markdown table of medians
# (wall and CPU = user+sys seconds) and ratios to plain.
# Usage: [BASELINE=/path/to/other/buildiff] bench/exec-loop.sh [ROUNDS] [N]   (defaults 15, 500)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
# shellcheck source=bench/lib.sh
source "$here/lib.sh"
rounds=${1:-15}
n=${2:-500}
buildiff=${BUILDIFF:-$root/build/cli/buildiff}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

small=${SMALL:-}
cc -O2 -Wall -Wextra -Werror -o "$tmp/null-tracer" "$here/null-tracer.c"
names=(plain null-tracer buildiff)
[[ -n ${BASELINE:-} ]] && names+=(baseline)
sizes=("$n")
[[ -n $small ]] && sizes+=("$small")
for ((r = 0; r < rounds; r++)); do
  for ((k = 0; k < ${#names[@]} * ${#sizes[@]}; k++)); do
    name=${names[(k + r) % ${#names[@]}]}
    size=${sizes[(k / ${#names[@]} + r) % ${#sizes[@]}]}
    loop=(bash -c "for i in \$(seq $size); do /bin/true; done")
    case $name in
      plain) cmd=("${loop[@]}") ;;
      null-tracer) cmd=("$tmp/null-tracer" "${loop[@]}") ;;
      buildiff) cmd=("$buildiff" record -q -o "$tmp/loop.rec" -- "${loop[@]}") ;;
      baseline) cmd=("$BASELINE" record -q -o "$tmp/base.rec" -- "${loop[@]}") ;;
    esac
    # Wall time from the monotonic clock in ms (not /usr/bin/time's 10 ms steps); CPU from time.
    [[ -n ${PIN:-} ]] && cmd=(taskset -c "$PIN" "${cmd[@]}")
    start=$(date +%s%N)
    /usr/bin/time -f "%U %S" -o "$tmp/time" "${cmd[@]}" >/dev/null 2>"$tmp/stderr" ||
      { echo "bench: $name failed:" >&2; cat "$tmp/stderr" >&2; exit 1; }
    end=$(date +%s%N)
    suffix=""
    [[ $size != "$n" ]] && suffix=".small"
    awk -v w=$(((end - start) / 1000000)) '{ printf "%.3f %.3f\n", w / 1000, $1 + $2 }' \
      "$tmp/time" >> "$tmp/times.$name$suffix"
  done
done

col() { awk -v c="$2" '{ print $c }' "$tmp/times.$1" | median; }
pw=$(col plain 1)
pc=$(col plain 2)
echo "Machine: $(nproc) cores, $(uname -r), $(date -u +%Y-%m-%d); $rounds rounds of $n processes${PIN:+, all on CPU $PIN}."
echo
echo "| exec loop | wall (median s) | wall / plain | CPU (median s) | CPU / plain |"
echo "|---|---|---|---|---|"
for name in "${names[@]}"; do
  w=$(col "$name" 1)
  c=$(col "$name" 2)
  printf '| %s | %.3f | %.3f | %.3f | %.3f |\n' "$name" "$w" "$(echo "$w $pw" | awk '{print $1/$2}')" \
    "$c" "$(echo "$c $pc" | awk '{print $1/$2}')"
done
[[ -z $small ]] && exit 0
echo
echo "Fixed cost and cost per process (wall, medians at $small and $n processes):"
echo
echo "| exec loop | per process (µs) | per process / plain | fixed (ms) |"
echo "|---|---|---|---|"
slope() { awk -v a="$(col "$1.small" 1)" -v b="$(col "$1" 1)" -v m="$small" -v n="$n" \
  'BEGIN { s = (b - a) / (n - m); printf "%.1f %.1f\n", s * 1e6, (a - s * m) * 1e3 }'; }
read -r plain_per _ < <(slope plain)
for name in "${names[@]}"; do
  read -r per fixed < <(slope "$name")
  printf '| %s | %.1f | %.3f | %.1f |\n' "$name" "$per" "$(echo "$per $plain_per" | awk '{print $1/$2}')" \
    "$fixed"
done
