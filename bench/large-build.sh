#!/usr/bin/env bash
# A large generated build, the shape of a big C or C++ project (issue "Chromium-sized builds"):
# STEPS compiles, each a real process (bench/fakecc.c, built here with gcc) that reads its source
# and the HEADERS shared headers it includes (of a pool of twice as many) and writes one object;
# an `ar` archive of every 1,000 objects, and a link that reads the archives. Run by make -j4.
# The right build is a copy in another directory with 2 sources edited: the diff must find
# exactly those 2 `source` causes.
# Measured, medians of REPEAT runs where repeated: the plain build against the recorded build
# (wall), the recording's size per process, `buildiff diff --json --html` (wall, peak RSS),
# `buildiff show` (wall).
# Usage: bench/large-build.sh [STEPS] [HEADERS] [REPEAT]   (default 20000 200 1)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
# shellcheck source=bench/lib.sh
source "$here/lib.sh"
steps=${1:-20000}
headers=${2:-200}
repeat=${3:-1}
buildiff=${BUILDIFF:-$root/build/cli/buildiff}
work=$here/work/large-build-$steps
rm -rf "$work" && mkdir -p "$work"
rev=$(git -C "$root" rev-parse --short HEAD)  # at the start: the binary under test is this one's
gcc -O2 -o "$work/fakecc" "$here/fakecc.c"

gen() {  # gen DIR: the project
  local dir=$1 pool=$((headers * 2))
  mkdir -p "$dir/include" "$dir/lib"
  python3 - "$dir" "$steps" "$headers" "$pool" "$work/fakecc" <<'PY'
import os, sys
d, steps, headers, pool, cc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
for h in range(pool):
    with open(f'{d}/include/h{h}.h', 'w') as f:
        f.write(f'#pragma once\nint h{h}_value(void);\n')
groups = (steps + 999) // 1000
for g in range(groups):
    os.makedirs(f'{d}/src/g{g}', exist_ok=True)
    os.makedirs(f'{d}/obj/g{g}', exist_ok=True)
for i in range(steps):
    with open(f'{d}/src/g{i // 1000}/c{i}.c', 'w') as f:
        f.writelines(f'#include "h{(i + k) % pool}.h"\n' for k in range(headers))
        f.write(f'int f{i}(void) {{ return {i}; }}\n')
with open(f'{d}/Makefile', 'w') as f:
    f.write(f'CC := {cc}\nGROUPS := {" ".join(f"g{g}" for g in range(groups))}\n')
    f.write('LIBS := $(GROUPS:%=lib/lib%.a)\n')
    f.write('app: $(LIBS)\n\t$(CC) -o $@ $^\n')
    f.write('obj/%.o: src/%.c\n\t$(CC) -I include -o $@ $<\n')
    for g in range(groups):
        f.write(f'lib/libg{g}.a: $(patsubst src/%.c,obj/%.o,$(wildcard src/g{g}/*.c))\n\tar rc $@ $^\n')
PY
}
clean() { rm -rf "$1/app" "$1/lib"/*.a "$1"/obj/g*/*.o; }

gen "$work/a"
cp -r "$work/a" "$work/bb"
echo 'int edited(void);' >> "$work/bb/src/g0/c7.c"
echo 'int edited(void);' >> "$work/bb/src/g$(( (steps - 1) / 1000 ))/c$((steps - 1)).c"

plain=() recorded=()
for ((i = 0; i < repeat; i++)); do
  clean "$work/a"
  t0=$(date +%s%N); (cd "$work/a" && make -s -j4); plain+=("$(( ($(date +%s%N) - t0) / 1000000 ))")
  clean "$work/a"
  t0=$(date +%s%N)
  (cd "$work/a" && "$buildiff" record -q -o "$work/a.rec" -- make -s -j4)
  recorded+=("$(( ($(date +%s%N) - t0) / 1000000 ))")
done
(cd "$work/bb" && "$buildiff" record -q -o "$work/bb.rec" -- make -s -j4)

diff_wall=() diff_rss=()
for ((i = 0; i < repeat; i++)); do
  /usr/bin/time -f "%e %M" -o "$work/diff.time" "$buildiff" diff "$work/a.rec" "$work/bb.rec" \
    --json "$work/report.json" --html "$work/report.html" >/dev/null || true
  read -r w m < <(tail -1 "$work/diff.time")
  diff_wall+=("$w"); diff_rss+=("$((m / 1024))")
done
show_wall=()
for ((i = 0; i < repeat; i++)); do
  /usr/bin/time -f "%e" -o "$work/show.time" "$buildiff" show "$work/a.rec" >/dev/null
  show_wall+=("$(tail -1 "$work/show.time")")
done

ms() { awk -v v="$1" 'BEGIN { printf "%.2f", v / 1000 }'; }
p=$(printf '%s\n' "${plain[@]}" | median); r=$(printf '%s\n' "${recorded[@]}" | median)
echo "# bench/large-build.sh $steps $headers $repeat  ($(date -u +%Y-%m-%d), $(nproc) cores, buildiff $rev)"
python3 - "$work" <<'PY'
import json, os, sys
w = sys.argv[1]
r = json.load(open(w + '/report.json'))
s = r['summary']
procs = s['left_invocations']
size = os.path.getsize(w + '/a.rec')
causes = [(c['kind'], c.get('title', '')) for c in r['root_causes']]
print(f"processes (left): {procs}; recording {size / 1e6:.1f} MB = {size / procs:.0f} B per process "
      f"(right {os.path.getsize(w + '/bb.rec') / 1e6:.1f} MB)")
print(f"root causes: {len(causes)}: {causes}")
print(f"report.json {os.path.getsize(w + '/report.json') / 1e6:.1f} MB, report.html {os.path.getsize(w + '/report.html') / 1e6:.1f} MB")
PY
echo "build, plain: median $(ms "$p") s (runs: ${plain[*]} ms); recorded: median $(ms "$r") s (runs: ${recorded[*]} ms); ratio $(awk -v a="$r" -v b="$p" 'BEGIN { printf "%.2f", a / b }')"
echo "diff (--json --html): median $(printf '%s\n' "${diff_wall[@]}" | median) s (runs: ${diff_wall[*]}), peak RSS median $(printf '%s\n' "${diff_rss[@]}" | median) MiB (runs: ${diff_rss[*]})"
echo "show: median $(printf '%s\n' "${show_wall[@]}" | median) s (runs: ${show_wall[*]})"
