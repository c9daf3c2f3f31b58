// Code sections compared function by function. The bytes of each function (its symbol's range in
// a code section; a code section without function symbols counts as one) are compared; those
// that differ are disassembled with Capstone, with every branch and call target and every
// RIP-relative operand spelled as symbol+offset instead of an address, so that a function that
// only moved, or that calls code that moved, is no change. What is left is reported as
// "3 functions differ: `foo` (+12 bytes), ..." with a bounded disassembly diff of each. Data
// objects (OBJECT and TLS symbols in allocated PROGBITS sections) the same way, by value.
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include "diff/elf_read.h"
#include "diff/model.h"

namespace buildiff {

struct CodeLimits {
    std::size_t functions = 10;  // functions given a disassembly diff
    std::size_t lines = 40;      // diff lines per function
};

struct CodeComparison {
    // `functions` and `objects` nodes and `shift` lines (what only moved), or nothing
    std::vector<Difference> nodes;
    std::set<std::string> explained;  // the code and data sections the nodes account for
};

CodeComparison compare_code(const ElfSummary& left, const ElfSummary& right,
                            const CodeLimits& limits = {});

}  // namespace buildiff
