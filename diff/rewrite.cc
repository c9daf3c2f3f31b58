// What a cache wrapper ran against what it was asked (see rewrite.h).
#include "diff/rewrite.h"

#include <algorithm>

#include <fmt/core.h>

#include "diff/flag_diff.h"
#include "diff/index.h"
#include "recording/analysis.h"
#include "toolchain/command_line.h"
#include "toolchain/rustc_libs.h"

namespace buildiff {

namespace {

// The language gcc's `-x` names for a source with this suffix ("" when none is implied).
std::string language_of(std::string_view source) {
    auto ends = [&](std::string_view s) { return source.ends_with(s); };
    if (ends(".c")) return "c";
    if (ends(".cc") || ends(".cpp") || ends(".cxx") || ends(".C") || ends(".c++")) return "c++";
    if (ends(".S") || ends(".sx")) return "assembler-with-cpp";
    if (ends(".s")) return "assembler";
    return "";
}

// sccache names the language it detected (`-x c` for a `.c` source): gcc would have taken the
// same from the suffix.
bool names_the_implied_language(const FlagChange& c, const RewriteContext& ctx) {
    if (c.flag != "-x" || c.change != "added") return false;
    for (size_t i : c_source_positions(ctx.ran, 1))
        if (language_of(ctx.ran[i]) != c.right) return false;
    return !c_source_positions(ctx.ran, 1).empty();
}

// Diagnostics, colours, dependency files for make: nothing the tool's output holds.
bool does_not_reach_the_output(const FlagChange& c, const RewriteContext&) {
    return !c.affects_output;
}

const std::vector<HarmlessRewrite> kHarmless = {
    {"names-implied-language", names_the_implied_language},
    {"not-in-output", does_not_reach_the_output},
};

// Every argument that looks like a path (a `/` in it, not an option) made absolute against CWD,
// so that `csrc/a.c` in one and `/src/csrc/a.c` in the other are one path.
std::vector<std::string> absolute_paths(const std::vector<std::string>& argv,
                                        const std::string& cwd) {
    std::vector<std::string> out = argv;
    for (size_t i = 1; i < out.size(); ++i)
        if (!out[i].empty() && out[i][0] != '-' && out[i].find('/') != std::string::npos &&
            out[i].find('=') == std::string::npos)
            out[i] = absolute_path(cwd, out[i]);
    return out;
}

}  // namespace

const std::vector<HarmlessRewrite>& harmless_rewrites() {
    return kHarmless;
}

std::vector<FlagChange> meaningful_rewrite(FlagFamily family, const std::vector<std::string>& asked,
                                           const std::string& asked_cwd,
                                           const std::vector<std::string>& ran,
                                           const std::string& ran_cwd) {
    RewriteContext ctx{absolute_paths(asked, asked_cwd), absolute_paths(ran, ran_cwd)};
    std::vector<FlagChange> out;
    for (FlagChange& c : diff_commands(family, ctx.asked, ctx.ran)) {
        bool harmless = std::any_of(kHarmless.begin(), kHarmless.end(),
                                    [&](const HarmlessRewrite& h) { return h.applies(c, ctx); });
        if (!harmless) out.push_back(std::move(c));
    }
    return out;
}

std::string rewrite_in_words(FlagFamily family, const std::vector<FlagChange>& changes,
                             const std::vector<std::string>& asked,
                             const std::vector<std::string>& ran, const RewriteWho& who) {
    std::vector<std::string> texts;
    bool libraries = false;
    for (const FlagChange& c : changes) {
        texts.push_back(c.text);
        libraries |= c.flag == "-l";
    }
    std::string what = join(texts, "; ");
    if (!libraries)
        return fmt::format("{} ran {} other than {} asked: {}", who.wrapper, who.tool, who.asker,
                           what);
    // The `-l` spellings only one of the two has, each matched at most once.
    auto values = [&](const std::vector<std::string>& argv) {
        std::vector<std::string> out;
        for (const ParsedArg& a : parse_command(family, argv))
            if (a.key == "-l") out.push_back("`-l " + a.value + "`");
        return out;
    };
    std::vector<std::string> a = values(asked), r = values(ran), only_a, only_r;
    for (const std::string& v : r)
        if (auto it = std::find(a.begin(), a.end(), v); it != a.end())
            a.erase(it);
        else
            only_r.push_back(v);
    only_a = a;
    return fmt::format("{} ran {} with {} where {} asked for {}: {}", who.wrapper, who.tool,
                       only_r.empty() ? "no `-l`" : join(only_r, " "), who.asker,
                       only_a.empty() ? "no `-l`" : join(only_a, " "), what);
}

}  // namespace buildiff
