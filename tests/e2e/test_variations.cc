// `buildiff audit --vary` with the variations reprotest knows: each applied for real to a real C
// program that depends on it, which the audit names as the cause; the truth is the programs'
// outputs in the kept trees. A deterministic project stays identical under --vary all, a
// variation this machine refuses is said first and in the reports, and the probe shows that a
// variation changes nothing but what it names.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "harness.h"

using namespace e2e;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

// One program that prints what a variation changes, by the name given.
constexpr const char* kGen = R"(#define _GNU_SOURCE
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>
extern char **environ;
int main(int argc, char **argv) {
    const char *what = argc > 1 ? argv[1] : "";
    struct utsname u;
    uname(&u);
    char value[4096] = "";
    if (!strcmp(what, "time")) snprintf(value, sizeof value, "year %ld", 1970 + (long)time(NULL) / 31556952);
    if (!strcmp(what, "aslr")) { int x; snprintf(value, sizeof value, "stack at %p", (void *)&x); }
    if (!strcmp(what, "kernel")) snprintf(value, sizeof value, "%s", u.release);
    if (!strcmp(what, "host")) snprintf(value, sizeof value, "%s", u.nodename);
    if (!strcmp(what, "cpus")) {
        cpu_set_t s;
        sched_getaffinity(0, sizeof s, &s);
        for (int i = 0; i < CPU_COUNT(&s); ++i) snprintf(value + strlen(value), 16, "lane%d ", i);
    }
    if (!strcmp(what, "home")) snprintf(value, sizeof value, "%s", getenv("HOME") ? getenv("HOME") : "");
    if (!strcmp(what, "path")) snprintf(value, sizeof value, "%s", getenv("PATH") ? getenv("PATH") : "");
    if (!strcmp(what, "env")) { int n = 0; for (char **e = environ; *e; ++e) ++n; snprintf(value, sizeof value, "%d variables", n); }
    if (!strcmp(what, "user")) { struct passwd *p = getpwuid(getuid()); snprintf(value, sizeof value, "%s", p ? p->pw_name : "?"); }
    printf("#define VALUE \"%s\"\n", value);
    return 0;
}
)";

struct Audited {
    int status = -1;
    std::string out, err;
    json report;
};

Audited audit(const TempDir& tmp, const std::string& src, std::vector<std::string> options,
              std::vector<std::string> command, std::vector<std::string> env = {}) {
    std::vector<std::string> argv = {buildiff_exe(), "audit", "--cache", "none", "--keep",
                                     "--no-confirm", "--out", tmp / "audit"};
    argv.insert(argv.end(), options.begin(), options.end());
    argv.push_back("--");
    argv.insert(argv.end(), command.begin(), command.end());
    RunResult r = run(argv, {.cwd = src, .env = env, .unset = {"CC", "CFLAGS", "SOURCE_DATE_EPOCH"}});
    Audited a{r.status, r.out, r.err, {}};
    if (fs::exists(tmp / "audit/report.json"))
        a.report = json::parse(read_text(tmp / "audit/report.json"));
    return a;
}

// The facts of the main pair's root causes.
std::vector<std::string> facts(const Audited& a) {
    std::vector<std::string> out;
    for (auto& p : a.report["pairs"])
        for (auto& c : p["report"]["root_causes"])
            for (auto& f : c["details"].value("facts", json::array())) out.push_back(f);
    return out;
}

}  // namespace

// Each variation alone, on a make build whose generator prints what that variation changes into
// a header, compiled into an object. Truth: the header in the two kept trees differs. The audit
// says the variation exposed it. `order`: an archive made from find's listing of the objects
// (readdir order; GNU make 4.3 sorts $(wildcard)), whose member order the shuffled run changes.
TEST(Variations, EachNamesItselfAsTheCauseOfAProgramThatDependsOnIt) {
    std::istringstream names("aslr time kernel cpus home path env user host order");
    size_t notes = 0;
    for (std::string v; names >> v;) {
        SCOPED_TRACE(v);
        TempDir tmp;
        fs::create_directories(tmp / "src");
        write_text(tmp / "src/gen.c", kGen);
        std::string makefile =
            v == "order"
                ? "lib.a: a.o b.o c.o d.o e.o f.o g.o h.o\n\trm -f lib.a && ar rc lib.a $$(find . "
                  "-maxdepth 1 -name '*.o') && cat lib.a > gen.h\n%.o: %.c\n\t$(CC) -c $< -o $@\n"
                : "use.o: use.c gen.h\n\t$(CC) -c use.c -o use.o\ngen.h: gen\n\t./gen " + v +
                      " > gen.h\ngen: gen.c\n\t$(CC) -O2 -o gen gen.c\n";
        write_text(tmp / "src/Makefile", makefile);
        write_text(tmp / "src/use.c", "#include \"gen.h\"\nconst char *use(void) { return VALUE; }\n");
        for (const char* o : {"a", "b", "c", "d", "e", "f", "g", "h"})
            write_text(tmp / ("src/" + std::string(o) + ".c"),
                       "int " + std::string(o) + "(void) { return 1; }\n");
        Audited a = audit(tmp, tmp / "src", {"--vary", v}, {"make"});
        ASSERT_EQ(a.status, 1) << a.out << a.err;
        EXPECT_TRUE(a.out.starts_with("audit: variations applied: " + v + "\n")) << a.out;
        std::string plain = read_text(tmp / "audit/trees/plain/src/gen.h");
        std::string again = read_text(tmp / "audit/trees/again/src/gen.h");
        EXPECT_NE(plain, again) << "the truth: the generated file differs";
        bool named = false;
        for (const std::string& f : facts(a))
            named |= f.starts_with("exposed by the " + v + " variation: ");
        EXPECT_TRUE(named) << a.report["pairs"][0]["report"]["root_causes"].dump(1);
        EXPECT_EQ(a.report["variations"], json::array({v}));
        EXPECT_TRUE(a.report["variations_refused"].empty());
        // Only the clock is applied in part (static programs): the programs it reached counted.
        for (auto& note : a.report["variation_notes"]) {
            ++notes;
            EXPECT_EQ(note.get<std::string>().find(v + " (run again): libfaketime reached "), 0u)
                << note;
        }
    }
    EXPECT_EQ(notes, 1u);
}

// A deterministic project (no paths, times or hosts in its outputs) stays identical when every
// variation this machine can apply is applied at once; the first line names them all.
TEST(Variations, ADeterministicProjectStaysIdenticalUnderVaryAll) {
    TempDir tmp;
    fs::create_directories(tmp / "src");
    write_text(tmp / "src/Makefile",
               "prog: main.o util.o\n\t$(CC) -o prog main.o util.o\n%.o: %.c\n\t$(CC) -O2 -c $< "
               "-o $@\n");
    write_text(tmp / "src/main.c", "int util(int);\nint main(void) { return util(2); }\n");
    write_text(tmp / "src/util.c", "int util(int x) { return x * 21; }\n");
    Audited a = audit(tmp, tmp / "src", {"--vary", "all"}, {"make"});
    EXPECT_EQ(a.status, 0) << a.out << a.err;
    std::set<std::string> applied;
    for (auto& v : a.report["variations"]) applied.insert(v);
    std::istringstream all("build-path tz locale umask sde jobs time aslr kernel cpus home user "
                           "host path env order");
    for (std::string v; all >> v;)
        EXPECT_TRUE(applied.contains(v) || a.out.find("variation " + v + " refused") !=
                                               std::string::npos)
            << v << "\n" << a.out;
    EXPECT_TRUE(a.out.starts_with("audit: variations applied: build-path, tz, ")) << a.out;
    // Truth: cmp of the programs the runs built.
    std::vector<std::string> progs;
    for (auto& e : fs::directory_iterator(tmp / "audit/trees"))
        if (fs::exists(e.path() / "src/prog")) progs.push_back(e.path() / "src/prog");
    ASSERT_EQ(progs.size(), 2u);
    EXPECT_EQ(run({"cmp", progs[0], progs[1]}).status, 0);
}

// A variation this machine cannot apply (here: disorderfs not on the PATH the audit is given) is
// refused with its reason: on the audit's first lines, in report.json and on the pair's page;
// the audit goes on with the others and exits as its verdict says.
TEST(Variations, ARefusedVariationIsSaidFirstAndInTheReportsAndTheAuditGoesOn) {
    TempDir tmp;
    fs::create_directories(tmp / "src");
    fs::create_directories(tmp / "bin");
    for (const char* tool : {"sh", "cat", "date"})
        fs::create_symlink(std::string("/bin/") + tool, tmp / ("bin/" + std::string(tool)));
    Audited a = audit(tmp, tmp / "src", {"--vary", "order,tz"},
                      {"sh", "-c", "echo made > out.txt"}, {"PATH=" + (tmp / "bin")});
    EXPECT_EQ(a.status, 0) << a.out << a.err;
    EXPECT_TRUE(a.out.starts_with("audit: variations applied: tz\naudit: variation order refused: "
                                  "disorderfs is not installed (Debian's disorderfs package)\n"))
        << a.out;
    ASSERT_EQ(a.report["variations_refused"].size(), 1u);
    EXPECT_EQ(a.report["variations_refused"][0]["name"], "order");
    EXPECT_EQ(a.report["variations"], json::array({"tz"}));
    std::string html = read_text(tmp / "audit/report.html");
    EXPECT_NE(html.find("variation order refused: disorderfs is not installed"), std::string::npos);
    EXPECT_NE(read_text(tmp / "audit/summary.md").find("Refused: order (disorderfs"),
              std::string::npos);
}

// The probe (the recorder's transparency test's) run by the audit under every variation: its
// observations in the two runs differ only in what the variations name.
TEST(Variations, EachChangesOnlyWhatItNames) {
    TempDir tmp;
    fs::create_directories(tmp / "src");
    Audited a = audit(tmp, tmp / "src", {"--vary", "all"}, {helper("probe")});
    ASSERT_TRUE(a.status == 0 || a.status == 1) << a.out << a.err;
    auto lines = [&](const std::string& run) {
        std::map<std::string, std::string> out;  // first word (and env name) -> line
        std::string log = read_text(tmp / ("audit/logs/" + run + ".log"));
        std::istringstream in(log);
        for (std::string line; std::getline(in, line);) {
            // The audit's own log of each run is the probe's output: named by the run.
            if (size_t at = line.find("/logs/" + run + ".log"); at != std::string::npos)
                line.replace(at, run.size() + 10, "/logs/RUN.log");
            // libfaketime holds its shared memory open: the time variation's own.
            if (line.find("/dev/shm/faketime_shm_") != std::string::npos) continue;
            std::string key = line.substr(0, line.find(line.starts_with("env ") ? '=' : ' '));
            if (line.starts_with("fd ")) key = line.substr(0, line.find(' ', 3));
            out[key] = line;
        }
        return out;
    };
    std::map<std::string, std::string> plain = lines("plain"), again = lines("again");
    ASSERT_TRUE(plain.contains("umask")) << read_text(tmp / "audit/logs/plain.log");
    // What the variations name: the environment they set, the build path, the umask, the
    // kernel release, the host name, the CPUs, the personality (ASLR off, UNAME26), the user.
    const std::set<std::string> named = {
        "env TZ", "env LANG", "env LC_ALL", "env SOURCE_DATE_EPOCH", "env MAKEFLAGS",
        "env CARGO_BUILD_JOBS", "env LD_PRELOAD", "env FAKETIME", "env FAKETIME_SHARED", "env HOME", "env USER", "env LOGNAME", "env PATH",
        "env VARIED_EXTRA_ENV", "env PWD", "cwd", "umask", "release", "hostname", "cpus",
        "personality", "uid"};
    std::set<std::string> differing;
    for (auto& [key, line] : plain)
        if (!again.contains(key) || again[key] != line) differing.insert(key);
    for (auto& [key, line] : again)
        if (!plain.contains(key)) differing.insert(key);
    for (const std::string& key : differing)
        EXPECT_TRUE(named.contains(key)) << key << ": " << plain[key] << " / " << again[key];
    for (const char* key : {"release", "hostname", "cpus", "personality", "uid", "umask"})
        EXPECT_TRUE(differing.contains(key)) << key << " was not varied";
}
