#!/usr/bin/env bash
# What recording a read costs the build: one process opening files read-only in a loop
# (bench/opens.c), timed inside the process, plain vs `buildiff record` (each read-only open a
# seccomp user notification) vs `buildiff record --no-notify` (each a ptrace stop) vs
# `strace -f -e trace=openat`. Two cases: the same file opened again and again (the recorder
# has seen it: the notification's round trip alone), and as many distinct files opened once
# each (each a new read in the recording: a stat and a hash lookup too). Rounds rotate the order.
# Prints a Markdown table of medians: microseconds per open, and the added cost over plain.
# Usage: bench/open-cost.sh [ROUNDS] [N]   (defaults 9, 20000)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
# shellcheck source=bench/lib.sh
source "$here/lib.sh"
rounds=${1:-9}
n=${2:-20000}
buildiff=${BUILDIFF:-$root/build/cli/buildiff}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cc -O2 -Wall -Wextra -Werror -o "$tmp/opens" "$here/opens.c"
mkdir "$tmp/files"
for ((i = 0; i < n; i++)); do echo "$i" > "$tmp/files/f$i"; done
names=(plain buildiff no-notify strace)
for ((r = 0; r < rounds; r++)); do
  for ((k = 0; k < ${#names[@]}; k++)); do
    name=${names[(k + r) % ${#names[@]}]}
    for target in same distinct; do
      arg=$tmp/files/f0
      [[ $target == distinct ]] && arg=$tmp/files
      run=("$tmp/opens" "$n" "$arg")
      case $name in
        plain) cmd=("${run[@]}") ;;
        buildiff) cmd=("$buildiff" record -q -o "$tmp/o.rec" -- "${run[@]}") ;;
        no-notify) cmd=("$buildiff" record -q --no-notify -o "$tmp/o.rec" -- "${run[@]}") ;;
        strace) cmd=(strace -f -e trace=openat -o "$tmp/strace.out" "${run[@]}") ;;
      esac
      "${cmd[@]}" >> "$tmp/us.$name.$target"
    done
  done
done

echo "Machine: $(nproc) cores, $(uname -r), $(date -u +%Y-%m-%d); $rounds rounds of $n opens."
echo
echo "| read-only open | same file (µs) | added (µs) | distinct files (µs) | added (µs) |"
echo "|---|---|---|---|---|"
ps=$(median < "$tmp/us.plain.same")
pd=$(median < "$tmp/us.plain.distinct")
for name in "${names[@]}"; do
  s=$(median < "$tmp/us.$name.same")
  d=$(median < "$tmp/us.$name.distinct")
  awk -v n="$name" -v s="$s" -v d="$d" -v ps="$ps" -v pd="$pd" \
    'BEGIN { printf "| %s | %.2f | %.2f | %.2f | %.2f |\n", n, s, s - ps, d, d - pd }'
done
