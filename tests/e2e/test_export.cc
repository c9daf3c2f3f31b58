// `buildiff export compdb` against CMake's own compile_commands.json and Bear's, on the same
// CMake + Ninja build, and through ccache (the wrapper peeled, no duplicate entries).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
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
    EXPECT_EQ(files, (std::map<std::string, int>{{"main.c", 1}, {"text.c", 1}, {"util.c", 1}}));
    RunResult bad = run({buildiff_exe(), "export", "compdb", tmp / "missing.rec"});
    EXPECT_EQ(bad.status, 2);
}
