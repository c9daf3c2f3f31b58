// rustc's native libraries (see rustc_libs.h).
#include "toolchain/rustc_libs.h"

#include <algorithm>

namespace buildiff {

std::optional<RustcLibArg> parse_rustc_lib(std::string_view value) {
    RustcLibArg out;
    std::string_view rest = value;
    if (size_t eq = rest.find('='); eq != std::string_view::npos) {
        std::string_view kind = rest.substr(0, eq);
        rest.remove_prefix(eq + 1);
        size_t colon = kind.find(':');
        out.kind = std::string(kind.substr(0, colon));
        if (colon != std::string_view::npos) {
            std::string_view mods = kind.substr(colon + 1);
            while (!mods.empty()) {
                size_t comma = mods.find(',');
                out.modifiers.emplace_back(mods.substr(0, comma));
                if (comma == std::string_view::npos) break;
                mods.remove_prefix(comma + 1);
            }
        }
    }
    size_t colon = rest.find(':');
    out.name = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) out.rename = std::string(rest.substr(colon + 1));
    if (out.name.empty()) return std::nullopt;
    return out;
}

namespace {

// A modifier's setting in ARG, if it names it: "+bundle" -> true, "-bundle" -> false.
std::optional<bool> modifier(const RustcLibArg& arg, std::string_view name) {
    std::optional<bool> out;
    for (const std::string& m : arg.modifiers)
        if (m.size() > 1 && std::string_view(m).substr(1) == name) out = m[0] == '+';
    return out;
}

void apply(NativeLib& lib, const RustcLibArg& arg) {
    if (!arg.kind.empty()) lib.kind = arg.kind;
    if (!arg.rename.empty()) lib.name = arg.rename;
    lib.bundle = lib.kind == "static" && modifier(arg, "bundle").value_or(true);
    lib.whole_archive = modifier(arg, "whole-archive").value_or(lib.whole_archive);
    lib.verbatim = modifier(arg, "verbatim").value_or(false);
    lib.as_needed = modifier(arg, "as-needed").value_or(lib.as_needed);
}

}  // namespace

std::vector<NativeLib> rustc_native_libs(const std::vector<std::string>& argv) {
    std::vector<NativeLib> libs;
    for (size_t i = 1; i < argv.size(); ++i) {
        std::string_view a = argv[i], value;
        if (a == "-l" && i + 1 < argv.size())
            value = argv[++i];
        else if (a.starts_with("-l") && a.size() > 2)
            value = a.substr(2);
        else
            continue;
        std::optional<RustcLibArg> arg = parse_rustc_lib(value);
        if (!arg) continue;
        // Every library of this name so far takes the new `-l` and moves to the end.
        auto same = [&](const NativeLib& l) { return l.name == arg->name; };
        auto moved = std::stable_partition(libs.begin(), libs.end(),
                                           [&](const NativeLib& l) { return !same(l); });
        if (moved == libs.end()) {
            NativeLib lib;
            lib.name = arg->name;
            apply(lib, *arg);
            lib.spelled.emplace_back(value);
            libs.push_back(std::move(lib));
            continue;
        }
        for (auto it = moved; it != libs.end(); ++it) {
            apply(*it, *arg);
            it->spelled.emplace_back(value);
        }
    }
    return libs;
}

std::string describe_native_lib(const NativeLib& lib) {
    std::string out = lib.kind.empty() ? "no kind (the linker's choice, not bundled)" : lib.kind;
    if (lib.kind == "static") out += lib.bundle ? ", bundled into the rlib" : ", not bundled";
    if (lib.whole_archive) out += ", whole-archive";
    if (lib.verbatim) out += ", verbatim";
    if (lib.as_needed) out += ", as-needed";
    return out;
}

}  // namespace buildiff
