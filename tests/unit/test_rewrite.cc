// What a cache wrapper ran against what it was asked: its harmless rewrites (one test each) are
// not reported; a rewrite that changes meaning is, in words.
#include <gtest/gtest.h>

#include "diff/rewrite.h"

using namespace buildiff;

namespace {

std::vector<std::string> texts(const std::vector<FlagChange>& changes) {
    std::vector<std::string> out;
    for (const FlagChange& c : changes) out.push_back(c.text);
    return out;
}

}  // namespace

TEST(HarmlessRewrites, TheTableNamesEachOnce) {
    std::vector<std::string> names;
    for (const HarmlessRewrite& h : harmless_rewrites()) names.emplace_back(h.name);
    EXPECT_EQ(names, (std::vector<std::string>{"names-implied-language", "not-in-output"}));
}

TEST(HarmlessRewrites, SccachesCCompileNamesTheLanguageAndMakesPathsAbsolute) {
    // As sccache's server runs a C call of the cc crate (recorded here).
    std::vector<std::string> asked = {"cc", "-O3", "-fPIC", "-o", "/w/out/csrc/curve.o", "-c",
                                      "csrc/curve.c"};
    std::vector<std::string> ran = {"/usr/bin/cc", "-x", "c", "-c", "/w/curve-sys/csrc/curve.c",
                                    "-o", "/w/out/csrc/curve.o", "-O3", "-fPIC"};
    EXPECT_TRUE(meaningful_rewrite(FlagFamily::Gcc, asked, "/w/curve-sys", ran, "/w/curve-sys")
                    .empty())
        << testing::PrintToString(texts(
               meaningful_rewrite(FlagFamily::Gcc, asked, "/w/curve-sys", ran, "/w/curve-sys")));
    // A language other than the suffix implies is a change.
    ran[2] = "c++";
    EXPECT_EQ(meaningful_rewrite(FlagFamily::Gcc, asked, "/w/curve-sys", ran, "/w/curve-sys")
                  .size(),
              1u);
}

TEST(HarmlessRewrites, DiagnosticsAndDependencyFilesAreNotInTheOutput) {
    std::vector<std::string> asked = {"rustc", "--crate-name", "a", "--error-format=json",
                                      "--json=artifacts", "src/lib.rs"};
    std::vector<std::string> ran = {"rustc", "--crate-name", "a", "--error-format", "short",
                                    "--color", "always", "src/lib.rs"};
    EXPECT_TRUE(meaningful_rewrite(FlagFamily::Rustc, asked, "/w", ran, "/w").empty());
}

TEST(Rewrite, ADifferentInputOrLibraryKindIsMeaningfulAndSaidInWords) {
    std::vector<std::string> asked = {"rustc", "--crate-name", "proofs", "-l", "static=proofs",
                                      "-l", "proofs"};
    std::vector<std::string> ran = {"/usr/bin/rustc", "--crate-name", "proofs", "-l",
                                    "static=proofs", "-l", "dylib=proofs"};
    auto changes = meaningful_rewrite(FlagFamily::Rustc, asked, "/w", ran, "/w");
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(rewrite_in_words(FlagFamily::Rustc, changes, asked, ran,
                               {"sccache", "rustc", "cargo"}),
              "sccache ran rustc with `-l dylib=proofs` where cargo asked for `-l proofs`: native "
              "library `proofs`: static, bundled into the rlib -> dylib (`-l static=proofs -l "
              "proofs` -> `-l static=proofs -l dylib=proofs`) (linker)");
    // A wrapper that compiles something else from stdin.
    std::vector<std::string> c_asked = {"cc", "-c", "-o", "fast.o", "csrc/fast.S"};
    std::vector<std::string> c_ran = {"cc", "-x", "c", "-c", "-o", "fast.o", "-"};
    auto c = meaningful_rewrite(FlagFamily::Gcc, c_asked, "/w", c_ran, "/w");
    ASSERT_FALSE(c.empty());
    EXPECT_EQ(rewrite_in_words(FlagFamily::Gcc, c, c_asked, c_ran, {"ccache", "cc", "make"})
                  .rfind("ccache ran cc other than make asked: ", 0),
              0u);
}
