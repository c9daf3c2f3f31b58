// Which environment variables a tool reads, as data: an environment variable can be the cause of
// a tool's output only when that tool, or a process it starts, reads it. Tools with no row here
// (make, cargo, build scripts, shells, anything unknown) may read anything.
#pragma once

#include <string_view>
#include <vector>

#include "toolchain/classify.h"

namespace buildiff {

struct EnvReaders {
    ToolKind kind;
    // Variables by name; a name ending in `*` is a prefix (`CARGO_*`).
    std::vector<std::string_view> variables;
    std::string_view why;  // what reads them, for the documentation
};
// The table (docs/differ-design.md shows it).
const std::vector<EnvReaders>& env_reader_table();

// Whether a tool of KIND, or a process it starts, can read VARIABLE.
bool tool_reads_env(ToolKind kind, std::string_view variable);

}  // namespace buildiff
