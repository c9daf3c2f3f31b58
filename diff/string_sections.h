// String sections compared string by string (.rodata.str*, .debug_str, .debug_line_str, .dynstr,
// .strtab): which strings were added, removed or changed, instead of "content differs".
#pragma once

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "diff/model.h"

namespace buildiff {

// A string for a one-line description: control characters and bytes that are not UTF-8 escaped,
// long ones (over 160 bytes) cut in the middle, saying how much was cut.
std::string shown_string(std::string_view s);

// The strings of a string section in file order: the NUL-terminated runs, empty ones dropped (a
// last string without its NUL is kept).
std::vector<std::string_view> section_strings(std::string_view bytes);

// A `section-strings` node for section NAME whose bytes differ, with a `string` child per
// change (at most LIMIT, then a `limit` child with the counts of the rest). Strings in EXPLAINED
// (symbol and section names, reported as symbols and sections) are left out. A string that
// moved is no change. TEXT_ONLY: only the runs that read as text (4 or more characters, UTF-8,
// no control characters but tab and newline), for a section that also holds binary data.
// nullopt when nothing is left to say.
std::optional<Difference> compare_string_section(const std::string& name, std::string_view left,
                                                 std::string_view right,
                                                 const std::set<std::string_view>& explained,
                                                 size_t limit = 20, bool text_only = false);

}  // namespace buildiff
