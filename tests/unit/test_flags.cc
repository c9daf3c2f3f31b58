#include <gtest/gtest.h>

#include <set>

#include "diff/flag_diff.h"
#include "tests/unit/flag_texts.h"
#include "toolchain/command_line.h"

using namespace buildiff;

TEST(FlagTables, SortedWithoutDuplicatesOrContradictions) {
    for (FlagFamily f :
         {FlagFamily::Gcc, FlagFamily::Rustc, FlagFamily::Ld, FlagFamily::Ar, FlagFamily::As}) {
        const auto& table = flag_table(f);
        ASSERT_FALSE(table.empty());
        std::set<std::string_view> names;
        for (size_t i = 0; i < table.size(); ++i) {
            EXPECT_TRUE(names.insert(table[i].name).second) << "duplicate " << table[i].name;
            if (i > 0) {
                EXPECT_LT(table[i - 1].name, table[i].name) << "out of order at " << table[i].name;
            }
            // A flag without a value cannot be keyed by its value.
            if (table[i].arity == Arity::None) {
                EXPECT_NE(table[i].multi, Multi::ByName) << table[i].name;
                EXPECT_NE(table[i].multi, Multi::Ordered) << table[i].name;
            }
            // Joined prefixes ending in '=' take their value after it.
            if (table[i].name.ends_with("=")) {
                EXPECT_EQ(table[i].arity, Arity::Joined) << table[i].name;
            }
        }
    }
}

TEST(ParseCommand, ExactBeforePrefixAndSeparateValues) {
    auto args = parse_command(FlagFamily::Gcc, {"cc", "-lang-asm", "-lm", "-I", "inc", "-o", "x.o",
                                                "-Wl,--gc-sections,-z,now", "-c", "a.c"});
    ASSERT_EQ(args.size(), 9u);
    EXPECT_EQ(args[0].key, "-lang-asm");  // not -l with value "ang-asm"
    EXPECT_EQ(args[1].key, "-l");
    EXPECT_EQ(args[1].value, "m");
    EXPECT_EQ(args[2].key, "-I");
    EXPECT_EQ(args[2].value, "inc");
    EXPECT_EQ(args[3].value, "x.o");
    EXPECT_EQ(args[4].value, "--gc-sections");  // -Wl, split at commas
    EXPECT_EQ(args[6].value, "now");
    EXPECT_EQ(args[8].key, "input");
}

TEST(DiffCommands, GccChangesInWords) {
    auto c = diff_commands(
        FlagFamily::Gcc, {"cc", "-O2", "-DFOO=1", "-fPIC", "-c", "a.c", "-o", "a.o"},
        {"cc", "-O3", "-DFOO=2", "-fPIC", "-fvisibility=hidden", "-c", "a.c", "-o", "a.o"});
    EXPECT_EQ(texts(c), (std::vector<std::string>{"`-O2` -> `-O3` (optimization)",
                                                  "define `FOO` 1 -> 2 (preprocessor)",
                                                  "added `-fvisibility=hidden` (codegen)"}));
    EXPECT_EQ(c[1].change, "changed");
    EXPECT_EQ(c[1].flag, "-D FOO");
}

TEST(DiffCommands, DefinesAndNegationsAreSemantic) {
    EXPECT_TRUE(diff_commands(FlagFamily::Gcc, {"cc", "-DFOO"}, {"cc", "-DFOO=1"}).empty());
    EXPECT_TRUE(
        diff_commands(FlagFamily::Gcc, {"cc", "-O0", "-O2"}, {"cc", "-O2"}).empty());  // last wins
    auto c = diff_commands(FlagFamily::Gcc, {"cc", "-fomit-frame-pointer"},
                           {"cc", "-fno-omit-frame-pointer"});
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].text, "`-fomit-frame-pointer` -> `-fno-omit-frame-pointer` (codegen)");
}

TEST(DiffCommands, InputOrderAndLinkerArguments) {
    auto c = diff_commands(FlagFamily::Gcc, {"cc", "a.o", "b.o", "-o", "p"},
                           {"cc", "b.o", "a.o", "-o", "p"});
    EXPECT_EQ(texts(c), (std::vector<std::string>{"input order changed (input)"}));
    c = diff_commands(FlagFamily::Gcc, {"cc", "-Wl,--gc-sections", "a.o"}, {"cc", "a.o"});
    EXPECT_EQ(texts(c), (std::vector<std::string>{"removed `-Wl,--gc-sections` (linker)"}));
}

TEST(DiffCommands, RustcStaticLibraryAndCodegenOptions) {
    auto c = diff_commands(FlagFamily::Rustc,
                           {"rustc", "--crate-name", "blst", "-C", "opt-level=0", "-C",
                            "metadata=abc", "-l", "static=blst", "-L", "native=/out"},
                           {"rustc", "--crate-name", "blst", "-C", "opt-level=3", "-C",
                            "metadata=def", "-L", "native=/out"});
    ASSERT_EQ(c.size(), 3u);
    EXPECT_EQ(c[0].text, "`-C opt-level=0` -> `-C opt-level=3` (optimization)");
    EXPECT_EQ(c[1].category, "bookkeeping");  // cargo's metadata hash
    EXPECT_FALSE(c[1].affects_output);
    EXPECT_TRUE(c[0].affects_output);
    EXPECT_EQ(c[2].text,
              "removed native library `blst`: static, bundled into the rlib (`-l static=blst`) "
              "(linker)");
}

TEST(DiffCommands, ArOperationAndMembers) {
    auto c = diff_commands(FlagFamily::Ar, {"ar", "rcs", "lib.a", "a.o", "b.o"},
                           {"ar", "rc", "lib.a", "a.o"});
    EXPECT_EQ(texts(c),
              (std::vector<std::string>{"`rcs` -> `rc` (mode)", "removed `b.o` (input)"}));
}

// Every reader of a C command line answers from the gcc table: what takes a value, what is a
// source, what only the link or make's dependency files read.
TEST(CCommandLine, OneTableAnswersWhatTakesAValue) {
    for (const char* opt : {"-o", "-I", "-D", "-x", "-MF", "-MJ", "-include", "-imacros",
                            "-isysroot", "-Xlinker", "-Xassembler", "--param", "-target", "-z",
                            "-aux-info", "-iwithprefixbefore"})
        EXPECT_TRUE(c_option_takes_value(opt)) << opt;
    for (const char* opt : {"-c", "-O2", "-Iinc", "-ofile.o", "-fPIC", "-Wall", "a.c", "-"})
        EXPECT_FALSE(c_option_takes_value(opt)) << opt;
    // Every option the table says takes a separate value is one the readers skip over.
    for (const FlagSpec& spec : flag_table(FlagFamily::Gcc)) {
        if (spec.arity == Arity::Separate) {
            EXPECT_TRUE(c_option_takes_value(spec.name)) << spec.name;
        }
    }
}

TEST(CCommandLine, XlinkerValuesAreNeitherSourcesNorInputs) {
    std::vector<std::string> argv = {"cc", "-o", "prog", "main.c", "-Xlinker", "-rpath",
                                     "-Xlinker", "/x.c", "util.c"};
    EXPECT_EQ(c_source_positions(argv, 1), (std::vector<size_t>{3, 8}));
    for (const ParsedArg& a : parse_command(FlagFamily::Gcc, argv)) {
        if (a.category == Category::Input) {
            EXPECT_NE(a.value, "/x.c");
        }
    }
}

TEST(CCommandLine, LinkOnlyAndDependencyOptionsComeFromTheTable) {
    for (const char* opt : {"-lm", "-L/usr/lib", "-Wl,-z,now", "-Xlinker", "-shared", "-static",
                            "-static-libgcc", "-shared-libgcc", "-rdynamic", "-pie", "-no-pie",
                            "-nostartfiles", "-fuse-ld=gold", "-T", "-u", "-z", "-r", "-s"})
        EXPECT_TRUE(c_link_only_option(opt)) << opt;
    for (const char* opt : {"-pthread", "-lang-asm", "-O2", "-fPIC", "-I", "-o", "-c"})
        EXPECT_FALSE(c_link_only_option(opt)) << opt;
    for (const char* opt : {"-MD", "-MMD", "-MP", "-MF", "-MT", "-MQ", "-MJ"})
        EXPECT_TRUE(c_dependency_option(opt)) << opt;
    EXPECT_FALSE(c_dependency_option("-MFdeps.d")) << "only the option alone";
    EXPECT_FALSE(c_dependency_option("-O2"));
}
