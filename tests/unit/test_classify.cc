#include <gtest/gtest.h>

#include <set>

#include "toolchain/classify.h"

using namespace buildiff;

TEST(ToolTable, IsSortedWithoutDuplicates) {
    const auto& table = tool_table();
    std::set<std::string_view> seen;
    for (size_t i = 0; i < table.size(); ++i) {
        EXPECT_TRUE(seen.insert(table[i].name).second) << "duplicate " << table[i].name;
        if (i > 0) {
            EXPECT_LT(table[i - 1].name, table[i].name) << "out of order at " << i;
        }
    }
}

TEST(ToolTable, KindNamesRoundTrip) {
    for (ToolKind k : {ToolKind::CompilerDriver, ToolKind::Compiler, ToolKind::Assembler,
                       ToolKind::Linker, ToolKind::Archiver, ToolKind::Rustc, ToolKind::Cargo,
                       ToolKind::BuildScript, ToolKind::CacheWrapper, ToolKind::Other})
        EXPECT_EQ(kind_from_name(kind_name(k)), k);
    EXPECT_FALSE(kind_from_name("compiler-proper"));
}

TEST(IdentifyTool, StripsDirectoryCrossPrefixAndVersion) {
    EXPECT_EQ(identify_tool("/usr/bin/x86_64-linux-gnu-gcc-12").tool, "gcc");
    EXPECT_EQ(identify_tool("/usr/bin/x86_64-linux-gnu-gcc-12").kind, ToolKind::CompilerDriver);
    EXPECT_EQ(identify_tool("aarch64-linux-gnu-g++").tool, "g++");
    EXPECT_EQ(identify_tool("clang++-14").tool, "clang++");
    EXPECT_EQ(identify_tool("gcc-12.2").tool, "gcc");
    EXPECT_EQ(identify_tool("x86_64-linux-gnu-gcc-ar-12").tool, "gcc-ar");
    EXPECT_EQ(identify_tool("x86_64-linux-gnu-gcc-ar-12").kind, ToolKind::Archiver);
    EXPECT_EQ(identify_tool("/usr/lib/gcc/x86_64-linux-gnu/12/cc1plus").kind, ToolKind::Compiler);
    EXPECT_EQ(identify_tool("x86_64-linux-gnu-ld.bfd").kind, ToolKind::Linker);
    EXPECT_EQ(identify_tool("rust-lld").kind, ToolKind::Linker);
    EXPECT_EQ(identify_tool("x86_64-linux-gnu-as").kind, ToolKind::Assembler);
    EXPECT_EQ(identify_tool("/root/.rustup/toolchains/stable/bin/rustc").kind, ToolKind::Rustc);
    EXPECT_EQ(identify_tool("target/debug/build/foo-sys-0123/build-script-build").kind,
              ToolKind::BuildScript);
}

TEST(IdentifyTool, UnknownProgramsAreOther) {
    EXPECT_EQ(identify_tool("/usr/bin/clang-tidy").kind, ToolKind::Other);
    EXPECT_EQ(identify_tool("/bin/sh").kind, ToolKind::Other);
    EXPECT_EQ(identify_tool("/bin/sh").tool, "sh");
    EXPECT_EQ(identify_tool("12").kind, ToolKind::Other);
}

TEST(Classify, ArgvZeroNamesTheToolBehindASymlink) {
    // /usr/bin/cc resolves to x86_64-linux-gnu-gcc-12: still a gcc driver.
    auto c = classify({"cc", "-c", "x.c"}, "/usr/bin/x86_64-linux-gnu-gcc-12", false);
    EXPECT_EQ(c.kind, ToolKind::CompilerDriver);
    EXPECT_EQ(c.tool, "cc");
    EXPECT_FALSE(c.role);
}

TEST(Classify, SccacheClientWrapsTheNextArgument) {
    auto c = classify({"sccache", "cc", "-c", "foo.c"}, "/usr/bin/sccache", false);
    EXPECT_EQ(c.kind, ToolKind::CacheWrapper);
    EXPECT_EQ(c.role, WrapperRole::Client);
    EXPECT_EQ(c.wrapped_tool, "cc");
    EXPECT_EQ(c.wrapped_kind, ToolKind::CompilerDriver);
    EXPECT_EQ(c.wrapped_argv_index, 1u);
}

TEST(Classify, RustcWrapperForm) {
    auto c = classify({"sccache", "/root/.cargo/bin/rustc", "--crate-name", "foo"},
                      "/usr/bin/sccache", false);
    EXPECT_EQ(c.role, WrapperRole::Client);
    EXPECT_EQ(c.wrapped_kind, ToolKind::Rustc);
}

TEST(Classify, CcacheMasqueradeThroughSymlink) {
    auto c = classify({"gcc", "-c", "x.c"}, "/usr/bin/ccache", false);
    EXPECT_EQ(c.kind, ToolKind::CacheWrapper);
    EXPECT_EQ(c.tool, "ccache");
    EXPECT_EQ(c.role, WrapperRole::Client);
    EXPECT_EQ(c.wrapped_tool, "gcc");
    EXPECT_EQ(c.wrapped_argv_index, 0u);
}

TEST(Classify, ServerAndAdminRoles) {
    EXPECT_EQ(classify({"sccache"}, "/usr/bin/sccache", true).role, WrapperRole::Server);
    EXPECT_EQ(classify({"sccache", "--stop-server"}, "/usr/bin/sccache", false).role,
              WrapperRole::Admin);
    EXPECT_EQ(classify({"ccache", "-s"}, "/usr/bin/ccache", false).role, WrapperRole::Admin);
    EXPECT_EQ(classify({"distcc", "gcc", "-c", "a.c"}, "/usr/bin/distcc", false).wrapped_tool,
              "gcc");
}
