// The reproducer script: SHA-256 as coreutils computes it, and shell quoting that survives any
// bytes an argument, a variable or a path can hold (run through a real /bin/sh).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "audit/repro_script.h"
#include "base/sha256.h"

namespace buildiff {
namespace {

namespace fs = std::filesystem;

TEST(Sha256, KnownVectorsAndLongInputs) {
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256_hex("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    // A million 'a', fed in uneven pieces (the block boundary falls inside them).
    Sha256 s;
    std::string chunk(997, 'a');
    size_t left = 1000000;
    while (left > 0) {
        size_t n = std::min(left, chunk.size());
        s.update(std::string_view(chunk).substr(0, n));
        left -= n;
    }
    EXPECT_EQ(s.hex(), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// The script's step writes its last argument and a variable into `out`; both hostile.
TEST(ReproScript, HostileArgumentsVariablesAndRootsAreQuotedForTheShell) {
    char dir_template[] = "/tmp/buildiff-repro-unit-XXXXXX";
    ASSERT_NE(mkdtemp(dir_template), nullptr);
    std::string dir = dir_template;
    std::string root = dir + "/it's a \"root\" $(touch pwned)";
    const std::string hostile_l = "'; touch pwned; echo '$HOME `id` \\ \n end";
    const std::string hostile_r = "another $(touch pwned) 'value'";
    auto config = [&](const std::string& arg) {
        StepConfig c;
        c.root = root;
        c.cwd = root + "/sub";
        c.argv = {"/bin/sh", "-c", "printf '%s|%s|%s' \"$1\" \"$V\" \"$PWD\" > " + root + "/out",
                  "sh", arg};
        c.env = {{"V", "v=" + arg}, {"PATH", "/usr/bin:/bin"}};
        return c;
    };
    ReproCase rc;
    rc.number = 7;
    rc.kind = "flags";
    rc.summary = "a summary\nwith a newline that must not end the comment; touch pwned";
    rc.left = config(hostile_l);
    rc.right = config(hostile_r);
    rc.outputs = {"out"};
    rc.minimal = {"`a` -> `b`"};
    Result<std::string> path = write_repro_script(dir + "/repro", rc);
    ASSERT_TRUE(path) << path.error().message;
    EXPECT_EQ(*path, dir + "/repro/cause-7.sh");
    // Run it in a directory of its own: nothing named pwned may appear anywhere.
    std::string cmd = "cd '" + dir + "' && TMPDIR='" + dir + "' sh repro/cause-7.sh > log 2>&1";
    int status = std::system(cmd.c_str());
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << slurp(dir + "/log");
    EXPECT_NE(slurp(dir + "/log").find("reproduced"), std::string::npos) << slurp(dir + "/log");
    for (auto& e : fs::recursive_directory_iterator(dir))
        EXPECT_NE(e.path().filename(), "pwned") << e.path();
    // The same configuration on both sides: not reproduced, exit 1.
    rc.right = rc.left;
    ASSERT_TRUE(write_repro_script(dir + "/repro", rc));
    status = std::system(cmd.c_str());
    EXPECT_EQ(WEXITSTATUS(status), 1) << slurp(dir + "/log");
    fs::remove_all(dir);
}

}  // namespace
}  // namespace buildiff
