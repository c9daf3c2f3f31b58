// `buildiff export compdb`: compile_commands.json from a recording, one entry per C or C++
// source compiled with -c, with cache wrappers peeled off (as clangd expects).
#pragma once

#include <string>

#include "audit/recording.h"

namespace buildiff {

// The JSON text (an array, deterministic: in the order the compiles started).
std::string compile_commands(const Recording& rec);

}  // namespace buildiff
