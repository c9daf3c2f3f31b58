// The differ's stages on recordings built in memory: matching, the cause rules one by one, and
// the whole differ reading the artifacts' bytes through the file-access interface.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "diff/artifacts.h"
#include "diff/causes.h"
#include "diff/differ.h"
#include "diff/env_diff.h"
#include "diff/grouped.h"
#include "diff/index.h"
#include "diff/match.h"
#include "diff/normalize.h"
#include "diff/temporaries.h"
#include "recording/analysis.h"

using namespace buildiff;

namespace {

// One build in memory: processes with what they read and wrote.
struct Build {
    Recording rec;
    std::uint64_t clock = 1000;

    explicit Build(std::string root) {
        rec.path = root + ".rec";
        rec.cwd = std::move(root);
        rec.envs.push_back({{"PATH", "/usr/bin"}});
        add({"make"}, "/usr/bin/make", -1, {}, {});
    }

    // Adds a process run by PARENT that read READS and wrote WRITES (path -> content hash).
    int add(std::vector<std::string> argv, std::string exe, int parent,
            std::map<std::string, std::string> reads, std::map<std::string, std::string> writes,
            int env = 0) {
        ProcessRecord p;
        p.id = static_cast<int>(rec.processes.size());
        p.pid = 100 + p.id;
        p.parent = parent;
        p.exe = exe;
        p.exe_hash = "exe-" + exe;
        p.argv = std::move(argv);
        p.env = env;
        p.cwd = rec.cwd;
        p.classification = classify(p.argv, p.exe, false);
        p.start_ns = clock++;
        for (auto& [path, hash] : reads)
            p.files.push_back(FileEvent{.op = FileOp::Read, .path = rec.cwd + "/" + path,
                                        .hash = hash, .size = 1, .t_ns = clock++});
        for (auto& [path, hash] : writes)
            p.files.push_back(FileEvent{.op = FileOp::Write, .created = true,
                                        .path = rec.cwd + "/" + path, .hash = hash, .size = 1,
                                        .t_ns = clock++});
        p.ended = true;
        p.end_state = EndState::Exited;
        p.status.code = 0;
        p.end_ns = clock++;
        rec.processes.push_back(std::move(p));
        return rec.processes.back().id;
    }
};

// Artifacts' bytes held in memory, by content hash.
class MemoryFiles : public ArtifactFiles {
  public:
    std::map<std::string, std::string> bytes;  // recorded hash -> content
    mutable int opened = 0;
    std::optional<Blob> open(Side, const std::string& path,
                             const std::string& recorded) const override {
        ++opened;
        auto it = bytes.find(recorded);
        if (it == bytes.end()) return std::nullopt;
        return Blob::memory(path, it->second);
    }
};

// Two small C builds: a.c compiled to a.o, linked to prog.
struct Pair {
    Build left{"/tmp/l"}, right{"/tmp/r"};
    void compile_and_link(Build& b, const std::string& opt, const std::string& obj_hash,
                          const std::string& prog_hash) {
        b.add({"cc", opt, "-c", "a.c", "-o", "a.o"}, "/usr/bin/gcc-12", 0, {{"a.c", "src"}},
              {{"a.o", obj_hash}});
        b.add({"cc", "-o", "prog", "a.o"}, "/usr/bin/gcc-12", 0, {{"a.o", obj_hash}},
              {{"prog", prog_hash}});
    }
};

const RootCause& only_cause(const DiffResult& r) {
    EXPECT_EQ(r.root_causes.size(), 1u);
    return r.root_causes.at(0);
}

}  // namespace

TEST(Match, PairsInvocationsByTheArtifactsTheyOwnEvenWhenTheirFlagsDiffer) {
    Pair p;
    p.compile_and_link(p.left, "-O2", "o1", "p1");
    p.compile_and_link(p.right, "-O3", "o2", "p2");
    Normalizer norm(p.left.rec.cwd, p.right.rec.cwd);
    SideView l(p.left.rec, Side::Left, norm), r(p.right.rec, Side::Right, norm);
    Matching m = match_invocations(l, r);
    EXPECT_EQ(m.left_to_right[1], 1) << "the compiles pair by a.o";
    EXPECT_EQ(m.left_to_right[2], 2) << "the links pair by prog";
    EXPECT_EQ(m.right_to_left[1], 1);
    EXPECT_EQ(m.missing, 0u);
    EXPECT_EQ(m.extra, 0u);
}

TEST(Match, InvocationsThatWriteNothingPairByCommandAndTheRestAreMissingOrExtra) {
    Build left("/tmp/l"), right("/tmp/r");
    left.add({"cc", "--version"}, "/usr/bin/gcc-12", 0, {}, {});
    left.add({"cc", "-dumpmachine"}, "/usr/bin/gcc-12", 0, {}, {});
    right.add({"cc", "--version"}, "/usr/bin/gcc-12", 0, {}, {});
    right.add({"ar", "--version"}, "/usr/bin/ar", 0, {}, {});
    Normalizer norm(left.rec.cwd, right.rec.cwd);
    SideView l(left.rec, Side::Left, norm), r(right.rec, Side::Right, norm);
    Matching m = match_invocations(l, r);
    EXPECT_EQ(m.left_to_right[1], 1) << "cc --version, the same command in both";
    EXPECT_EQ(m.left_to_right[2], -1) << "no cc is left on the right for -dumpmachine";
    EXPECT_EQ(m.right_to_left[2], -1);
    EXPECT_EQ(m.missing, 1u);
    EXPECT_EQ(m.extra, 1u);
}

TEST(Match, SameCommandsPairInOrderOfOccurrence) {
    Build left("/tmp/l"), right("/tmp/r");
    for (Build* b : {&left, &right})
        for (int i = 0; i < 3; ++i) b->add({"cc", "-v"}, "/usr/bin/gcc-12", 0, {}, {});
    Normalizer norm(left.rec.cwd, right.rec.cwd);
    SideView l(left.rec, Side::Left, norm), r(right.rec, Side::Right, norm);
    Matching m = match_invocations(l, r);
    EXPECT_EQ(m.left_to_right, (std::vector<int>{0, 1, 2, 3}));
    EXPECT_EQ(m.paired, 4u);
}

// The cause rules, one by one.

namespace {

PairFacts quiet_facts() {
    PairFacts f;
    f.copies_diverged = [] { return false; };
    f.outputs_embed_root = [] { return false; };
    return f;
}

EnvChange cflags_change() {
    EnvChange e;
    e.name = "CFLAGS";
    e.left = "-O2";
    e.right = "-O3";
    e.impactful = true;
    return e;
}

CauseContext context(int left_id, std::string tool = "", std::string cache_tool = "",
                     std::string cache_side = "") {
    CauseContext c;
    c.left_id = left_id;
    c.tool = std::move(tool);
    c.cache_tool = std::move(cache_tool);
    c.cache_side = std::move(cache_side);
    return c;
}

FlagChange o2_o3() {
    return FlagChange{"changed", "optimization", "-O", "2", "3", "`-O2` -> `-O3`", true};
}

}  // namespace

TEST(CauseRules, TableIsOrderedWithUniqueNamesAndEndsInARuleThatAlwaysApplies) {
    const auto& rules = cause_rules();
    std::vector<std::string> names;
    for (auto& r : rules) names.emplace_back(r.name);
    EXPECT_EQ(names, (std::vector<std::string>{"rewrite", "env", "flags", "tool", "source",
                                               "upstream", "copies", "cache", "build-path",
                                               "nondeterministic"}));
    EXPECT_TRUE(rules.back().applies(quiet_facts()));
    EXPECT_EQ(rules.back().kind, RootCauseKind::Nondeterministic);
}

TEST(CauseRules, EnvWhenAnImpactfulVariableDiffers) {
    PairFacts f = quiet_facts();
    f.impactful_env.push_back(cflags_change());
    f.analysis.flags.push_back(o2_o3());
    const CauseRule& rule = decide_cause(f);
    EXPECT_EQ(rule.name, "env") << "a variable before the flags it may have set";
    EXPECT_EQ(describe_cause(rule.kind, f, {}).summary,
              "environment differs: CFLAGS: `-O2` -> `-O3`");
}

TEST(CauseRules, AWrapperThatRanAnotherCommandIsACacheCauseBeforeAnyVariableOrBuildPath) {
    PairFacts f = quiet_facts();
    f.impactful_env.push_back(cflags_change());
    f.upstream_diverged = true;
    f.roots_differ = true;
    f.rewrite.push_back(FlagChange{"changed", "linker", "-l", "static, bundled into the rlib",
                                   "dylib", "native library `proofs`: ...", true});
    f.rewrite_summary = "sccache ran rustc with `-l dylib=proofs` where cargo asked for `-l proofs`";
    const CauseRule& rule = decide_cause(f);
    EXPECT_EQ(rule.name, "rewrite");
    EXPECT_EQ(rule.kind, RootCauseKind::Cache);
    CauseText t = describe_cause(rule.kind, f, context(7));
    EXPECT_EQ(t.summary, f.rewrite_summary);
    EXPECT_EQ(t.signature, "cache rewrite " + f.rewrite_summary);
    f.rewrite.clear();
    EXPECT_NE(decide_cause(f).name, "rewrite") << "only a rewrite that changes meaning";
}

TEST(CauseRules, EnvExplainedUpstreamFollowsUpstream) {
    PairFacts f = quiet_facts();
    f.impactful_env.push_back(cflags_change());
    f.upstream_diverged = true;
    EXPECT_EQ(decide_cause(f).name, "upstream")
        << "a variable set for the whole build is the cause where it first changed something";
}

TEST(CauseRules, FlagsWhenAnOutputAffectingFlagDiffers) {
    PairFacts f = quiet_facts();
    f.analysis.flags.push_back(o2_o3());
    f.analysis.tool_differs = true;
    const CauseRule& rule = decide_cause(f);
    EXPECT_EQ(rule.name, "flags");
    CauseText t = describe_cause(rule.kind, f, context(7));
    EXPECT_EQ(t.summary, "`-O2` -> `-O3`");
    EXPECT_EQ(t.signature, "flags 7 `-O2` -> `-O3`") << "a flags cause is per invocation";
}

TEST(CauseRules, ToolWhenTheBinaryDiffers) {
    PairFacts f = quiet_facts();
    f.analysis.tool_differs = true;
    f.analysis.sources.push_back("$ROOT/a.c");
    const CauseRule& rule = decide_cause(f);
    EXPECT_EQ(rule.name, "tool");
    EXPECT_EQ(describe_cause(rule.kind, f, context(1, "gcc")).summary,
              "a different `gcc` binary");
}

TEST(CauseRules, SourceWhenAnInputTheBuildDidNotProduceDiffers) {
    PairFacts f = quiet_facts();
    f.analysis.sources = {"$ROOT/a.c", "$ROOT/b.c"};
    f.upstream_diverged = true;
    const CauseRule& rule = decide_cause(f);
    EXPECT_EQ(rule.name, "source");
    EXPECT_EQ(describe_cause(rule.kind, f, {}).summary,
              "input not produced by the build differs: $ROOT/a.c, $ROOT/b.c");
}

TEST(CauseRules, UpstreamBeforeCopiesAndCopiesAreOnlyLookedForWhenNeeded) {
    PairFacts f = quiet_facts();
    int asked = 0;
    f.copies_diverged = [&] { return ++asked, true; };
    f.upstream_diverged = true;
    EXPECT_EQ(decide_cause(f).verdict, CauseVerdict::FollowUpstream);
    EXPECT_EQ(asked, 0);
    f.upstream_diverged = false;
    EXPECT_EQ(decide_cause(f).verdict, CauseVerdict::FollowCopies);
    EXPECT_EQ(asked, 1);
}

TEST(CauseRules, CacheWhenAWrapperServedTheOutputWithoutReadingFiles) {
    PairFacts f = quiet_facts();
    int read = 0;
    f.outputs_embed_root = [&] { return ++read, true; };
    f.cache_hit = true;
    f.roots_differ = true;
    const CauseRule& rule = decide_cause(f);
    EXPECT_EQ(rule.name, "cache");
    EXPECT_EQ(read, 0) << "the build-path check reads files: not needed after a cache hit";
    EXPECT_EQ(describe_cause(rule.kind, f, context(1, "cc", "ccache", "right")).summary,
              "served from the ccache cache on the right and different from the other build's "
              "output");
}

TEST(CauseRules, BuildPathOnlyWhenTheRootsDifferAndTheOutputEmbedsOne) {
    PairFacts f = quiet_facts();
    f.roots_differ = true;
    EXPECT_EQ(decide_cause(f).name, "nondeterministic") << "the output does not embed the root";
    f.outputs_embed_root = [] { return true; };
    EXPECT_EQ(decide_cause(f).name, "build-path");
    f.roots_differ = false;
    EXPECT_EQ(decide_cause(f).name, "nondeterministic") << "one root: not the build path";
}

// The whole differ, in memory.

TEST(DifferInMemory, AChangedFlagIsTheCauseOfTheObjectAndTheProgramBuiltFromIt) {
    Pair p;
    p.compile_and_link(p.left, "-O2", "o1", "p1");
    p.compile_and_link(p.right, "-O3", "o2", "p2");
    MemoryFiles files;
    files.bytes = {{"o1", "object one\n"}, {"o2", "object two\n"}, {"p1", "p1"}, {"p2", "p2"}};
    DiffOptions options;
    options.files = &files;
    DiffResult r = diff_recordings(p.left.rec, p.right.rec, options);
    const RootCause& rc = only_cause(r);
    EXPECT_EQ(rc.kind, RootCauseKind::Flags);
    EXPECT_EQ(rc.summary, "`-O2` -> `-O3` (optimization)");
    EXPECT_EQ(rc.explains, (std::vector<std::string>{"$ROOT/a.o", "$ROOT/prog"}));
    EXPECT_EQ(rc.explains_from, (std::vector<std::vector<int>>{{}, {0}})) << "prog read a.o";
    EXPECT_EQ(r.summary.divergent_artifacts, 2u);
    EXPECT_GT(files.opened, 0) << "the deep comparison read the bytes through the interface";
    EXPECT_EQ(r.artifacts[0].format, "text") << "a.o's two versions were compared as text";
}

TEST(DifferInMemory, SameCommandsDifferentOutputsAreBuildPathWhenTheOutputHoldsTheRoot) {
    for (bool embeds : {true, false}) {
        Pair p;
        p.compile_and_link(p.left, "-O2", "o1", "p");
        p.compile_and_link(p.right, "-O2", "o2", "p");
        MemoryFiles files;
        files.bytes = {{"o1", embeds ? "DW_AT_comp_dir /tmp/l\n" : "stamp 1\n"},
                       {"o2", embeds ? "DW_AT_comp_dir /tmp/r\n" : "stamp 2\n"}};
        DiffOptions options;
        options.files = &files;
        DiffResult r = diff_recordings(p.left.rec, p.right.rec, options);
        EXPECT_EQ(only_cause(r).kind,
                  embeds ? RootCauseKind::BuildPath : RootCauseKind::Nondeterministic);
        EXPECT_EQ(r.summary.divergent_artifacts, 1u) << "prog is identical";
    }
}

TEST(DifferInMemory, AnInvocationOnlyOneBuildRanIsMissingAndExplainsItsOutput) {
    Pair p;
    p.compile_and_link(p.left, "-O2", "o1", "p1");
    p.compile_and_link(p.right, "-O2", "o1", "p1");
    p.left.add({"cc", "-c", "b.c", "-o", "b.o"}, "/usr/bin/gcc-12", 0, {{"b.c", "s"}},
               {{"b.o", "b1"}});
    MemoryFiles files;
    DiffOptions options;
    options.files = &files;
    DiffResult r = diff_recordings(p.left.rec, p.right.rec, options);
    const RootCause& rc = only_cause(r);
    EXPECT_EQ(rc.kind, RootCauseKind::MissingInvocation);
    EXPECT_EQ(rc.explains, (std::vector<std::string>{"$ROOT/b.o"}));
    EXPECT_EQ(r.summary.missing, 1u);
}

// autopoint's way with a temporary: tar writes tmpwrk123/gettext-0.18.1/..., `mv` renames the
// directory to tmpwrk123/archive, `rm -rf tmpwrk123` unlinks the files under their new name.
// What was written under a renamed directory moves with it, and nothing of it is left.
TEST(FinalWrites, ARenamedDirectoryTakesItsFilesAlong) {
    Build b("/tmp/l");
    const std::string tmp = "/tmp/l/tmpwrk123";
    int tar = b.add({"tar", "xf", "-"}, "/usr/bin/tar", 0, {},
                    {{"tmpwrk123/gettext-0.18.1/m4/lock.m4", "h1"},
                     {"tmpwrk123/gettext-0.18.1/ABOUT-NLS", "h2"}});
    int mv = b.add({"mv", "tmpwrk123/gettext-0.18.1", "tmpwrk123/archive"}, "/usr/bin/mv", 0, {}, {});
    b.rec.processes[static_cast<size_t>(mv)].files.push_back(
        FileEvent{.op = FileOp::Rename, .path = tmp + "/gettext-0.18.1", .to = tmp + "/archive",
                  .t_ns = b.clock++});
    FinalWrites moved = final_writes(b.rec);
    ASSERT_EQ(moved.size(), 2u);
    EXPECT_EQ(moved.at(tmp + "/archive/m4/lock.m4").hash, "h1");
    EXPECT_EQ(moved.at(tmp + "/archive/ABOUT-NLS").producer, tar);
    int rm = b.add({"rm", "-rf", "tmpwrk123"}, "/usr/bin/rm", 0, {}, {});
    for (std::string f : {"/archive/m4/lock.m4", "/archive/ABOUT-NLS"})
        b.rec.processes[static_cast<size_t>(rm)].files.push_back(
            FileEvent{.op = FileOp::Unlink, .path = tmp + f, .t_ns = b.clock++});
    EXPECT_TRUE(final_writes(b.rec).empty());
}

// CMake's try_compile: a scratch directory TryCompile-XXXXXX holding the target cmTC_NNNNN's
// objects in cmTC_NNNNN.dir and the program cmTC_NNNNN, all removed. The directory is paired
// first; what was made inside it is then paired in the same place, so the link's `-o cmTC_NNNNN`
// is spelled alike in both builds.
TEST(Temporaries, WhatWasMadeInsideAPairedTemporaryIsPairedToo) {
    auto build = [](const std::string& root, const std::string& scratch, const std::string& target) {
        Build b(root);
        std::string dir = "obj/CMakeFiles/CMakeScratch/" + scratch;
        std::string object = dir + "/CMakeFiles/" + target + ".dir/abi.c.o";
        std::string program = dir + "/" + target;
        b.add({"cmake", ".."}, "/usr/bin/cmake", 0, {}, {{"obj/Makefile", "kept"}});
        b.add({"cc", "-c", "abi.c", "-o", object}, "/usr/bin/cc", 0, {}, {{object, "o"}});
        int cc = b.add({"cc", object, "-o", target}, "/usr/bin/cc", 0, {}, {{program, "exe"}});
        for (const std::string& f : {object, program})
            b.rec.processes[static_cast<size_t>(cc)].files.push_back(
                FileEvent{.op = FileOp::Unlink, .path = root + "/" + f, .t_ns = b.clock++});
        return b;
    };
    Build l = build("/tmp/l", "TryCompile-q6B6i8", "cmTC_ab393");
    // Roots of different depths (an audit's run against a build by hand).
    Build r = build("/tmp/audit/trees/again/src", "TryCompile-PslCq4", "cmTC_d6c17");
    std::vector<Temporary> lt = temporary_dirs(l.rec, final_writes(l.rec));
    // obj/CMakeFiles (nothing left in it), CMakeScratch, TryCompile-*, CMakeFiles, cmTC_*.dir,
    // and the two files.
    ASSERT_EQ(lt.size(), 7u);
    TemporaryNames names =
        pair_temporaries(lt, "/tmp/l", temporary_dirs(r.rec, final_writes(r.rec)),
                         "/tmp/audit/trees/again/src");
    ASSERT_EQ(names.left.size(), 3u);  // TryCompile-*, cmTC_*.dir, cmTC_* (the others agree)
    Normalizer n("/tmp/l", "/tmp/audit/trees/again/src");
    n.set_temporaries(names.left, names.right);
    EXPECT_EQ(n(Side::Left, "-o cmTC_ab393"), n(Side::Right, "-o cmTC_d6c17"));
    EXPECT_EQ(n(Side::Left, "/tmp/l/obj/CMakeFiles/CMakeScratch/TryCompile-q6B6i8/CMakeFiles/"
                            "cmTC_ab393.dir/abi.c.o"),
              n(Side::Right, "/tmp/audit/trees/again/src/obj/CMakeFiles/CMakeScratch/"
                             "TryCompile-PslCq4/CMakeFiles/cmTC_d6c17.dir/abi.c.o"));
    EXPECT_EQ(n(Side::Left, "/tmp/l/obj/Makefile"), "$ROOT/obj/Makefile");
    // Names that are not random are never paired: two files numbered 1 and 2 in one place
    // (which would rename every whole "2" in every argument: `-D_FORTIFY_SOURCE=2`).
    TemporaryNames numbered = pair_temporaries({{"/tmp/l/t/x/2", 1}}, "/tmp/l",
                                               {{"/tmp/r/t/x/1", 1}}, "/tmp/r");
    EXPECT_TRUE(numbered.left.empty());
    // A name both builds made in one place pairs with itself, whatever the order; the others
    // pair in order.
    TemporaryNames mixed =
        pair_temporaries({{"/tmp/l/t/tmp.aaa111", 1}, {"/tmp/l/t/tmp.bbb222", 2}}, "/tmp/l",
                         {{"/tmp/r/t/tmp.bbb222", 1}, {"/tmp/r/t/tmp.ccc333", 2}}, "/tmp/r");
    ASSERT_EQ(mixed.left.size(), 1u);
    // hello's configure and autopoint, as seen on a real run: autopoint's tmpwrkPID (a 4-digit
    // pid on one side, 5 digits on the other) and configure's conftestd2 (in both) and
    // confXXXXXX, in one directory. Each random name pairs with its namer's.
    TemporaryNames hello = pair_temporaries(
        {{"/tmp/l/tmpwrk5903", 1}, {"/tmp/l/conftestd2", 2}, {"/tmp/l/conf0LtV78", 3}}, "/tmp/l",
        {{"/tmp/r/tmpwrk12401", 1}, {"/tmp/r/conftestd2", 2}, {"/tmp/r/confllxsh4", 3}}, "/tmp/r");
    ASSERT_EQ(hello.left.size(), 2u);
    EXPECT_EQ(hello.left[0].first, "tmpwrk5903");
    EXPECT_EQ(hello.right[0].first, "tmpwrk12401");
    EXPECT_EQ(hello.left[1].first, "conf0LtV78");
    EXPECT_EQ(hello.right[1].first, "confllxsh4");
    EXPECT_EQ(mixed.left[0].first, "tmp.aaa111");
    EXPECT_EQ(mixed.right[0].first, "tmp.ccc333");
    EXPECT_EQ(mixed.left[0].second, mixed.right[0].second);
}

// Masquerading wrappers are configured by PATH: a PATH that differs only by the wrapper's
// directory of links is the wrapper, not a cause; any other PATH difference still is one.
TEST(WrapperConfiguration, APathThatDiffersOnlyByAMasqueradeDirectoryIsTheWrapper) {
    auto path = [](std::optional<std::string> l, std::optional<std::string> r) {
        return is_wrapper_configuration(EnvChange{"PATH", std::move(l), std::move(r), true, false});
    };
    EXPECT_TRUE(path("/usr/bin:/bin", "/usr/lib/ccache:/usr/bin:/bin"));
    EXPECT_TRUE(path("/usr/lib/icecc/bin:/usr/bin", "/usr/lib/distcc:/usr/bin"));
    EXPECT_FALSE(path("/usr/bin:/bin", "/opt/gcc-13/bin:/usr/bin:/bin"));
    EXPECT_FALSE(path("/usr/bin", std::nullopt));
}

// The index's grouped tables: a key's values in the order they were added (a file's writers in
// record order), each value once where asked (a content hash's writers), every key once with all
// its values, and nothing for a key never added.
TEST(Grouped, AKeysValuesInOrderOnceWhereAskedAndEveryGroupOnce) {
    Grouped<Interned, int> g;
    for (int i = 0; i < 1000; ++i) g.add(Interned("/g/" + std::to_string(i % 7)), 1000 - i);
    g.add(Interned("/g/3"), 5);
    Grouped<Interned, int> unique = g;
    g.seal();
    auto values = [](auto range) { return std::vector<int>(range.begin(), range.end()); };
    std::vector<int> three = values(g.values(Interned("/g/3")));
    ASSERT_EQ(three.size(), 144u);
    EXPECT_EQ(three.front(), 997);
    EXPECT_EQ(three[1], 990);
    EXPECT_EQ(three.back(), 5);
    EXPECT_TRUE(g.find(Interned("/g/none")).empty());
    EXPECT_FALSE(g.contains(Interned("/g/none")));
    unique.add(Interned("/g/3"), 5);
    unique.add(Interned("/g/3"), 997);
    unique.seal_unique();
    std::vector<int> once = values(unique.values(Interned("/g/3")));
    EXPECT_EQ(once.size(), 144u);
    EXPECT_TRUE(std::is_sorted(once.begin(), once.end()));
    EXPECT_EQ(unique.size(), 1000u + 1);
    Grouped<int, Interned> owned;
    for (int owner : {4, 2, 4, 9, 2})
        owned.add(owner, Interned("/o/" + std::to_string(owned.size())));
    owned.seal();
    std::vector<std::pair<int, std::string>> groups;
    owned.for_each_group([&](int owner, auto entries) {
        std::string paths;
        for (auto& [o, path] : entries) paths += path.str() + " ";
        groups.emplace_back(owner, paths);
    });
    EXPECT_EQ(groups, (std::vector<std::pair<int, std::string>>{
                          {2, "/o/1 /o/4 "}, {4, "/o/0 /o/2 "}, {9, "/o/3 "}}));
}

// The index's one-value tables: of a key set twice the last value (as a map's assignment), keys
// listed in string order, looked up by an interned or a plain string, nothing for a key never
// set; the set holds each key once.
TEST(FlatMap, TheLastValueSetKeysInOrderFoundByAnyString) {
    FlatMap<Interned, int> m;
    m.set(Interned("/f/b"), 1);
    m.set(Interned("/f/a"), 2);
    m.set(Interned("/f/c"), 3);
    m.set(Interned("/f/b"), 4);
    m.seal();
    std::vector<std::pair<std::string, int>> listed;
    for (auto& [k, v] : m) listed.emplace_back(k.str(), v);
    EXPECT_EQ(listed,
              (std::vector<std::pair<std::string, int>>{{"/f/a", 2}, {"/f/b", 4}, {"/f/c", 3}}));
    EXPECT_EQ(m.at(std::string("/f/b")), 4);
    EXPECT_EQ(m.find(std::string_view("/f/c"))->second, 3);
    EXPECT_EQ(m.find(Interned("/f/a"))->second, 2);
    EXPECT_EQ(m.find(std::string("/f/bb")), m.end());
    EXPECT_FALSE(m.contains(std::string("/f/")));
    EXPECT_THROW(m.at(std::string("/f/d")), std::out_of_range);
    FlatSet<Interned> s;
    for (const char* p : {"/s/2", "/s/1", "/s/2", "/s/3"}) s.insert(Interned(p));
    s.seal();
    EXPECT_EQ(s.size(), 3u);
    EXPECT_TRUE(s.contains(std::string("/s/2")));
    EXPECT_EQ(s.count(std::string("/s/4")), 0u);
    EXPECT_EQ(std::vector<Interned>(s.begin(), s.end()),
              (std::vector<Interned>{Interned("/s/1"), Interned("/s/2"), Interned("/s/3")}));
}
