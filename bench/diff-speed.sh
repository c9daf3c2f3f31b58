#!/usr/bin/env bash
# Diff time and peak memory (issue "buildiff diff" benchmark), medians of REPEAT runs:
#  1. a synthetic make project of 20,000 invocations (cp of one file each, 8 in parallel),
#     recorded twice (the right build in another directory, with 2 of its sources edited);
#  2. Debian's zstd library (`make -j2 -C lib libzstd.a CFLAGS="-O2 -g"`) built in two
#     directories: the expected result is one build-path root cause.
# Usage: bench/diff-speed.sh [REPEAT]   (default 3)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
# shellcheck source=bench/lib.sh
source "$here/lib.sh"
repeat=${1:-3}
buildiff=${BUILDIFF:-$root/build/cli/buildiff}
work=$here/work/diff-speed
rm -rf "$work" && mkdir -p "$work"

# measure NAME LEFT RIGHT: diff REPEAT times; prints "wall_s peak_MiB root_causes invocations"
measure() {
  local walls=() rss=()
  for ((i = 0; i < repeat; i++)); do
    /usr/bin/time -f "%e %M" -o "$work/time" "$buildiff" diff "$2" "$3" --json "$work/$1.json" >/dev/null || true
    read -r w m < <(tail -1 "$work/time")
    walls+=("$w"); rss+=("$m")
  done
  local w m causes invocations
  w=$(printf '%s\n' "${walls[@]}" | median)
  m=$(printf '%s\n' "${rss[@]}" | median)
  causes=$(grep -c '"kind":' <(python3 -c "import json,sys; [print('\"kind\":', c['kind']) for c in json.load(open('$work/$1.json'))['root_causes']]"))
  invocations=$(python3 -c "import json; s=json.load(open('$work/$1.json'))['summary']; print(s['left_invocations'] + s['right_invocations'], s['divergent_artifacts'])")
  echo "$w $((m / 1024)) $causes $invocations"
}

# 1. Synthetic: 20,000 cp invocations.
gen_copy_project "$work/syn-a"
cp -r "$work/syn-a" "$work/syn-bb"
echo changed > "$work/syn-bb/src/f7.txt"
echo changed > "$work/syn-bb/src/f19999.txt"
# Recorded from inside each tree: the directory a recording starts in is its build root.
(cd "$work/syn-a" && "$buildiff" record -q -o "$work/syn-a.rec" -- make -s -j8)
(cd "$work/syn-bb" && "$buildiff" record -q -o "$work/syn-bb.rec" -- make -s -j8)
read -r syn_w syn_m syn_c syn_n <<< "$(measure syn "$work/syn-a.rec" "$work/syn-bb.rec")"

# 2. zstd in two directories, with debug information.
src=$("$here/fetch-zstd.sh")
for d in zstd-a zstd-bb; do
  cp -r "$src" "$work/$d"
  (cd "$work/$d" && "$buildiff" record -q -o "$work/$d.rec" -- make -s -j2 -C lib libzstd.a CFLAGS="-O2 -g" >/dev/null)
done
read -r z_w z_m z_c z_n <<< "$(measure zstd "$work/zstd-a.rec" "$work/zstd-bb.rec")"
z_kinds=$(python3 -c "import json; print(', '.join(c['kind'] + ' x' + str(c['invocations']) for c in json.load(open('$work/zstd.json'))['root_causes']))")

echo "Machine: $(nproc) cores, $(uname -r), $(date -u +%Y-%m-%d); median of $repeat runs of buildiff diff."
echo
echo "| case | invocations (left + right) | divergent artifacts | diff wall (s) | peak RSS (MiB) | root causes |"
echo "|---|---|---|---|---|---|"
echo "| synthetic, 20,000 cp invocations per build, 2 sources edited | ${syn_n% *} | ${syn_n#* } | $syn_w | $syn_m | $syn_c |"
echo "| Debian zstd libzstd.a, -g, two directories | ${z_n% *} | ${z_n#* } | $z_w | $z_m | $z_c ($z_kinds) |"
