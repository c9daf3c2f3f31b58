// Every enum's name table: each value has one name of its own, and the name reads back as the
// value where the enum is parsed (recordings, reports, the ignore file).
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "base/names.h"
#include "diff/model.h"
#include "recording/analysis.h"
#include "recording/recording.h"
#include "toolchain/classify.h"
#include "toolchain/flags.h"

using namespace buildiff;

namespace {

template <typename E, typename Name>
void expect_unique_names(std::initializer_list<E> values, Name name) {
    std::set<std::string> seen;
    for (E v : values) {
        std::string n(name(v));
        EXPECT_FALSE(n.empty()) << "a value without a name";
        EXPECT_TRUE(seen.insert(n).second) << "two values named " << n;
    }
}

}  // namespace

TEST(NameTables, RootCauseKindsReadBothWays) {
    auto all = {RootCauseKind::Flags,     RootCauseKind::Env,
                RootCauseKind::Tool,      RootCauseKind::Source,
                RootCauseKind::BuildPath, RootCauseKind::Nondeterministic,
                RootCauseKind::Cache,     RootCauseKind::MissingInvocation,
                RootCauseKind::ExtraInvocation};
    expect_unique_names(all, root_cause_kind_name);
    for (RootCauseKind k : all) EXPECT_EQ(root_cause_kind_named(root_cause_kind_name(k)), k);
    EXPECT_EQ(root_cause_kind_named("build-path"), RootCauseKind::BuildPath);
    EXPECT_FALSE(root_cause_kind_named("buildpath"));
}

TEST(NameTables, ToolKindsAndWrapperRolesReadBothWays) {
    auto kinds = {ToolKind::CompilerDriver, ToolKind::Compiler,    ToolKind::Assembler,
                  ToolKind::Linker,         ToolKind::Archiver,    ToolKind::Rustc,
                  ToolKind::Cargo,          ToolKind::BuildScript, ToolKind::CacheWrapper,
                  ToolKind::Other};
    expect_unique_names(kinds, kind_name);
    for (ToolKind k : kinds) EXPECT_EQ(kind_from_name(kind_name(k)), k);
    auto roles = {WrapperRole::Client, WrapperRole::Server, WrapperRole::Admin};
    expect_unique_names(roles, role_name);
    for (WrapperRole r : roles) EXPECT_EQ(role_from_name(role_name(r)), r);
    EXPECT_FALSE(role_from_name("daemon"));
}

TEST(NameTables, RecordingAndFlagEnumsHaveOneNameEach) {
    expect_unique_names({FileOp::Read, FileOp::Write, FileOp::Rename, FileOp::Link, FileOp::Unlink},
                        file_op_name);
    expect_unique_names({CrateRole::None, CrateRole::BuildScript, CrateRole::Rustc},
                        crate_role_name);
    expect_unique_names(
        {Category::Preprocessor, Category::Codegen, Category::Optimization, Category::Debug,
         Category::Language, Category::Mode, Category::Linker, Category::SearchPath,
         Category::Output, Category::Input, Category::Diagnostics, Category::Dependencies,
         Category::Bookkeeping, Category::Other},
        category_name);
}

TEST(NameTables, TheHelperReadsATableBothWays) {
    enum class Colour { Red, Green };
    static constexpr Named<Colour> kColours[] = {{Colour::Red, "red"}, {Colour::Green, "green"}};
    static_assert(name_of(kColours, Colour::Green) == "green");
    static_assert(value_named(kColours, "red") == Colour::Red);
    static_assert(!value_named(kColours, "blue"));
}
