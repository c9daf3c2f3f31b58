// Matching: which invocation of one build is which of the other's. Owner-level invocations are
// paired, first by the artifacts they own (when unique on both sides), then by tool, normalised
// command line and cwd in order of occurrence, and what is left by tool among the children of
// already paired parents (probes, commands whose arguments changed).
#pragma once

#include <cstddef>
#include <vector>

#include "diff/index.h"

namespace buildiff {

struct Matching {
    std::vector<int> left_to_right;  // left record id -> paired right id, or -1
    std::vector<int> right_to_left;  // right record id -> paired left id, or -1
    size_t paired = 0;
    size_t missing = 0;  // owner-level invocations only the left build ran
    size_t extra = 0;    // ... only the right build ran
};

Matching match_invocations(const SideView& left, const SideView& right);

}  // namespace buildiff
