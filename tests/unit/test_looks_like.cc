// The table of usual culprits, row by row, with values as builds leave them.
#include <gtest/gtest.h>

#include <chrono>

#include <fmt/core.h>

#include "diff/looks_like.h"

using namespace buildiff;

namespace {
std::string what(std::string_view l, std::string_view r,
                 const std::vector<std::string>& names = {}) {
    auto look = looks_like(l, r, names);
    return look ? std::string(look->what) : "";
}
}  // namespace

TEST(LooksLike, BuildTimestamps) {
    EXPECT_EQ(what("built at Dec  4 2026 09:17:28", "built at Dec  4 2026 09:17:29"),
              "a build timestamp");
    EXPECT_EQ(what("built at Dec  4 2026 23:59:59", "built at Dec  5 2026 00:00:01"),
              "a build timestamp");
    EXPECT_EQ(what("version 1.2 (2026-12-04)", "version 1.2 (2026-12-05)"), "a build timestamp");
    long long now = std::chrono::duration_cast<std::chrono::seconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
    EXPECT_EQ(what(fmt::format("stamp={}", now - 100), fmt::format("stamp={}", now)),
              "a build timestamp");
    // Ten digits that are no time near now: not a timestamp.
    EXPECT_EQ(what("id=1000000001", "id=1000000002"), "");
    // Added: the whole value is the change.
    EXPECT_EQ(what("", "Dec  4 2026"), "a build timestamp");
}

TEST(LooksLike, BuildPathsAndTemporaryNames) {
    EXPECT_EQ(what("/tmp/ex", "/tmp/ex2"), "a build path");
    EXPECT_EQ(what("/home/alice/src/zstd/lib", "/build/zstd-Xa81/lib"), "a build path");
    EXPECT_EQ(what("/tmp/ccR5ysTF.s", "/tmp/ccQ2mzKa.s"), "a temporary file name");
    EXPECT_EQ(what("ef1c2c6ad1c1e4b3-ckzg.o", "0a9b8c7d6e5f4a3b-ckzg.o"), "a temporary file name");
}

TEST(LooksLike, RandomValuesHostsAndLocales) {
    EXPECT_EQ(what("id 123e4567-e89b-12d3-a456-426614174000", "id 9f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"),
              "a random value");
    EXPECT_EQ(what("seed 8f14e45fceea167a5a36", "seed 0c9ebb2ded806d7ffda7"), "a random value");
    EXPECT_EQ(what("built by alice on buildbox7", "built by alice on laptop-3", {"buildbox7"}),
              "a host or user name");
    EXPECT_EQ(what("built by alice", "built by bob", {}), "");  // names this machine does not have
    EXPECT_EQ(what("expected \u2018int\u2019", "expected 'int'"), "locale-dependent text");
    EXPECT_EQ(what("ratio 3.5", "ratio 3,5"), "locale-dependent text");
    EXPECT_EQ(what("usage: %s [options]", "usage: %s [opts]"), "");
    EXPECT_FALSE(looks_like("same", "same", {}));
    // Bytes that are not text, as a string section of a Rust binary holds: nothing.
    EXPECT_EQ(what("\x97\xc8", "\x1d\xc8"), "");
    EXPECT_EQ(what("caf\u00e9 ok", "cafe ok"), "");  // an accent is no locale
}

TEST(LooksLike, WordsGiveWhatAndWhatToDo) {
    auto look = looks_like("12:00:00", "12:00:01", {});
    ASSERT_TRUE(look);
    EXPECT_EQ(look->words(),
              "a build timestamp (set SOURCE_DATE_EPOCH, or avoid __DATE__ and __TIME__)");
}
