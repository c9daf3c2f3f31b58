// String sections compared string by string.
#include <gtest/gtest.h>

#include <fmt/core.h>

#include "diff/string_sections.h"

using namespace buildiff;
using namespace std::string_literals;

TEST(StringSections, StringsAreTheNulTerminatedRunsWithoutEmptyOnes) {
    std::string bytes = "\0abc\0\0de\0f"s;  // the views point into it
    auto s = section_strings(bytes);
    ASSERT_EQ(s.size(), 3u);
    EXPECT_EQ(s[0], "abc");
    EXPECT_EQ(s[1], "de");
    EXPECT_EQ(s[2], "f");  // the last one without its NUL
}

TEST(StringSections, ATimeStampIsOneStringChangedAndAMovedStringIsNoChange) {
    auto d = compare_string_section(".rodata.str1.1",
                                    "built at Dec  4 2026 09:17:28\0usage: %s\n\0"s,
                                    "usage: %s\n\0built at Dec  4 2026 09:17:29\0"s, {});
    ASSERT_TRUE(d);
    EXPECT_EQ(d->kind, "section-strings");
    EXPECT_EQ(d->description, "section .rodata.str1.1: 1 string changed");
    ASSERT_EQ(d->children.size(), 1u);
    EXPECT_EQ(d->children[0].description,
              "`built at Dec  4 2026 09:17:28` -> `built at Dec  4 2026 09:17:29`: looks like a "
              "build timestamp (set SOURCE_DATE_EPOCH, or avoid __DATE__ and __TIME__)");
    EXPECT_EQ(d->children[0].looks_like,
              "a build timestamp (set SOURCE_DATE_EPOCH, or avoid __DATE__ and __TIME__)");
    EXPECT_EQ(d->children[0].left, "built at Dec  4 2026 09:17:28");
    EXPECT_EQ(d->children[0].right, "built at Dec  4 2026 09:17:29");
    // Only the order moved: nothing to say.
    EXPECT_FALSE(compare_string_section(".rodata.str1.1", "a\0b\0"s, "b\0a\0"s, {}));
}

TEST(StringSections, UnrelatedStringsAreAddedAndRemovedAndNamesReportedElsewhereAreLeftOut) {
    std::set<std::string_view> explained = {"blst_p2_to_affine"};
    auto d = compare_string_section(".strtab", "main\0util.c\0"s,
                                    "main\0blst_p2_to_affine\0zstd.c\0extra text\0"s, explained);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->description, "section .strtab: 2 strings added and 1 removed");
    ASSERT_EQ(d->children.size(), 3u);
    EXPECT_EQ(d->children[0].description, "added `zstd.c`");
    EXPECT_EQ(d->children[1].description, "added `extra text`");
    EXPECT_EQ(d->children[2].description, "removed `util.c`");
    EXPECT_EQ(d->children[2].right, "");
}

TEST(StringSections, OutputIsBoundedAndControlCharactersAreEscaped) {
    std::string l, r;
    for (int i = 0; i < 50; ++i) {
        l += fmt::format("/build/a/file{}.c", i) + '\0';
        r += fmt::format("/build/bb/file{}.c", i) + '\0';
    }
    l += "line\n\x01"s + '\0';
    r += "line\n\x02"s + '\0';
    auto d = compare_string_section(".debug_str", l, r, {}, 5);
    ASSERT_TRUE(d);
    EXPECT_EQ(d->description, "section .debug_str: 51 strings changed");
    ASSERT_EQ(d->children.size(), 6u);
    EXPECT_TRUE(d->children[0].description.starts_with(
        "`/build/a/file0.c` -> `/build/bb/file0.c`: looks like a build path"));
    EXPECT_EQ(d->children[5].kind, "limit");
    EXPECT_EQ(d->children[5].description,
              "and 46 more string differences in .debug_str (the first 5 are shown)");
    // Bytes that are not UTF-8 are escaped, so the description stays text.
    auto junk = compare_string_section(".rodata.str1.1", "\x97\xc8"s, "\x1d\xc8"s, {});
    ASSERT_TRUE(junk);
    EXPECT_EQ(junk->children[0].description, "`\\x97\\xc8` -> `\\x1d\\xc8`");
    auto e = compare_string_section(".x", "line\n\x01"s, "line\n\x02"s, {});
    ASSERT_TRUE(e);
    EXPECT_EQ(e->children[0].description, "`line\\n\\x01` -> `line\\n\\x02`");
    // A repeated change is one node with its count.
    auto twice = compare_string_section(".debug_line_str", "/tmp/ex\0/tmp/ex\0x.c\0"s,
                                        "/tmp/ex2\0/tmp/ex2\0x.c\0"s, {});
    ASSERT_TRUE(twice);
    ASSERT_EQ(twice->children.size(), 1u);
    EXPECT_TRUE(twice->children[0].description.starts_with("`/tmp/ex` -> `/tmp/ex2` (2 times): "
                                                           "looks like a build path"));
}
