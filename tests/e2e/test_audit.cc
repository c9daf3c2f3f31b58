// `buildiff audit` with real ccache on real make builds: a stale __TIME__ served from cache, a
// build path leaked through ccache with hash_dir off, a deterministic project, a "plain" run in
// which a wrapper ran anyway, and a failing build.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "harness.h"

using namespace e2e;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct Audit {
    int status = -1;
    std::string out, err;
    json report;
};

Audit audit(const TempDir& tmp, const std::string& src, std::vector<std::string> options,
            std::vector<std::string> command, std::vector<std::string> env = {}) {
    std::vector<std::string> argv = {buildiff_exe(), "audit", "--out", tmp / "audit"};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.push_back("--");
    argv.insert(argv.end(), command.begin(), command.end());
    RunResult r = run(argv, {.cwd = src,
                             .env = env,
                             .unset = {"CC", "CXX", "CFLAGS", "CCACHE_DIR", "RUSTC_WRAPPER",
                                       "SOURCE_DATE_EPOCH", "CCACHE_SLOPPINESS"}});
    Audit a{r.status, r.out, r.err, {}};
    if (fs::exists(tmp / "audit/report.json"))
        a.report = json::parse(read_text(tmp / "audit/report.json"));
    return a;
}

const json* pair(const Audit& a, const std::string& l, const std::string& r) {
    for (auto& p : a.report["pairs"])
        if (p["left"] == l && p["right"] == r) return &p;
    return nullptr;
}

std::vector<std::string> kinds(const json& p) {
    std::vector<std::string> out;
    for (auto& c : p["report"]["root_causes"]) out.push_back(c["kind"]);
    return out;
}

// The wrapper that drops .S objects (tests/fixtures/asm-dropping-wrapper), with the empty object
// it hands back, in tmp/wrapper.
bool install_asm_dropping_wrapper(const TempDir& tmp) {
    copy_tree(fixture("asm-dropping-wrapper"), tmp / "wrapper");
    return run({"sh", "-c", "printf '' | cc -x c -c - -o empty.o"}, {.cwd = tmp / "wrapper"})
               .status == 0;
}

// The cargo workspace audited plain and through the wrapper that drops .S objects.
Audit audit_cargo_with_asm_dropping_wrapper(const TempDir& tmp) {
    copy_tree(fixture("cargo-ws"), tmp / "ws");
    if (!install_asm_dropping_wrapper(tmp)) return Audit{-1, "", "cannot build empty.o", {}};
    return audit(tmp, tmp / "ws", {"--cache", tmp / "wrapper/ccache", "--runs", "plain,cached"},
                 {"cargo", "build"}, {"CARGO_TERM_COLOR=never", "CARGO_INCREMENTAL=0"});
}

const json* first_cause(const json& pair, const std::string& kind) {
    for (auto& c : pair["report"]["root_causes"])
        if (c["kind"] == kind) return &c;
    return nullptr;
}

// Whether the artifact's difference tree (at any depth: archive members too) has foo_answer going
// from a defined symbol to GLOBAL UND.
bool foo_answer_became_global_und(const json& report, const std::string& artifact) {
    std::vector<json> stack;
    for (auto& art : report["artifacts"])
        if (art["path"] == artifact)
            for (auto& d : art["differences"]) stack.push_back(d);
    while (!stack.empty()) {
        json d = stack.back();
        stack.pop_back();
        if (d["kind"] == "symbol" && d["name"] == "foo_answer" && d["left"]["defined"] == true &&
            d["right"]["defined"] == false && d["right"]["section"] == "UND" &&
            d["right"]["binding"] == "GLOBAL")
            return true;
        for (auto& c : d["children"]) stack.push_back(c);
    }
    return false;
}

}  // namespace

TEST(Audit, BundledExampleAStaleTimeStampServedByCcacheIsACacheRootCause) {
    TempDir tmp;
    copy_tree(std::string(SOURCE_DIR) + "/examples/stale-cache", tmp / "src");
    Audit a = audit(tmp, tmp / "src", {}, {"make", "-s"});
    EXPECT_EQ(a.status, 1) << a.err << a.out;
    ASSERT_EQ(a.report["schema"], "buildiff.audit/1") << a.err;
    EXPECT_EQ(a.report["runs"].size(), 3u);
    const json* pw = pair(a, "plain", "warm");
    const json* pc = pair(a, "plain", "cold");
    const json* cw = pair(a, "cold", "warm");
    ASSERT_TRUE(pw && pc && cw);
    // The warm run's stamp.o is the cold run's, from the cache: not what a build now produces.
    EXPECT_EQ(kinds(*pw), std::vector<std::string>{"cache"}) << (*pw)["report"].dump(1);
    auto& cause = (*pw)["report"]["root_causes"][0];
    EXPECT_EQ(cause["invocation"]["wrapper"], "ccache");
    EXPECT_EQ(cause["invocation"]["cache_hit"], true);
    EXPECT_EQ(cause["explains"][0], "$ROOT/stamp.o");
    // Two uncached-at-the-time compiles a second apart: __TIME__ differs, not the path.
    EXPECT_EQ(kinds(*pc), std::vector<std::string>{"nondeterministic"});
    EXPECT_EQ((*cw)["verdict"], "identical");
    EXPECT_NE(a.out.find("plain vs warm: divergent (1 root cause, 2 divergent artifacts)\n"),
              std::string::npos)
        << a.out;
    EXPECT_NE(a.out.find("cold vs warm: identical (0 root causes, 0 divergent artifacts)\n"),
              std::string::npos)
        << a.out;
    for (std::string f :
         {"report.html", "summary.md", "plain.rec", "cold.rec", "warm.rec", "plain-vs-warm.html"})
        EXPECT_TRUE(fs::exists(tmp / ("audit/" + f))) << f;
    std::string html = read_text(tmp / "audit/report.html");
    EXPECT_NE(html.find("<span class=\"kind\">cache</span>"), std::string::npos)
        << "report.html shows the pair with the cache cause";
    std::string pair_html = read_text(tmp / "audit/plain-vs-warm.html");
    EXPECT_NE(pair_html.find("<li><b>1</b> root cause</li>"), std::string::npos);
    EXPECT_NE(pair_html.find("<li><b>2</b> divergent artifacts</li>"), std::string::npos);
    // A table's headings stay plural whatever the count.
    std::string summary = read_text(tmp / "audit/summary.md");
    EXPECT_NE(summary.find("| divergent deliverables | deliverables | divergent artifacts | "
                           "artifacts | root causes | invocations left |"),
              std::string::npos)
        << summary;
    EXPECT_LE(fs::file_size(tmp / "audit/summary.md"), 64u * 1024);
    EXPECT_FALSE(fs::exists(tmp / "audit/trees/plain")) << "trees are removed without --keep";
    EXPECT_FALSE(fs::exists(tmp / "src/stamp.o")) << "the source tree is never built in";

    // What differs in stamp.o is said string by string: the two build stamps, as binutils'
    // `strings` reads them from the two versions kept as evidence.
    auto stamp = [&](const std::string& run) {
        RunResult s = ::e2e::run({"strings", "-a", tmp / ("audit/evidence/" + run + "/stamp.o")});
        size_t at = s.out.find("built at ");
        return at == std::string::npos ? "" : s.out.substr(at, s.out.find('\n', at) - at);
    };
    std::string plain_stamp = stamp("plain"), warm_stamp = stamp("warm");
    ASSERT_FALSE(plain_stamp.empty());
    ASSERT_NE(plain_stamp, warm_stamp);
    const json* strings = nullptr;
    for (auto& art : (*pw)["report"]["artifacts"])
        if (art["path"] == "$ROOT/stamp.o")
            for (auto& d : art["differences"][0]["children"])
                if (d["kind"] == "section-strings") strings = &d;
    ASSERT_TRUE(strings) << (*pw)["report"]["artifacts"].dump(1);
    EXPECT_EQ((*strings)["description"], "section .rodata.str1.1: 1 string changed");
    ASSERT_EQ((*strings)["children"].size(), 1u);
    EXPECT_EQ((*strings)["children"][0]["left"], plain_stamp);
    EXPECT_EQ((*strings)["children"][0]["right"], warm_stamp);
    EXPECT_EQ((*strings)["children"][0]["looks_like"],
              "a build timestamp (set SOURCE_DATE_EPOCH, or avoid __DATE__ and __TIME__)");
    // The linked program too: the linker merged the string sections into .rodata, read as text.
    const json* program_strings = nullptr;
    for (auto& art : (*pw)["report"]["artifacts"])
        if (art["path"] == "$ROOT/hello")
            for (auto& d : art["differences"][0]["children"])
                if (d["kind"] == "section-strings" && d["name"] == ".rodata") program_strings = &d;
    ASSERT_TRUE(program_strings) << (*pw)["report"]["artifacts"].dump(1);
    EXPECT_EQ((*program_strings)["children"][0]["left"], plain_stamp);
    EXPECT_EQ((*program_strings)["children"][0]["right"], warm_stamp);
    // The cause says so too.
    EXPECT_NE(cause["details"]["facts"].dump().find(
                  "$ROOT/stamp.o: `" + plain_stamp + "` -> `" + warm_stamp +
                  "`: looks like a build timestamp"),
              std::string::npos)
        << cause["details"].dump(1);
}

TEST(Audit, CcacheWithHashDirOffServesTheColdRunsCompDirAsABuildPathLeak) {
    TempDir tmp;
    copy_tree(fixture("make-c"), tmp / "src");
    Audit a = audit(tmp, tmp / "src", {"--runs", "plain,cold,warm"},
                    {"make", "-s", "CFLAGS=-O2 -g"}, {"CCACHE_NOHASHDIR=1"});
    EXPECT_EQ(a.status, 1) << a.err << a.out;
    const json* pw = pair(a, "plain", "warm");
    ASSERT_TRUE(pw);
    bool leak = false;
    for (auto& c : (*pw)["report"]["root_causes"]) {
        if (c["kind"] != "cache") continue;
        for (auto& f : c["details"]["facts"])
            if (f.get<std::string>().find("build-path leak served from cache") !=
                    std::string::npos &&
                f.get<std::string>().find("/trees/cold") != std::string::npos)
                leak = true;
    }
    EXPECT_TRUE(leak) << (*pw)["report"]["root_causes"].dump(1);
    // Plain and cold compiled in their own directories: the build path, named as a variation.
    const json* pc = pair(a, "plain", "cold");
    ASSERT_TRUE(pc);
    EXPECT_EQ(kinds(*pc), std::vector<std::string>{"build-path"});
    EXPECT_NE(
        (*pc)["report"]["root_causes"][0]["details"]["facts"].dump().find("build-path variation"),
        std::string::npos);
}

TEST(Audit, ADeterministicProjectExitsZeroAndSaysSo) {
    TempDir tmp;
    copy_tree(fixture("make-c"), tmp / "src");
    Audit a =
        audit(tmp, tmp / "src", {"--vary", "build-path,tz,locale,umask,jobs"}, {"make", "-s"});
    EXPECT_EQ(a.status, 0) << a.err << a.out;
    EXPECT_NE(a.out.find("every run produced identical artifacts"), std::string::npos) << a.out;
    EXPECT_EQ(a.report["verdict"], "identical");
    EXPECT_EQ(a.report["runs"][1]["variations"]["TZ"], "Asia/Kolkata");
    EXPECT_EQ(a.report["runs"][2]["variations"]["umask"], "0077");
}

// An empty --vary is no variation, as `none` is, not the default build-path.
TEST(Audit, AnEmptyVaryListVariesNothing) {
    for (const char* none : {"", "none"}) {
        TempDir tmp;
        copy_tree(fixture("make-c"), tmp / "src");
        Audit a = audit(tmp, tmp / "src", {"--cache", "none", "--vary", none}, {"make", "-s"});
        EXPECT_EQ(a.status, 0) << none << a.err << a.out;
        EXPECT_EQ(a.report["variations"], json::array()) << none;
        ASSERT_EQ(a.report["runs"].size(), 2u);
        for (auto& run : a.report["runs"]) {
            EXPECT_EQ(run["variations"], json::object()) << none;
            EXPECT_EQ(fs::path(run["built_in"].get<std::string>()), tmp / "audit/trees/build/src")
                << none;
        }
    }
}

TEST(Audit, APlainRunInWhichAWrapperRanAnywayIsSaidNotPlain) {
    TempDir tmp;
    copy_tree(fixture("make-c"), tmp / "src");
    // A Makefile that hard-codes the wrapper: the plain run is cached whatever the environment.
    Audit a = audit(tmp, tmp / "src", {"--runs", "plain,cold"}, {"make", "-s", "CC=ccache cc"},
                    {"CCACHE_DIR=" + tmp / "own-cache"});
    EXPECT_NE(a.status, 2) << a.err;
    ASSERT_FALSE(a.report.is_null()) << a.err;
    EXPECT_TRUE(a.report["runs"][0]["not_plain"].is_string()) << a.report["runs"].dump(1);
    EXPECT_NE(a.out.find("run plain is not plain"), std::string::npos) << a.out;
}

TEST(Audit, AFailingBuildIsExit2WithItsLogNamed) {
    TempDir tmp;
    fs::create_directories(tmp / "src");
    std::ofstream(tmp / "src/Makefile") << "all:\n\t@echo compiler exploded >&2; exit 3\n";
    Audit a = audit(tmp, tmp / "src", {}, {"make"});
    EXPECT_EQ(a.status, 2);
    EXPECT_NE(a.err.find("the build failed in run plain (exit status 2): see " +
                         tmp / "audit/logs/plain.log"),
              std::string::npos)
        << a.err;
    EXPECT_NE(read_text(tmp / "audit/logs/plain.log").find("compiler exploded"), std::string::npos);
    // Usage errors are trouble too, said in one line.
    for (std::string runs : {"plain", "a/b,c", "x,x"}) {
        Audit u = audit(tmp, tmp / "src", {"--runs", runs}, {"make"});
        EXPECT_EQ(u.status, 2) << runs;
        EXPECT_EQ(std::count(u.err.begin(), u.err.end(), '\n'), 1) << u.err;
    }
}

TEST(Audit, CargoSysCrateWhoseAssemblyACacheWrapperDropsEndsInAGlobalUndSymbol) {
    TempDir tmp;
    Audit a = audit_cargo_with_asm_dropping_wrapper(tmp);
    EXPECT_EQ(a.status, 1) << a.err << a.out;
    const json* p = pair(a, "plain", "cached");
    ASSERT_TRUE(p) << a.err;
    const json* cache = first_cause(*p, "cache");
    ASSERT_TRUE(cache) << (*p)["report"]["root_causes"].dump(1);
    // The .S compile the build script of foo-sys launched through the wrapper.
    auto& inv = (*cache)["invocation"];
    EXPECT_EQ(inv["crate"], "foo-sys");
    EXPECT_EQ(inv["wrapper"], "ccache");
    EXPECT_EQ(inv["cache_hit"], true);
    EXPECT_EQ(inv["argv"].back(), "csrc/assembly.S");
    // Its chain runs through libfoo.a, the rlib and the cdylib.
    auto chain = (*cache)["explains"].dump();
    for (std::string step : {"/out/csrc/assembly.o\"", "/out/libfoo.a\"", "libfoo_sys-HASH.rlib\"",
                             "$ROOT/target/debug/libfoo.so\""})
        EXPECT_NE(chain.find(step), std::string::npos) << step << " in " << chain;
    // The .so names the cache as its cause (the build path also reaches it, less specifically),
    // and its symbol foo_answer, defined and local before, is GLOBAL UND now.
    for (auto& art : (*p)["report"]["artifacts"])
        if (art["path"] == "$ROOT/target/debug/libfoo.so") {
            EXPECT_EQ((*p)["report"]["root_causes"][art["root_cause"].get<int>() - 1]["kind"],
                      "cache");
        }
    EXPECT_TRUE(foo_answer_became_global_und((*p)["report"], "$ROOT/target/debug/libfoo.so"))
        << "foo_answer LOCAL defined -> GLOBAL UND in libfoo.so";
}

TEST(Audit, PyO3WheelOfTheBrokenSysCrateFailsToImportAndTheChainReachesIntoTheWheel) {
    TempDir tmp;
    copy_tree(fixture("pyo3-wheel"), tmp / "src");
    ASSERT_TRUE(install_asm_dropping_wrapper(tmp));
    // Debian's Python, setuptools-rust and pyo3 crates; offline.
    Audit a = audit(
        tmp, tmp / "src",
        {"--cache", tmp / "wrapper/ccache", "--runs", "plain,cached", "--keep", "--no-confirm"},
        {"/usr/bin/python3", "-m", "pip", "wheel", "--no-index", "--no-build-isolation", "-w",
         "dist", "."},
        {"CARGO_TERM_COLOR=never", "CARGO_INCREMENTAL=0", "PIP_CACHE_DIR=" + tmp / "pip-cache"});
    EXPECT_EQ(a.status, 1) << a.err << a.out;
    const json* p = pair(a, "plain", "cached");
    ASSERT_TRUE(p) << a.err;
    const std::string wheel = "$ROOT/dist/foopy-0.1.0-cp311-cp311-linux_x86_64.whl";
    const json* cache = first_cause(*p, "cache");
    ASSERT_TRUE(cache) << (*p)["report"]["root_causes"].dump(1);
    EXPECT_EQ((*cache)["invocation"]["argv"].back(), "csrc/assembly.S");
    std::string chain = (*cache)["explains"].dump();
    EXPECT_NE(chain.find("libfoopy.so"), std::string::npos) << chain;
    EXPECT_NE(chain.find(wheel), std::string::npos) << "the chain reaches the wheel: " << chain;
    // Inside the wheel, the extension's symbol.
    EXPECT_TRUE(foo_answer_became_global_und((*p)["report"], wheel)) << "in the wheel's .so";
    // And the wheel itself: the plain one imports, the cached one does not.
    for (std::string run_tree : {"plain", "cached-bb"}) {
        std::string dir = tmp / ("unpacked-" + run_tree);
        ASSERT_EQ(run({"unzip", "-q", "-o",
                       tmp / ("audit/trees/" + run_tree +
                              "/src/dist/foopy-0.1.0-cp311-cp311-linux_x86_64.whl"),
                       "-d", dir})
                      .status,
                  0);
        RunResult imp = run({"/usr/bin/python3", "-c", "import foopy; print(foopy.compute(1))"},
                            {.cwd = dir, .env = {"PYTHONPATH=" + dir}});
        if (run_tree == "plain") {
            EXPECT_EQ(imp.status, 0) << imp.err;
            EXPECT_EQ(imp.out, "43\n");
        } else {
            EXPECT_NE(imp.status, 0);
            EXPECT_NE(imp.err.find("undefined symbol: foo_answer"), std::string::npos) << imp.err;
        }
    }
}

TEST(Audit, RealSccacheOnTheCargoWorkspaceIsPrivateStoppedAndReportedAsItBehaves) {
    TempDir tmp;
    copy_tree(fixture("cargo-ws"), tmp / "ws");
    Audit a = audit(tmp, tmp / "ws", {"--cache", "sccache"}, {"cargo", "build"},
                    {"CARGO_TERM_COLOR=never", "CARGO_INCREMENTAL=0"});
    EXPECT_EQ(a.status, 1) << a.err << a.out;
    ASSERT_FALSE(a.report.is_null()) << a.err;
    // What sccache does here: it keys rustc compiles on absolute paths, so the warm run, in
    // another directory (the build-path variation), misses and rebuilds; what differs between
    // cold and warm is the build path the outputs embed (dep-info, DWARF), nothing else.
    const json* cw = pair(a, "cold", "warm");
    ASSERT_TRUE(cw);
    for (auto& kind : kinds(*cw))
        EXPECT_EQ(kind, "build-path") << (*cw)["report"]["root_causes"].dump(1);
    // The server ran inside the cold run's recording, for its clients...
    buildiff::Recording cold = load(tmp / "audit/cold.rec");
    bool server = false;
    size_t hits = 0;
    for (auto& p : cold.processes) {
        server |= p.classification.role == buildiff::WrapperRole::Server;
    }
    buildiff::Analysis an = buildiff::analyze(cold);
    for (auto outcome : an.cache) hits += outcome == buildiff::CacheOutcome::Hit;
    EXPECT_TRUE(server);
    EXPECT_EQ(hits, 0u) << "a cold cache serves nothing";
    // ...with the audit's private directory, and it was stopped after the run.
    std::string dir = "SCCACHE_DIR=" + tmp / "audit/cache/sccache";
    for (auto& e : fs::directory_iterator("/proc")) {
        std::string env = read_text(e.path().string() + "/environ");
        EXPECT_EQ(env.find(dir), std::string::npos)
            << "a process still runs with the audit's cache: " << e.path();
    }
}

TEST(Audit, AnEnvironmentRootCauseSaysWhichVariationExposedIt) {
    TempDir tmp;
    fs::create_directories(tmp / "src");
    // A generated file that records the time zone, as build stamps do.
    std::ofstream(tmp / "src/Makefile") << "zone.txt:\n\tdate +%z > zone.txt\n";
    Audit a = audit(tmp, tmp / "src", {"--cache", "none", "--vary", "tz"}, {"make", "-s"});
    EXPECT_EQ(a.status, 1) << a.err << a.out;
    const json* p = pair(a, "plain", "again");
    ASSERT_TRUE(p) << a.err;
    ASSERT_EQ(kinds(*p), std::vector<std::string>{"env"}) << (*p)["report"].dump(1);
    std::string facts = (*p)["report"]["root_causes"][0]["details"]["facts"].dump();
    EXPECT_NE(facts.find("exposed by the TZ variation: UTC -> Asia/Kolkata"), std::string::npos)
        << facts;
    // Without the build-path variation both runs built in one directory: no build-path cause.
    EXPECT_EQ(a.report["runs"][0]["tree"], tmp / "audit/trees/plain/src");
}

TEST(Audit, EachRunBuildsInAFreshCopyWithoutTheGitIgnoredBuildOutputs) {
    TempDir tmp;
    copy_tree(fixture("make-c"), tmp / "src");
    ASSERT_EQ(
        run({"sh", "-c", "git init -q . && printf '*.o\\n*.a\\nprog\\n' > .gitignore && make -s"},
            {.cwd = tmp / "src"})
            .status,
        0);
    ASSERT_TRUE(fs::exists(tmp / "src/prog"));
    Audit a = audit(tmp, tmp / "src", {"--cache", "none", "--keep"}, {"make", "-s"});
    EXPECT_EQ(a.status, 0) << a.err << a.out;
    // The stale outputs in the source tree were not copied: each run built its own.
    buildiff::Recording rec = load(tmp / "audit/plain.rec");
    size_t compiles = 0;
    for (auto& p : rec.processes)
        compiles += p.classification.kind == buildiff::ToolKind::CompilerDriver;
    EXPECT_GE(compiles, 4u) << "make had nothing to do: build outputs were copied";
    EXPECT_TRUE(fs::exists(tmp / "audit/trees/plain/src/.gitignore"));
    EXPECT_TRUE(fs::exists(tmp / "audit/trees/plain/src/prog"));
    // The default output directory is inside the tree: a second audit does not copy the first.
    for (int i = 0; i < 2; ++i) {
        RunResult r =
            run({buildiff_exe(), "audit", "--cache", "none", "--keep", "--", "make", "-s"},
                {.cwd = tmp / "src", .unset = {"CC", "CFLAGS"}});
        EXPECT_EQ(r.status, 0) << r.err;
    }
    EXPECT_TRUE(fs::exists(tmp / "src/buildiff-audit/trees/plain/src/Makefile"));
    EXPECT_FALSE(fs::exists(tmp / "src/buildiff-audit/trees/plain/src/buildiff-audit"));
}

// The cargo audit packed into one file reads back, without extracting, as the directory does;
// plain tar and unzip extract it; the evidence carries the symbol that went GLOBAL UND.
TEST(Audit, ThePackedCargoAuditReadsBackAsTheDirectoryDoes) {
    TempDir tmp;
    Audit a = audit_cargo_with_asm_dropping_wrapper(tmp);
    ASSERT_EQ(a.status, 1) << a.err << a.out;
    EXPECT_FALSE(fs::exists(tmp / "audit/trees/plain")) << "the trees are gone: evidence stands in";
    auto bx = [&](std::vector<std::string> args) {
        args.insert(args.begin(), buildiff_exe());
        return run(args, {.cwd = tmp.path()});
    };
    for (std::string ext : {"tar.gz", "zip", "tar.zst"}) {
        RunResult p = bx({"pack", tmp / "audit", "-o", tmp / ("bug." + ext)});
        ASSERT_EQ(p.status, 0) << p.err;
        EXPECT_LE(fs::file_size(tmp / ("bug." + ext)), 20u << 20);
    }
    // diff of the directory, of the bundles and of the extracted bundles: one report, the audit's.
    RunResult dir = bx({"diff", tmp / "audit", "--json", "-"});
    EXPECT_EQ(dir.status, 1) << dir.err;
    EXPECT_EQ(json::parse(dir.out), pair(a, "plain", "cached")->at("report"));
    EXPECT_TRUE(foo_answer_became_global_und(json::parse(dir.out), "$ROOT/target/debug/libfoo.so"));
    fs::create_directories(tmp / "x-tar");
    fs::create_directories(tmp / "x-zip");
    ASSERT_EQ(run({"tar", "-xzf", tmp / "bug.tar.gz", "-C", tmp / "x-tar"}).status, 0);
    ASSERT_EQ(run({"unzip", "-q", tmp / "bug.zip", "-d", tmp / "x-zip"}).status, 0);
    for (std::string input :
         {tmp / "bug.tar.gz", tmp / "bug.zip", tmp / "bug.tar.zst", tmp / "x-tar", tmp / "x-zip"}) {
        RunResult d = bx({"diff", input, "--json", "-"});
        EXPECT_EQ(d.status, 1) << input << d.err;
        EXPECT_EQ(d.out, dir.out) << input;
    }
    for (std::string f : {"report.html", "summary.md", "plain.rec", "cached.rec", "MANIFEST.json",
                          "evidence/index.json"})
        EXPECT_TRUE(fs::exists(tmp / ("x-tar/" + f)) && fs::exists(tmp / ("x-zip/" + f))) << f;
    EXPECT_EQ(read_text(tmp / "x-tar/cached.rec"), read_text(tmp / "audit/cached.rec"));
    EXPECT_EQ(file_hash(tmp / "x-zip/evidence/cached/target/debug/libfoo.so"),
              file_hash(tmp / "audit/evidence/cached/target/debug/libfoo.so"));
    // show: a run reads the same from the bundle; the bundle itself lists runs and pairs.
    for (std::string run_name : {"plain", "cached"}) {
        RunResult from_dir = bx({"show", tmp / ("audit:" + run_name), "--json"});
        RunResult from_bundle = bx({"show", tmp / ("bug.tar.gz:" + run_name), "--json"});
        EXPECT_EQ(from_dir.status, 0) << from_dir.err;
        EXPECT_EQ(from_bundle.status, 0) << from_bundle.err;
        EXPECT_EQ(from_dir.out, from_bundle.out) << run_name;
    }
    RunResult listing = bx({"show", tmp / "bug.tar.gz"});
    EXPECT_EQ(listing.status, 0);
    EXPECT_NE(listing.out.find("plain vs cached: divergent"), std::string::npos) << listing.out;
    // A run of the bundle as a CI baseline; and the same content packs to the same bytes.
    EXPECT_EQ(bx({"diff", "--baseline", tmp / "bug.tar.gz:plain", tmp / "audit/cached.rec"}).status,
              1);
    EXPECT_EQ(bx({"diff", "--baseline", tmp / "bug.zip:cached", tmp / "audit/cached.rec"}).status,
              0);
    ASSERT_EQ(bx({"pack", tmp / "audit", "-o", tmp / "again.tar.gz"}).status, 0);
    EXPECT_EQ(file_hash(tmp / "again.tar.gz"), file_hash(tmp / "bug.tar.gz"));
    // A budget too small for libfoo.so keeps the small objects and lists what it left out.
    RunResult small = bx({"pack", tmp / "audit", "--max-size", "600k", "-o", tmp / "small.tar.gz"});
    ASSERT_EQ(small.status, 0) << small.err;
    EXPECT_LE(fs::file_size(tmp / "small.tar.gz"), 600u << 10);
    RunResult shown = bx({"show", tmp / "small.tar.gz"});
    EXPECT_NE(shown.out.find("left out: $ROOT/target/debug/libfoo.so"), std::string::npos)
        << shown.out;
    RunResult tiny = bx({"pack", tmp / "audit", "--max-size", "10k", "-o", tmp / "tiny.tar.gz"});
    EXPECT_EQ(tiny.status, 2);
    EXPECT_NE(tiny.err.find("over --max-size"), std::string::npos) << tiny.err;
    EXPECT_FALSE(fs::exists(tmp / "tiny.tar.gz"));
}

// A build that writes beside its tree (as dpkg-buildpackage writes ../*.deb): each run has a
// directory of its own around its tree, and what it wrote there is compared too. The truth by
// cmp: the runs' ../out.bin name their directories, their ../same.txt do not.
TEST(Audit, WhatABuildWritesBesideItsTreeIsComparedToo) {
    TempDir tmp;
    write_text(tmp / "src/Makefile",
               "all:\n\tprintf 'built in %s\\n' \"$$PWD\" > ../out.bin\n"
               "\tprintf 'same\\n' > ../same.txt\n");
    Audit a = audit(tmp, tmp / "src", {"--cache", "none", "--keep"}, {"make", "-s"});
    EXPECT_EQ(a.status, 1) << a.err << a.out;
    ASSERT_EQ(run({"cmp", "-s", tmp / "audit/trees/plain/out.bin",
                   tmp / "audit/trees/again-bb/out.bin"})
                  .status,
              1);
    ASSERT_EQ(run({"cmp", "-s", tmp / "audit/trees/plain/same.txt",
                   tmp / "audit/trees/again-bb/same.txt"})
                  .status,
              0);
    const json* p = pair(a, "plain", "again");
    ASSERT_TRUE(p) << a.err;
    std::map<std::string, std::string> status;
    for (auto& x : (*p)["report"]["artifacts"]) status[x["path"]] = x["status"];
    EXPECT_EQ(status["$ROOT/../out.bin"], "different") << (*p)["report"]["artifacts"].dump(1);
    EXPECT_EQ(status["$ROOT/../same.txt"], "identical");
    EXPECT_EQ((*p)["report"]["summary"]["divergent_deliverables"], 1);
}

// A build that writes further out than beside its tree (../../shared.bin: the audit's trees/,
// one place for every run) shares that file between the runs: the later run's replaces the
// earlier's. The audit says so, naming the file; the pair's JSON lists it with the hashes
// recorded when each run wrote it, and the text report names it apart, as not compared.
TEST(Audit, RunsThatWriteToOnePlaceOutsideTheirDirectoriesAreWarnedAbout) {
    TempDir tmp;
    write_text(tmp / "src/Makefile",
               "all:\n\tprintf 'built in %s\\n' \"$$PWD\" > ../../shared.bin\n"
               "\tprintf same > out.txt\n");
    Audit a = audit(tmp, tmp / "src", {"--cache", "none", "--keep"}, {"make", "-s"});
    EXPECT_EQ(a.status, 0) << a.err << a.out;  // what the runs left in their own places agrees
    const std::string shared = tmp / "audit/trees/shared.bin";
    // The truth: one file is left there, the later run's.
    EXPECT_EQ(read_text(shared), "built in " + tmp / "audit/trees/again-bb/src" + "\n");
    EXPECT_NE(a.out.find("warning: both runs wrote 1 file at one place outside their own "
                         "directories (first: " + shared + ")"),
              std::string::npos)
        << a.out;
    const json* p = pair(a, "plain", "again");
    ASSERT_TRUE(p) << a.err;
    const json& outside = (*p)["report"]["outside"];
    ASSERT_EQ(outside.size(), 1u) << outside.dump(1);
    EXPECT_EQ(outside[0]["path"], shared);
    EXPECT_EQ(outside[0]["shared"], true);
    EXPECT_NE(outside[0]["left_hash"], outside[0]["right_hash"]);  // each wrote its own PWD
    EXPECT_EQ(outside[0]["right_hash"], file_hash(shared));
    RunResult text = run({buildiff_exe(), "diff", tmp / "audit"});
    EXPECT_NE(text.out.find("written outside the build roots (not compared)\n  " + shared +
                            "  (both builds wrote this very file, the later replacing the "
                            "earlier's: recorded contents differ)"),
              std::string::npos)
        << text.out;
}

// The Reproducible Builds community's daily job on a small Debian package (tests/fixtures/
// deb-hello, built by dpkg-buildpackage without debhelper): the .deb each run writes beside its
// tree is compared, and is identical, as cmp says; the .buildinfo differs in its Build-Date,
// named as the build's time, and is package metadata, not a deliverable; the verdict is
// identical (exit 0), and no flags cause comes from a temporary name.
TEST(Audit, ADebianPackageBuiltTwiceIsJudgedByItsDebAsCmpJudgesIt) {
    TempDir tmp;
    copy_tree(fixture("deb-hello"), tmp / "bd-hello");
    Audit a = audit(tmp, tmp / "bd-hello", {"--cache", "none", "--keep"},
                    {"dpkg-buildpackage", "-b", "-uc", "-us"});
    const std::string deb = "bd-hello_1.0_amd64.deb", info = "bd-hello_1.0_amd64.buildinfo";
    auto cmp = [&](const std::string& file) {
        return run({"cmp", "-s", tmp / ("audit/trees/plain/" + file),
                    tmp / ("audit/trees/again-bb/" + file)})
            .status;
    };
    ASSERT_EQ(cmp(deb), 0) << a.err << a.out;
    ASSERT_EQ(cmp(info), 1);
    EXPECT_EQ(a.status, 0) << a.err << a.out;
    const json* p = pair(a, "plain", "again");
    ASSERT_TRUE(p) << a.err;
    std::map<std::string, json> artifacts;
    for (auto& x : (*p)["report"]["artifacts"]) artifacts[x["path"]] = x;
    const json& d = artifacts["$ROOT/../" + deb];
    EXPECT_EQ(d["status"], "identical") << (*p)["report"]["artifacts"].dump(1);
    EXPECT_EQ(d["deliverable"], true);
    const json& b = artifacts["$ROOT/../" + info];
    EXPECT_EQ(b["status"], "different");
    EXPECT_EQ(b["deliverable"], false);
    EXPECT_EQ(b["format"], "deb822");
    // Under the content node: the one field that differs.
    ASSERT_EQ(b["differences"].size(), 1u) << b.dump(1);
    const json& fields = b["differences"][0]["children"];
    ASSERT_EQ(fields.size(), 1u) << b.dump(1);
    EXPECT_EQ(fields[0]["name"], "Build-Date");
    EXPECT_TRUE(fields[0]["description"].get<std::string>().ends_with("(carries the build's time)"))
        << b.dump(1);
    // One cause: the step that wrote the time, never a temporary name.
    ASSERT_EQ((*p)["report"]["root_causes"].size(), 1u) << (*p)["report"]["root_causes"].dump(1);
    const json& cause = (*p)["report"]["root_causes"][0];
    EXPECT_EQ(cause["kind"], "nondeterministic");
    EXPECT_EQ(cause["right"]["argv"][1], "/usr/bin/dpkg-genbuildinfo") << cause.dump(1);
    EXPECT_NE(a.out.find("every run delivered identical files (intermediate files differ"),
              std::string::npos)
        << a.out;
    // `explain` follows a file written beside the tree back to the step that wrote it.
    RunResult why = run({buildiff_exe(), "explain", tmp / "audit/plain.rec", "../" + deb});
    EXPECT_EQ(why.status, 0) << why.err;
    EXPECT_TRUE(why.out.starts_with("$ROOT/../" + deb + " was produced by ")) << why.out;
    EXPECT_NE(why.out.find("dpkg-deb"), std::string::npos) << why.out;
}

namespace {

// The packages (.deb, .udeb) a run of an audit wrote beside its tree, by name.
std::vector<std::string> packages_in(const std::string& dir) {
    std::vector<std::string> out;
    for (auto& e : fs::directory_iterator(dir)) {
        std::string name = e.path().filename().string();
        if (e.is_regular_file() && (name.ends_with(".deb") || name.ends_with(".udeb")))
            out.push_back(name);
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::string missing_source(const std::string& name) {
    return "tests/work/debian-sources/" + name +
           " is missing: scripts/test.sh fetches it (scripts/debian-source.sh --unpack " + name +
           " tests/work/debian-sources)";
}

// An audit of `dpkg-buildpackage -b -uc -us` (runs plain and again, kept) against the truth:
// cmp of each package the two runs wrote. Every package is a deliverable with cmp's verdict,
// nothing else is (a build that made packages ships them), the exit status follows, and no
// cause or file comes from a temporary's random name (a flags cause, a file only one run made).
void expect_packages_judged_as_cmp_judges(const TempDir& tmp, const Audit& a, size_t at_least) {
    std::vector<std::string> packages = packages_in(tmp / "audit/trees/plain");
    ASSERT_GE(packages.size(), at_least) << a.err << a.out;
    ASSERT_EQ(packages, packages_in(tmp / "audit/trees/again-bb"));
    const json* p = pair(a, "plain", "again");
    ASSERT_TRUE(p) << a.err;
    std::map<std::string, json> artifacts;
    for (auto& x : (*p)["report"]["artifacts"]) artifacts[x["path"]] = x;
    bool all_identical = true;
    for (const std::string& name : packages) {
        int cmp = run({"cmp", "-s", tmp / ("audit/trees/plain/" + name),
                       tmp / ("audit/trees/again-bb/" + name)})
                      .status;
        all_identical = all_identical && cmp == 0;
        const json& x = artifacts["$ROOT/../" + name];
        EXPECT_EQ(x["status"], cmp == 0 ? "identical" : "different") << name;
        EXPECT_EQ(x["deliverable"], true) << name;
    }
    EXPECT_EQ((*p)["report"]["summary"]["deliverables"], packages.size());
    EXPECT_EQ(a.status, all_identical ? 0 : 1) << a.out;
    for (auto& c : (*p)["report"]["root_causes"])
        EXPECT_NE(c["kind"], "flags") << "a temporary's name is no cause: " << c.dump(1);
    for (auto& [path, x] : artifacts)
        EXPECT_TRUE(x["status"] == "identical" || x["status"] == "different")
            << path << " is " << x["status"] << ": a temporary's name made it one run's";
}

// Whether an artifact's difference tree goes down through nodes named as PATH says, each a
// child of the one before (the first name a prefix: "data.tar" for data.tar.xz).
bool has_path(const json& artifact, const std::vector<std::string>& path) {
    std::vector<json> level;
    for (auto& content : artifact["differences"])
        for (auto& c : content.value("children", json::array())) level.push_back(c);
    for (size_t i = 0; i < path.size(); ++i) {
        std::vector<json> next;
        for (auto& node : level) {
            std::string name = node.value("name", "");
            if (i == 0 ? name.starts_with(path[i]) : name == path[i])
                for (auto& c : node.value("children", json::array())) next.push_back(c);
            if ((i == 0 ? name.starts_with(path[i]) : name == path[i]) && i + 1 == path.size())
                return true;
        }
        level = std::move(next);
    }
    return false;
}

}  // namespace

// The issue's own case: GNU hello from Debian 12 (autotools, gettext's autopoint, debhelper;
// fetched with apt-get source), built twice by dpkg-buildpackage in two directories. Its
// autopoint works in tmpwrkPID/ (renamed inside, then removed) and configure in confXXXXXX/;
// autom4te's cache and dh_autoreconf's checksums differ from run to run. cmp says both .debs
// (hello and hello-dbgsym) are identical: so does the verdict, exit 0.
TEST(DebianPackage, HelloWithAutotoolsIsJudgedByItsDebsAsCmpJudgesThem) {
    std::string src = debian_source("hello");
    ASSERT_FALSE(src.empty()) << missing_source("hello");
    TempDir tmp;
    copy_tree(src, tmp / "hello");
    Audit a = audit(tmp, tmp / "hello", {"--cache", "none", "--keep"},
                    {"dpkg-buildpackage", "-b", "-uc", "-us"});
    expect_packages_judged_as_cmp_judges(tmp, a, 2);
    EXPECT_EQ(a.status, 0) << a.out;
}

// cJSON from Debian 12 (CMake, debhelper; CMake's try_compile works in TryCompile-XXXXXX/ with
// a target cmTC_NNNNN): built twice, identical as cmp says. Then the package is made to differ
// on purpose: a patch puts __DATE__ into cJSON_Version(), and the patched source is built by
// hand (`buildiff record`, with the audit's environment) and compared with the audit's first
// run. The truth: the shipped libcjson.so.1.7.15 differs and carries "(built ...". The .deb is
// different, a deliverable, and the difference is followed into data.tar.* to the library; the
// cause is the source file, and its chain reaches the .deb.
TEST(DebianPackage, CJsonWithCMakeIsIdenticalAndADateInItsVersionReachesTheLibraryInDataTar) {
    std::string src = debian_source("cjson");
    ASSERT_FALSE(src.empty()) << missing_source("cjson");
    TempDir tmp;
    ASSERT_EQ(run({"cp", "-a", src, tmp / "cjson"}).status, 0);
    Audit a = audit(tmp, tmp / "cjson", {"--cache", "none", "--keep"},
                    {"dpkg-buildpackage", "-b", "-uc", "-us"});
    expect_packages_judged_as_cmp_judges(tmp, a, 3);
    EXPECT_EQ(a.status, 0) << a.out;
    // The runs' trees keep the source's mtimes (dpkg-deb keeps an older mtime than
    // SOURCE_DATE_EPOCH, so a copy with new mtimes would ship other .debs than the source does).
    EXPECT_EQ(fs::last_write_time(src + "/cJSON.h"),
              fs::last_write_time(tmp / "audit/trees/plain/cjson/cJSON.h"));

    fs::create_directories(tmp / "dated");
    ASSERT_EQ(run({"cp", "-a", src, tmp / "dated/cjson"}).status, 0);
    ASSERT_EQ(run({"patch", "-s", "-p1", "-i", fixture("debian-patches/cjson-version-date.patch")},
                  {.cwd = tmp / "dated/cjson"})
                  .status,
              0);
    RunResult rec =
        run({buildiff_exe(), "record", "-q", "-o", tmp / "dated.rec", "--", "dpkg-buildpackage",
             "-b", "-uc", "-us"},
            {.cwd = tmp / "dated/cjson",
             .env = {"CC=cc", "CXX=c++", "CCACHE_DISABLE=1"},
             .unset = {"CFLAGS", "CCACHE_DIR", "RUSTC_WRAPPER", "SOURCE_DATE_EPOCH"}});
    ASSERT_EQ(rec.status, 0) << rec.err;
    std::string deb;
    for (const std::string& name : packages_in(tmp / "dated"))
        if (name.starts_with("libcjson1_")) deb = name;
    ASSERT_FALSE(deb.empty());
    // The truth: unpacked, the two libraries differ and the patched one carries the date.
    const std::string lib = "usr/lib/x86_64-linux-gnu/libcjson.so.1.7.15";
    fs::create_directories(tmp / "x");
    ASSERT_EQ(run({"dpkg-deb", "-x", tmp / ("audit/trees/plain/" + deb), tmp / "x/plain"}).status, 0);
    ASSERT_EQ(run({"dpkg-deb", "-x", tmp / ("dated/" + deb), tmp / "x/dated"}).status, 0);
    ASSERT_EQ(run({"cmp", "-s", tmp / ("x/plain/" + lib), tmp / ("x/dated/" + lib)}).status, 1);
    EXPECT_EQ(read_text(tmp / ("x/plain/" + lib)).find("(built "), std::string::npos);
    EXPECT_NE(read_text(tmp / ("x/dated/" + lib)).find("(built "), std::string::npos);

    RunResult d = run({buildiff_exe(), "diff", tmp / "audit/plain.rec", tmp / "dated.rec",
                       "--json", tmp / "dated.json"});
    EXPECT_EQ(d.status, 1) << d.err << d.out;
    json report = json::parse(read_text(tmp / "dated.json"));
    const json* shipped = nullptr;
    for (auto& x : report["artifacts"])
        if (x["path"] == "$ROOT/../" + deb) shipped = &x;
    ASSERT_TRUE(shipped) << d.out;
    EXPECT_EQ((*shipped)["status"], "different");
    EXPECT_EQ((*shipped)["deliverable"], true);
    EXPECT_TRUE(has_path(*shipped, {"data.tar", "./" + lib})) << shipped->dump(1);
    ASSERT_TRUE((*shipped)["root_cause"].is_number()) << d.out;
    const json& cause = report["root_causes"][(*shipped)["root_cause"].get<size_t>() - 1];
    EXPECT_EQ(cause["kind"], "source") << cause.dump(1);
    EXPECT_NE(cause["summary"].get<std::string>().find("$ROOT/cJSON.c"), std::string::npos);
    std::vector<std::string> chain = cause["explains"];
    EXPECT_NE(std::find(chain.begin(), chain.end(), "$ROOT/obj-x86_64-linux-gnu/libcjson.so.1.7.15"),
              chain.end())
        << cause.dump(1);
    EXPECT_EQ(cause["reaches_deliverable"], true);
    EXPECT_EQ(report["verdict"], "divergent");
    // The debug symbols' package differs in its control file's Build-Ids field (the library's
    // new build ID), read field by field inside control.tar.*, and is the same cause's.
    for (auto& x : report["artifacts"]) {
        std::string path = x["path"];
        if (!path.starts_with("$ROOT/../libcjson1-dbgsym_")) continue;
        EXPECT_TRUE(has_path(x, {"control.tar", "./control", "Build-Ids"})) << x.dump(1);
        EXPECT_EQ(x["root_cause"], (*shipped)["root_cause"]);
    }
}
