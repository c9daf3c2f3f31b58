// What a cache wrapper ran against what it was asked: its harmless rewrites (one test each) are
// not reported; a rewrite that changes meaning is, in words.
#include <gtest/gtest.h>

#include "diff/rewrite.h"
#include "tests/unit/flag_texts.h"

using namespace buildiff;

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

#include "toolchain/env_readers.h"

TEST(EnvReaders, AVariableIsACauseOnlyWhereTheToolReadsIt) {
    EXPECT_TRUE(tool_reads_env(ToolKind::CompilerDriver, "TZ")) << "__DATE__, __TIME__";
    EXPECT_TRUE(tool_reads_env(ToolKind::CompilerDriver, "SOURCE_DATE_EPOCH"));
    EXPECT_TRUE(tool_reads_env(ToolKind::Compiler, "CPATH"));
    EXPECT_TRUE(tool_reads_env(ToolKind::Linker, "LIBRARY_PATH"));
    EXPECT_TRUE(tool_reads_env(ToolKind::CompilerDriver, "GCC_EXEC_PREFIX"));
    EXPECT_FALSE(tool_reads_env(ToolKind::CompilerDriver, "RUSTC_WRAPPER"));
    EXPECT_FALSE(tool_reads_env(ToolKind::Rustc, "TZ")) << "rustc has no clock macro";
    EXPECT_TRUE(tool_reads_env(ToolKind::Rustc, "CARGO_PKG_VERSION")) << "env! at compile time";
    EXPECT_TRUE(tool_reads_env(ToolKind::Rustc, "OUT_DIR"));
    EXPECT_TRUE(tool_reads_env(ToolKind::Archiver, "ZERO_AR_DATE"));
    EXPECT_FALSE(tool_reads_env(ToolKind::Archiver, "CFLAGS"));
    // Tools of no row may read anything: make, cargo, build scripts, shells.
    for (ToolKind k : {ToolKind::Cargo, ToolKind::BuildScript, ToolKind::Other})
        EXPECT_TRUE(tool_reads_env(k, "TZ"));
    for (const EnvReaders& row : env_reader_table()) EXPECT_FALSE(row.why.empty());
}

#include "toolchain/bookkeeping.h"

TEST(Bookkeeping, EachBuildSystemsFilesAreKnownAndArtifactsAreNot) {
    auto system = [](const char* path) {
        const BookkeepingRule* r = bookkeeping_of(path);
        return r ? std::string(r->system) : std::string("artifact");
    };
    EXPECT_EQ(system("$ROOT/target/release/.fingerprint/proofs-HASH/lib-proofs.json"), "cargo");
    EXPECT_EQ(system("$ROOT/target/debug/incremental/foo-1/s-1/query-cache.bin"), "cargo");
    EXPECT_EQ(system("$ROOT/target/.rustc_info.json"), "cargo");
    EXPECT_EQ(system("$ROOT/target/release/.cargo-lock"), "cargo");
    EXPECT_EQ(system("$ROOT/target/release/build/proofs-HASH/output"), "cargo");
    EXPECT_EQ(system("$ROOT/target/release/build/proofs-HASH/root-output"), "cargo");
    EXPECT_EQ(system("$ROOT/target/release/build/proofs-HASH/invoked.timestamp"), "cargo");
    EXPECT_EQ(system("$ROOT/target/release/deps/proofs-HASH.d"), "make");
    EXPECT_EQ(system("$ROOT/build/.ninja_deps"), "ninja");
    EXPECT_EQ(system("$ROOT/build/.ninja_log"), "ninja");
    EXPECT_EQ(system("$ROOT/builddir/meson-private/coredata.dat"), "meson");
    EXPECT_EQ(system("$ROOT/builddir/meson-logs/meson-log.txt"), "meson");
    EXPECT_EQ(system("$ROOT/builddir/meson-info/intro-targets.json"), "meson");
    EXPECT_EQ(system("$ROOT/b/CMakeFiles/app.dir/main.c.o.d"), "cmake");
    EXPECT_EQ(system("$ROOT/b/CMakeCache.txt"), "cmake");
    EXPECT_EQ(system("$ROOT/config.log"), "autotools");
    EXPECT_EQ(system("$ROOT/config.status"), "autotools");
    EXPECT_EQ(system("$ROOT/autom4te.cache/requests"), "autotools");
    EXPECT_EQ(system("$ROOT/debian/autoreconf.after"), "debhelper");
    EXPECT_EQ(system("$ROOT/debian/hello.debhelper.log"), "debhelper");
    EXPECT_EQ(system("$ROOT/debian/.debhelper/generated/hello/installed-by-dh_install"),
              "debhelper");
    EXPECT_EQ(system("$ROOT/debian/debhelper-build-stamp"), "debhelper");
    // What the builds were asked to make.
    for (const char* a : {"$ROOT/target/release/libpyverify.so",
                          "$ROOT/target/release/deps/libproofs-HASH.rlib",
                          "$ROOT/target/release/build/proofs-HASH/out/libproofs.a",
                          "$ROOT/b/app", "$ROOT/output", "$ROOT/src/build/x/output.c",
                          "$ROOT/CMakeFiles.txt", "$ROOT/config.h",
                          "$ROOT/b/CMakeFiles/app.dir/main.c.o"})
        EXPECT_EQ(system(a), "artifact") << a;
}
