// `buildiff export compdb`: compile_commands.json from a recording, one entry per C, C++ or
// assembly source a compiler driver compiled (with -c or -S, or compiled and linked in one
// command), each with its own source only, with cache wrappers peeled off (as clangd expects).
#pragma once

#include <string>

#include "recording/recording.h"

namespace buildiff {

// The JSON text (an array, deterministic: in the order the compiles started).
std::string compile_commands(const Recording& rec);

}  // namespace buildiff
