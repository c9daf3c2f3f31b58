// `buildiff confirm` on real builds: each root cause's step re-run both ways in a scratch root.
// The truth each test checks it against is independent of buildiff: the same compiles run by
// hand and compared with cmp, the reproducer script run by itself, the real trees untouched.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include <fmt/core.h>

#include "harness.h"

using namespace e2e;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct Confirmed {
    int status = -1;
    std::string out, err;
    json report;
    // The first root cause's, for tests of one cause.
    const json& cause() const { return report["root_causes"][0]; }
    const json& confirmation() const { return cause()["confirmation"]; }
};

Confirmed confirm(const TempDir& tmp, std::vector<std::string> inputs,
                  std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {buildiff_exe(), "confirm"};
    argv.insert(argv.end(), inputs.begin(), inputs.end());
    argv.insert(argv.end(), {"--json", tmp / "confirmed.json", "--repro-dir", tmp / "repro"});
    argv.insert(argv.end(), extra.begin(), extra.end());
    RunResult r = run(argv);
    Confirmed c{r.status, r.out, r.err, json()};
    if (fs::exists(tmp / "confirmed.json")) {
        c.report = json::parse(read_text(tmp / "confirmed.json"));
        expect_valid_report(tmp / "confirmed.json");
        fs::remove(tmp / "confirmed.json");
    }
    return c;
}

bool contains(const json& list, const std::string& text) {
    for (auto& item : list)
        if (std::string(item).find(text) != std::string::npos) return true;
    return false;
}

// cc ARGS... run by hand in DIR: the object it writes, as bytes.
std::string compile(const std::string& dir, std::vector<std::string> args) {
    std::vector<std::string> argv = {"cc"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"-c", "util.c", "-o", "by-hand.o"});
    EXPECT_EQ(run(argv, {.cwd = dir}).status, 0);
    return read_text(dir + "/by-hand.o");
}

// `buildiff audit` of the diff-c fixture (copied to tmp/SRC) built with -g: the second run in
// another directory, so its objects differ by the build path. OPTIONS go before `--`.
RunResult audit_with_debug_info(const TempDir& tmp, const std::string& src,
                                std::vector<std::string> options) {
    copy_tree(fixture("diff-c"), tmp / src);
    std::vector<std::string> argv = {buildiff_exe(), "audit", "--cache", "none"};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.insert(argv.end(), {"--", "make", "CFLAGS=-O2 -g"});
    return run(argv, {.cwd = tmp / src, .unset = {"CC", "CFLAGS", "SOURCE_DATE_EPOCH"}});
}

}  // namespace

// One unit gets -O0 and TZ differs for the whole build: the cause is the flag, and re-running
// says so: -O0 alone turns the left object into the right one, and TZ does not matter. Truth:
// the same compile by hand, with and without -O0, and with only TZ changed. (stamp.c prints
// __DATE__: without SOURCE_DATE_EPOCH gcc gives the local date, which is a day later in
// Asia/Kolkata than in UTC from 18:30 to midnight UTC, and TZ is then a real cause; with it, the
// date is SOURCE_DATE_EPOCH's in UTC, whatever TZ says.)
TEST(Confirm, AFlagsCauseWithATzBesideItIsMinimisedToTheFlagAndItsScriptReproducesIt) {
    TempDir tmp;
    std::string left =
        record_make(tmp, "src", "left.rec", {}, {"TZ=UTC", "SOURCE_DATE_EPOCH=1700000000"});
    std::string right = record_make(tmp, "src", "right.rec", {"UTIL_CFLAGS=-O0"},
                                    {"TZ=Asia/Kolkata", "SOURCE_DATE_EPOCH=1700000000"});
    auto before = fs::last_write_time(tmp / "src/util.o");
    Confirmed c = confirm(tmp, {left, right});
    EXPECT_EQ(c.status, 0) << c.out << c.err;
    ASSERT_EQ(c.report["root_causes"].size(), 1u) << c.out;
    EXPECT_EQ(c.cause()["kind"], "flags") << c.out;
    const json& k = c.confirmation();
    EXPECT_EQ(k["status"], "confirmed") << k.dump(1);
    EXPECT_EQ(k["minimal"], json::array({"added `-O0`"})) << k.dump(1);
    EXPECT_TRUE(contains(k["irrelevant"], "`TZ`")) << k.dump(1);
    EXPECT_TRUE(contains(k["facts"], "`TZ`")) << k.dump(1);
    EXPECT_TRUE(contains(k["facts"], "do not matter")) << k.dump(1);
    EXPECT_TRUE(contains(k["facts"], "the left configuration, re-run, gives its recorded output "
                                     "byte for byte"))
        << k.dump(1);
    EXPECT_GE(k["runs"].get<int>(), 3);
    EXPECT_NE(c.out.find("confirmed: added `-O0` alone reproduces the divergence"),
              std::string::npos)
        << c.out;
    // Nothing of the real tree was written.
    EXPECT_EQ(fs::last_write_time(tmp / "src/util.o"), before);

    // The reproducer, run by itself, reproduces it.
    std::string script = k["script"];
    EXPECT_EQ(script, tmp / "repro/cause-1.sh");
    RunResult repro = run({"sh", script});
    EXPECT_EQ(repro.status, 0) << repro.out << repro.err;
    EXPECT_NE(repro.out.find("reproduced: the two configurations give different outputs"),
              std::string::npos)
        << repro.out;
    // The truth by hand: -O0 changes the object, TZ does not.
    std::string o2 = compile(tmp / "src", {"-O2"});
    EXPECT_NE(o2, compile(tmp / "src", {"-O2", "-O0"}));
    RunResult tz = run({"cc", "-O2", "-c", "util.c", "-o", "tz.o"},
                       {.cwd = tmp / "src", .env = {"TZ=Asia/Kolkata"}});
    EXPECT_EQ(tz.status, 0);
    EXPECT_EQ(o2, read_text(tmp / "src/tz.o"));

    // An input changed since it was recorded is refused, and named.
    write_text(tmp / "src/util.c", read_text(tmp / "src/util.c") + "\nint added;\n");
    Confirmed changed = confirm(tmp, {left, right});
    EXPECT_EQ(changed.status, 2) << changed.out;
    EXPECT_NE(changed.err.find(tmp / "src/util.c"), std::string::npos) << changed.err;
    EXPECT_NE(changed.err.find("changed since it was recorded"), std::string::npos);
    EXPECT_EQ(changed.confirmation()["status"], "refused");
    // An input that is gone: the cause is skipped, with its reason, and that is no failure.
    fs::remove(tmp / "src/util.c");
    Confirmed gone = confirm(tmp, {left, right});
    EXPECT_EQ(gone.status, 0) << gone.out << gone.err;
    EXPECT_EQ(gone.confirmation()["status"], "skipped");
    EXPECT_NE(std::string(gone.confirmation()["summary"]).find("$ROOT/util.c"), std::string::npos)
        << gone.confirmation().dump(1);
}

// __TIME__ compiled a second apart: one configuration run twice gives two objects.
TEST(Confirm, ATimeMacroIsConfirmedNondeterministicAndTheMovedBytesLookLikeATime) {
    TempDir tmp;
    std::string left = record_make(tmp, "src", "left.rec", {"CLOCK_CFLAGS=-DWITH_TIME"});
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    std::string right = record_make(tmp, "src", "right.rec", {"CLOCK_CFLAGS=-DWITH_TIME"});
    Confirmed c = confirm(tmp, {left, right});
    EXPECT_EQ(c.status, 0) << c.out << c.err;
    ASSERT_EQ(c.report["root_causes"].size(), 1u) << c.out;
    EXPECT_EQ(c.cause()["kind"], "nondeterministic");
    EXPECT_EQ(c.confirmation()["status"], "confirmed") << c.out;
    std::string summary = c.confirmation()["summary"];
    EXPECT_NE(summary.find("one configuration run twice gives two outputs"), std::string::npos);
    EXPECT_NE(summary.find("$ROOT/clock.o`: a `__TIME__`-shaped string"), std::string::npos)
        << summary;
    RunResult repro = run({"sh", tmp / "repro/cause-1.sh"});
    EXPECT_EQ(repro.status, 0) << repro.out << repro.err;
}

// -g in two directories: the build root alone reproduces it, and the fix is tried: with
// -ffile-prefix-map on both runs the objects are identical. Truth: the same by hand, with cmp.
TEST(Confirm, ABuildPathIsTheRootAloneAndFilePrefixMapMakesItDisappear) {
    TempDir tmp;
    std::string left = record_make(tmp, "a", "left.rec", {"CFLAGS=-O2 -g"});
    std::string right = record_make(tmp, "bb-longer", "right.rec", {"CFLAGS=-O2 -g"});
    Confirmed c = confirm(tmp, {left, right}, {"--cause", "1"});
    EXPECT_EQ(c.status, 0) << c.out << c.err;
    EXPECT_EQ(c.cause()["kind"], "build-path");
    const json& k = c.confirmation();
    EXPECT_EQ(k["status"], "confirmed") << k.dump(1);
    EXPECT_EQ(k["minimal"], json::array({fmt::format("the build root (`{}` -> `{}`)", tmp / "a",
                                                     tmp / "bb-longer")}))
        << k.dump(1);
    EXPECT_TRUE(contains(k["facts"], "with `-ffile-prefix-map=$ROOT=.` added to both, the "
                                     "outputs are identical: the fix"))
        << k.dump(1);
    // Truth by hand.
    EXPECT_NE(compile(tmp / "a", {"-O2", "-g"}), compile(tmp / "bb-longer", {"-O2", "-g"}));
    EXPECT_EQ(compile(tmp / "a", {"-O2", "-g", "-ffile-prefix-map=" + (tmp / "a") + "=."}),
              compile(tmp / "bb-longer",
                      {"-O2", "-g", "-ffile-prefix-map=" + (tmp / "bb-longer") + "=."}));
    // The script runs each configuration in a directory of its own, since the root matters.
    RunResult repro = run({"sh", tmp / "repro/cause-1.sh"});
    EXPECT_EQ(repro.status, 0) << repro.out << repro.err;
}

// ccache with sloppiness=time_macros serves the cold run's __TIME__: re-run without the cache,
// the command does not give the bytes that were served.
TEST(Confirm, AStaleCcacheHitIsConfirmedAsServingWhatItsCommandDoesNotProduce) {
    TempDir tmp;
    auto [plain, warm] = record_stale_ccache_hit(tmp);
    Confirmed c = confirm(tmp, {plain, warm});
    EXPECT_EQ(c.status, 0) << c.out << c.err;
    ASSERT_EQ(c.report["root_causes"].size(), 1u) << c.out;
    EXPECT_EQ(c.cause()["kind"], "cache");
    EXPECT_EQ(c.confirmation()["status"], "confirmed") << c.out;
    EXPECT_NE(std::string(c.confirmation()["summary"])
                  .find("ccache served bytes its command does not produce"),
              std::string::npos)
        << c.out;
}

// A step shut in: a compiler that writes outside the build root fails there (the re-run is
// unconfirmed, and the file outside keeps what the build wrote), one that hangs is killed at its
// limit with everything it started, and one that reads a file it did not read before is seen.
TEST(Confirm, AStepIsShutInWritesOutsideItsRootFailAndAHangIsKilledAtItsLimit) {
    TempDir tmp;
    // `cc` on PATH: a script that notes each call outside the root, and hangs on demand.
    write_text(tmp / "bin/cc",
               "#!/bin/sh\n"
               "if [ -e \"$HANG_FLAG\" ]; then sleep 600; fi\n"
               "if [ -e \"$EXTRA\" ]; then cat \"$EXTRA\" > /dev/null; fi\n"
               "if [ -n \"$CALLS\" ]; then echo called >> \"$CALLS\" || exit 1; fi\n"
               "exec /usr/bin/cc \"$@\"\n");
    fs::permissions(tmp / "bin/cc", fs::perms::owner_all);
    std::vector<std::string> env = {"PATH=" + (tmp / "bin") + ":" + std::getenv("PATH"),
                                    "HANG_FLAG=" + (tmp / "hang"), "EXTRA=" + (tmp / "extra"),
                                    "CALLS=" + (tmp / "calls")};
    std::string left = record_make(tmp, "src", "left.rec", {"UTIL_CFLAGS=-DFOO=1"}, env);
    std::string right = record_make(tmp, "src", "right.rec", {"UTIL_CFLAGS=-DFOO=2"}, env);
    std::string calls = read_text(tmp / "calls");
    Confirmed c = confirm(tmp, {left, right});
    EXPECT_EQ(c.status, 1) << c.out << c.err;
    EXPECT_EQ(c.confirmation()["status"], "unconfirmed") << c.out;
    EXPECT_NE(std::string(c.confirmation()["summary"]).find("exited with status"),
              std::string::npos)
        << c.out;
    EXPECT_EQ(read_text(tmp / "calls"), calls) << "a re-run wrote outside its root";

    // Now without the note, but hanging: killed at the limit.
    env.pop_back();
    std::string l2 = record_make(tmp, "src", "left2.rec", {"UTIL_CFLAGS=-DFOO=1"}, env);
    std::string r2 = record_make(tmp, "src", "right2.rec", {"UTIL_CFLAGS=-DFOO=2"}, env);
    write_text(tmp / "hang", "");
    auto start = std::chrono::steady_clock::now();
    Confirmed hung = confirm(tmp, {l2, r2}, {"--run-limit", "2s"});
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(hung.status, 1) << hung.out << hung.err;
    EXPECT_EQ(hung.confirmation()["status"], "unconfirmed");
    EXPECT_NE(std::string(hung.confirmation()["summary"])
                  .find("the re-run did not finish in 2 s and was killed"),
              std::string::npos)
        << hung.out;
    EXPECT_LT(seconds, 20);
    EXPECT_FALSE(process_alive("sleep 600")) << "the hung step's children outlived it";

    // Not hanging, but reading a file it did not read when it was recorded: the recorder that
    // watches the re-run sees it, and the report says so.
    fs::remove(tmp / "hang");
    write_text(tmp / "extra", "new\n");
    Confirmed read = confirm(tmp, {l2, r2});
    EXPECT_EQ(read.status, 0) << read.out << read.err;
    EXPECT_EQ(read.confirmation()["status"], "confirmed") << read.out;
    // (`cat` did not run when the step was recorded: what it loads, its locale, is new too.)
    bool seen = false;
    for (auto& f : read.confirmation()["facts"]) {
        std::string fact = f;
        seen |= fact.starts_with("the re-run read ") &&
                fact.find("file(s) the recording did not see the step read: " + (tmp / "extra")) !=
                    std::string::npos;
    }
    EXPECT_TRUE(seen) << read.confirmation().dump(1);
}

// An audit that keeps its trees confirms its most telling pair before writing the reports: -g in
// the two runs' directories is a build-path cause, proved, and the fix tried. The audit directory
// then confirms again on its own, and its bundle carries the reproducer.
TEST(Confirm, AnAuditThatKeepsItsTreesConfirmsItsCausesAndItsBundleCarriesTheReproducer) {
    TempDir tmp;
    RunResult a = audit_with_debug_info(tmp, "src", {"--keep", "--out", tmp / "audit"});
    EXPECT_EQ(a.status, 1) << a.err << a.out;
    EXPECT_NE(a.out.find("  re-run cause 1: confirmed: the build root"), std::string::npos)
        << a.out;
    EXPECT_NE(a.out.find("--no-confirm skips it"), std::string::npos) << a.out;
    json report = json::parse(read_text(tmp / "audit/report.json"));
    const json& cause = report["pairs"][0]["report"]["root_causes"][0];
    EXPECT_EQ(cause["kind"], "build-path");
    EXPECT_EQ(cause["confirmation"]["status"], "confirmed") << cause.dump(1);
    EXPECT_TRUE(contains(cause["confirmation"]["facts"], "the outputs are identical: the fix"));
    EXPECT_NE(read_text(tmp / "audit/report.html").find("confirmed by re-running"),
              std::string::npos);
    EXPECT_NE(read_text(tmp / "audit/summary.md").find("**confirmed by re-running**"),
              std::string::npos);
    ASSERT_TRUE(fs::exists(tmp / "audit/repro/cause-1.sh"));
    RunResult repro = run({"sh", tmp / "audit/repro/cause-1.sh"});
    EXPECT_EQ(repro.status, 0) << repro.out << repro.err;

    // Again from the audit directory, by itself.
    Confirmed again = confirm(tmp, {tmp / "audit"});
    EXPECT_EQ(again.status, 0) << again.out << again.err;
    EXPECT_EQ(again.confirmation()["status"], "confirmed") << again.out;

    // The bundle carries the reproducer.
    RunResult p = run({buildiff_exe(), "pack", tmp / "audit", "-o", tmp / "bug.tar.gz"});
    ASSERT_EQ(p.status, 0) << p.err;
    RunResult listing = run({"tar", "tzf", tmp / "bug.tar.gz"});
    EXPECT_NE(listing.out.find("repro/cause-1.sh\n"), std::string::npos) << listing.out;
}

// An audit that removes its trees keeps, as evidence, the files its causes' steps read: the cause
// is confirmed before the trees go, again from the audit directory after they are gone, and from
// its bundle after the audit directory is gone too; the reproducer takes the inputs from the
// evidence beside it (in the audit directory, and in the unpacked bundle). Truth: the kept input
// is the source file byte for byte, the trees are not on disk, and the scripts run by themselves.
TEST(Confirm, WithoutItsTreesAnAuditAndItsBundleConfirmFromTheStepInputsTheyKept) {
    TempDir tmp;
    RunResult a = audit_with_debug_info(tmp, "src", {"--confirm", "--out", tmp / "audit"});
    EXPECT_EQ(a.status, 1) << a.err << a.out;
    EXPECT_NE(a.out.find("  re-run cause 1: confirmed: the build root"), std::string::npos)
        << a.out;
    EXPECT_NE(a.out.find("and 1 of the 1 files the root causes' steps read"), std::string::npos)
        << a.out;
    EXPECT_FALSE(fs::exists(tmp / "audit/trees/plain")) << "the trees were not removed";
    json report = json::parse(read_text(tmp / "audit/report.json"));
    const json& cause = report["pairs"][0]["report"]["root_causes"][0];
    ASSERT_EQ(cause["kind"], "build-path") << cause.dump(1);
    // The step is clock.o's compile (the first divergent object); it read clock.c.
    json index = json::parse(read_text(tmp / "audit/evidence/index.json"));
    std::vector<std::string> inputs;
    for (const json& item : index["kept"])
        if (item.value("role", "") == "step-input") {
            inputs.push_back(item["path"]);
            EXPECT_EQ(item["left"]["member"], item["right"]["member"]);
            std::string rel = std::string(item["path"]).substr(std::string("$ROOT/").size());
            EXPECT_EQ(read_text(tmp / ("audit/" + std::string(item["left"]["member"]))),
                      read_text(tmp / ("src/" + rel)));
        }
    EXPECT_EQ(inputs, std::vector<std::string>{"$ROOT/clock.c"}) << index.dump(1);

    RunResult script = run({"sh", tmp / "audit/repro/cause-1.sh"});
    EXPECT_EQ(script.status, 0) << script.out << script.err;
    EXPECT_NE(script.out.find("reproduced: the two configurations give different outputs"),
              std::string::npos)
        << script.out;
    Confirmed again = confirm(tmp, {tmp / "audit"});
    EXPECT_EQ(again.status, 0) << again.out << again.err;
    EXPECT_EQ(again.confirmation()["status"], "confirmed") << again.out;

    RunResult p = run({buildiff_exe(), "pack", tmp / "audit", "-o", tmp / "bug.tar.gz"});
    ASSERT_EQ(p.status, 0) << p.err;
    EXPECT_NE(p.out.find("and 1 of the 1 files the root causes' steps read"), std::string::npos)
        << p.out;
    fs::remove_all(tmp / "audit");
    RunResult show = run({buildiff_exe(), "show", tmp / "bug.tar.gz"});
    EXPECT_NE(show.out.find("1 files the root causes' steps read kept"), std::string::npos)
        << show.out;
    Confirmed bundled = confirm(tmp, {tmp / "bug.tar.gz"});
    EXPECT_EQ(bundled.status, 0) << bundled.out << bundled.err;
    EXPECT_EQ(bundled.confirmation()["status"], "confirmed") << bundled.out;
    fs::create_directories(tmp / "unpacked");
    ASSERT_EQ(run({"tar", "xzf", tmp / "bug.tar.gz", "-C", tmp / "unpacked"}).status, 0);
    RunResult unpacked = run({"sh", tmp / "unpacked/repro/cause-1.sh"});
    EXPECT_EQ(unpacked.status, 0) << unpacked.out << unpacked.err;

    // With no room for evidence, the input is not kept: the cause is skipped, naming it (exit 0).
    RunResult small = audit_with_debug_info(
        tmp, "src2", {"--no-confirm", "--max-evidence", "100", "--out", tmp / "small"});
    EXPECT_EQ(small.status, 1) << small.err << small.out;
    Confirmed missing = confirm(tmp, {tmp / "small"});
    EXPECT_EQ(missing.status, 0) << missing.out << missing.err;
    EXPECT_EQ(missing.confirmation()["status"], "skipped") << missing.out;
    EXPECT_NE(std::string(missing.confirmation()["summary"]).find("$ROOT/clock.c"),
              std::string::npos)
        << missing.confirmation().dump(1);
    EXPECT_NE(std::string(missing.confirmation()["summary"]).find("nor in the evidence"),
              std::string::npos)
        << missing.confirmation().dump(1);
}

// A bundle whose recordings name files that climb out of the build root (an input and an output
// of the cause's step, as `ROOT/../../..../escape/clock.c`): nothing is staged or written there,
// the cause is not re-run, and the directory confirm ran in stays empty. The names are the only
// edit; the bundle is otherwise a real audit's.
TEST(Confirm, ABundleWhoseRecordingsClimbOutOfTheRootWritesNothingThere) {
    TempDir tmp;
    RunResult a = audit_with_debug_info(tmp, "src", {"--no-confirm", "--out", tmp / "audit"});
    ASSERT_EQ(a.status, 1) << a.err << a.out;
    ASSERT_EQ(run({buildiff_exe(), "pack", tmp / "audit", "-o", tmp / "bug.tar.gz"}).status, 0);
    fs::create_directories(tmp / "escape");
    fs::create_directories(tmp / "work");
    std::string script =
        "import io, subprocess, sys, tarfile\n"
        "src, dst, tmp = sys.argv[1:4]\n"
        "climb = '/..' * 12 + tmp + '/escape/'\n"
        "out = tarfile.open(dst, 'w:gz')\n"
        "with tarfile.open(src) as t:\n"
        "    for m in t.getmembers():\n"
        "        data = t.extractfile(m).read()\n"
        "        if m.name.endswith('.rec'):\n"
        "            # A recording is compressed: its records, edited, are stored as text.\n"
        "            s = subprocess.run(['zstd', '-dcqf'], input=data, stdout=subprocess.PIPE,\n"
        "                               check=True).stdout.decode()\n"
        "            for run in ('plain', 'again-bb'):\n"
        "                root = tmp + '/audit/trees/' + run + '/src'\n"
        "                for f in ('clock.c', 'clock.o'):\n"
        "                    s = s.replace(root + '/' + f, root + climb + f)\n"
        "            data = s.encode()\n"
        "        i = tarfile.TarInfo(m.name); i.size = len(data); out.addfile(i, io.BytesIO(data))\n"
        "out.close()\n";
    RunResult edit = run({"/usr/bin/python3", "-c", script, tmp / "bug.tar.gz",
                          tmp / "hostile.tar.gz", tmp.path()});
    ASSERT_EQ(edit.status, 0) << edit.err;
    RunResult c = run({buildiff_exe(), "confirm", tmp / "hostile.tar.gz", "--json",
                       tmp / "confirmed.json"},
                      {.cwd = tmp / "work"});
    EXPECT_EQ(c.status, 0) << c.out << c.err;
    json report = json::parse(read_text(tmp / "confirmed.json"));
    const json& k = report["root_causes"][0]["confirmation"];
    EXPECT_EQ(k["status"], "skipped") << k.dump(1);
    EXPECT_NE(k["summary"].get<std::string>().find("/escape/clock.c (read outside the build root) "
                                                   "is gone"),
              std::string::npos)
        << k.dump(1);
    EXPECT_TRUE(fs::is_empty(tmp / "escape"));
    EXPECT_TRUE(fs::is_empty(tmp / "work")) << "no reproducer for a cause not re-run";
}
