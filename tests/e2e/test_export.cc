// `buildiff export compdb` against CMake's own compile_commands.json and Bear's, on the same
// CMake + Ninja build, and through ccache (the wrapper peeled, no duplicate entries).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harness.h"

using namespace e2e;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> split(const std::string& command) {
    std::istringstream in(command);
    std::vector<std::string> out;
    std::string w;
    while (in >> w) out.push_back(w);
    return out;
}

std::vector<std::string> without_depfile_options(const std::vector<std::string>& argv) {
    std::vector<std::string> out;
    for (size_t i = 0; i < argv.size(); ++i) {
        if (argv[i] == "-MD" || argv[i] == "-MMD") continue;
        if (argv[i] == "-MF" || argv[i] == "-MT" || argv[i] == "-MQ") {
            ++i;
            continue;
        }
        out.push_back(argv[i]);
    }
    return out;
}

// file -> (directory, arguments)
using Entries = std::map<std::string, std::pair<std::string, std::vector<std::string>>>;

Entries entries(const json& db) {
    Entries out;
    for (auto& e : db) {
        std::vector<std::string> args = e.contains("arguments")
                                            ? e["arguments"].get<std::vector<std::string>>()
                                            : split(e["command"]);
        out[e["file"]] = {e["directory"], without_depfile_options(args)};
    }
    return out;
}

}  // namespace

TEST(ExportCompdb, EqualsCmakesOwnAndBearsOnTheSameNinjaBuild) {
    TempDir tmp;
    copy_tree(fixture("cmake-c"), tmp / "src");
    ASSERT_EQ(run({"cmake", "-S", tmp / "src", "-B", tmp / "b", "-G", "Ninja",
                   "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON"},
                  {.unset = {"CC", "CFLAGS"}})
                  .status,
              0);
    RunResult r = run({buildiff_exe(), "record", "-q", "-o", tmp / "b.rec", "--", "ninja"},
                      {.cwd = tmp / "b"});
    ASSERT_EQ(r.status, 0) << r.err;
    RunResult e = run({buildiff_exe(), "export", "compdb", tmp / "b.rec", "-o", tmp / "ours.json"});
    ASSERT_EQ(e.status, 0) << e.err;
    Entries ours = entries(json::parse(read_text(tmp / "ours.json")));
    Entries cmake = entries(json::parse(read_text(tmp / "b/compile_commands.json")));
    EXPECT_EQ(ours.size(), 3u);
    EXPECT_EQ(ours, cmake);
    // Our own entries leave the dependency-file options out, as CMake does.
    EXPECT_EQ(read_text(tmp / "ours.json").find("\"-MD\""), std::string::npos);

    ASSERT_EQ(run({"ninja", "-t", "clean"}, {.cwd = tmp / "b"}).status, 0);
    RunResult b = run({"bear", "--output", tmp / "bear.json", "--", "ninja"}, {.cwd = tmp / "b"});
    ASSERT_EQ(b.status, 0) << b.err;
    // Bear rewrites the order (-c first, the source last): the same arguments, as multisets.
    auto sorted = [](Entries e) {
        for (auto& [file, v] : e) std::sort(v.second.begin(), v.second.end());
        return e;
    };
    EXPECT_EQ(sorted(ours), sorted(entries(json::parse(read_text(tmp / "bear.json")))));
}

TEST(ExportCompdb, CompilesThroughCcacheAreListedOnceWithTheWrapperPeeled) {
    TempDir tmp;
    copy_tree(fixture("make-c"), tmp / "src");
    RunResult r = run(
        {buildiff_exe(), "record", "-q", "-o", tmp / "c.rec", "--", "make", "-s", "CC=ccache cc"},
        {.cwd = tmp / "src", .env = {"CCACHE_DIR=" + tmp / "ccache"}});
    ASSERT_EQ(r.status, 0) << r.err;
    RunResult e = run({buildiff_exe(), "export", "compdb", tmp / "c.rec"});
    ASSERT_EQ(e.status, 0) << e.err;
    json db = json::parse(e.out);
    std::map<std::string, int> files;
    for (auto& x : db) {
        files[fs::path(x["file"].get<std::string>()).filename()]++;
        EXPECT_EQ(x["arguments"][0], "cc") << x.dump();
    }
    EXPECT_EQ(files, (std::map<std::string, int>{
                         {"fast.S", 1}, {"main.c", 1}, {"text.c", 1}, {"util.c", 1}}));
    RunResult bad = run({buildiff_exe(), "export", "compdb", tmp / "missing.rec"});
    EXPECT_EQ(bad.status, 2);
}

// A make project whose programs are compiled and linked in one command (an explicit rule with
// a joined -oprog, and make's built-in rule for a one-file program), with an assembly source, a
// compile of two sources at once, and commands that only preprocess or list dependencies. Every
// compiled source gets one entry with its own source only, and each entry, run as it is in its
// directory, compiles cleanly: no link options or inputs left for gcc to warn about.
TEST(ExportCompdb, CompileAndLinkCommandsAndSeveralSourcesGiveOneWorkingEntryPerSource) {
    TempDir tmp;
    fs::path src = tmp / "src";
    fs::create_directories(src);
    std::ofstream(src / "prog.c")
        << "#include <math.h>\nint util(void);\nint twice(int);\n"
           "int main(void) { return (int)sqrt(util() + twice(ANSWER)) == 0; }\n";
    std::ofstream(src / "util.c") << "int util(void) { return ANSWER; }\n";
    std::ofstream(src / "twice.S") << ".globl twice\ntwice:\n  lea (%rdi,%rdi), %eax\n  ret\n"
                                      ".section .note.GNU-stack,\"\",@progbits\n";
    std::ofstream(src / "extra.c") << "int extra(void) { return ANSWER + 1; }\n";
    std::ofstream(src / "one.c") << "int one(void) { return 1; }\n";
    std::ofstream(src / "two.c") << "int two(void) { return 2; }\n";
    std::ofstream(src / "hello.c")
        << "#include <math.h>\nint main(void) { return (int)floor(0.5); }\n";
    std::ofstream(src / "Makefile")
        << "CFLAGS = -O2 -DANSWER=42\nLDLIBS = -lm\n"
           "all: prog hello pair deps\n"
           "prog: prog.c util.c twice.S libextra.a\n"
           "\t$(CC) $(CFLAGS) -Wl,--as-needed -o$@ $^ $(LDLIBS)\n"
           "libextra.a: extra.c\n\t$(CC) $(CFLAGS) -c -o extra.o extra.c && ar rcs $@ extra.o\n"
           "pair: one.c two.c\n\t$(CC) $(CFLAGS) -c one.c two.c && touch $@\n"
           "deps: prog.c\n\t$(CC) -MM prog.c > $@ && $(CC) -E prog.c -o /dev/null\n"
           "clean:\n\trm -f prog hello pair deps *.o *.a\n";
    RunResult r = run({buildiff_exe(), "record", "-q", "-o", tmp / "m.rec", "--", "make", "-s"},
                      {.cwd = src, .unset = {"CC", "CFLAGS", "MAKEFLAGS"}});
    ASSERT_EQ(r.status, 0) << r.err;
    RunResult e = run({buildiff_exe(), "export", "compdb", tmp / "m.rec"});
    ASSERT_EQ(e.status, 0) << e.err;
    json db = json::parse(e.out);

    std::map<std::string, int> files;
    for (auto& x : db) files[fs::path(x["file"].get<std::string>()).filename()]++;
    EXPECT_EQ(files, (std::map<std::string, int>{{"extra.c", 1},
                                                 {"hello.c", 1},
                                                 {"one.c", 1},
                                                 {"prog.c", 1},
                                                 {"twice.S", 1},
                                                 {"two.c", 1},
                                                 {"util.c", 1}}))
        << e.out;
    for (auto& x : db) {
        auto args = x["arguments"].get<std::vector<std::string>>();
        std::string file = fs::path(x["file"].get<std::string>()).filename();
        std::vector<std::string> positional;
        for (size_t i = 1; i < args.size(); ++i) {
            if (args[i] == "-o")
                ++i;
            else if (!args[i].starts_with("-"))
                positional.push_back(args[i]);
        }
        EXPECT_EQ(positional, std::vector<std::string>{file}) << x.dump();
        for (const char* kept : {"-c", "-O2", "-DANSWER=42"})
            EXPECT_NE(std::find(args.begin(), args.end(), kept), args.end()) << kept << x.dump();
        for (const char* dropped : {"-lm", "-Wl,--as-needed"})
            EXPECT_EQ(std::find(args.begin(), args.end(), dropped), args.end())
                << dropped << x.dump();
        // Entries of the link commands name no output: the link's (prog, hello) is not theirs.
        bool linked =
            file == "prog.c" || file == "util.c" || file == "twice.S" || file == "hello.c";
        EXPECT_EQ(x.contains("output"), file == "extra.c") << x.dump();
        if (linked) {
            EXPECT_EQ(std::find_if(args.begin(), args.end(),
                                   [](const std::string& a) { return a.starts_with("-o"); }),
                      args.end())
                << "the link's -o, also joined (-oprog): " << x.dump();
        }
        // The ground truth: gcc runs the entry as a compile, and has nothing to warn about.
        RunResult c = run(args, {.cwd = x["directory"]});
        EXPECT_EQ(c.status, 0) << x.dump() << c.err;
        EXPECT_EQ(c.err, "") << x.dump();
    }

    // Bear, on the same build, lists the same sources.
    ASSERT_EQ(run({"make", "-s", "clean"}, {.cwd = src}).status, 0);
    RunResult b = run({"bear", "--output", tmp / "bear.json", "--", "make", "-s"},
                      {.cwd = src, .unset = {"CC", "CFLAGS", "MAKEFLAGS"}});
    ASSERT_EQ(b.status, 0) << b.err;
    std::map<std::string, int> bear_files;
    for (auto& x : json::parse(read_text(tmp / "bear.json")))
        bear_files[fs::path(x["file"].get<std::string>()).filename()]++;
    EXPECT_EQ(files, bear_files);
}
