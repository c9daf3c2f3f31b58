#!/usr/bin/env bash
# Builds one libFuzzer target with clang-14 (ASan + UBSan) and runs it for a bounded time from a
# seed corpus of real objects and archives made here. Exit status non-zero on any crash, leak or
# sanitizer report; the reproducer is left in the work directory.
# Usage: tests/fuzz/run.sh elf|archive SECONDS WORKDIR
set -euo pipefail
target=$1 seconds=${2:-20} work=${3:-$PWD/fuzz-$1}
src=$(cd "$(dirname "$0")/../.." && pwd)
work=$(realpath -m "$work")
mkdir -p "$work/corpus" "$work/seed"
cd "$work"

sources=(audit/hash.cc diff/blob.cc diff/elf_read.cc diff/elf_compare.cc diff/demangle.cc
         diff/archive_read.cc diff/compare.cc diff/content_compare.cc)
if [[ ! -x fuzz_$target || $(find "${sources[@]/#/$src/}" "$src/tests/fuzz/fuzz_$target.cc" -newer fuzz_$target | head -1) ]]; then
  clang++-14 -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$src" -I/usr/include/libiberty "${sources[@]/#/$src/}" "$src/tests/fuzz/fuzz_$target.cc" \
    -o "fuzz_$target" -lfmt -ldw -lelf -larchive -liberty -lxxhash
fi

# Seeds: a relocatable object with DWARF, a shared library, an ar archive, a zip and a tar.gz.
cd seed
printf 'int f(int x) { return x + 1; }\nstatic int g;\nint *h(void) { return &g; }\n' > s.c
gcc -g -O1 -c s.c -o s.o
gcc -shared -fPIC -o s.so s.c
rm -f s.a s.zip && ar rcs s.a s.o
python3 - <<'PY'
import io, tarfile, zipfile
with zipfile.ZipFile('s.zip', 'w', zipfile.ZIP_DEFLATED) as z:
    z.write('s.o'); z.writestr('../up', b'x')
with tarfile.open('s.tar.gz', 'w:gz') as t:
    t.add('s.o'); t.add('s.a')
PY
cd ..
if [[ $target == elf ]]; then cp seed/s.o seed/s.so corpus/; else cp seed/s.a seed/s.zip seed/s.tar.gz corpus/; fi

# Inputs that once crashed a target are replayed first (tests/fuzz/regressions/TARGET-*).
shopt -s nullglob
regressions=("$src"/tests/fuzz/regressions/"$target"-*)
if ((${#regressions[@]})); then "./fuzz_$target" "${regressions[@]}" 2>&1 | tail -3; fi

ASAN_OPTIONS=detect_leaks=1 "./fuzz_$target" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$work/crash-" corpus 2>&1 | tail -15
