#!/usr/bin/env bash
# The differ at scale (issue "Chromium-sized builds"), on the issue's own case: a make -j8 project
# of N `cp` steps recorded twice, the right tree in another directory with 2 sources edited.
# Recorded once by the current buildiff (version 2); the same recordings written as version 1
# (bench/v1-of.py). Each diff (`--json --html`) REPEAT times, medians of wall and peak RSS:
#  - BEFORE (a buildiff that reads version 1 only, e.g. an older commit's build) on version 1,
#    when BUILDIFF_BEFORE names one;
#  - the current buildiff on version 1 and on version 2.
#  - with BEFORE_READS_V2=1 (BUILDIFF_BEFORE reads version 2 too), BEFORE on version 2 as well.
# With REUSE=1, the recordings of an earlier run of the same N are diffed again (not rebuilt).
# Usage: [BUILDIFF_BEFORE=old/buildiff [BEFORE_READS_V2=1]] [REUSE=1] bench/diff-scale.sh [N] [REPEAT]
#        (default 20000 3)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
# shellcheck source=bench/lib.sh
source "$here/lib.sh"
n=${1:-20000}
repeat=${2:-3}
buildiff=${BUILDIFF:-$root/build/cli/buildiff}
before=${BUILDIFF_BEFORE:-}
work=$here/work/diff-scale-$n
rev=$(git -C "$root" rev-parse --short HEAD)  # at the start: the binary under test is this one's

if [[ ${REUSE:-} == 1 && -s $work/a.v1.rec && -s $work/bb.v1.rec ]]; then
  echo "(the recordings of an earlier run, $(date -u -r "$work/a.rec" +%Y-%m-%dT%H:%MZ))"
else
  rm -rf "$work" && mkdir -p "$work"
  gen_copy_project "$work/a" "$n"
  cp -r "$work/a" "$work/bb"
  echo edited >> "$work/bb/src/f7.txt"
  echo edited >> "$work/bb/src/f$((n - 1)).txt"
  for side in a bb; do
    (cd "$work/$side" && "$buildiff" record -q -o "$work/$side.rec" -- make -s -j8)
    zstd -dcq "$work/$side.rec" | python3 "$here/v1-of.py" > "$work/$side.v1.rec"
  done
fi

# row LABEL BINARY SUFFIX: the diff REPEAT times; prints wall and RSS medians and the causes
row() {
  local walls=() rss=()
  for ((i = 0; i < repeat; i++)); do
    /usr/bin/time -f "%e %M" -o "$work/time" "$2" diff "$work/a$3.rec" "$work/bb$3.rec" \
      --json "$work/r.json" --html "$work/r.html" >/dev/null 2>&1 || true
    read -r w m < <(tail -1 "$work/time")
    walls+=("$w"); rss+=("$((m / 1024))")
  done
  local causes
  causes=$(python3 -c "import json; r = json.load(open('$work/r.json')); print(len(r['root_causes']), ' '.join(c['kind'] for c in r['root_causes']))")
  printf '%-44s wall median %6s s (runs: %s)  peak RSS median %5s MiB (runs: %s)  causes: %s  json %s MB  html %s MB\n' \
    "$1" "$(printf '%s\n' "${walls[@]}" | median)" "${walls[*]}" "$(printf '%s\n' "${rss[@]}" | median)" \
    "${rss[*]}" "$causes" "$(python3 -c "import os; print(round(os.path.getsize('$work/r.json') / 1e6, 1))")" \
    "$(python3 -c "import os; print(round(os.path.getsize('$work/r.html') / 1e6, 1))")"
}

echo "# bench/diff-scale.sh $n $repeat  ($(date -u +%Y-%m-%d), $(nproc) cores, buildiff $rev${before:+, before: $before})"
procs=$("$buildiff" show --json "$work/a.rec" | wc -l)
for v in "" .v1; do
  s=$(stat -c %s "$work/a$v.rec")
  echo "recording a$v.rec: $((s / 1000)) kB for $procs processes = $((s / procs)) B per process"
done
[[ -n $before ]] && row "before, version-1 recordings" "$before" .v1
[[ -n $before && ${BEFORE_READS_V2:-} == 1 ]] && row "before, version-2 recordings" "$before" ""
row "current, version-1 recordings" "$buildiff" .v1
row "current, version-2 recordings" "$buildiff" ""
