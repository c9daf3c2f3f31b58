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
    // The text report names what was asked and what ran.
    const std::string& text = d.out;
    EXPECT_NE(text.find("cargo asked sccache (right) for: rustc --crate-name proofs"),
              std::string::npos);
    EXPECT_NE(text.find("-l static=proofs -l dylib=proofs"), std::string::npos);
}
