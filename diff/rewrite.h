// What a cache wrapper ran against what it was asked to run: the command lines compared by
// meaning (the flag tables, rustc's native libraries), less the wrapper's harmless rewrites, which
// are listed here by name, each with a test (tests/unit/test_rewrite.cc).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "diff/model.h"
#include "toolchain/flags.h"

namespace buildiff {

struct RewriteContext {
    std::vector<std::string> asked, ran;  // the command lines, paths made absolute
};

// A rewrite that changes nothing the tool makes: a change of this kind is not reported.
struct HarmlessRewrite {
    std::string_view name;
    bool (*applies)(const FlagChange& change, const RewriteContext& context);
};
const std::vector<HarmlessRewrite>& harmless_rewrites();

// The changes from ASKED (run in ASKED_CWD) to RAN (in RAN_CWD) that can change the output, by
// meaning: relative and absolute spellings of a path are one path, and every harmless rewrite is
// left out. argv[0] (the tool's spelling) is not compared.
std::vector<FlagChange> meaningful_rewrite(FlagFamily family, const std::vector<std::string>& asked,
                                           const std::string& asked_cwd,
                                           const std::vector<std::string>& ran,
                                           const std::string& ran_cwd);

// Who ran what for whom: "sccache", "rustc", "cargo".
struct RewriteWho {
    std::string wrapper, tool, asker;
};
// The rewrite in words: "sccache ran rustc with `-l dylib=proofs` where cargo asked for
// `-l proofs`: native library `proofs`: static, bundled into the rlib -> dylib (...)", or
// "ccache ran cc other than make asked: ..." when no native library changed.
std::string rewrite_in_words(FlagFamily family, const std::vector<FlagChange>& changes,
                             const std::vector<std::string>& asked,
                             const std::vector<std::string>& ran, const RewriteWho& who);

}  // namespace buildiff
