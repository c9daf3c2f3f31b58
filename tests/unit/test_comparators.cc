// Pure helpers of the comparators: build-path prefixes, demangling, unsafe member names,
// format detection, text and binary comparison of in-memory blobs.
#include <gtest/gtest.h>

#include "diff/archive_read.h"
#include "diff/compare.h"
#include "diff/content_compare.h"
#include "diff/demangle.h"
#include "diff/elf_compare.h"

using namespace buildiff;

TEST(BuildPath, DifferingLeadingPartsOfPathsWithACommonTail) {
    using P = std::pair<std::string, std::string>;
    EXPECT_EQ(differing_prefixes("/tmp/a/zstd/lib", "/tmp/b/zstd/lib"), (P{"/tmp/a", "/tmp/b"}));
    // The tail is cut at a component boundary, not inside a name sharing its last letters.
    EXPECT_EQ(differing_prefixes("/w/abc/x", "/w/zbc/x"), (P{"/w/abc", "/w/zbc"}));
    EXPECT_EQ(differing_prefixes("/one", "/two"), (P{"/one", "/two"}));
    EXPECT_EQ(differing_prefixes("/same", "/same"), P{});
}

TEST(Demangle, CppAndRustLegacyAndV0ButNotPlainC) {
    EXPECT_EQ(demangle("_ZN2ns1fEi"), "ns::f(int)");
    EXPECT_EQ(demangle("_ZN4core3fmt5write17h0123456789abcdefE"), "core::fmt::write");
    EXPECT_EQ(demangle("_RNvCs1234_7mycrate3foo"), "mycrate::foo");
    EXPECT_EQ(demangle("blst_p2_to_affine"), "");
    EXPECT_EQ(demangle("_start"), "");
}

TEST(ArchiveNames, AbsoluteAndDotDotNamesAreUnsafe) {
    auto unsafe = [](std::string n) {
        ArchiveMember m;
        m.name = std::move(n);
        return m.unsafe_name();
    };
    EXPECT_TRUE(unsafe("../etc/passwd"));
    EXPECT_TRUE(unsafe("a/../../b"));
    EXPECT_TRUE(unsafe("/etc/passwd"));
    EXPECT_TRUE(unsafe(".."));
    EXPECT_FALSE(unsafe("a/..b/c"));
    EXPECT_FALSE(unsafe("./usr/lib/libfoo.so"));
    EXPECT_FALSE(unsafe("lib.rmeta"));
}

TEST(Formats, DetectedFromContentThenName) {
    EXPECT_EQ(detect_format("x", std::string("\x7f"
                                             "ELF\x02\x01\x01",
                                             7)),
              "elf");
    EXPECT_EQ(detect_format("libfoo.a", "!<arch>\n"), "ar");
    EXPECT_EQ(detect_format("foo.deb", "!<arch>\n"), "deb");
    EXPECT_EQ(detect_format("foo.whl", "PK\x03\x04"), "whl");
    EXPECT_EQ(detect_format("foo.bin", std::string("\x1f\x8b\x08\x00", 4)), "archive");
    EXPECT_EQ(detect_format("README", "hello\n\tworld\n"), "text");
    EXPECT_EQ(detect_format("blob", std::string("ab\0cd", 5)), "binary");
    EXPECT_EQ(detect_format("empty", ""), "empty");
}

TEST(Content, TextHunksAndBinaryRegions) {
    Blob l = Blob::memory("l", "a\nb\nc\n"), r = Blob::memory("r", "a\nB\nc\nd\n");
    Result<Difference> t = compare_text(l, r, 100);
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->description, "text: 1 line removed, 2 added, in 1 hunk");
    EXPECT_EQ(t->lines,
              (std::vector<std::string>{"@@ -1,3 +1,4 @@", " a", "-b", "+B", " c", "+d"}));
    std::string x(1000, 'x'), y = x;
    y[10] = 'y';
    y[500] = 'y';
    y[501] = 'y';
    Result<Difference> b = compare_binary(Blob::memory("x", x), Blob::memory("y", y + "tail"), 1);
    ASSERT_TRUE(b.ok());
    EXPECT_EQ(b->description,
              "binary: 1000 -> 1004 bytes; 3 bytes differ in 2 regions (first 1 shown)");
    EXPECT_EQ(b->lines[0], "first difference of region 1 at offset 0xa");
}

TEST(Content, ComparerCachesByContentPair) {
    Comparer c;
    Blob a = Blob::memory("a", "one\n"), b = Blob::memory("b", "two\n");
    ASSERT_TRUE(c.compare(a, b).ok());
    ASSERT_TRUE(c.compare(Blob::memory("a2", "one\n"), Blob::memory("b2", "two\n")).ok());
    EXPECT_EQ(c.comparisons(), 1u);
    EXPECT_EQ(c.cache_hits(), 1u);
    Result<Comparison> same = c.compare(a, Blob::memory("a3", "one\n"));
    ASSERT_TRUE(same.ok());
    EXPECT_TRUE(same->differences.empty());
}
