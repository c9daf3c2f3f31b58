// The comparators of last resort: text as a unified diff (dtl), anything else as the first
// differing byte ranges with a hex context. Both stream or bound what they hold in memory.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/blob.h"
#include "base/result.h"
#include "diff/model.h"

namespace buildiff {

// No NUL and no control characters besides whitespace and escape in `head`.
bool looks_like_text(std::string_view head);

// Two lists of lines as dtl's unified hunks: "@@ -a,b +c,d @@", then each line after its mark
// ('+', '-' or ' ') and SEPARATOR; at most MAX lines (`cut` says more were left out).
struct UnifiedDiff {
    std::vector<std::string> lines;
    std::size_t removed = 0, added = 0, hunks = 0;
    bool cut = false;
};
UnifiedDiff unified_diff(const std::vector<std::string>& a, const std::vector<std::string>& b,
                         std::size_t max, std::string_view separator = "");

// A "text" node whose lines are a unified diff (at most `max_lines` of them).
Result<Difference> compare_text(const Blob& left, const Blob& right, std::size_t max_lines);

// A "binary" node: sizes, how many bytes differ, and the first `max_regions` differing ranges
// with 16-byte rows of context from both sides. Streams both files.
Result<Difference> compare_binary(const Blob& left, const Blob& right, std::size_t max_regions);

}  // namespace buildiff
