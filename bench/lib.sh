# Shared by the benchmark scripts (sourced).

# median: the median of the numbers on standard input, one a line.
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# gen_copy_project DIR [N]: a make project of N (default 20,000) `cp` invocations
# (src/fI.txt -> out/fI.txt).
gen_copy_project() {
  mkdir -p "$1/src"
  for ((i = 0; i < ${2:-20000}; i++)); do echo "$i" > "$1/src/f$i.txt"; done
  { echo 'SRCS := $(wildcard src/*.txt)'
    echo 'OUTS := $(SRCS:src/%.txt=out/%.txt)'
    echo 'all: $(OUTS)'
    echo 'out/%.txt: src/%.txt | out'
    printf '\tcp $< $@\n'
    echo 'out:'
    printf '\tmkdir -p out\n'; } > "$1/Makefile"
}
