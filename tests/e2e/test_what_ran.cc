// What the compiler really ran: the motivating bug's real mechanism, on a workspace of our own
// (tests/fixtures/kindless-link), with Debian's cargo and rustc 1.63 (linking with GNU ld) and
// Debian's sccache, its server started inside the recording. A kind-less `-l proofs` after cc's
// `-l static=proofs` is re-serialised by sccache as `-l dylib=proofs`: the rlib loses proof.o and
// GNU ld leaves curve_p2_to_affine undefined in the cdylib. Truth: Python's ctypes loads the
// plain .so and refuses the cached one.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "harness.h"

using namespace e2e;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

// Debian's toolchain first on PATH (rustup's may come first otherwise), no wrapper of the
// caller's, a private sccache server.
RunOptions debian_cargo(const std::string& ws, const std::string& cache_dir = "",
                        int port = 0) {
    RunOptions o{.cwd = ws,
                 .env = {"PATH=/usr/bin:/bin", "CARGO_TERM_COLOR=never", "CARGO_INCREMENTAL=0"},
                 .unset = {"RUSTC_WRAPPER", "CARGO_BUILD_RUSTC_WRAPPER", "CC", "CFLAGS",
                           "RUSTFLAGS", "SCCACHE_SERVER_PORT", "CARGO_TARGET_DIR"}};
    if (!cache_dir.empty())
        o.env.insert(o.env.end(), {"RUSTC_WRAPPER=sccache", "SCCACHE_DIR=" + cache_dir,
                                   "SCCACHE_SERVER_PORT=" + std::to_string(port),
                                   "SCCACHE_IDLE_TIMEOUT=120"});
    return o;
}

// Whether Python's ctypes loads the library; its error otherwise.
std::string ctypes_load(const std::string& so) {
    RunResult r = run({"python3", "-c", "import ctypes, sys; ctypes.CDLL(sys.argv[1]); print('ok')",
                       so});
    return r.status == 0 ? "ok" : r.err;
}

const json* artifact(const json& report, const std::string& prefix, const std::string& suffix) {
    for (auto& a : report["artifacts"]) {
        std::string p = a["path"];
        if (p.starts_with(prefix) && p.ends_with(suffix)) return &a;
    }
    return nullptr;
}

const json* cause_by_id(const json& report, int id) {
    for (auto& c : report["root_causes"])
        if (c["id"] == id) return &c;
    return nullptr;
}

// Whether the difference tree of ARTIFACT holds a difference of KIND named NAME satisfying PRED.
template <typename Pred>
bool has_difference(const json& artifact, const std::string& kind, const std::string& name,
                    Pred pred) {
    std::vector<json> stack(artifact["differences"].begin(), artifact["differences"].end());
    while (!stack.empty()) {
        json d = stack.back();
        stack.pop_back();
        if (d["kind"] == kind && d["name"] == name && pred(d)) return true;
        for (auto& c : d["children"]) stack.push_back(c);
    }
    return false;
}

// The chain the report must show, from the rewrite at proofs' rustc to the symbol.
void expect_the_rewrite_explains_the_chain(const json& report) {
    const json* cache = nullptr;
    for (auto& c : report["root_causes"]) {
        if (c["kind"] != "cache") continue;
        EXPECT_EQ(cache, nullptr) << "one cache cause";
        cache = &c;
    }
    ASSERT_NE(cache, nullptr) << report["root_causes"].dump(1);
    std::string summary = (*cache)["summary"];
    EXPECT_NE(summary.find("sccache ran rustc with `-l dylib=proofs` where cargo asked for "
                           "`-l proofs`"),
              std::string::npos)
        << summary;
    EXPECT_NE(summary.find("static, bundled into the rlib -> dylib"), std::string::npos);
    const json& inv = (*cache)["invocation"];
    EXPECT_EQ(inv["wrapper"], "sccache");
    std::vector<std::string> argv = inv["argv"];
    EXPECT_NE(std::find(argv.begin(), argv.end(), "proofs"), argv.end()) << "proofs' rustc";
    int id = (*cache)["id"];

    // The rlib lost proof.o; the cdylib's curve_p2_to_affine went from LOCAL defined to GLOBAL
    // UND. Both are the rewrite's, not a variable's or the build path's.
    const json* rlib = artifact(report, "$ROOT/target/debug/deps/libproofs-", ".rlib");
    ASSERT_NE(rlib, nullptr);
    EXPECT_EQ((*rlib)["root_cause"], id);
    EXPECT_TRUE(has_difference(*rlib, "member", "proof.o",
                               [](const json& d) { return d["right"].is_null(); }))
        << (*rlib)["differences"].dump(1);
    const json* so = artifact(report, "$ROOT/target/debug/libpyverify.so", "");
    ASSERT_NE(so, nullptr);
    EXPECT_EQ((*so)["root_cause"], id);
    EXPECT_TRUE(has_difference(*so, "symbol", "curve_p2_to_affine", [](const json& d) {
        return d["left"]["defined"] == true && d["left"]["binding"] == "LOCAL" &&
               d["right"]["defined"] == false && d["right"]["section"] == "UND" &&
               d["right"]["binding"] == "GLOBAL";
    })) << (*so)["differences"].dump(1);
    for (const json* a : {rlib, so}) {
        const json* owner = cause_by_id(report, (*a)["root_cause"]);
        ASSERT_NE(owner, nullptr);
        EXPECT_NE((*owner)["kind"], "env");
        EXPECT_NE((*owner)["kind"], "build-path");
    }
}

}  // namespace

// Linker: GNU ld (Debian's rustc 1.63 links through cc), which shows the symptom.
TEST(WhatRan, SccachesKindlessLinkRewriteIsTheCacheCauseDownToTheUndefinedSymbol) {
    TempDir tmp;
    // Two directories, as two CI jobs would build: the build path differs too, and must not take
    // the blame for what the wrapper did.
    std::string plain_ws = tmp / "plain", ws = tmp / "cached";
    copy_tree(fixture("kindless-link"), plain_ws);
    copy_tree(fixture("kindless-link"), ws);
    RunResult plain = run({buildiff_exe(), "record", "-q", "-o", tmp / "plain.rec", "--",
                           "cargo", "build"},
                          debian_cargo(plain_ws));
    ASSERT_EQ(plain.status, 0) << plain.err;
    int port = free_tcp_port();
    RunOptions cached = debian_cargo(ws, tmp / "sccache", port);
    RunResult r = run({buildiff_exe(), "record", "-q", "-o", tmp / "cached.rec", "--", "cargo",
                       "build"},
                      cached);
    run({"sccache", "--stop-server"}, cached);
    ASSERT_EQ(r.status, 0) << r.err;

    // The truth, independent of buildiff.
    EXPECT_EQ(ctypes_load(plain_ws + "/target/debug/libpyverify.so"), "ok");
    std::string refused = ctypes_load(ws + "/target/debug/libpyverify.so");
    EXPECT_NE(refused.find("undefined symbol: curve_p2_to_affine"), std::string::npos) << refused;

    RunResult d = run({buildiff_exe(), "diff", tmp / "plain.rec", tmp / "cached.rec", "--json",
                       tmp / "report.json", "--text"});
    EXPECT_EQ(d.status, 1) << d.err;
    json report = json::parse(read_text(tmp / "report.json"));
    expect_the_rewrite_explains_the_chain(report);
    for (auto& c : report["root_causes"]) EXPECT_NE(c["kind"], "env") << c.dump(1);
    bool gnu_ld = false;
    for (auto& c : report["root_causes"])
        for (auto& f : c["details"]["facts"])
            gnu_ld |= std::string(f).find("ran ld (GNU ld or gold") != std::string::npos;
    EXPECT_TRUE(gnu_ld) << "the linker that showed it is named";
    // Where the library stands on each side's cdylib link: inside the rlib on the left, a
    // `-lproofs` after every rlib on the right.
    bool inside = false, after = false;
    for (auto& c : report["root_causes"])
        for (auto& f : c["details"]["facts"]) {
            std::string fact = f;
            inside |= fact.starts_with("left: the link of libpyverify.so (ld) names no `proofs`");
            after |= fact.starts_with("right: the link of libpyverify.so (ld) names `-lproofs` "
                                      "at argument") &&
                     fact.find(", after all ") != std::string::npos;
        }
    EXPECT_TRUE(inside && after) << report["root_causes"].dump(1);
    // The text report names what was asked and what ran.
    const std::string& text = d.out;
    EXPECT_NE(text.find("cargo asked sccache (right) for: rustc --crate-name proofs"),
              std::string::npos);
    EXPECT_NE(text.find("-l static=proofs -l dylib=proofs"), std::string::npos);
    // The chain on the first screen, down to the symbol.
    EXPECT_NE(text.find("  chain    $ROOT/target/debug/deps/libproofs-HASH.rlib: member proof.o "
                        "removed"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("libpyverify.so: symbol `curve_p2_to_affine`: binding LOCAL -> GLOBAL"),
              std::string::npos);

    // Proved by re-running the step: the rewritten `-l` alone turns plain's rlib into the cached
    // one (the build root and the upstream rmeta, which differ by a cause of their own, held at
    // the right build's), and the reproducer, run by itself, shows it.
    size_t cause = 0;
    for (size_t i = 0; i < report["root_causes"].size(); ++i)
        if (report["root_causes"][i]["kind"] == "cache") cause = i + 1;
    ASSERT_GT(cause, 0u);
    RunResult c = run({buildiff_exe(), "confirm", tmp / "plain.rec", tmp / "cached.rec", "--cause",
                       std::to_string(cause), "--json", tmp / "confirmed.json", "--repro-dir",
                       tmp / "repro"});
    EXPECT_EQ(c.status, 0) << c.out << c.err;
    json k = json::parse(read_text(tmp / "confirmed.json"))["root_causes"][cause - 1]["confirmation"];
    EXPECT_EQ(k["status"], "confirmed") << k.dump(1);
    EXPECT_EQ(k["minimal"], json::array({"`-l proofs` -> `-l dylib=proofs`"})) << k.dump(1);
    RunResult repro = run({"sh", tmp / ("repro/cause-" + std::to_string(cause) + ".sh")});
    EXPECT_EQ(repro.status, 0) << repro.out << repro.err;
    EXPECT_NE(repro.out.find("reproduced"), std::string::npos);
}

// The same workspace with rustup's toolchain, whose rustc links through rust-lld (the default on
// x86_64 since 1.90): lld resolves in any order, so the .so loads on both sides, but the rlib
// still lost proof.o, and the report says the linker masks it.
TEST(WhatRan, UnderRustLldTheRewriteIsStillTheCauseAndTheLinkerIsSaidToMaskIt) {
    RunResult which = run({"sh", "-c", "command -v cargo"});
    if (which.out.rfind("/usr/bin/", 0) == 0) GTEST_SKIP() << "needs rustup's cargo first on PATH";
    TempDir tmp;
    std::string plain_ws = tmp / "plain", ws = tmp / "cached";
    copy_tree(fixture("kindless-link"), plain_ws);
    copy_tree(fixture("kindless-link"), ws);
    RunOptions plain_env = debian_cargo(plain_ws);
    plain_env.env.erase(plain_env.env.begin());  // the caller's PATH: rustup's cargo first
    ASSERT_EQ(run({buildiff_exe(), "record", "-q", "-o", tmp / "plain.rec", "--", "cargo", "build",
                   "--release"},
                  plain_env)
                  .status,
              0);
    RunOptions cached = debian_cargo(ws, tmp / "sccache", free_tcp_port());
    cached.env.erase(cached.env.begin());
    RunResult r = run({buildiff_exe(), "record", "-q", "-o", tmp / "cached.rec", "--", "cargo",
                       "build", "--release"},
                      cached);
    run({"sccache", "--stop-server"}, cached);
    ASSERT_EQ(r.status, 0) << r.err;
    // The truth: both load (the symptom is masked).
    EXPECT_EQ(ctypes_load(plain_ws + "/target/release/libpyverify.so"), "ok");
    EXPECT_EQ(ctypes_load(ws + "/target/release/libpyverify.so"), "ok");

    RunResult d = run({buildiff_exe(), "diff", tmp / "plain.rec", tmp / "cached.rec", "--json",
                       tmp / "report.json"});
    EXPECT_EQ(d.status, 1) << d.err;
    json report = json::parse(read_text(tmp / "report.json"));
    const json* cache = nullptr;
    for (auto& c : report["root_causes"])
        if (c["kind"] == "cache") cache = &c;
    ASSERT_NE(cache, nullptr) << report["root_causes"].dump(1);
    EXPECT_NE(std::string((*cache)["summary"]).find("`-l dylib=proofs` where cargo asked for"),
              std::string::npos);
    bool masked = false;
    for (auto& f : (*cache)["details"]["facts"])
        masked |= std::string(f).find("ran rust-lld") != std::string::npos &&
                  std::string(f).find("masks the symptom") != std::string::npos;
    EXPECT_TRUE(masked) << (*cache)["details"]["facts"].dump(1);
    const json* rlib = artifact(report, "$ROOT/target/release/deps/libproofs-", ".rlib");
    ASSERT_NE(rlib, nullptr);
    EXPECT_EQ((*rlib)["root_cause"], (*cache)["id"]);
    EXPECT_TRUE(has_difference(*rlib, "member", "proof.o",
                               [](const json& d) { return d["right"].is_null(); }));
    const json* so = artifact(report, "$ROOT/target/release/libpyverify.so", "");
    if (so) {
        EXPECT_FALSE(has_difference(*so, "symbol", "curve_p2_to_affine", [](const json& d) {
            return d["right"]["section"] == "UND";
        }));
    }
}

namespace {

struct AuditRun {
    RunResult result;
    json report;
};

AuditRun run_audit(const TempDir& tmp, const std::string& src, std::vector<std::string> options,
               std::vector<std::string> command, RunOptions env) {
    std::vector<std::string> argv = {buildiff_exe(), "audit", "--out", tmp / "audit"};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.push_back("--");
    argv.insert(argv.end(), command.begin(), command.end());
    env.cwd = src;
    env.unset.insert(env.unset.end(), {"CC", "CXX", "CCACHE_DIR", "SOURCE_DATE_EPOCH"});
    AuditRun a{run(argv, env), {}};
    if (fs::exists(tmp / "audit/report.json"))
        a.report = json::parse(read_text(tmp / "audit/report.json"));
    return a;
}

const json* pair_report(const AuditRun& a, const std::string& l, const std::string& r) {
    for (auto& p : a.report["pairs"])
        if (p["left"] == l && p["right"] == r) return &p["report"];
    return nullptr;
}

}  // namespace

// The audit's own runs (plain, cold, warm) with the build path and TZ varied: the rewrite is
// still the cause of the rlib and the .so, never TZ. Release: cargo's incremental debug builds
// are not cacheable, and sccache runs them as asked (no rewrite, no bug).
TEST(WhatRan, AnAuditWithTzVariedStillNamesTheRewrite) {
    TempDir tmp;
    copy_tree(fixture("kindless-link"), tmp / "src");
    AuditRun a = run_audit(tmp, tmp / "src",
                           {"--cache", "sccache", "--vary", "build-path,tz", "--keep",
                            "--confirm-budget", "10s"},
                           {"cargo", "build", "--release"}, debian_cargo(tmp / "src"));
    EXPECT_EQ(a.result.status, 1) << a.result.err << a.result.out;
    const json* cold = pair_report(a, "plain", "cold");
    ASSERT_NE(cold, nullptr) << a.result.err;
    const json* so = artifact(*cold, "$ROOT/target/release/libpyverify.so", "");
    ASSERT_NE(so, nullptr);
    const json* cause = cause_by_id(*cold, (*so)["root_cause"]);
    ASSERT_NE(cause, nullptr);
    EXPECT_EQ((*cause)["kind"], "cache") << (*cause).dump(1);
    EXPECT_NE(std::string((*cause)["summary"]).find("`-l dylib=proofs` where cargo asked for"),
              std::string::npos);
    const json* rlib = artifact(*cold, "$ROOT/target/release/deps/libproofs-", ".rlib");
    ASSERT_NE(rlib, nullptr);
    EXPECT_EQ((*rlib)["root_cause"], (*so)["root_cause"]);
    // Re-run (on by default with --keep) on the most telling pair: the rewrite is confirmed,
    // down to the one `-l` argument; TZ does not matter.
    const json* confirmed = nullptr;
    for (auto& p : a.report["pairs"])
        for (auto& c : p["report"]["root_causes"])
            if (c.contains("confirmation") && c["kind"] == "cache") confirmed = &c["confirmation"];
    ASSERT_NE(confirmed, nullptr) << a.result.out;
    EXPECT_EQ((*confirmed)["status"], "confirmed") << confirmed->dump(1);
    EXPECT_EQ((*confirmed)["minimal"], json::array({"`-l proofs` -> `-l dylib=proofs`"}))
        << confirmed->dump(1);
    EXPECT_NE((*confirmed)["irrelevant"].dump().find("`TZ`"), std::string::npos)
        << confirmed->dump(1);
    // The truth in the kept trees: the plain run's library loads, the cold run's does not.
    std::string trees = tmp / "audit/trees";
    for (const auto& e : fs::directory_iterator(trees)) {
        std::string name = e.path().filename();
        std::string loaded =
            ctypes_load(e.path().string() + "/src/target/release/libpyverify.so");
        if (name.starts_with("plain"))
            EXPECT_EQ(loaded, "ok");
        else
            EXPECT_NE(loaded.find("undefined symbol: curve_p2_to_affine"), std::string::npos)
                << name << ": " << loaded;
    }
}

// A --cache COMMAND wrapper that, asked to assemble fast.S, compiles an empty C object from
// standard input: the cause is the wrapper call, and it names the .S file.
TEST(WhatRan, AWrapperThatSwapsAnAssemblyCompileIsTheCauseAtItsCall) {
    TempDir tmp;
    copy_tree(fixture("asm-make"), tmp / "src");
    copy_tree(fixture("asm-swapping-wrapper"), tmp / "wrapper");
    AuditRun a = run_audit(tmp, tmp / "src",
                       {"--cache", tmp / "wrapper/ccache", "--runs", "plain,cached", "--confirm"},
                       {"make"}, {});
    EXPECT_EQ(a.result.status, 1) << a.result.err << a.result.out;
    const json* r = pair_report(a, "plain", "cached");
    ASSERT_NE(r, nullptr) << a.result.err;
    ASSERT_EQ((*r)["root_causes"].size(), 1u) << (*r)["root_causes"].dump(1);
    const json& cause = (*r)["root_causes"][0];
    EXPECT_EQ(cause["kind"], "cache");
    std::string summary = cause["summary"];
    EXPECT_EQ(summary.rfind("ccache ran cc other than make asked: ", 0), 0u) << summary;
    EXPECT_NE(summary.find("removed `fast.S` (input)"), std::string::npos) << summary;
    std::vector<std::string> argv = cause["invocation"]["argv"];
    EXPECT_EQ(argv.back(), "fast.S") << "the wrapper call, not its child";
    EXPECT_EQ(cause["explains"], json::array({"$ROOT/fast.o", "$ROOT/libfast.so"}));
    // Re-run (--confirm, before the trees went): the command the wrapper was asked to run gives
    // plain's object, the one it ran does not.
    const json& k = cause["confirmation"];
    EXPECT_EQ(k["status"], "confirmed") << k.dump(1);
    EXPECT_TRUE(std::find(k["facts"].begin(), k["facts"].end(),
                          "the command ccache was asked to run gives the left output; the "
                          "command it ran does not") != k["facts"].end())
        << k.dump(1);
    EXPECT_NE(a.result.out.find("  re-run cause 1: confirmed"), std::string::npos) << a.result.out;
}
