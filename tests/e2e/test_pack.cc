// Bundles: packing recordings of a real build with paths and secrets redacted, and reading
// hostile bundles (climbing names, absolute names, links, a 1 GiB member, lying indexes).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "harness.h"

using namespace e2e;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

// Every file under `dir`, by path relative to it.
std::set<std::string> listing(const std::string& dir) {
    std::set<std::string> out;
    for (auto& e : fs::recursive_directory_iterator(dir))
        out.insert(fs::path(e.path()).lexically_relative(dir).string());
    return out;
}

// A bundle written by Python's tarfile, member by member: (name, kind, content-or-target).
void make_tar(const std::string& path, const std::vector<std::array<std::string, 3>>& members) {
    std::string script =
        "import io, sys, tarfile, json\n"
        "members = json.loads(sys.argv[2])\n"
        "with tarfile.open(sys.argv[1], 'w:gz') as t:\n"
        "    for name, kind, data in members:\n"
        "        i = tarfile.TarInfo(name)\n"
        "        if kind == 'file':\n"
        "            b = data.encode(); i.size = len(b); t.addfile(i, io.BytesIO(b))\n"
        "        else:\n"
        "            i.type = tarfile.SYMTYPE if kind == 'symlink' else tarfile.LNKTYPE\n"
        "            i.linkname = data; t.addfile(i)\n";
    json list = json::array();
    for (auto& m : members) list.push_back({m[0], m[1], m[2]});
    RunResult r = run({"/usr/bin/python3", "-c", script, path, list.dump()});
    ASSERT_EQ(r.status, 0) << r.err;
}

const std::string kManifest = R"({"format": "buildiff.bundle/1"})";
std::string report(const std::string& run_name) {
    return json{
        {"schema", "buildiff.audit/1"}, {"runs", {{{"name", run_name}}}}, {"pairs", json::array()}}
        .dump();
}

}  // namespace

TEST(Pack, HostileBundlesAreRefusedWithExit2AndNothingIsWritten) {
    TempDir tmp;
    fs::create_directories(tmp / "work/inner");
    std::string rec = R"({"type":"header","format":"buildiff.recording","version":1})";
    struct Case {
        std::string name, expect;
        std::vector<std::array<std::string, 3>> members;
    };
    std::vector<Case> cases = {
        {"dotdot",
         "climbs out",
         {{"MANIFEST.json", "file", kManifest}, {"../../escape.rec", "file", rec}}},
        {"absolute",
         "absolute",
         {{"MANIFEST.json", "file", kManifest}, {tmp / "absolute.rec", "file", rec}}},
        {"symlink",
         "symbolic link to `/etc/passwd`",
         {{"MANIFEST.json", "file", kManifest}, {"plain.rec", "symlink", "/etc/passwd"}}},
        {"hardlink",
         "hard link",
         {{"MANIFEST.json", "file", kManifest}, {"plain.rec", "hardlink", "/etc/shadow"}}},
        {"run-name",
         "not a distinct name",
         {{"MANIFEST.json", "file", kManifest},
          {"report.json", "file", report("../../etc/passwd")}}},
        {"evidence-index",
         "not a safe name",
         {{"MANIFEST.json", "file", kManifest},
          {"report.json", "file", report("plain")},
          {"evidence/index.json", "file",
           R"({"format":"buildiff.evidence/1","kept":[{"path":"x","left":{"run":"plain","hash":"0","size":1,"member":"evidence/../../../etc/passwd"},"right":{"run":"plain","hash":"0","size":1,"member":"evidence/plain/x"}}],"left_out":[]})"}}},
        {"manifest-not-json",
         "MANIFEST.json: not valid JSON",
         {{"MANIFEST.json", "file", "{nope"}, {"report.json", "file", report("plain")}}},
    };
    for (const Case& c : cases) {
        std::string bundle = tmp / ("work/" + c.name + ".tar.gz");
        make_tar(bundle, c.members);
        for (std::vector<std::string> args : {std::vector<std::string>{"show", bundle},
                                              {"diff", bundle},
                                              {"show", bundle + ":plain"},
                                              {"diff", bundle + ":plain", bundle + ":plain"},
                                              {"confirm", bundle}}) {
            args.insert(args.begin(), buildiff_exe());
            RunResult r = run(args, {.cwd = tmp / "work/inner"});
            EXPECT_EQ(r.status, 2) << c.name << ": " << args[1] << "\n" << r.out << r.err;
            EXPECT_NE(r.err.find(bundle), std::string::npos) << c.name << ": " << r.err;
            EXPECT_NE(r.err.find(c.expect), std::string::npos) << c.name << ": " << r.err;
            EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
            // Nothing written where it ran (confirm's reproducers go to ./buildiff-repro).
            EXPECT_TRUE(fs::is_empty(tmp / "work/inner")) << c.name << ": " << args[1];
        }
    }
    // A member that expands to 1 GiB (a gzip of zeros, 1 MiB on disk): refused at its header.
    std::string big = tmp / "work/big.tar.gz";
    RunResult made = run(
        {"/usr/bin/python3", "-c",
         "import io, sys, tarfile\n"
         "class Zeros(io.RawIOBase):\n"
         "    def __init__(s, n): s.n = n\n"
         "    def readinto(s, b):\n"
         "        k = min(len(b), s.n); b[:k] = bytes(k); s.n -= k; return k\n"
         "with tarfile.open(sys.argv[1], 'w:gz', compresslevel=1) as t:\n"
         "    m = tarfile.TarInfo('MANIFEST.json'); d = b'{\"format\": \"buildiff.bundle/1\"}'\n"
         "    m.size = len(d); t.addfile(m, io.BytesIO(d))\n"
         "    i = tarfile.TarInfo('plain.rec'); i.size = 1 << 30; t.addfile(i, Zeros(1 << 30))\n",
         big});
    ASSERT_EQ(made.status, 0) << made.err;
    EXPECT_LT(fs::file_size(big), 8u << 20);
    RunResult r = run({buildiff_exe(), "show", big}, {.cwd = tmp / "work/inner"});
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("member `plain.rec` expands to 1073741824 bytes"), std::string::npos)
        << r.err;
    // A truncated bundle.
    std::string good = tmp / "work/good.tar.gz";
    make_tar(good, {{"MANIFEST.json", "file", kManifest},
                    {"report.json", "file", report("a")},
                    {"a.rec", "file", std::string(100000, 'x')}});
    fs::copy_file(good, tmp / "work/cut.tar.gz");
    fs::resize_file(tmp / "work/cut.tar.gz", fs::file_size(good) / 2);
    r = run({buildiff_exe(), "show", tmp / "work/cut.tar.gz:a"}, {.cwd = tmp / "work/inner"});
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("cut.tar.gz"), std::string::npos) << r.err;
    // Nothing was written anywhere: not where the names point, not in the working directory.
    EXPECT_TRUE(listing(tmp / "work/inner").empty());
    EXPECT_FALSE(fs::exists(tmp / "escape.rec"));
    EXPECT_FALSE(fs::exists(tmp / "absolute.rec"));
}

// Recordings of a real -g build in a home directory, one of them made with --no-redact and a
// token in its environment, packed with --redact-paths and a report attached: neither the user
// name nor the token is anywhere in the bundle, and the masked objects still compare as ELF.
TEST(Pack, RecordingsArePackedWithPathsUserNamesAndClearSecretsMasked) {
    TempDir tmp;
    std::string home = tmp / "home/alice";
    for (std::string dir : {"proj", "projj"}) {
        fs::create_directories(home + "/" + dir);
        write_text(home + "/" + dir + "/main.c", "int main(void) { return 0; }\n");
        write_text(home + "/" + dir + "/Makefile",
              "prog: main.o\n\tcc -o prog main.o\nmain.o: main.c\n\tcc -g -O1 -c main.c\n");
    }
    std::vector<std::string> env = {"HOME=" + home, "USER=alice", "LOGNAME=alice",
                                    "API_TOKEN=hunter2-very-secret", "BUILDIFF_SALT=pack-test"};
    RunResult a = run({buildiff_exe(), "record", "-q", "-o", tmp / "a.rec", "--", "make", "-s"},
                      {.cwd = home + "/proj", .env = env});
    RunResult b = run(
        {buildiff_exe(), "record", "-q", "--no-redact", "-o", tmp / "b.rec", "--", "make", "-s"},
        {.cwd = home + "/projj", .env = env});
    ASSERT_EQ(a.status, 0) << a.err;
    ASSERT_EQ(b.status, 0) << b.err;
    ASSERT_NE(read_records(tmp / "b.rec").find("hunter2-very-secret"), std::string::npos);
    RunResult d =
        run({buildiff_exe(), "diff", tmp / "a.rec", tmp / "b.rec", "--html", tmp / "report.html"},
            {.env = {"BUILDIFF_SALT=pack-test"}});
    ASSERT_EQ(d.status, 1) << d.err;
    RunResult p = run({buildiff_exe(), "pack", tmp / "a.rec", tmp / "b.rec", tmp / "report.html",
                       "--redact-paths", "-o", tmp / "bug.tar.gz"},
                      {.env = {"BUILDIFF_SALT=pack-test", "HOME=" + home, "USER=alice"}});
    ASSERT_EQ(p.status, 0) << p.err;
    fs::create_directories(tmp / "x");
    ASSERT_EQ(run({"tar", "-xzf", tmp / "bug.tar.gz", "-C", tmp / "x"}).status, 0);
    EXPECT_TRUE(fs::exists(tmp / "x/attachments/report.html"));
    for (const std::string& f : listing(tmp / "x")) {
        if (fs::is_directory(tmp / ("x/" + f))) continue;
        std::string text = read_records(tmp / ("x/" + f));
        EXPECT_EQ(text.find("alice"), std::string::npos) << f;
        EXPECT_EQ(text.find("hunter2"), std::string::npos) << f;
        EXPECT_EQ(f.find("alice"), std::string::npos) << f;
    }
    // The masked objects keep their size and still read as ELF, and the bundle still says why
    // the builds differ: the build path, embedded in the DWARF.
    json index = json::parse(read_text(tmp / "x/evidence/index.json"));
    bool saw_object = false;
    for (auto& item : index["kept"])
        if (item["path"] == "$ROOT/main.o") {
            saw_object = true;
            EXPECT_EQ(item["left"]["redacted"], true);
            EXPECT_EQ(fs::file_size(tmp / ("x/" + item["left"]["member"].get<std::string>())),
                      fs::file_size(home + "/proj/main.o"));
        }
    EXPECT_TRUE(saw_object) << index.dump(1);
    RunResult again = run({buildiff_exe(), "diff", tmp / "bug.tar.gz", "--json", "-"},
                          {.env = {"BUILDIFF_SALT=pack-test"}});
    ASSERT_EQ(again.status, 1) << again.err;
    json r = json::parse(again.out);
    EXPECT_EQ(r["root_causes"][0]["kind"], "build-path") << again.out;
    bool elf = false;
    for (auto& art : r["artifacts"])
        if (art["path"] == "$ROOT/main.o") elf = art["format"] == "elf";
    EXPECT_TRUE(elf) << again.out;
    EXPECT_NE(again.out.find("/home/xxxxx/proj"), std::string::npos);
}

// A CI baseline: one recording packed alone carries the files the build left, so tomorrow's
// build compares with it in depth after the baseline's tree is gone.
TEST(Pack, ABaselineBundleOfOneRecordingComparesInDepthAfterItsTreeIsGone) {
    TempDir tmp;
    for (std::string dir : {"old", "new"}) {
        fs::create_directories(tmp / dir);
        write_text(tmp / (dir + "/Makefile"), "lib.so: lib.c\n\tcc -shared -fPIC -o lib.so lib.c\n");
    }
    write_text(tmp / "old/lib.c", "int lib_answer(void) { return 42; }\n");
    write_text(tmp / "new/lib.c",
          "static int lib_answer(void) { return 42; }\nint other(void) { return lib_answer(); }\n");
    for (std::string dir : {"old", "new"}) {
        RunResult r =
            run({buildiff_exe(), "record", "-q", "-o", tmp / (dir + ".rec"), "--", "make", "-s"},
                {.cwd = tmp / dir});
        ASSERT_EQ(r.status, 0) << r.err;
    }
    RunResult p = run({buildiff_exe(), "pack", tmp / "old.rec", "-o", tmp / "baseline.tar.zst"});
    ASSERT_EQ(p.status, 0) << p.err;
    EXPECT_NE(p.out.find("evidence for 1 of 1 files the build left"), std::string::npos) << p.out;
    fs::remove_all(tmp / "old");
    RunResult d = run({buildiff_exe(), "diff", "--baseline", tmp / "baseline.tar.zst",
                       tmp / "new.rec", "--json", "-"});
    ASSERT_EQ(d.status, 1) << d.err;
    json r = json::parse(d.out);
    ASSERT_EQ(r["artifacts"][0]["path"], "$ROOT/lib.so") << d.out;
    EXPECT_EQ(r["artifacts"][0]["format"], "elf");
    EXPECT_NE(d.out.find("symbol `lib_answer`"), std::string::npos) << d.out;
}

// Something else now stands where the baseline's library was (a rebuild, a user's edit): the
// differ does not take it for the recorded file, it takes the bundle's evidence.
TEST(Pack, EvidenceStandsInForABuildFileThatChangedSinceItWasRecorded) {
    TempDir tmp;
    for (std::string dir : {"a", "bbb"}) {
        fs::create_directories(tmp / dir);
        write_text(tmp / (dir + "/Makefile"), "lib.so: lib.c\n\tcc -g -shared -fPIC -o lib.so lib.c\n");
        write_text(tmp / (dir + "/lib.c"), "int lib_answer(void) { return 42; }\n");
        RunResult r =
            run({buildiff_exe(), "record", "-q", "-o", tmp / (dir + ".rec"), "--", "make", "-s"},
                {.cwd = tmp / dir});
        ASSERT_EQ(r.status, 0) << r.err;
    }
    ASSERT_EQ(run({buildiff_exe(), "pack", tmp / "a.rec", "-o", tmp / "a.tar.gz"}).status, 0);
    write_text(tmp / "a/lib.so", "not the library that build made\n");
    RunResult d = run(
        {buildiff_exe(), "diff", "--baseline", tmp / "a.tar.gz", tmp / "bbb.rec", "--json", "-"});
    ASSERT_EQ(d.status, 1) << d.err;
    json r = json::parse(d.out);
    EXPECT_EQ(r["root_causes"][0]["kind"], "build-path") << d.out;
    ASSERT_EQ(r["artifacts"][0]["path"], "$ROOT/lib.so") << d.out;
    EXPECT_EQ(r["artifacts"][0]["format"], "elf") << d.out;
    EXPECT_NE(d.out.find("\"kind\": \"dwarf-comp-dir\""), std::string::npos) << d.out;
}

// Version-1 recordings (what buildiff wrote before version 2) still read, show, diff and pack as
// the version-2 recordings of the same builds do: the same reports, byte for byte, once the
// directory names of the inputs are the same. The version-1 copies are the library's writer's
// (write_recording) from the recorded version-2 files.
TEST(RecordingVersions, VersionOneRecordingsOfTheSameBuildsGiveTheSameReportsAndBundles) {
    TempDir tmp;
    record_make(tmp, "src", "a.rec", {});
    record_make(tmp, "src", "b.rec", {"UTIL_CFLAGS=-DFOO=2"});
    for (const char* v : {"v1", "v2"}) fs::create_directories(tmp / v);
    for (const char* name : {"a.rec", "b.rec"}) {
        auto rec = buildiff::read_recording(tmp / name);
        ASSERT_TRUE(rec) << rec.error().message;
        EXPECT_EQ(rec->version, 2);
        write_text(tmp / ("v1/" + std::string(name)), buildiff::write_recording(*rec, 1));
        fs::copy_file(tmp / name, tmp / ("v2/" + std::string(name)));
        std::string v1 = read_text(tmp / ("v1/" + std::string(name)));
        EXPECT_TRUE(v1.starts_with(R"({"type":"header","format":"buildiff.recording","version":1)"))
            << v1.substr(0, 80);
        EXPECT_GT(v1.size(), 3 * fs::file_size(tmp / name)) << "version 2 is compressed";
    }
    std::map<std::string, std::string> out;
    for (const std::string v : {"v1", "v2"}) {
        std::string dir = tmp / v;
        RunResult d = run({buildiff_exe(), "diff", dir + "/a.rec", dir + "/b.rec", "--json",
                           dir + "/r.json", "--html", dir + "/r.html", "--text"});
        ASSERT_EQ(d.status, 1) << d.err;
        RunResult s = run({buildiff_exe(), "show", dir + "/b.rec", "--json"});
        ASSERT_EQ(s.status, 0) << s.err;
        RunResult p = run({buildiff_exe(), "pack", dir + "/a.rec", dir + "/b.rec", "-o",
                           dir + "/bug.tar.gz"});
        ASSERT_EQ(p.status, 0) << p.err;
        RunResult again = run({buildiff_exe(), "diff", dir + "/bug.tar.gz", "--json", "-"});
        ASSERT_EQ(again.status, 1) << again.err;
        auto same_dir = [&](std::string text) {
            for (size_t at; (at = text.find(dir)) != std::string::npos;)
                text.replace(at, dir.size(), "DIR");
            return text;
        };
        out[v + " text"] = same_dir(d.out);
        out[v + " json"] = same_dir(read_text(dir + "/r.json"));
        out[v + " html"] = same_dir(read_text(dir + "/r.html"));
        out[v + " show"] = s.out;
        out[v + " bundle"] = same_dir(again.out);
    }
    for (const char* what : {"text", "json", "html", "show", "bundle"}) {
        EXPECT_FALSE(out[std::string("v2 ") + what].empty()) << what;
        EXPECT_EQ(out[std::string("v1 ") + what], out[std::string("v2 ") + what]) << what;
    }
    EXPECT_NE(out["v2 json"].find("\"kind\": \"flags\""), std::string::npos) << out["v2 json"];
}
