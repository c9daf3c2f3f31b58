// `buildiff diff` on real builds recorded twice, made to diverge the way builds do in the wild
// (a define, SOURCE_DATE_EPOCH with __DATE__, __TIME__, -g in two directories, a dropped source,
// RUSTFLAGS). Every report is validated against docs/report.schema.json and checked for the
// model's invariant: every divergent artifact is explained by a root cause.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/core.h>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <thread>

#include "harness.h"

using namespace e2e;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {


struct Diff {
    int status = -1;
    std::string text;
    json report;
};

Diff diff(const TempDir& tmp, const std::string& left, const std::string& right,
          std::vector<std::string> extra = {}) {
    std::string out = tmp / "report.json";
    std::vector<std::string> argv = {buildiff_exe(), "diff", left, right, "--json", out};
    argv.insert(argv.end(), extra.begin(), extra.end());
    RunResult r = run(argv);
    Diff d;
    d.status = r.status;
    d.text = r.out;
    EXPECT_TRUE(r.err.empty()) << r.err;
    d.report = json::parse(read_text(out));
    expect_valid_report(out);
    // Invariant: every divergent artifact is explained by a root cause that lists it.
    for (auto& a : d.report["artifacts"]) {
        if (a["status"] == "identical") continue;
        EXPECT_FALSE(a["root_cause"].is_null()) << a["path"];
        if (a["root_cause"].is_null()) continue;
        auto& rc = d.report["root_causes"][a["root_cause"].get<int>() - 1];
        if (!a["bookkeeping"].is_null()) {  // counted, not listed
            EXPECT_GT(rc["bookkeeping"].get<int>(), 0) << a["path"];
            continue;
        }
        bool listed = false;
        for (auto& p : rc["explains"]) listed |= p == a["path"];
        EXPECT_TRUE(listed) << a["path"] << " not in the explains of root cause " << rc["id"];
    }
    return d;
}

std::vector<std::string> divergent_paths(const json& report) {
    std::vector<std::string> out;
    for (auto& a : report["artifacts"])
        if (a["status"] != "identical") out.push_back(a["path"]);
    return out;
}

// Whether any artifact's difference tree has a node of this kind (the deep comparators ran on
// the recorded files).
bool has_difference(const json& report, const std::string& kind) {
    std::vector<json> stack;
    for (auto& a : report["artifacts"])
        for (auto& d : a["differences"]) stack.push_back(d);
    while (!stack.empty()) {
        json d = stack.back();
        stack.pop_back();
        if (d["kind"] == kind) return true;
        for (auto& c : d["children"]) stack.push_back(c);
    }
    return false;
}

bool argv_has(const json& invocation, const std::string& arg) {
    for (auto& a : invocation["argv"])
        if (a == arg) return true;
    return false;
}

// The diff of a plain build against one whose util.c got -DFOO=2 through WRAPPER: one flags cause,
// at that compile, through that wrapper.
void expect_foo_define_through(const Diff& d, const std::string& wrapper) {
    EXPECT_EQ(d.status, 1);
    ASSERT_EQ(d.report["root_causes"].size(), 1u) << d.text;
    auto& rc = d.report["root_causes"][0];
    EXPECT_EQ(rc["kind"], "flags") << d.text;
    EXPECT_EQ(rc["invocation"]["wrapper"], wrapper);
    EXPECT_TRUE(argv_has(rc["invocation"], "util.c"));
    EXPECT_EQ(rc["details"]["flags"][0]["text"], "added define `FOO`=2 (preprocessor)") << d.text;
}

}  // namespace

TEST(DiffIdentical, SameProjectBuiltTwiceInTheSameDirectory) {
    TempDir tmp;
    std::string left = record_make(tmp, "src", "left.rec", {"-j2"});
    std::string right = record_make(tmp, "src", "right.rec", {"-j2"});
    Diff d = diff(tmp, left, right);
    EXPECT_EQ(d.status, 0) << d.text;
    EXPECT_EQ(d.report["verdict"], "identical");
    EXPECT_TRUE(d.report["root_causes"].empty());
    EXPECT_GE(d.report["summary"]["artifacts"].get<int>(), 7);  // 5 objects, the archive, prog
    EXPECT_EQ(d.report["summary"]["missing_invocations"], 0);
    EXPECT_NE(d.text.find("identical"), std::string::npos);
}

TEST(DiffFlags, ADefineChangedInOneCompileIsOneFlagsRootCauseExplainingTheChain) {
    TempDir tmp;
    std::string left = record_make(tmp, "src", "left.rec", {"UTIL_CFLAGS=-DFOO=1"});
    std::string right = record_make(tmp, "src", "right.rec", {"UTIL_CFLAGS=-DFOO=2"});
    Diff d = diff(tmp, left, right);
    EXPECT_EQ(d.status, 1);
    ASSERT_EQ(d.report["root_causes"].size(), 1u) << d.text;
    auto& rc = d.report["root_causes"][0];
    EXPECT_EQ(rc["kind"], "flags");
    EXPECT_TRUE(argv_has(rc["invocation"], "util.c"));
    EXPECT_TRUE(argv_has(rc["invocation"], "-DFOO=2"));
    ASSERT_EQ(rc["details"]["flags"].size(), 1u);
    EXPECT_EQ(rc["details"]["flags"][0]["text"], "define `FOO` 1 -> 2 (preprocessor)");
    std::vector<std::string> chain = rc["explains"];
    EXPECT_EQ(chain, (std::vector<std::string>{"$ROOT/util.o", "$ROOT/libutil.a", "$ROOT/prog"}));
    EXPECT_EQ(divergent_paths(d.report).size(), 3u);
    EXPECT_NE(d.text.find("define `FOO` 1 -> 2"), std::string::npos) << d.text;
}

TEST(DiffEnv, SourceDateEpochWithDateMacroIsAnEnvRootCauseAtThatCompile) {
    TempDir tmp;
    std::string left = record_make(tmp, "src", "left.rec", {});
    std::string right = record_make(tmp, "src", "right.rec", {}, {"SOURCE_DATE_EPOCH=0"});
    Diff d = diff(tmp, left, right);
    EXPECT_EQ(d.status, 1);
    ASSERT_EQ(d.report["root_causes"].size(), 1u) << d.text;
    auto& rc = d.report["root_causes"][0];
    EXPECT_EQ(rc["kind"], "env");
    EXPECT_TRUE(argv_has(rc["invocation"], "stamp.c")) << rc["invocation"].dump();
    bool sde = false;
    for (auto& e : rc["details"]["env"])
        sde |= e["name"] == "SOURCE_DATE_EPOCH" && e["left"].is_null() && e["right"] == "0";
    EXPECT_TRUE(sde);
    std::vector<std::string> chain = rc["explains"];
    EXPECT_EQ(chain.front(), "$ROOT/stamp.o");
}

TEST(DiffNondeterministic, TimeMacroCompiledASecondApartWithNothingElseDifferent) {
    TempDir tmp;
    std::string left = record_make(tmp, "src", "left.rec", {"CLOCK_CFLAGS=-DWITH_TIME"});
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    std::string right = record_make(tmp, "src", "right.rec", {"CLOCK_CFLAGS=-DWITH_TIME"});
    Diff d = diff(tmp, left, right);
    EXPECT_EQ(d.status, 1);
    ASSERT_EQ(d.report["root_causes"].size(), 1u) << d.text;
    auto& rc = d.report["root_causes"][0];
    EXPECT_EQ(rc["kind"], "nondeterministic");
    EXPECT_TRUE(argv_has(rc["invocation"], "clock.c"));
    EXPECT_EQ(rc["explains"][0], "$ROOT/clock.o");
}

TEST(DiffBuildPath, TwoDirectoriesWithDebugInfoIsOneBuildPathRootCauseNotFlags) {
    TempDir tmp;
    std::string left = record_make(tmp, "a", "left.rec", {"CFLAGS=-O2 -g"});
    std::string right = record_make(tmp, "bb-longer", "right.rec", {"CFLAGS=-O2 -g"});
    Diff d = diff(tmp, left, right);
    EXPECT_EQ(d.status, 1);
    ASSERT_EQ(d.report["root_causes"].size(), 1u) << d.text;
    auto& rc = d.report["root_causes"][0];
    EXPECT_EQ(rc["kind"], "build-path");
    EXPECT_GE(rc["invocations"].get<int>(), 5) << "every compile shares the one cause";
    RunResult md = run({buildiff_exe(), "diff", left, right, "--markdown", "-"});
    EXPECT_NE(md.out.find(fmt::format("- and {} more invocations with the same cause",
                                      rc["invocations"].get<int>() - 1)),
              std::string::npos)
        << md.out;
    EXPECT_GE(divergent_paths(d.report).size(), 7u);
    // Each object is the output of a compile the cause covers; the archive and the program
    // were built from them.
    for (auto& a : d.report["artifacts"]) {
        if (a["status"] != "different") continue;
        EXPECT_EQ(a["root_output"], a["path"].get<std::string>().ends_with(".o")) << a["path"];
    }
    // The tree: the compiles' objects side by side, the archive from four of them, the program
    // from main.o and the archive (what each step read).
    EXPECT_NE(d.text.find("  explains $ROOT/main.o, $ROOT/util.o, $ROOT/stamp.o, $ROOT/clock.o, "
                          "$ROOT/extra.o\n"
                          "           $ROOT/util.o, $ROOT/stamp.o, $ROOT/clock.o, $ROOT/extra.o "
                          "-> $ROOT/libutil.a\n"
                          "           $ROOT/main.o, $ROOT/libutil.a -> $ROOT/prog\n"),
              std::string::npos)
        << d.text;
    EXPECT_NE(d.text.find("and 4 more invocations with the same cause"), std::string::npos);
    EXPECT_NE(md.out.find("- explains:\n  - $ROOT/main.o, $ROOT/util.o, $ROOT/stamp.o, "
                          "$ROOT/clock.o, $ROOT/extra.o\n"
                          "  - $ROOT/util.o, $ROOT/stamp.o, $ROOT/clock.o, $ROOT/extra.o → "
                          "$ROOT/libutil.a\n"
                          "  - $ROOT/main.o, $ROOT/libutil.a → $ROOT/prog\n"),
              std::string::npos)
        << md.out;
    EXPECT_TRUE(has_difference(d.report, "dwarf-comp-dir"))
        << "the objects' DWARF names the build directory: " << d.text;
    EXPECT_EQ(d.report["summary"]["missing_invocations"], 0);
    EXPECT_EQ(d.report["summary"]["extra_invocations"], 0);
}

TEST(DiffMissing, ASourceFileDroppedFromTheRightBuildIsAMissingInvocation) {
    TempDir tmp;
    std::string left = record_make(tmp, "src", "left.rec", {});
    // The truth: prog never used extra.o (nm finds none of its symbols), so the program, the
    // one deliverable, is the same; the archive, an intermediate, lost a member.
    std::string prog_left = read_text(tmp / "src/prog");
    std::string right = record_make(tmp, "src", "right.rec", {"LIBOBJS=util.o stamp.o clock.o"});
    ASSERT_EQ(read_text(tmp / "src/prog"), prog_left);
    ASSERT_EQ(run({"nm", tmp / "src/prog"}).out.find("extra_value"), std::string::npos);
    Diff d = diff(tmp, left, right);
    EXPECT_EQ(d.status, 0) << d.text;
    EXPECT_EQ(d.report["summary"]["divergent_deliverables"], 0);
    EXPECT_EQ(diff(tmp, left, right, {"--strict"}).status, 1);
    ASSERT_EQ(d.report["root_causes"].size(), 1u) << d.text;
    auto& rc = d.report["root_causes"][0];
    EXPECT_EQ(rc["kind"], "missing-invocation");
    EXPECT_TRUE(argv_has(rc["left"], "extra.c"));
    EXPECT_TRUE(rc["right"].is_null());
    std::vector<std::string> chain = rc["explains"];
    EXPECT_NE(std::find(chain.begin(), chain.end(), "$ROOT/extra.o"), chain.end());
    EXPECT_NE(std::find(chain.begin(), chain.end(), "$ROOT/libutil.a"), chain.end());
}

TEST(DiffCargo, RustflagsIsAnEnvRootCauseOnRustcWithHashBearingPathsPaired) {
    TempDir tmp;
    std::string ws = tmp / "ws";
    copy_tree(fixture("cargo-ws"), ws);
    RunOptions opts{.cwd = ws,
                    .env = {"CARGO_TERM_COLOR=never", "CARGO_INCREMENTAL=0"},
                    .unset = {"RUSTC_WRAPPER", "CARGO_BUILD_RUSTC_WRAPPER", "RUSTFLAGS", "CC",
                              "CFLAGS", "CARGO_TARGET_DIR"}};
    ASSERT_EQ(
        run({buildiff_exe(), "record", "-q", "-o", tmp / "left.rec", "--", "cargo", "build"}, opts)
            .status,
        0);
    ASSERT_EQ(run({"cargo", "clean"}, opts).status, 0);
    RunOptions with = opts;
    with.env.push_back("RUSTFLAGS=-Cdebug-assertions");
    ASSERT_EQ(
        run({buildiff_exe(), "record", "-q", "-o", tmp / "right.rec", "--", "cargo", "build"}, with)
            .status,
        0);
    Diff d = diff(tmp, tmp / "left.rec", tmp / "right.rec");
    EXPECT_EQ(d.status, 1);
    ASSERT_GE(d.report["root_causes"].size(), 1u) << d.text;
    bool env_on_rustc = false;
    for (auto& rc : d.report["root_causes"]) {
        EXPECT_NE(rc["kind"], "missing-invocation") << "cargo's hash-bearing names must pair";
        EXPECT_NE(rc["kind"], "extra-invocation") << rc["summary"];
        if (rc["kind"] == "env" && rc["invocation"]["kind"] == "rustc")
            for (auto& e : rc["details"]["env"]) env_on_rustc |= e["name"] == "RUSTFLAGS";
    }
    EXPECT_TRUE(env_on_rustc) << d.text;
    // cargo, 3 crates and the build script compiled, the build script run, and the C compiles
    // and archive of the build script: all paired across the changed hash-bearing names.
    EXPECT_GE(d.report["summary"]["paired"].get<int>(), 10) << d.text;
}

// A crate that reads a variable of its own at compile time (`env!("GREETING")`): rustc lists it
// in its dep-info (`# env-dep:GREETING=...`), so a GREETING that differs between two builds is the
// env cause at that rustc, although rustc itself reads no such variable. The truth: the two
// programs print what each build's GREETING said.
TEST(DiffCargo, AVariableACrateReadsWithEnvIsTheCauseThroughRustcsDepInfo) {
    TempDir tmp;
    write_text(tmp / "ws/Cargo.toml",
               "[package]\nname = \"greet\"\nversion = \"0.1.0\"\nedition = \"2021\"\n");
    write_text(tmp / "ws/src/main.rs", "fn main() { println!(\"{}\", env!(\"GREETING\")); }\n");
    RunOptions opts{.cwd = tmp / "ws",
                    .env = {"CARGO_TERM_COLOR=never", "CARGO_INCREMENTAL=0", "GREETING=hello"},
                    .unset = {"RUSTC_WRAPPER", "CARGO_BUILD_RUSTC_WRAPPER", "RUSTFLAGS",
                              "CARGO_TARGET_DIR"}};
    ASSERT_EQ(
        run({buildiff_exe(), "record", "-q", "-o", tmp / "left.rec", "--", "cargo", "build"}, opts)
            .status,
        0);
    EXPECT_EQ(run({tmp / "ws/target/debug/greet"}).out, "hello\n");
    ASSERT_EQ(run({"cargo", "clean"}, opts).status, 0);
    opts.env.back() = "GREETING=bonjour";
    ASSERT_EQ(
        run({buildiff_exe(), "record", "-q", "-o", tmp / "right.rec", "--", "cargo", "build"}, opts)
            .status,
        0);
    EXPECT_EQ(run({tmp / "ws/target/debug/greet"}).out, "bonjour\n");
    // rustc's dep-info says the crate read it.
    ASSERT_EQ(run({"sh", "-c", "grep -q '^# env-dep:GREETING=bonjour$' target/debug/deps/*.d"},
                  {.cwd = tmp / "ws"})
                  .status,
              0);
    Diff d = diff(tmp, tmp / "left.rec", tmp / "right.rec");
    EXPECT_EQ(d.status, 1) << d.text;
    const json* program = nullptr;
    for (auto& a : d.report["artifacts"])
        if (a["path"] == "$ROOT/target/debug/greet") program = &a;
    ASSERT_TRUE(program) << d.text;
    ASSERT_TRUE((*program)["root_cause"].is_number()) << d.text;
    const json& cause = d.report["root_causes"][(*program)["root_cause"].get<size_t>() - 1];
    EXPECT_EQ(cause["kind"], "env") << cause.dump(1);
    EXPECT_EQ(cause["invocation"]["kind"], "rustc");
    bool named = false;
    for (auto& e : cause["details"]["env"]) named |= e["name"] == "GREETING";
    EXPECT_TRUE(named) << cause.dump(1);
}

TEST(DiffOutput, JsonIsDeterministicAndIgnoreTurnsNoiseOff) {
    TempDir tmp;
    std::string left = record_make(tmp, "src", "left.rec", {"CLOCK_CFLAGS=-DWITH_TIME"});
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    std::string right = record_make(tmp, "src", "right.rec", {"CLOCK_CFLAGS=-DWITH_TIME"});
    RunResult a = run({buildiff_exe(), "diff", left, right, "--json", "-"});
    RunResult b = run({buildiff_exe(), "diff", left, right, "--json", "-"});
    EXPECT_EQ(a.status, 1);
    EXPECT_EQ(a.out, b.out) << "the same inputs give byte-identical JSON";
    // The clock and everything made from it, declared known noise: identical, exit 0.
    Diff d = diff(
        tmp, left, right,
        {"--ignore", "$ROOT/clock.o", "--ignore", "$ROOT/libutil.a", "--ignore", "$ROOT/prog"});
    EXPECT_EQ(d.status, 0) << d.text;
    EXPECT_EQ(d.report["summary"]["ignored_artifacts"], 3);
}

TEST(DiffBadInput, CorruptTruncatedOrForeignRecordingsAreOneLineAndExit2) {
    TempDir tmp;
    std::string good = record_make(tmp, "src", "good.rec", {});
    std::string corrupt = read_text(good);  // compressed: a byte changed past the header
    corrupt[corrupt.size() / 2] ^= 0x55;
    std::ofstream(tmp / "corrupt.rec", std::ios::binary) << corrupt;
    std::ofstream(tmp / "v3.rec")
        << R"({"type":"header","format":"buildiff.recording","version":3})"
           "\n";
    for (const char* bad : {"corrupt.rec", "v3.rec", "missing.rec"}) {
        RunResult r = run({buildiff_exe(), "diff", good, tmp / bad});
        EXPECT_EQ(r.status, 2) << bad;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
        EXPECT_NE(r.err.find(bad), std::string::npos) << r.err;
    }
    // A recording cut short (recorder killed) still compares, with a note: its compressed
    // stream ends in the middle of a frame.
    std::string bytes = read_text(good);
    std::ofstream(tmp / "cut.rec", std::ios::binary) << bytes.substr(0, bytes.size() * 2 / 3);
    RunResult r = run({buildiff_exe(), "diff", good, tmp / "cut.rec"});
    EXPECT_NE(r.status, 2) << r.err;
    EXPECT_NE(r.out.find("is incomplete"), std::string::npos) << r.out;
}

TEST(Explain, TheChainFromTheProgramBackToTheCompiles) {
    TempDir tmp;
    std::string rec = record_make(tmp, "src", "b.rec", {"UTIL_CFLAGS=-DFOO=3"});
    RunResult r = run({buildiff_exe(), "explain", rec, "prog"}, {.cwd = tmp / "src"});
    ASSERT_EQ(r.status, 0) << r.err;
    // The program by the link, the archive by ar, its members by their compiles.
    auto at = [&](const std::string& s) { return r.out.find(s); };
    ASSERT_NE(at("$ROOT/prog was produced by"), std::string::npos) << r.out;
    ASSERT_NE(at("$ROOT/libutil.a was produced by"), std::string::npos) << r.out;
    ASSERT_NE(at("$ROOT/util.o was produced by"), std::string::npos) << r.out;
    EXPECT_LT(at("$ROOT/prog was"), at("$ROOT/libutil.a was"));
    EXPECT_LT(at("$ROOT/libutil.a was"), at("$ROOT/util.o was"));
    EXPECT_NE(at("-DFOO=3"), std::string::npos) << "each step shows its flags";
    RunResult missing =
        run({buildiff_exe(), "explain", rec, "no-such-file.o"}, {.cwd = tmp / "src"});
    EXPECT_EQ(missing.status, 2);
    EXPECT_NE(missing.err.find("no-such-file.o was not written"), std::string::npos) << missing.err;
}

TEST(DiffCache, AStaleTimeMacroServedByCcacheIsACacheRootCause) {
    // ccache with sloppiness=time_macros caches a file using __TIME__: a warm hit replays the
    // time of the cold compile. Plain vs warm: the object differs, served from the cache.
    TempDir tmp;
    auto [plain, warm] = record_stale_ccache_hit(tmp);
    Diff d = diff(tmp, plain, warm);
    EXPECT_EQ(d.status, 1);
    ASSERT_EQ(d.report["root_causes"].size(), 1u) << d.text;
    auto& rc = d.report["root_causes"][0];
    EXPECT_EQ(rc["kind"], "cache") << d.text;
    EXPECT_TRUE(argv_has(rc["invocation"], "clock.c"));
    EXPECT_EQ(rc["invocation"]["wrapper"], "ccache");
    EXPECT_EQ(rc["invocation"]["cache_hit"], true);
    EXPECT_EQ(rc["explains"][0], "$ROOT/clock.o");
    // Cold vs warm: the hit replays the cold compile's object exactly.
    Diff same = diff(tmp, tmp / "cold.rec", warm);
    EXPECT_EQ(same.status, 0) << same.text;
}

// The same through masquerading ccache, as Debian sets it up: /usr/lib/ccache first on PATH,
// where `cc` is a link to ccache. The build runs `cc`; what ran is ccache, and its hit is the
// cause at that call.
TEST(DiffCache, MasqueradingCcacheOnPathIsTheWrapperOfTheCallAndItsStaleHitTheCause) {
    TempDir tmp;
    ASSERT_TRUE(fs::is_symlink("/usr/lib/ccache/cc")) << "Debian's ccache links /usr/lib/ccache/cc";
    std::vector<std::string> env = {"CCACHE_DIR=" + (tmp / "cache"),
                                    "CCACHE_SLOPPINESS=time_macros",
                                    "PATH=/usr/lib/ccache:" + std::string(std::getenv("PATH"))};
    std::string plain = record_make(tmp, "src", "plain.rec", {"CLOCK_CFLAGS=-DWITH_TIME"},
                                    {env[0], env[1]});
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    record_make(tmp, "src", "cold.rec", {"CLOCK_CFLAGS=-DWITH_TIME", "CC=cc"}, env);
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    std::string warm = record_make(tmp, "src", "warm.rec", {"CLOCK_CFLAGS=-DWITH_TIME", "CC=cc"}, env);
    Diff d = diff(tmp, plain, warm);
    EXPECT_EQ(d.status, 1);
    ASSERT_EQ(d.report["root_causes"].size(), 1u) << d.text;
    auto& rc = d.report["root_causes"][0];
    EXPECT_EQ(rc["kind"], "cache") << d.text;
    EXPECT_TRUE(argv_has(rc["invocation"], "clock.c"));
    EXPECT_EQ(rc["invocation"]["wrapper"], "ccache") << rc.dump(1);
    EXPECT_EQ(rc["invocation"]["cache_hit"], true);
    EXPECT_EQ(rc["explains"][0], "$ROOT/clock.o");
    Diff same = diff(tmp, tmp / "cold.rec", warm);
    EXPECT_EQ(same.status, 0) << same.text;
}

TEST(DiffCache, SccacheWithAJoinedDashOIsNamedByTheCallTheUserMadeAndItsHitsAreHits) {
    // `-ox.o` is gcc's `-o x.o`; sccache's server runs the compiler with `-o x.o`. The divergence
    // and the object belong to the client call the build made, as with the separate form.
    TempDir tmp;
    fs::create_directories(tmp / "src");
    std::ofstream(tmp / "src/y.c") << "int y(void) { return 7; }\n";
    RunOptions env{.cwd = tmp / "src",
                   .env = {"SCCACHE_SERVER_PORT=" + std::to_string(free_tcp_port()),
                           "SCCACHE_DIR=" + (tmp / "cache"), "SCCACHE_IDLE_TIMEOUT=60"}};
    auto build = [&](const std::string& name, int value, const std::string& then = "") {
        std::ofstream(tmp / "src/x.c") << "int x(void) { return " << value << "; }\n";
        RunResult r = run({buildiff_exe(), "record", "-q", "-o", tmp / name, "--", "sh", "-c",
                           "sccache gcc -c x.c -ox.o" + then},
                          env);
        EXPECT_EQ(r.status, 0) << r.err;
        run({"sccache", "--stop-server"}, env);
        return tmp / name;
    };
    std::string one = build("one.rec", 1), two = build("two.rec", 2);
    Diff d = diff(tmp, one, two);
    EXPECT_EQ(d.status, 1);
    ASSERT_EQ(d.report["root_causes"].size(), 1u) << d.text;
    auto& rc = d.report["root_causes"][0];
    EXPECT_EQ(rc["kind"], "source") << d.text;
    EXPECT_TRUE(argv_has(rc["invocation"], "-ox.o")) << rc["invocation"].dump();
    EXPECT_EQ(rc["invocation"]["wrapper"], "sccache");
    EXPECT_EQ(rc["invocation"]["cache_hit"], false);
    EXPECT_EQ(rc["invocation"]["cache"], "miss");
    EXPECT_EQ(rc["explains"], json::array({"$ROOT/x.o"}));

    // Warm: x.c hits (the server, started by that first call, writes x.o from its cache); y.c,
    // new, is compiled by that server for the second call. Each call is told apart.
    std::string warm = build("warm.rec", 1, " && sccache gcc -c y.c -oy.o");
    buildiff::Recording rec = load(warm);
    buildiff::Analysis a = buildiff::analyze(rec);
    std::map<std::string, buildiff::CacheOutcome> outcome;
    for (auto& p : rec.processes)
        if (p.classification.role == buildiff::WrapperRole::Client)
            outcome[p.argv.back()] = a.cache[static_cast<size_t>(p.id)];
    EXPECT_EQ(outcome, (std::map<std::string, buildiff::CacheOutcome>{
                           {"-ox.o", buildiff::CacheOutcome::Hit},
                           {"-oy.o", buildiff::CacheOutcome::Miss}}));
    EXPECT_NE(run({buildiff_exe(), "show", warm})
                  .out.find("cache     1 hit, 1 miss, 0 not cacheable, 0 unknown"),
              std::string::npos);
    // Only y.o is new: x.o is the cold build's object.
    Diff more = diff(tmp, one, warm);
    EXPECT_EQ(more.status, 1);
    EXPECT_EQ(divergent_paths(more.report), (std::vector<std::string>{"$ROOT/y.o"})) << more.text;
}

// distcc with DISTCC_HOSTS=localhost compiles on this machine, as its child: the compile it ran
// is recorded and linked to the call make made. Plain against distcc is identical call for call;
// a define changed on the distcc side is a flags cause at the distcc call, naming the define.
TEST(DiffCache, DistccRunningLocallyIsPairedCallForCallAndItsCompilesAreWhatIsCompared) {
    TempDir tmp;
    fs::create_directories(tmp / "distcc");
    std::vector<std::string> env = {"DISTCC_HOSTS=localhost", "DISTCC_DIR=" + (tmp / "distcc")};
    std::string plain = record_make(tmp, "src", "plain.rec", {}, env);
    std::string distcc = record_make(tmp, "src", "distcc.rec", {"CC=distcc cc"}, env);
    // What ran: each distcc call is a client of cc, and the compile it ran is its child.
    buildiff::Recording rec = load(distcc);
    size_t clients = 0;
    for (const auto& p : rec.processes) {
        if (p.classification.kind != buildiff::ToolKind::CacheWrapper) continue;
        ++clients;
        EXPECT_EQ(p.classification.wrapped_tool, "cc");
        bool compiled = false;
        for (const auto& child : rec.processes)
            compiled |= child.parent == p.id &&
                        child.classification.kind == buildiff::ToolKind::CompilerDriver;
        EXPECT_TRUE(compiled) << "distcc ran no compiler for " << p.argv.back();
    }
    EXPECT_EQ(clients, 6u) << "five compiles and the link";
    Diff same = diff(tmp, plain, distcc);
    EXPECT_EQ(same.status, 0) << same.text;
    EXPECT_EQ(same.report["summary"]["paired"], 8) << same.text;
    EXPECT_EQ(same.report["summary"]["missing_invocations"], 0);

    std::string other = record_make(tmp, "src", "other.rec", {"CC=distcc cc", "UTIL_CFLAGS=-DFOO=2"},
                                    env);
    expect_foo_define_through(diff(tmp, plain, other), "distcc");
}

namespace {

const char* const k_iceccd_socket = "/var/run/icecc/iceccd.socket";

// Whether an icecc daemon answers on the socket its clients connect to (root's).
bool iceccd_answers() {
    return run({"python3", "-c",
                std::string("import socket; socket.socket(socket.AF_UNIX).connect('") +
                    k_iceccd_socket + "')"})
               .status == 0;
}

// An icecream scheduler and daemon of this test's own (their ports free ones, the daemon's
// compiler environments in DIR, owned by the icecc user it drops to), stopped when it goes.
struct IcecreamCluster {
    std::string envs;
    explicit IcecreamCluster(const std::string& dir) : envs(dir) {
        fs::create_directories(envs);
        EXPECT_EQ(run({"chown", "icecc", envs}).status, 0);
        std::string scheduler = std::to_string(free_tcp_port());
        EXPECT_EQ(run({"icecc-scheduler", "-d", "-p", scheduler}).status, 0);
        EXPECT_EQ(run({"iceccd", "-d", "-s", "127.0.0.1:" + scheduler, "-b", envs, "-p",
                       std::to_string(free_tcp_port()), "-m", "2", "-N", "buildiff-test"})
                      .status,
                  0);
        for (int i = 0; i < 100 && !iceccd_answers(); ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ~IcecreamCluster() {
        run({"pkill", "-f", "iceccd -d -s 127.0.0.1:.* -b " + envs});
        run({"pkill", "-f", "^icecc-scheduler -d -p "});
    }
};

// How many calls in the recording went through icecc, each a client of cc that ran a compiler
// driver as its child (its own compile, or the one it execs when no daemon answers).
size_t icecc_clients_that_compiled(const std::string& recording) {
    buildiff::Recording rec = load(recording);
    size_t clients = 0;
    for (const auto& p : rec.processes) {
        if (p.classification.kind != buildiff::ToolKind::CacheWrapper) continue;
        EXPECT_EQ(p.classification.tool, "icecc") << p.argv.back();
        EXPECT_EQ(p.classification.wrapped_tool, "cc") << p.argv.back();
        bool compiled = false;
        for (const auto& child : rec.processes)
            compiled |= child.parent == p.id &&
                        child.classification.kind == buildiff::ToolKind::CompilerDriver;
        EXPECT_TRUE(compiled) << "icecc ran no compiler for " << p.argv.back();
        clients += compiled;
    }
    return clients;
}

}  // namespace

// icecream (Debian's icecc), the three ways it meets a build: `CC="icecc cc"` with no daemon
// (the client execs the compiler itself), and with a scheduler and a daemon of the test's own,
// both as `CC="icecc cc"` and masquerading as cc from /usr/lib/icecc/bin on PATH. With one node
// the daemon hands each job back ("building myself"): the client runs the compiler as its child,
// which is recorded and linked to the call make made. Each is identical to a plain build call
// for call; a define changed behind icecc is a flags cause at the icecc call.
TEST(DiffCache, IcecreamWithAndWithoutItsDaemonIsPairedCallForCallWithWhatItCompiled) {
    TempDir tmp;
    fs::permissions(tmp.path(), fs::perms::owner_all | fs::perms::group_exec |
                                    fs::perms::others_exec);  // the daemon's user reaches envs/
    std::string plain = record_make(tmp, "src", "plain.rec", {});
    auto expect_paired = [&](const std::string& icecc) {
        EXPECT_EQ(icecc_clients_that_compiled(icecc), 6u) << "five compiles and the link";
        Diff same = diff(tmp, plain, icecc);
        EXPECT_EQ(same.status, 0) << same.text;
        EXPECT_EQ(same.report["summary"]["paired"], 8) << same.text;
        EXPECT_EQ(same.report["summary"]["missing_invocations"], 0);
    };
    // A machine's own daemon (scripts/deps.sh disables the one Debian starts) is used as it is.
    std::optional<IcecreamCluster> cluster;
    if (!iceccd_answers()) {
        expect_paired(record_make(tmp, "src", "alone.rec", {"CC=icecc cc"}));
        cluster.emplace(tmp / "envs");
        ASSERT_TRUE(iceccd_answers()) << "iceccd did not start";
    }
    expect_paired(record_make(tmp, "src", "icecc.rec", {"CC=icecc cc"}));
    // The client asked the daemon for a compiler environment: the daemon packed the native one.
    if (cluster) {
        EXPECT_TRUE(fs::exists(tmp / "envs/native") && !fs::is_empty(tmp / "envs/native"));
    }
    std::string path = "PATH=/usr/lib/icecc/bin:" + std::string(getenv("PATH"));
    expect_paired(record_make(tmp, "src", "masquerade.rec", {}, {path}));

    std::string other = record_make(tmp, "src", "other.rec", {"UTIL_CFLAGS=-DFOO=2"}, {path});
    expect_foo_define_through(diff(tmp, plain, other), "icecc");
}

TEST(DiffCache, PlainAgainstSccacheColdAndWarmIsIdenticalCallForCall) {
    // The nightly job's comparison: the server's own work (its compiler detection) and the
    // preprocessing it runs to hash each call belong to the calls, not to extra invocations.
    TempDir tmp;
    std::vector<std::string> env = {"SCCACHE_SERVER_PORT=" + std::to_string(free_tcp_port()),
                                    "SCCACHE_DIR=" + (tmp / "cache"), "SCCACHE_IDLE_TIMEOUT=60"};
    auto stop = [&] { run({"sccache", "--stop-server"}, {.env = env}); };
    std::string plain = record_make(tmp, "plain", "plain.rec", {"-j2", "CC=gcc"});
    std::string cold = record_make(tmp, "cold", "cold.rec", {"-j2", "CC=sccache gcc"}, env);
    stop();
    std::string warm = record_make(tmp, "warm", "warm.rec", {"-j2", "CC=sccache gcc"}, env);
    stop();
    for (const std::string& cached : {cold, warm}) {
        Diff d = diff(tmp, plain, cached);
        EXPECT_EQ(d.status, 0) << d.text;
        EXPECT_EQ(d.report["summary"]["left_invocations"], 8) << d.text;  // make, 5 cc, ar, link
        EXPECT_EQ(d.report["summary"]["right_invocations"], 8) << d.text;
        EXPECT_EQ(d.report["summary"]["paired"], 8) << d.text;
    }
    buildiff::Recording rec = load(warm);
    buildiff::Summary s = buildiff::summarize(rec, buildiff::analyze(rec));
    EXPECT_EQ(s.cache_hits, 5u) << "main.c and the four library sources";
    EXPECT_EQ(s.cache_uncacheable, 1u) << "the link";
}

TEST(DiffCache, SccacheServesStaleLineNumbersForASourceWhoseCommentMovedItsCode) {
    // sccache hashes a C call's preprocessed source without line markers (`gcc -E -P`): a
    // comment that moves the code down hits the entry of the old source, whose debug
    // information has the old line numbers. The right build's y.o is a hit; the call that
    // started the server (x.c) has nothing to do with it.
    TempDir tmp;
    RunOptions env{.env = {"SCCACHE_SERVER_PORT=" + std::to_string(free_tcp_port()),
                           "SCCACHE_DIR=" + (tmp / "cache"), "SCCACHE_IDLE_TIMEOUT=60"}};
    auto stop = [&] { run({"sccache", "--stop-server"}, env); };
    fs::create_directories(tmp / "old");
    fs::create_directories(tmp / "src");
    const std::string code = "int f(int x) {\n  return x * 3;\n}\n";
    std::ofstream(tmp / "old/y.c") << code;
    std::ofstream(tmp / "src/y.c") << "/* a comment\n   on two lines */\n" << code;
    std::ofstream(tmp / "src/x.c") << "int g(void) { return 1; }\n";
    env.cwd = tmp / "old";
    ASSERT_EQ(run({"sccache", "gcc", "-g", "-c", "y.c", "-o", "y.o"}, env).status, 0);
    stop();
    env.cwd = tmp / "src";
    auto record = [&](const std::string& name, const std::string& cc) {
        RunResult r = run({buildiff_exe(), "record", "-q", "-o", tmp / name, "--", "sh", "-c",
                           cc + " -g -c x.c -o x.o && " + cc + " -g -c y.c -o y.o"},
                          env);
        EXPECT_EQ(r.status, 0) << r.err;
        return tmp / name;
    };
    std::string cached = record("cached.rec", "sccache gcc");
    stop();
    std::string plain = record("plain.rec", "gcc");

    Diff d = diff(tmp, plain, cached);
    EXPECT_EQ(d.status, 1);
    ASSERT_EQ(d.report["root_causes"].size(), 1u) << d.text;
    auto& rc = d.report["root_causes"][0];
    EXPECT_EQ(rc["kind"], "cache") << d.text;
    EXPECT_TRUE(argv_has(rc["right"], "y.c")) << d.text;
    EXPECT_EQ(rc["right"]["cache"], "hit");
    EXPECT_EQ(rc["explains"], json::array({"$ROOT/y.o"}));
    EXPECT_EQ(divergent_paths(d.report), (std::vector<std::string>{"$ROOT/y.o"}));

    // The server's preprocessing of y.c, which read it, was for the y.c call.
    buildiff::Recording rec = load(cached);
    buildiff::Analysis a = buildiff::analyze(rec);
    int y_call = -1, y_preprocess = -1;
    for (auto& p : rec.processes) {
        if (p.classification.role == buildiff::WrapperRole::Client && has_arg(p, "y.c"))
            y_call = p.id;
        if (p.classification.kind == buildiff::ToolKind::CompilerDriver && has_arg(p, "-E") &&
            has_arg(p, "y.c"))
            y_preprocess = p.id;
    }
    ASSERT_GE(y_call, 0);
    ASSERT_GE(y_preprocess, 0);
    EXPECT_EQ(a.served_by[static_cast<size_t>(y_preprocess)], y_call);
    RunResult explain = run({buildiff_exe(), "explain", cached, tmp / "src/y.o"});
    EXPECT_TRUE(explain.out.starts_with(fmt::format(
        "$ROOT/y.o was produced by [{}] compiler-driver gcc via sccache (cache hit)\n", y_call)))
        << explain.out << explain.err;
}

TEST(DiffCi, BaselineIgnoreFileJunitAndAppendedSummary) {
    TempDir tmp;
    std::string left = record_make(tmp, "a", "left.rec", {"CFLAGS=-O2 -g"});
    std::string right = record_make(tmp, "bb-longer", "right.rec", {"CFLAGS=-O2 -g"});
    std::ofstream(tmp / "summary.md") << "previous step\n";
    RunResult r = run({buildiff_exe(), "diff", "--baseline", left, right, "--junit", tmp / "j.xml",
                       "--summary-to", tmp / "summary.md"});
    EXPECT_EQ(r.status, 1) << r.err;
    std::string summary = read_text(tmp / "summary.md");
    EXPECT_TRUE(summary.starts_with("previous step\n## buildiff: divergent"))
        << summary.substr(0, 200);
    RunResult xml =
        run({"/usr/bin/python3", "-c",
             "import sys, xml.etree.ElementTree as E\n"
             "s = E.parse(sys.argv[1]).getroot()\n"
             "print(s.get('tests'), s.get('failures'), s.find('testcase/failure').get('type'))",
             tmp / "j.xml"});
    EXPECT_EQ(xml.out, "1 1 build-path\n") << xml.err;

    // An ignore file that tolerates the build path turns it into a pass, with counts.
    std::ofstream(tmp / "ignore")
        << "# the nightly job builds in a fresh directory\nkind:build-path\n";
    RunResult ok = run({buildiff_exe(), "diff", "--baseline", left, right, "--ignore-file",
                        tmp / "ignore", "--json", tmp / "r.json"});
    EXPECT_EQ(ok.status, 0) << ok.out << ok.err;
    json j = json::parse(read_text(tmp / "r.json"));
    expect_valid_report(tmp / "r.json");
    EXPECT_EQ(j["verdict"], "identical");
    EXPECT_EQ(j["summary"]["tolerated_causes"], 1);
    EXPECT_GE(j["summary"]["ignored_artifacts"].get<int>(), 7);
    EXPECT_NE(ok.out.find("tolerated kinds"), std::string::npos) << ok.out;
    // The default ignore file is .buildiffignore in the current directory.
    fs::copy_file(tmp / "ignore", tmp / ".buildiffignore");
    EXPECT_EQ(run({buildiff_exe(), "diff", left, right}, {.cwd = tmp.path()}).status, 0);

    std::ofstream(tmp / "bad-ignore") << "kind:build-paths\n";
    RunResult bad = run({buildiff_exe(), "diff", left, right, "--ignore-file", tmp / "bad-ignore"});
    EXPECT_EQ(bad.status, 2);
    EXPECT_NE(bad.err.find(tmp / "bad-ignore:1: unknown root-cause kind `build-paths`"),
              std::string::npos)
        << bad.err;
    EXPECT_EQ(run({buildiff_exe(), "diff", "--baseline", left, left}).status, 0);
}

// A report written to something that is not a regular file (a FIFO here; /dev/null and
// /dev/stdout alike) is written into it, never replaced by a renamed temporary file.
TEST(DiffOutput, AReportToAFifoOrDeviceIsWrittenIntoItNotRenamedOverIt) {
    TempDir tmp;
    std::ofstream(tmp / "a.txt") << "one\n";
    std::ofstream(tmp / "b.txt") << "two\n";
    std::string fifo = tmp / "report.json";
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    pid_t reader = spawn({"sh", "-c", "cat \"$0\" > \"$1\"", fifo, tmp / "read.json"});
    RunResult r = run({buildiff_exe(), "diff", tmp / "a.txt", tmp / "b.txt", "--json", fifo});
    bool replaced = !fs::is_fifo(fifo);
    if (replaced) kill(reader, SIGKILL);  // it waits on the FIFO nobody will open now
    int status = 0;
    waitpid(reader, &status, 0);
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_FALSE(replaced) << "the FIFO was replaced";
    EXPECT_NE(read_text(tmp / "read.json").find("\"verdict\": \"divergent\""), std::string::npos);
}

// `buildiff diff <(zcat a.rec.gz) <(zcat b.rec.gz)`: a pipe can be read once, so the input is
// read whole before buildiff looks at what it is; the report is the one the files give.
TEST(DiffInput, RecordingsAndFilesThroughPipesCompareAsFromFiles) {
    TempDir tmp;
    std::string left = record_make(tmp, "src", "left.rec", {"UTIL_CFLAGS=-DFOO=1"});
    std::string right = record_make(tmp, "src", "right.rec", {"UTIL_CFLAGS=-DFOO=2"});
    RunResult files = run({buildiff_exe(), "diff", left, right, "--json", "-"});
    RunResult pipes = run({"bash", "-c", R"(exec "$0" diff <(cat "$1") <(cat "$2") --json -)",
                           buildiff_exe(), left, right});
    RunResult stdin_pipe = run({"bash", "-c", R"(cat "$2" | exec "$0" diff "$1" /dev/stdin)",
                                buildiff_exe(), left, right});
    ASSERT_EQ(files.status, 1) << files.err;
    EXPECT_EQ(pipes.status, 1) << pipes.err;
    EXPECT_EQ(stdin_pipe.status, 1) << stdin_pipe.err;
    EXPECT_NE(stdin_pipe.out.find("define `FOO` 1 -> 2"), std::string::npos) << stdin_pipe.out;
    json a = json::parse(files.out), b = json::parse(pipes.out);
    for (const char* name : {"left", "right"}) a.erase(name), b.erase(name);  // the input names
    EXPECT_EQ(a, b);
    EXPECT_EQ(b["root_causes"].size(), 1u);

    // Two plain files through pipes, the usual `diff <(...) <(...)`.
    RunResult text = run(
        {"bash", "-c", R"(exec "$0" diff <(printf 'a\nb\n') <(printf 'a\nc\n'))", buildiff_exe()});
    EXPECT_EQ(text.status, 1) << text.err;
    EXPECT_NE(text.out.find("-b\n"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("+c\n"), std::string::npos) << text.out;
    RunResult mixed =
        run({"bash", "-c", R"(exec "$0" diff "$1" <(echo x))", buildiff_exe(), tmp / "src"});
    EXPECT_EQ(mixed.status, 2);
    EXPECT_NE(mixed.err.find("is a directory, but /dev/fd/"), std::string::npos) << mixed.err;

    // And packed from pipes: both recordings are in the bundle.
    RunResult pack = run({"bash", "-c", R"(exec "$0" pack <(cat "$1") <(cat "$2") -o "$3")",
                          buildiff_exe(), left, right, tmp / "b.tar.gz"});
    ASSERT_EQ(pack.status, 0) << pack.err;
    EXPECT_NE(pack.out.find("2 recordings"), std::string::npos) << pack.out;
    RunResult runs = run({buildiff_exe(), "show", tmp / "b.tar.gz"});
    EXPECT_NE(runs.out.find("b.tar.gz:run1 "), std::string::npos) << runs.out;  // not "63"
    EXPECT_NE(runs.out.find("b.tar.gz:run2 "), std::string::npos) << runs.out;
}

// A recorded output that is a FIFO on disk now (the tree changed after the build): the diff
// must not wait for a writer that never comes. The file is not what was recorded, so the diff
// goes on from the recordings alone.
TEST(DiffBadInput, ARecordedOutputThatIsNowAFifoDoesNotHangTheDiff) {
    TempDir tmp;
    std::string left = record_make(tmp, "a", "left.rec", {"CFLAGS=-O2 -g"});
    std::string right = record_make(tmp, "bb-longer", "right.rec", {"CFLAGS=-O2 -g"});
    std::string object = tmp / "bb-longer/util.o";
    ASSERT_EQ(unlink(object.c_str()), 0);
    ASSERT_EQ(mkfifo(object.c_str(), 0600), 0);
    RunResult r = run({"timeout", "60", buildiff_exe(), "diff", left, right, "--json", "-"});
    ASSERT_NE(r.status, 124) << "the diff waited on the FIFO";
    EXPECT_EQ(r.status, 1) << r.err;
    json report = json::parse(r.out);
    ASSERT_EQ(report["root_causes"].size(), 1u) << r.out;
    EXPECT_EQ(report["root_causes"][0]["kind"], "build-path");
}

// `--config FILE`: a CI job keeps its options in a TOML file, one section per command. The
// command line wins over the file; a file that cannot be read, a key that is no option and a
// section that is no command are one line naming the file, exit 2 (125 for record, which then
// runs nothing).
TEST(Config, AFileGivesACommandsOptionsTheCommandLineWinsAndBadFilesAreOneLine) {
    TempDir tmp;
    for (std::string side : {"L", "R"}) {
        fs::create_directories(tmp / side);
        std::ofstream(tmp / (side + "/x.txt")) << side << "\n";
        std::ofstream(tmp / (side + "/y.o")) << side << side << "\n";
    }
    std::string config = tmp / "ci.toml";
    std::ofstream(config) << "# the nightly job's options\n[diff]\nignore = [\"*.txt\"]\n"
                          << "json = \"" << tmp / "report.json"
                          << "\"\n"
                          << "[record]\nlabel = \"nightly\"\noutput = \"" << tmp / "n.rec"
                          << "\"\n";
    RunResult r = run({buildiff_exe(), "--config", config, "diff", tmp / "L", tmp / "R"});
    EXPECT_EQ(r.status, 1) << r.err;
    json j = json::parse(read_text(tmp / "report.json"));
    EXPECT_EQ(j["summary"]["ignored_artifacts"], 1);
    ASSERT_EQ(j["artifacts"].size(), 1u);
    EXPECT_EQ(j["artifacts"][0]["path"], "y.o");

    // After the command too; the command line's --ignore replaces the file's.
    r = run({buildiff_exe(), "diff", tmp / "L", tmp / "R", "--config", config, "--ignore", "*.o"});
    EXPECT_EQ(r.status, 1) << r.err;
    j = json::parse(read_text(tmp / "report.json"));
    ASSERT_EQ(j["artifacts"].size(), 1u);
    EXPECT_EQ(j["artifacts"][0]["path"], "x.txt");

    r = run({buildiff_exe(), "--config", config, "record", "--", "true"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.err.find("recorded 1 process in " + tmp / "n.rec"), std::string::npos) << r.err;
    EXPECT_NE(run({buildiff_exe(), "show", tmp / "n.rec"}).out.find("label     nightly"),
              std::string::npos);

    const std::pair<std::string, std::string> bad[] = {
        {"[diff]\nignor = [\"*.txt\"]\n", "no option `ignor` in [diff]"},
        {"[dif]\nignore = [\"*.txt\"]\n", "no command [dif]"},
        {"ignore = [\"*.txt\"]\n", "no option `ignore` outside a section"},
        {"[diff\nignore = [\"*.txt\"]\n", "malformed entry `[diff`"},
    };
    for (auto& [text, problem] : bad) {
        std::ofstream(tmp / "bad.toml") << text;
        r = run({buildiff_exe(), "--config", tmp / "bad.toml", "diff", tmp / "L", tmp / "R"});
        EXPECT_EQ(r.status, 2) << text;
        EXPECT_TRUE(r.err.starts_with("buildiff: " + tmp / "bad.toml" + ": " + problem)) << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
        EXPECT_EQ(r.out, "");
    }
    r = run({buildiff_exe(), "--config", tmp / "missing.toml", "diff", tmp / "L", tmp / "R"});
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.err,
              "buildiff: " + tmp / "missing.toml" + ": cannot read: No such file or directory\n");
    r = run({buildiff_exe(), "--config", tmp / "bad.toml", "record", "--", "touch", tmp / "ran"});
    EXPECT_EQ(r.status, 125) << r.err;
    EXPECT_FALSE(fs::exists(tmp / "ran")) << "the build ran despite the bad config";
}

// What shipped decides the verdict: a program built in two directories from an object compiled
// with -g (its DWARF names the directory) and linked with -s (the link strips it). The truth,
// by cmp: the objects differ, the programs do not. The verdict is identical, the object is
// listed as a difference that reached nothing delivered; --strict counts it.
TEST(DiffDeliverables, DebugInfoTheLinkStripsReachesNothingDeliveredAndStrictCountsIt) {
    TempDir tmp;
    for (std::string side : {"one", "two"}) {
        std::string src = tmp / (side + "/src");
        write_text(src + "/a.c", "int main(void) { return 0; }\n");
        write_text(src + "/Makefile",
                   "prog: a.o\n\tgcc -s a.o -o prog\n\tprintf same > ../beside.txt\n"
                   "a.o: a.c\n\tgcc -g -c a.c -o a.o\n");
        RunResult r = run({buildiff_exe(), "record", "-q", "-o", tmp / (side + ".rec"), "--",
                           "make"},
                          {.cwd = src});
        ASSERT_EQ(r.status, 0) << r.err;
    }
    auto cmp = [&](const std::string& file) {
        return run({"cmp", "-s", tmp / ("one/src/" + file), tmp / ("two/src/" + file)}).status;
    };
    ASSERT_EQ(cmp("a.o"), 1) << "the objects name their directories";
    ASSERT_EQ(cmp("prog"), 0) << "the stripped programs are the same";

    Diff d = diff(tmp, tmp / "one.rec", tmp / "two.rec");
    EXPECT_EQ(d.status, 0) << d.text;
    EXPECT_EQ(d.report["verdict"], "identical");
    EXPECT_EQ(d.report["strict"], false);
    EXPECT_EQ(d.report["summary"]["deliverables"], 2) << d.text;
    EXPECT_EQ(d.report["summary"]["divergent_deliverables"], 0);
    EXPECT_EQ(d.report["summary"]["divergent_artifacts"], 1);
    std::map<std::string, bool> deliverable;
    for (auto& a : d.report["artifacts"]) deliverable[a["path"]] = a["deliverable"];
    // What each wrote beside its tree (one/, two/: directories of their own) is compared too.
    EXPECT_EQ(deliverable, (std::map<std::string, bool>{{"$ROOT/../beside.txt", true},
                                                         {"$ROOT/a.o", false},
                                                         {"$ROOT/prog", true}}));
    ASSERT_EQ(d.report["root_causes"].size(), 1u) << d.text;
    EXPECT_EQ(d.report["root_causes"][0]["kind"], "build-path");
    EXPECT_NE(d.text.find("verdict  identical: every deliverable (2) is identical; 1 intermediate "
                          "file differs that reached nothing delivered"),
              std::string::npos)
        << d.text;
    EXPECT_NE(d.text.find("differences that did not reach anything delivered\n  different  "
                          "$ROOT/a.o"),
              std::string::npos)
        << d.text;

    Diff strict = diff(tmp, tmp / "one.rec", tmp / "two.rec", {"--strict"});
    EXPECT_EQ(strict.status, 1) << strict.text;
    EXPECT_EQ(strict.report["verdict"], "divergent");
    EXPECT_EQ(strict.report["strict"], true);
    EXPECT_NE(strict.text.find("divergent (--strict: every file counts)"), std::string::npos)
        << strict.text;
}

namespace {

// Records `make -s` of MAKEFILE (in TMP/src) twice, as one.rec and two.rec, and returns the first
// argument of each run of TOOL (the name mktemp gave, where the rule reads its temporary).
std::vector<std::string> record_a_rule_twice(const TempDir& tmp, const std::string& makefile,
                                             const std::string& tool) {
    write_text(tmp / "src/Makefile", makefile);
    std::vector<std::string> first_args;
    for (std::string name : {"one.rec", "two.rec"}) {
        fs::remove(tmp / "src/out.txt");
        RunResult r = run({buildiff_exe(), "record", "-q", "-o", tmp / name, "--", "make", "-s"},
                          {.cwd = tmp / "src"});
        EXPECT_EQ(r.status, 0) << r.err;
        if (r.status != 0) return {};
        for (auto& p : load(tmp / name).processes)
            if (file_name(p.argv[0]) == tool) first_args.push_back(p.argv[1]);
    }
    return first_args;
}

}  // namespace

// The issue's temporaries case: a make rule writes into a directory from `mktemp -d`, reads it
// back and deletes it, run twice. The directories' names differ (the truth, from the
// recordings); the result is identical, with no root cause at all.
TEST(DiffTemporaries, WhatABuildWritesIntoMktempAndReadsBackIsIdenticalWithNoCause) {
    TempDir tmp;
    std::vector<std::string> dirs = record_a_rule_twice(
        tmp,
        "out.txt:\n\td=$$(mktemp -d ./work.XXXXXXXX) && printf 'built\\n' > $$d/part && "
        "cat $$d/part > out.txt && rm -r $$d\n",
        "cat");
    ASSERT_EQ(dirs.size(), 2u);
    ASSERT_NE(dirs[0], dirs[1]) << "mktemp made two names";
    Diff d = diff(tmp, tmp / "one.rec", tmp / "two.rec");
    EXPECT_EQ(d.status, 0) << d.text;
    EXPECT_EQ(d.report["verdict"], "identical");
    EXPECT_EQ(d.report["root_causes"].size(), 0u) << d.text;
    EXPECT_EQ(d.report["summary"]["divergent_artifacts"], 0) << d.text;
}

// Temporaries by observation: a step writes the time into a directory from `mktemp -d`, copies
// it out and removes the directory. Built twice, the copy differs (the time), and so does the
// directory's random name; the name is no cause (the copy's command line is the same once the
// two temporaries are paired): the cause is the step that wrote the time.
TEST(DiffTemporaries, ADirectoryTheBuildMadeAndRemovedIsPairedAndItsNameIsNoCause) {
    TempDir tmp;
    std::vector<std::string> temps = record_a_rule_twice(
        tmp,
        "out.txt:\n\td=$$(mktemp -d ./tmp.XXXXXXXX) && date +%s%N > $$d/stamp && "
        "cp $$d/stamp out.txt && rm -r $$d\n",
        "cp");
    ASSERT_EQ(temps.size(), 2u);
    ASSERT_NE(temps[0], temps[1]) << "mktemp made two names";
    ASSERT_FALSE(fs::exists(tmp / "src" / fs::path(temps[1]).parent_path())) << "and removed them";

    Diff d = diff(tmp, tmp / "one.rec", tmp / "two.rec");
    EXPECT_EQ(d.status, 1) << d.text;
    ASSERT_EQ(d.report["root_causes"].size(), 1u) << d.text;
    EXPECT_EQ(d.report["root_causes"][0]["kind"], "nondeterministic") << d.text;
    EXPECT_EQ(d.text.find(fs::path(temps[0]).parent_path().filename().string()), std::string::npos)
        << "the temporary's name is in no difference: " << d.text;
}

// Progress of the long phases goes to stderr only when asked (BUILDIFF_PROGRESS=1) or on a
// terminal; in a pipe (CI logs, these tests) nothing, and NO_COLOR or BUILDIFF_PROGRESS=0 keep it
// off. Each phase's line is cleared when it ends, so the report's own output starts clean.
TEST(DiffProgress, PhasesWithCountsWhenAskedAndNothingInAPipe) {
    TempDir tmp;
    std::string a = record_make(tmp, "src", "a.rec", {});
    std::string b = record_make(tmp, "src", "b.rec", {"UTIL_CFLAGS=-DFOO=2"});
    std::vector<std::string> diff = {buildiff_exe(), "diff", a, b, "--json", tmp / "r.json"};
    RunResult shown = run(diff, {.env = {"BUILDIFF_PROGRESS=1"}});
    EXPECT_EQ(shown.status, 1) << shown.err;
    for (const std::string& phase :
         std::vector<std::string>{"reading " + a + ": 1 record\r", "matching: 16 invocations",
                                  "comparing: 0 of ", "writing: 0 of 1 report\r"})
        EXPECT_NE(shown.err.find(std::string("\r\033[K") + phase), std::string::npos)
            << phase << " in " << shown.err;
    EXPECT_TRUE(shown.err.ends_with("\r\033[K")) << "the last line is cleared: " << shown.err;
    for (const std::vector<std::string>& env :
         {std::vector<std::string>{}, {"NO_COLOR=1"}, {"BUILDIFF_PROGRESS=0"}}) {
        RunResult quiet = run(diff, {.env = env});
        EXPECT_EQ(quiet.status, 1) << quiet.err;
        EXPECT_EQ(quiet.err.find('\r'), std::string::npos) << quiet.err;
        EXPECT_EQ(read_text(tmp / "r.json").find("reading"), std::string::npos);
    }
}
