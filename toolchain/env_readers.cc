// Which environment variables a tool reads (see env_readers.h). Sources: gcc's manual
// ("Environment Variables Affecting GCC"), binutils' manuals, rustc's and cargo's documentation
// of the variables rustc is given and reads.
#include "toolchain/env_readers.h"

#include <algorithm>

namespace buildiff {

namespace {

// The C toolchain: what gcc and the programs it runs (cc1, as, collect2, ld) read. TZ and
// SOURCE_DATE_EPOCH: __DATE__ and __TIME__. The locale: messages, and the charset of wide
// strings. The rest: search paths and the programs gcc runs.
const std::vector<std::string_view> kCToolchainReads = {
    "SOURCE_DATE_EPOCH", "TZ",         "CPATH",           "C_INCLUDE_PATH",
    "CPLUS_INCLUDE_PATH", "OBJC_INCLUDE_PATH", "LIBRARY_PATH", "GCC_EXEC_PREFIX",
    "COMPILER_PATH",     "GCC_COMPARE_DEBUG", "DEPENDENCIES_OUTPUT", "SUNPRO_DEPENDENCIES",
    "LANG",              "LC_ALL",     "LC_CTYPE",        "LC_MESSAGES",
    "TMPDIR",            "PATH",       "LD_LIBRARY_PATH", "LD_RUN_PATH",
    "LD_PRELOAD",        "GCC_*",      "COLLECT_*",       "ZERO_AR_DATE",
};

// rustc: what cargo gives the crate to read at compile time (env!: CARGO_*, OUT_DIR), rustc's
// own switches, and what its linker (the C toolchain above) reads. A crate's own `env!` of any
// other variable is listed in rustc's dep-info (`# env-dep:`), which is not read here yet.
const std::vector<std::string_view> kRustcReads = {
    "CARGO_*",  "OUT_DIR",       "RUSTC_*",     "RUST_*",       "LIBRARY_PATH",
    "PATH",     "LD_LIBRARY_PATH", "LD_PRELOAD", "TMPDIR",      "SOURCE_DATE_EPOCH",
    "LANG",     "LC_ALL",        "LC_CTYPE",    "LC_MESSAGES",  "LD_RUN_PATH",
    "GCC_EXEC_PREFIX", "COMPILER_PATH",
};

const std::vector<EnvReaders> kTable = {
    {ToolKind::CompilerDriver, kCToolchainReads, "gcc, clang and the programs they run"},
    {ToolKind::Compiler, kCToolchainReads, "cc1, cc1plus, lto1"},
    {ToolKind::Assembler, kCToolchainReads, "as (through gcc, the same variables)"},
    {ToolKind::Linker, kCToolchainReads, "ld, collect2, gold, lld, mold"},
    {ToolKind::Archiver,
     {"ZERO_AR_DATE", "SOURCE_DATE_EPOCH", "TMPDIR", "LANG", "LC_ALL", "PATH", "LD_PRELOAD",
      "LD_LIBRARY_PATH"},
     "ar, ranlib"},
    {ToolKind::Rustc, kRustcReads, "rustc and the linker it runs"},
};

bool named(std::string_view pattern, std::string_view variable) {
    if (pattern.ends_with('*')) return variable.starts_with(pattern.substr(0, pattern.size() - 1));
    return pattern == variable;
}

}  // namespace

const std::vector<EnvReaders>& env_reader_table() {
    return kTable;
}

bool tool_reads_env(ToolKind kind, std::string_view variable) {
    for (const EnvReaders& row : kTable)
        if (row.kind == kind)
            return std::any_of(row.variables.begin(), row.variables.end(),
                               [&](std::string_view p) { return named(p, variable); });
    return true;
}

}  // namespace buildiff
