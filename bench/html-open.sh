#!/usr/bin/env bash
# The HTML report of a big build, opened in headless Chromium (issue "HTML and Markdown
# reports"): a synthetic make project of 20,000 `cp` invocations recorded twice, the right copy
# in another directory with 1,000 of its sources edited, so the report has 20,000 matched
# invocations and 1,000 divergent artifacts, and a timeline per side (drawn as bands: 20,000
# steps). Measured: the report's size (and its timelines' share) and time to render, and
# Chromium's wall time to load it and run its script (--dump-dom, which also serialises the page),
# against Chromium loading an empty page in the same run; and, by the page's own clock, the time
# from the navigation's start to the first frame drawn after the load event (what a reader waits
# for, without Chromium's start): medians of REPEAT runs.
# Usage: bench/html-open.sh [REPEAT]   (default 5)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
# shellcheck source=bench/lib.sh
source "$here/lib.sh"
repeat=${1:-5}
buildiff=${BUILDIFF:-$root/build/cli/buildiff}
work=$here/work/html-open
rm -rf "$work" && mkdir -p "$work"

gen_copy_project "$work/a"
cp -r "$work/a" "$work/bb"
for ((i = 0; i < 20000; i += 20)); do echo "edited $i" >> "$work/bb/src/f$i.txt"; done
(cd "$work/a" && "$buildiff" record -q -o "$work/a.rec" -- make -s -j8)
(cd "$work/bb" && "$buildiff" record -q -o "$work/bb.rec" -- make -s -j8)
/usr/bin/time -f "%e" -o "$work/render.time" "$buildiff" diff "$work/a.rec" "$work/bb.rec" \
  --html "$work/report.html" --markdown "$work/summary.md" >/dev/null || true
echo '<!DOCTYPE html><title>empty</title>' > "$work/empty.html"
# The same report without its two timelines: what drawing them costs the page. And copies of
# the pages that log, from the page's own clock, when the first frame after the load event is
# drawn (performance.now(): milliseconds since the navigation began), so that Chromium's start,
# which the wall time includes, is not counted as the page's.
python3 - "$work" <<'PY'
import re, sys
w = sys.argv[1]
html = open(w + '/report.html', encoding='utf-8').read()
bare = re.sub(r'<h2 id="timelines">.*?(?=<h2 id="artifacts">)', '', html, flags=re.S)
open(w + '/no-timelines.html', 'w', encoding='utf-8').write(bare)
probe = ("<script>addEventListener('load', () => requestAnimationFrame(() => setTimeout(() => "
         "console.log('BENCH-FIRST-FRAME ' + performance.now().toFixed(0)), 0)))</script>")
for name, page in (('empty', open(w + '/empty.html').read()), ('report', html), ('no-timelines', bare)):
    open(f'{w}/{name}-probe.html', 'w', encoding='utf-8').write(page + probe)
PY

chromium_run() {  # chromium_run PAGE ARGS...: headless Chromium on PAGE with a fresh profile
  local page=$1 profile; shift; profile=$(mktemp -d)
  chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$profile" "$@" "file://$page"
  rm -rf "$profile"
}
open_page() {  # the wall time of one headless load with script execution (--dump-dom)
  local t0; t0=$(date +%s%N)
  chromium_run "$1" --dump-dom >"$work/dom.html" 2>/dev/null || true
  awk -v ns=$(( $(date +%s%N) - t0 )) 'BEGIN { printf "%.2f\n", ns / 1e9 }'
}
first_frame() {  # seconds from navigation start to the first frame after load, by the page
  chromium_run "$1" --enable-logging=stderr --v=0 --window-size=1300,1000 \
    --screenshot="$work/shot.png" 2>&1 >/dev/null |
    sed -n 's/.*BENCH-FIRST-FRAME \([0-9]*\).*/\1/p' | head -1 | awk '{ printf "%.2f\n", $1 / 1000 }'
}
report=() empty=() bare=() f_report=() f_empty=() f_bare=()
for ((i = 0; i < repeat; i++)); do
  empty+=("$(open_page "$work/empty.html")")
  bare+=("$(open_page "$work/no-timelines.html")")
  report+=("$(open_page "$work/report.html")")
  f_empty+=("$(first_frame "$work/empty-probe.html")")
  f_bare+=("$(first_frame "$work/no-timelines-probe.html")")
  f_report+=("$(first_frame "$work/report-probe.html")")
done
e=$(printf '%s\n' "${empty[@]}" | median)
r=$(printf '%s\n' "${report[@]}" | median)
b=$(printf '%s\n' "${bare[@]}" | median)
echo "# bench/html-open.sh $repeat  ($(date -u +%Y-%m-%d), $(nproc) cores, buildiff $(git -C "$root" rev-parse --short HEAD), $(chromium --version 2>/dev/null | head -1))"
python3 - "$work" <<'PY'
import json, os, sys
w = sys.argv[1]
import re
html = open(w + '/report.html', encoding='utf-8').read()
svgs = re.findall(r'<svg class="timeline[^"]*".*?</svg>', html, re.S)
print(f"report.html: {os.path.getsize(w + '/report.html') / 1e6:.2f} MB, of which {len(svgs)} timelines {sum(len(x) for x in svgs) / 1e3:.0f} kB ({', '.join('banded' if 'banded' in x[:40] else 'bars' for x in svgs)}); summary.md: {os.path.getsize(w + '/summary.md')} bytes")
PY
echo "render (buildiff diff with --html and --markdown): $(tail -1 "$work/render.time") s"
echo "chromium, empty page: median $e s (runs: ${empty[*]})"
echo "chromium, report without its timelines: median $b s (runs: ${bare[*]})"
echo "chromium, report:     median $r s (runs: ${report[*]})"
echo "report load beyond an empty page: $(python3 -c "print(round($r - $e, 2))") s"
echo "page's own clock, navigation start to the first frame after load (medians):"
echo "  empty page $(printf '%s\n' "${f_empty[@]}" | median) s (runs: ${f_empty[*]})"
echo "  report without its timelines $(printf '%s\n' "${f_bare[@]}" | median) s (runs: ${f_bare[*]})"
echo "  report $(printf '%s\n' "${f_report[@]}" | median) s (runs: ${f_report[*]})"
