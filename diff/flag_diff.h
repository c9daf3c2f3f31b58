// The difference of two command lines of the same tool, in words: "-O2 -> -O3", "define FOO 1 ->
// 2", "added -fvisibility=hidden".
#pragma once

#include <string>
#include <vector>

#include "diff/model.h"
#include "toolchain/flags.h"

namespace buildiff {

// The semantic difference of two (normalised) command lines of the same tool.
std::vector<FlagChange> diff_commands(FlagFamily family, const std::vector<std::string>& left,
                                      const std::vector<std::string>& right);

}  // namespace buildiff
