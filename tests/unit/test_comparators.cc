// Pure helpers of the comparators: build-path prefixes, demangling, unsafe member names,
// format detection, text and binary comparison of in-memory blobs.
#include <gtest/gtest.h>

#include "diff/archive_read.h"
#include "diff/compare.h"
#include "diff/content_compare.h"
#include "diff/deb822.h"
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

// deb822 (.buildinfo, .changes): field by field, the build's time named as expected, a checksum
// line tied to the file it describes; a clear-signed wrapper is taken off; a bad line is named.
TEST(Deb822, FieldsComparedOneByOneWithTheExpectedCarriersNamed) {
    const std::string left =
        "Format: 1.0\nSource: hello\nBuild-Date: Fri, 04 Dec 2026 18:57:01 +0000\n"
        "Checksums-Sha256:\n 0123 4122 hello_1.0_amd64.buildinfo\n 89ab 900 hello_1.0_amd64.deb\n";
    const std::string right =
        "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n"
        "Format: 1.0\nSource: hello\nBuild-Date: Fri, 04 Dec 2026 18:57:08 +0000\n"
        "Checksums-Sha256:\n 4567 4122 hello_1.0_amd64.buildinfo\n 89ab 900 hello_1.0_amd64.deb\n"
        "-----BEGIN PGP SIGNATURE-----\nxyz\n-----END PGP SIGNATURE-----\n";
    auto l = parse_deb822(left), r = parse_deb822(right);
    ASSERT_TRUE(l && r);
    ASSERT_EQ(r->size(), 1u);
    EXPECT_EQ(r->front().size(), 4u) << "the signature is not a field";
    std::vector<Difference> d = compare_deb822(*l, *r);
    ASSERT_EQ(d.size(), 2u);
    EXPECT_EQ(d[0].description,
              "field Build-Date: Fri, 04 Dec 2026 18:57:01 +0000 -> Fri, 04 Dec 2026 18:57:08 "
              "+0000 (carries the build's time)");
    EXPECT_EQ(d[1].description, "field Checksums-Sha256 changed");
    ASSERT_EQ(d[1].children.size(), 1u) << "the .deb's line is the same";
    EXPECT_EQ(d[1].children[0].description,
              "`hello_1.0_amd64.buildinfo`: checksum changed: the file differs");
    // Through the comparator, by the file's name.
    Comparer comparer;
    auto c = comparer.compare(Blob::memory("a.changes", left), Blob::memory("b.changes", right));
    ASSERT_TRUE(c);
    EXPECT_EQ(c->format, "deb822");
    EXPECT_EQ(c->differences.size(), 2u);
    auto bad = parse_deb822("Source: x\nno colon here\n");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().message, "line 2: neither a field, a continuation nor a blank line");
}
