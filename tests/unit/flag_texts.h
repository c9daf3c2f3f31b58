// The words of a flag diff, for assertions and failure messages.
#pragma once

#include <string>
#include <vector>

#include "diff/flag_diff.h"

inline std::vector<std::string> texts(const std::vector<buildiff::FlagChange>& changes) {
    std::vector<std::string> out;
    for (const buildiff::FlagChange& c : changes) out.push_back(c.text);
    return out;
}
