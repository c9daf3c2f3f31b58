// What kind of tool a process is: compiler driver, linker, cache wrapper, ... (data-driven).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/interned.h"

namespace buildiff {

// Closed set; the names are part of the recording format and of `show --json`.
enum class ToolKind {
    CompilerDriver,  // gcc, g++, cc, clang: runs the compiler proper, assembler, linker
    Compiler,        // compiler proper: cc1, cc1plus, lto1
    Assembler,       // as, nasm, yasm
    Linker,          // ld, ld.gold, ld.lld, mold, collect2, rust-lld
    Archiver,        // ar, ranlib, gcc-ar, llvm-ar
    Rustc,
    Cargo,
    BuildScript,   // a cargo build script (build-script-build)
    CacheWrapper,  // ccache, sccache, distcc, icecc
    Other,
};

std::string_view kind_name(ToolKind kind);
std::optional<ToolKind> kind_from_name(std::string_view name);

struct ToolEntry {
    std::string_view name;  // normalised tool name (no directory, cross prefix, version suffix)
    ToolKind kind;
};
// The table itself, sorted by name; exposed so tests can check order and duplicates.
const std::vector<ToolEntry>& tool_table();

// "x86_64-linux-gnu-gcc-12" -> {"gcc", CompilerDriver}. Unknown names give {basename, Other}.
struct ToolName {
    std::string tool;
    ToolKind kind = ToolKind::Other;
};
ToolName identify_tool(std::string_view program);

enum class WrapperRole {
    Client,  // wraps one tool invocation: `sccache gcc -c x.c`, or a masquerading symlink
    Server,  // the sccache server (SCCACHE_START_SERVER=1, or a fork of it)
    Admin,   // `ccache -s`, `sccache --stop-server`: no wrapped tool
};
std::string_view role_name(WrapperRole role);
std::optional<WrapperRole> role_from_name(std::string_view name);

struct Classification {
    ToolKind kind = ToolKind::Other;
    // (Interned: a build runs few tools, a hundred thousand times.)
    Interned tool;  // normalised name
    // For cache wrappers:
    std::optional<WrapperRole> role;
    Interned wrapped_tool;  // normalised name of the wrapped tool (client role)
    ToolKind wrapped_kind = ToolKind::Other;
    size_t wrapped_argv_index = 0;  // argv[index..] is the wrapped command line
};

// argv[0], the resolved executable, and the value of SCCACHE_START_SERVER (if set).
Classification classify(const std::vector<std::string>& argv, std::string_view exe,
                        bool sccache_start_server);

}  // namespace buildiff
