#!/usr/bin/env bash
# Artifact comparison against diffoscope, side by side in one run (issue "deep comparators"):
# Debian's zstd built twice, in two directories, with -O2 -g
# (`make -j2 -C lib libzstd.a libzstd`), and a third time with -O3 -g, then
#   1. the two -O2 libzstd.so files,
#   2. the two -O2 build trees (lib/), and
#   3. the -O2 and the -O3 libzstd.so (code that differs: functions disassembled and diffed),
# each compared by `buildiff diff` and by `diffoscope`: wall time and peak memory (medians of
# REPEAT runs), report size, and the set of files each finds different.
# Usage: bench/compare-speed.sh [REPEAT]   (default 3)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
# shellcheck source=bench/lib.sh
source "$here/lib.sh"
repeat=${1:-3}
buildiff=${BUILDIFF:-$root/build/cli/buildiff}
work=$here/work/compare-speed
src=$("$here/fetch-zstd.sh")
command -v diffoscope >/dev/null || { echo "compare-speed.sh: needs diffoscope (scripts/deps.sh bench)" >&2; exit 2; }

# The second directory's name is longer, so paths differ in length as well as content.
if [[ ! -e $work/a/lib/libzstd.so || ! -e $work/build-bb/lib/libzstd.so ]]; then
  rm -rf "$work" && mkdir -p "$work"
  for d in a build-bb; do
    cp -a "$src" "$work/$d"
    # CFLAGS from the environment: on the command line it would drop the -fPIC the .so needs.
    CFLAGS="-O2 -g" make -s -j2 -C "$work/$d/lib" libzstd.a libzstd >/dev/null
  done
fi
if [[ ! -e $work/o3/lib/libzstd.so ]]; then
  rm -rf "$work/o3" && cp -a "$src" "$work/o3"
  CFLAGS="-O3 -g" make -s -j2 -C "$work/o3/lib" libzstd >/dev/null
fi
so=$(cd "$work/a/lib" && ls libzstd.so.*.*.* | head -1)

# run_tool OUT -- COMMAND...: REPEAT runs; prints "median_wall_s median_peak_MiB"
run_tool() {
  local out=$1; shift 2
  local walls=() rss=()
  for ((i = 0; i < repeat; i++)); do
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" >"$out" 2>/dev/null || true
    read -r w m < <(tail -1 "$work/time")
    walls+=("$w"); rss+=("$m")
  done
  echo "$(printf '%s\n' "${walls[@]}" | median) $(( $(printf '%s\n' "${rss[@]}" | median) / 1024 ))"
}

# Files each tool reports as different (relative paths, sorted).
buildiff_files() { python3 -c "
import json, sys
for a in json.load(open(sys.argv[1]))['artifacts']:
    if a['status'] != 'identical': print(a['path'])" "$1" | sort; }
# diffoscope nests a directory's entries under it, named by their full path (or relative to the
# directory); a name that is a file on disk is a differing file (its details are its content),
# unless the only detail is its stat (diffoscope compares modification times too).
diffoscope_files() { python3 -c "
import json, os, sys
root = sys.argv[2].rstrip('/') + '/'
out = set()
def walk(details, prefix):
    for d in details:
        name = d.get('source1', '')
        path = name if name.startswith('/') else os.path.join(prefix, name)
        # A file whose only difference is its stat (mtime) has the same content: not counted.
        content = d.get('unified_diff') or any(x.get('source1') != 'stat {}' for x in d.get('details', []))
        if os.path.isfile(path) and content: out.add(os.path.relpath(path, root))
        elif os.path.isdir(path): walk(d.get('details', []), path)
walk(json.load(open(sys.argv[1])).get('details', []), root)
print('\\n'.join(sorted(out)))" "$1" "$2"; }

echo "# bench/compare-speed.sh $repeat  ($(date -u +%Y-%m-%d), $(nproc) cores, buildiff $(git -C "$root" rev-parse --short HEAD), diffoscope $(diffoscope --version | awk '{print $2}'))"
printf '%-22s %-10s %8s %9s %12s %s\n' pair tool wall_s peak_MiB report_bytes differing_files
for pair in so tree so-O3; do
  case $pair in
    so) l=$work/a/lib/$so r=$work/build-bb/lib/$so ;;
    tree) l=$work/a/lib r=$work/build-bb/lib ;;
    so-O3) l=$work/a/lib/$so r=$work/o3/lib/$so ;;
  esac
  read -r bw bm < <(run_tool "$work/$pair.buildiff.txt" -- "$buildiff" diff "$l" "$r" --json "$work/$pair.buildiff.json")
  read -r dw dm < <(run_tool "$work/$pair.diffoscope.txt" -- diffoscope --no-progress --text "$work/$pair.diffoscope.txt" --json "$work/$pair.diffoscope.json" "$l" "$r")
  if [[ $pair != tree ]]; then
    bf=$(python3 -c "import json,sys; print(sum(a['status']!='identical' for a in json.load(open(sys.argv[1]))['artifacts']))" "$work/$pair.buildiff.json")
    df=$([[ -s $work/$pair.diffoscope.txt ]] && echo 1 || echo 0)
    missed=""
  else
    buildiff_files "$work/$pair.buildiff.json" > "$work/$pair.buildiff.files"
    diffoscope_files "$work/$pair.diffoscope.json" "$l" > "$work/$pair.diffoscope.files"
    bf=$(wc -l < "$work/$pair.buildiff.files"); df=$(wc -l < "$work/$pair.diffoscope.files")
    missed=$(comm -13 "$work/$pair.buildiff.files" "$work/$pair.diffoscope.files" | tr '\n' ' ')
  fi
  printf '%-22s %-10s %8s %9s %12s %s\n' "$pair" buildiff "$bw" "$bm" "$(stat -c %s "$work/$pair.buildiff.txt")" "$bf"
  printf '%-22s %-10s %8s %9s %12s %s\n' "$pair" diffoscope "$dw" "$dm" "$(stat -c %s "$work/$pair.diffoscope.txt")" "$df"
  echo "  ratio (diffoscope / buildiff wall): $(python3 -c "print(round($dw / max($bw, 0.01), 1))")x;" \
       "found by diffoscope but not buildiff: ${missed:-none}"
done
