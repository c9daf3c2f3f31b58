// Two pieces of work at once (base/parallel.h), and the diff that reads its two recordings so:
// its errors are the ones it gave when it read them one after the other.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "audit/inputs.h"
#include "base/interned.h"
#include "base/parallel.h"
#include "recording/recording.h"

using namespace buildiff;
namespace fs = std::filesystem;

TEST(InParallel, BothResultsEachFromAThreadOfItsOwn) {
    std::thread::id here = std::this_thread::get_id(), first, second;
    auto [a, b] = in_parallel(
        [&] {
            first = std::this_thread::get_id();
            return std::string("left");
        },
        [&] {
            second = std::this_thread::get_id();
            return 42;
        });
    EXPECT_EQ(a, "left");
    EXPECT_EQ(b, 42);
    EXPECT_EQ(first, here);
    EXPECT_NE(second, here);
}

TEST(InParallel, AnExceptionIsRethrownOnceBothHaveEndedTheFirstsWhenBothThrew) {
    bool first_done = false;
    try {
        in_parallel([&] { return first_done = true; },
                    []() -> int { throw std::runtime_error("second"); });
        ADD_FAILURE() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "second");
    }
    EXPECT_TRUE(first_done);
    try {
        in_parallel([]() -> int { throw std::runtime_error("first"); },
                    []() -> int { throw std::runtime_error("second"); });
        ADD_FAILURE() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "first");
    }
}

// The recordings are read at once; when both are bad, the left one is named, as before.
TEST(InParallel, ADiffOfTwoBadRecordingsNamesTheLeftOneAndOfOneBadOneThatOne) {
    fs::path dir = fs::temp_directory_path() / ("in-parallel-" + std::to_string(getpid()));
    fs::create_directories(dir);
    auto write = [&](const std::string& name, int version) {
        std::ofstream(dir / name) << R"({"type":"header","format":"buildiff.recording","version":)"
                                  << version << "}\n";
        return (dir / name).string();
    };
    std::string left = write("left.rec", 3), right = write("right.rec", 4);
    Result<DiffResult> both = diff_inputs({left, right}, {});
    ASSERT_FALSE(both);
    EXPECT_NE(both.error().message.find(left + ": "), std::string::npos) << both.error().message;
    EXPECT_NE(both.error().message.find("version 3 is not supported"), std::string::npos)
        << both.error().message;
    // A good left one (an empty build, written by the library), a bad right one.
    Recording empty;
    empty.cwd = dir.string();
    empty.complete = true;
    std::string good = (dir / "good.rec").string();
    std::ofstream(good, std::ios::binary) << write_recording(empty);
    ASSERT_TRUE(read_recording(good)) << read_recording(good).error().message;
    Result<DiffResult> one = diff_inputs({good, right}, {});
    ASSERT_FALSE(one);
    EXPECT_NE(one.error().message.find(right + ": "), std::string::npos) << one.error().message;
    EXPECT_NE(one.error().message.find("version 4 is not supported"), std::string::npos)
        << one.error().message;
    fs::remove_all(dir);
}

// Two threads interning the same strings at once (as the two recordings of a diff are read) get
// the same handle for each: an equal string is one copy, whichever thread interned it first.
TEST(InParallel, StringsInternedFromTwoThreadsAreOneCopyEach) {
    std::vector<std::string> strings;
    for (int i = 0; i < 20000; ++i)
        strings.push_back("/src/interned-from-two-threads/" + std::to_string(i));
    auto intern_all = [&](bool backwards) {
        std::vector<const std::string*> out(strings.size());
        for (size_t k = 0; k < strings.size(); ++k) {
            size_t i = backwards ? strings.size() - 1 - k : k;
            out[i] = &Interned(strings[i]).str();
        }
        return out;
    };
    auto [a, b] = in_parallel([&] { return intern_all(false); }, [&] { return intern_all(true); });
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        ASSERT_EQ(a[i], b[i]) << strings[i];
        ASSERT_EQ(*a[i], strings[i]);
    }
    EXPECT_EQ(&Interned(strings[7]).str(), a[7]);
}

// The handle is a number: equal strings get one number and one copy, different strings
// different ones, across many chunks of strings and many growths of the tables; strings with the
// same characters but another length (a prefix, one with a NUL inside) are other strings; the
// empty string is the default handle; handles order as their strings do.
TEST(Interned, EqualStringsOneNumberDistinctStringsOthersAcrossChunks) {
    static_assert(sizeof(Interned) == 4);
    const size_t before = Interned::count();
    std::vector<Interned> handles;
    const int n = 3 * static_cast<int>(interned_detail::kChunk) + 17;
    for (int i = 0; i < n; ++i) handles.emplace_back("/chunks/across/" + std::to_string(i));
    EXPECT_EQ(Interned::count(), before + static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
        std::string s = "/chunks/across/" + std::to_string(i);
        Interned again(s);
        ASSERT_EQ(again, handles[static_cast<size_t>(i)]) << s;
        ASSERT_EQ(&again.str(), &handles[static_cast<size_t>(i)].str()) << s;
        ASSERT_EQ(again.str(), s);
    }
    EXPECT_EQ(Interned::count(), before + static_cast<size_t>(n));
    EXPECT_NE(Interned("/chunks/across/1"), Interned("/chunks/across/10"));
    EXPECT_NE(Interned("/chunks/across/1"), Interned(std::string("/chunks/across/1\0", 17)));
    EXPECT_EQ(Interned(std::string("/chunks/across/1\0", 17)).size(), 17u);
    EXPECT_TRUE(Interned().empty());
    EXPECT_EQ(Interned(""), Interned());
    EXPECT_EQ(Interned().str(), "");
    EXPECT_LT(Interned("/chunks/across/10"), Interned("/chunks/across/2"));
    EXPECT_GT(Interned("b"), Interned("a"));
    EXPECT_EQ(Interned("b") <=> std::string_view("b"), std::strong_ordering::equal);
}
