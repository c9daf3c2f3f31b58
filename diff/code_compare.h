// Code sections compared function by function. The bytes of each function (its symbol's range in
// a code section; a code section without function symbols counts as one) are compared; those
// that differ are disassembled with Capstone, with every branch and call target and every
// RIP-relative operand spelled as symbol+offset instead of an address, so that a function that
// only moved, or that calls code that moved, is no change. What is left is reported as
// "3 functions differ: `foo` (+12 bytes), ..." with a bounded disassembly diff of each.
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
    std::vector<Difference> nodes;           // a `functions` node and a `shift` line, or nothing
    std::set<std::string> explained;         // the code sections the nodes account for
};

CodeComparison compare_code(const ElfSummary& left, const ElfSummary& right,
                            const CodeLimits& limits = {});

// One function's instructions as compared: "mnemonic operands", targets named (for tests).
std::vector<std::string> disassemble_for_diff(const ElfSummary& elf, const std::string& function);

}  // namespace buildiff
