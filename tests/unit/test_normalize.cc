#include <gtest/gtest.h>

#include "diff/normalize.h"

using namespace buildiff;

TEST(Normalize, RootsAreWholePathComponents) {
    EXPECT_EQ(replace_root("/src/proj/a.c", "/src/proj", "$ROOT"), "$ROOT/a.c");
    EXPECT_EQ(replace_root("-I/src/proj/include", "/src/proj", "$ROOT"), "-I$ROOT/include");
    EXPECT_EQ(replace_root("/src/project/a.c", "/src/proj", "$ROOT"), "/src/project/a.c");
    EXPECT_EQ(replace_root("/src/proj", "/src/proj", "$ROOT"), "$ROOT");
    EXPECT_EQ(replace_root("/a/b", "/", "$ROOT"), "/a/b");  // "/" is never a root
}

TEST(Normalize, TemporaryNamesAndCargoHashes) {
    EXPECT_EQ(normalize_volatile("/tmp/ccAb3dEf.s"), "/tmp/ccXXXXXX.s");
    EXPECT_EQ(normalize_volatile("/tmp/ccAb3dEfG.s"),
              "/tmp/ccAb3dEfG.s");  // 7 characters: not gcc's
    EXPECT_EQ(normalize_volatile("/tmp/sccacheQ1w2E3/testfile.c"), "/tmp/sccacheXXXXXX/testfile.c");
    EXPECT_EQ(normalize_volatile("target/debug/deps/.tmpqQ7Qnv"), "target/debug/deps/.tmpXXXXXX");
    EXPECT_EQ(normalize_volatile("target/debug/deps/libfoo-0123456789abcdef.rlib"),
              "target/debug/deps/libfoo-HASH.rlib");
    EXPECT_EQ(normalize_volatile("build/foo-sys-fb1f7bb9037c1a2e/out"), "build/foo-sys-HASH/out");
    EXPECT_EQ(normalize_volatile("metadata=fb1f7bb9037c1a2e"), "metadata=HASH");
    EXPECT_EQ(normalize_volatile("libfoo-0123456789ABCDEF.rlib"), "libfoo-0123456789ABCDEF.rlib");
    // Python's tempfile names, as pip uses them.
    EXPECT_EQ(normalize_volatile("/tmp/pip-wheel-agw4_222/foo.whl"), "/tmp/pip-wheel-XXXXXXXX/foo.whl");
    EXPECT_EQ(normalize_volatile("/tmp/tmpk2_x9abc"), "/tmp/tmpXXXXXXXX");
    // Build IDs in debug files' names and in dpkg-gencontrol's argument.
    EXPECT_EQ(normalize_volatile("debug/.build-id/2d/99b796876a635c19c2271e5478026c890f613a.debug"),
              "debug/.build-id/HASH.debug");
    EXPECT_EQ(normalize_volatile("-DBuild-Ids=2d99b796876a635c19c2271e5478026c890f613a "
                                 "02692a1eefd9171908556ec0f315b26f0ae29eeb"),
              "-DBuild-Ids=HASH HASH");
    EXPECT_EQ(normalize_volatile("-DGIT_COMMIT=2d99b796876a635c19c2271e5478026c890f613a"),
              "-DGIT_COMMIT=2d99b796876a635c19c2271e5478026c890f613a");  // a commit is a cause
    // GNU ar's stXXXXXX, and not the words that begin with "st" (gettext's m4/stdint_h.m4).
    EXPECT_EQ(normalize_volatile("lib/stA1b2C3"), "lib/stXXXXXX");
    EXPECT_EQ(normalize_volatile("m4/stdint_h.m4"), "m4/stdint_h.m4");
    EXPECT_EQ(normalize_volatile("src/standard.c"), "src/standard.c");
    EXPECT_EQ(normalize_volatile("/tmp/ccAb3d_f.s"), "/tmp/ccAb3d_f.s");  // mkstemp has no _
}

TEST(Normalize, EachSideItsOwnRootAndUserMaps) {
    Normalizer n("/build/a", "/build/bb", {{"/home/ci", "/home/dev"}});
    EXPECT_EQ(n(Side::Left, "/build/a/x.o"), n(Side::Right, "/build/bb/x.o"));
    EXPECT_EQ(n(Side::Left, "/home/ci/lib.a"), "/home/dev/lib.a");
    EXPECT_NE(n(Side::Left, "/build/bb/x.o"), n(Side::Right, "/build/bb/x.o"));
}
