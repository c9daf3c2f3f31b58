// Tool classification from a sorted table of known program names.
#include "toolchain/classify.h"

#include "base/names.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace buildiff {

namespace {

constexpr Named<ToolKind> kKindNames[] = {
    {ToolKind::CompilerDriver, "compiler-driver"},
    {ToolKind::Compiler, "compiler"},
    {ToolKind::Assembler, "assembler"},
    {ToolKind::Linker, "linker"},
    {ToolKind::Archiver, "archiver"},
    {ToolKind::Rustc, "rustc"},
    {ToolKind::Cargo, "cargo"},
    {ToolKind::BuildScript, "build-script"},
    {ToolKind::CacheWrapper, "cache-wrapper"},
    {ToolKind::Other, "other"},
};
constexpr Named<WrapperRole> kRoleNames[] = {
    {WrapperRole::Client, "client"},
    {WrapperRole::Server, "server"},
    {WrapperRole::Admin, "admin"},
};

using K = ToolKind;
// Sorted by name (checked by a unit test). Names are after normalisation: no directory, no
// cross prefix such as "x86_64-linux-gnu-", no version suffix such as "-12".
const std::vector<ToolEntry> kTools = {
    {"ar", K::Archiver},
    {"as", K::Assembler},
    {"buildcache", K::CacheWrapper},
    {"c++", K::CompilerDriver},
    {"c89", K::CompilerDriver},
    {"c99", K::CompilerDriver},
    {"cargo", K::Cargo},
    {"cc", K::CompilerDriver},
    {"cc1", K::Compiler},
    {"cc1obj", K::Compiler},
    {"cc1plus", K::Compiler},
    {"ccache", K::CacheWrapper},
    {"clang", K::CompilerDriver},
    {"clang++", K::CompilerDriver},
    {"collect2", K::Linker},
    {"cpp", K::CompilerDriver},
    {"distcc", K::CacheWrapper},
    {"f951", K::Compiler},
    {"g++", K::CompilerDriver},
    {"gas", K::Assembler},
    {"gcc", K::CompilerDriver},
    {"gcc-ar", K::Archiver},
    {"gcc-ranlib", K::Archiver},
    {"gfortran", K::CompilerDriver},
    {"gold", K::Linker},
    {"icecc", K::CacheWrapper},
    {"ld", K::Linker},
    {"ld.bfd", K::Linker},
    {"ld.gold", K::Linker},
    {"ld.lld", K::Linker},
    {"ld.mold", K::Linker},
    {"lld", K::Linker},
    {"llvm-ar", K::Archiver},
    {"llvm-mc", K::Assembler},
    {"llvm-ranlib", K::Archiver},
    {"lto1", K::Compiler},
    {"mold", K::Linker},
    {"nasm", K::Assembler},
    {"ranlib", K::Archiver},
    {"rust-lld", K::Linker},
    {"rustc", K::Rustc},
    {"sccache", K::CacheWrapper},
    {"yasm", K::Assembler},
};

std::string_view basename_of(std::string_view path) {
    auto slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// "gcc-12" -> "gcc", "clang++-14" -> "clang++", "gcc-12.2" -> "gcc". A name that is only a
// version ("12") is left alone.
std::string_view strip_version(std::string_view name) {
    auto dash = name.rfind('-');
    if (dash == std::string_view::npos || dash == 0 || dash + 1 == name.size()) return name;
    for (char c : name.substr(dash + 1))
        if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.') return name;
    return name.substr(0, dash);
}

const ToolEntry* lookup(std::string_view name) {
    auto it = std::lower_bound(kTools.begin(), kTools.end(), name,
                               [](const ToolEntry& e, std::string_view n) { return e.name < n; });
    return it != kTools.end() && it->name == name ? &*it : nullptr;
}

}  // namespace

const std::vector<ToolEntry>& tool_table() {
    return kTools;
}

std::string_view kind_name(ToolKind kind) {
    return name_of(kKindNames, kind);
}

std::optional<ToolKind> kind_from_name(std::string_view name) {
    return value_named(kKindNames, name);
}

std::string_view role_name(WrapperRole role) {
    return name_of(kRoleNames, role);
}

std::optional<WrapperRole> role_from_name(std::string_view name) {
    return value_named(kRoleNames, name);
}

ToolName identify_tool(std::string_view program) {
    std::string_view base = basename_of(program);
    if (base.starts_with("build-script-") || base.starts_with("build_script_"))
        return {std::string(base), ToolKind::BuildScript};
    std::string_view name = strip_version(base);
    // Exact name first, then the name without a cross prefix ("x86_64-linux-gnu-gcc"):
    // try every suffix that follows a '-'.
    for (std::string_view candidate = name;;) {
        if (const ToolEntry* e = lookup(candidate)) return {std::string(e->name), e->kind};
        auto dash = candidate.find('-');
        if (dash == std::string_view::npos) break;
        candidate = candidate.substr(dash + 1);
    }
    return {std::string(base), ToolKind::Other};
}

Classification classify(const std::vector<std::string>& argv, std::string_view exe,
                        bool sccache_start_server) {
    // A wrapper that is a script runs as `/bin/sh /path/to/ccache cc ...`: the script, when its
    // name is a known tool, is what the process is.
    static constexpr std::string_view kInterpreters[] = {"sh", "dash", "bash", "python3", "perl"};
    if (argv.size() >= 2 && !argv[1].empty() && argv[1][0] != '-' &&
        std::find(std::begin(kInterpreters), std::end(kInterpreters), basename_of(argv[0])) !=
            std::end(kInterpreters) &&
        identify_tool(argv[1]).kind != ToolKind::Other) {
        std::vector<std::string> rest(argv.begin() + 1, argv.end());
        Classification c = classify(rest, argv[1], sccache_start_server);
        if (c.role == WrapperRole::Client) ++c.wrapped_argv_index;
        return c;
    }
    Classification c;
    ToolName by_argv = argv.empty() ? ToolName{} : identify_tool(argv[0]);
    ToolName by_exe = identify_tool(exe);
    // The executable decides when it is a wrapper (ccache masquerading as "gcc" through a
    // symlink) or when argv[0] is unknown; otherwise argv[0] names the tool ("cc" -> gcc-12).
    ToolName chosen = by_argv;
    if (by_exe.kind == ToolKind::CacheWrapper || by_argv.kind == ToolKind::Other) chosen = by_exe;
    if (chosen.kind == ToolKind::Other && by_argv.kind == ToolKind::Other && !argv.empty())
        chosen.tool = std::string(basename_of(argv[0]));
    c.kind = chosen.kind;
    c.tool = chosen.tool;
    if (c.kind != ToolKind::CacheWrapper) return c;

    if (sccache_start_server && c.tool == "sccache") {
        c.role = WrapperRole::Server;
        return c;
    }
    if (by_argv.kind != ToolKind::CacheWrapper && by_argv.kind != ToolKind::Other) {
        // Masquerade: /usr/lib/ccache/gcc -> ccache. argv itself is the wrapped command.
        c.role = WrapperRole::Client;
        c.wrapped_tool = by_argv.tool;
        c.wrapped_kind = by_argv.kind;
        c.wrapped_argv_index = 0;
        return c;
    }
    if (argv.size() < 2 || argv[1].empty() || argv[1][0] == '-') {
        c.role = WrapperRole::Admin;
        return c;
    }
    ToolName wrapped = identify_tool(argv[1]);
    c.role = WrapperRole::Client;
    c.wrapped_tool = wrapped.tool;
    c.wrapped_kind = wrapped.kind;
    c.wrapped_argv_index = 1;
    return c;
}

}  // namespace buildiff
