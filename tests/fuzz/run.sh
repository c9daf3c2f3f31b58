#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time from a seed corpus of real objects, archives,
# recordings and bundles made here. The binary (FUZZ) is the sanitizer configuration's
# build-asan/tests/fuzz (scripts/build.sh asan, clang-14 with ASan + UBSan and libFuzzer's
# coverage instrumentation in every library it links). Exit status non-zero on any crash, leak or
# sanitizer report; the reproducer is left in the work directory.
# Usage: tests/fuzz/run.sh elf|archive|recording|bundle|deb822 SECONDS WORKDIR FUZZ [BUILDIFF]
# (BUILDIFF, the buildiff binary, records the seed builds of the recording and bundle targets.)
set -euo pipefail
target=$1 seconds=${2:-20} work=${3:-$PWD/fuzz-$1} fuzz=${4:-} buildiff=${5:-}
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(realpath -m "$work")
[[ -x $fuzz ]] || { echo "run.sh $target: give the fuzz binary (scripts/build.sh asan makes build-asan/tests/fuzz)" >&2; exit 2; }
fuzz=$(realpath "$fuzz")
[[ -z $buildiff ]] || buildiff=$(realpath -m "$buildiff")
mkdir -p "$work/corpus" "$work/seed"
export BUILDIFF_FUZZ_TARGET=$target
cd "$work"

# Seeds: a relocatable object with DWARF, a shared library, an ar archive, a zip and a tar.gz.
cd seed
printf 'int f(int x) { return x + 1; }\nstatic int g;\nint *h(void) { return &g; }\n' > s.c
gcc -g -O1 -c s.c -o s.o
gcc -shared -fPIC -o s.so s.c
rm -f s.a s.zip && ar rcs s.a s.o
# Pairs for the ELF target (fuzz_elf.cc's mark between the two): one function's code at -O1 and
# -O3 beside an unchanged neighbour, a __TIME__-like string, and a table of pointers whose
# targets moved; as relocatable objects and linked.
if [[ $target == elf ]]; then
  for o in 1 3; do
    printf '%s
' 'static const char *when = "built at 09:17:2'$o'";' \
      'int sum(const int *a, int n) { int s = 0; for (int i = 0; i < n; ++i) s += a[i] * a[i]; return s; }' \
      'int same(int x) { return x * 7; }' 'static int pad['$o'];' \
      'const void *table[] = { &pad, &same, &sum };' 'const char *stamp(void) { return when; }' > p$o.c
    gcc -g -O$o -c p$o.c -o p$o.o
    gcc -shared -fPIC -O$o -o p$o.so p$o.c
  done
  for kind in o so; do
    { cat p1.$kind; printf '\x1e\x1ebuildiff-fuzz-pair\x1e\x1e'; cat p3.$kind; } > pair-$kind.elf
  done
fi
python3 - <<'PY'
import io, tarfile, zipfile
with zipfile.ZipFile('s.zip', 'w', zipfile.ZIP_DEFLATED) as z:
    z.write('s.o'); z.writestr('../up', b'x')
with tarfile.open('s.tar.gz', 'w:gz') as t:
    t.add('s.o'); t.add('s.a')
PY
# Recordings: a compile, an archive and a link, recorded twice with one define changed; and the
# two as one input (a line holding 0x1e splits it into the left and the right recording).
# Bundles: the two packed, compressed and not (a fuzzer gets further without checksums).
if [[ $target == recording || $target == bundle ]]; then
  [[ -x $buildiff ]] || { echo "run.sh $target: give the buildiff binary" >&2; exit 2; }
  # Recorded compressed (version 2): the fuzzer mutates the records themselves in the
  # decompressed copies (version 2 stored uncompressed reads too), the zstd layer in r1.zst.rec.
  for d in 1 2; do
    "$buildiff" record -q -o "r$d.zst.rec" -- sh -c \
      "gcc -DV=$d -c s.c -o s.o && ar rcs s.a s.o && gcc -shared -o s.so s.o"
    zstd -dcq "r$d.zst.rec" > "r$d.rec"
  done
  { cat r1.rec; printf '\x1e\n'; cat r2.rec; } > pair.rec
fi
if [[ $target == bundle ]]; then
  rm -f b.tar.gz b.zip
  "$buildiff" pack r1.rec r2.rec -o b.tar.gz > /dev/null
  "$buildiff" pack r1.rec r2.rec -o b.zip > /dev/null
  gzip -dc b.tar.gz > b.tar
  python3 - <<'PY'
import zipfile
with zipfile.ZipFile('b.zip') as src, zipfile.ZipFile('b0.zip', 'w', zipfile.ZIP_STORED) as dst:
    for info in src.infolist():
        dst.writestr(info.filename, src.read(info))
PY
fi
# deb822: a .buildinfo as dpkg-genbuildinfo writes it, and two of them split by 0x1e.
if [[ $target == deb822 ]]; then
  printf 'Format: 1.0\nSource: hello\nBinary: hello\nArchitecture: amd64\nVersion: 1.0\n'\
'Checksums-Sha256:\n 0123 4122 hello_1.0_amd64.deb\nBuild-Date: Fri, 04 Dec 2026 18:57:01 +0000\n'\
'Installed-Build-Depends:\n gcc (= 4:12.2.0-3),\n make (= 4.3-4.1)\n' > b1.buildinfo
  sed 's/18:57:01/18:57:08/; s/0123/4567/' b1.buildinfo > b2.buildinfo
  { cat b1.buildinfo; printf '\x1e'; cat b2.buildinfo; } > pair.buildinfo
fi
cd ..
case $target in
  deb822) cp seed/b1.buildinfo seed/pair.buildinfo corpus/ ;;
  elf) cp seed/s.o seed/s.so seed/pair-o.elf seed/pair-so.elf corpus/ ;;
  archive) cp seed/s.a seed/s.zip seed/s.tar.gz corpus/ ;;
  recording) cp seed/r1.rec seed/r1.zst.rec seed/pair.rec corpus/ ;;
  bundle) cp seed/b.tar.gz seed/b.zip seed/b.tar seed/b0.zip corpus/ ;;
esac

# Inputs that once crashed a target are replayed first (tests/fuzz/regressions/TARGET-*).
shopt -s nullglob
regressions=("$src"/tests/fuzz/regressions/"$target"-*)
if ((${#regressions[@]})); then "$fuzz" "${regressions[@]}" 2>&1 | tail -3; fi

ASAN_OPTIONS=detect_leaks=1 "$fuzz" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$work/crash-" corpus 2>&1 | tail -15
