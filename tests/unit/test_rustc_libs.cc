// rustc's native libraries as rustc reads and merges them, and the command-line diff by meaning
// that a wrapper's re-serialised rustc call is compared with.
#include <gtest/gtest.h>

#include "diff/flag_diff.h"
#include "tests/unit/flag_texts.h"
#include "toolchain/rustc_libs.h"

using namespace buildiff;

namespace {

std::vector<std::string> rustc(std::vector<std::string> args) {
    args.insert(args.begin(), "rustc");
    return args;
}

std::string libs(const std::vector<std::string>& argv) {
    std::string out;
    for (const NativeLib& l : rustc_native_libs(argv))
        out += (out.empty() ? "" : "; ") + l.name + ": " + describe_native_lib(l);
    return out;
}

}  // namespace

TEST(RustcLibs, TheSyntaxIsKindModifiersNameAndRename) {
    auto a = parse_rustc_lib("static:+whole-archive,-bundle=foo:bar");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->kind, "static");
    EXPECT_EQ(a->modifiers, (std::vector<std::string>{"+whole-archive", "-bundle"}));
    EXPECT_EQ(a->name, "foo");
    EXPECT_EQ(a->rename, "bar");
    auto b = parse_rustc_lib("ckzg");
    ASSERT_TRUE(b);
    EXPECT_EQ(b->kind, "");
    EXPECT_EQ(b->name, "ckzg");
    EXPECT_FALSE(parse_rustc_lib("static="));
    EXPECT_FALSE(parse_rustc_lib(""));
}

TEST(RustcLibs, AnOmittedKindIsNotDylibAndAStaticLibraryIsBundled) {
    EXPECT_EQ(libs(rustc({"-l", "ckzg"})), "ckzg: no kind (the linker's choice, not bundled)");
    EXPECT_EQ(libs(rustc({"-l", "dylib=ckzg"})), "ckzg: dylib");
    EXPECT_EQ(libs(rustc({"-lstatic=ckzg"})), "ckzg: static, bundled into the rlib");
    EXPECT_EQ(libs(rustc({"-l", "static:-bundle,+whole-archive=x"})),
              "x: static, not bundled, whole-archive");
    EXPECT_EQ(libs(rustc({"-l", "dylib:+verbatim,+as-needed=libx.so"})),
              "libx.so: dylib, verbatim, as-needed");
}

TEST(RustcLibs, ALaterKindlessLibraryKeepsTheKindAndALaterKindReplacesIt) {
    // cargo's line for c-kzg: cc-rs's static=, then the build script's own kind-less line.
    EXPECT_EQ(libs(rustc({"-l", "static=ckzg", "-l", "ckzg"})),
              "ckzg: static, bundled into the rlib");
    // What sccache makes of it.
    EXPECT_EQ(libs(rustc({"-l", "static=ckzg", "-l", "dylib=ckzg"})), "ckzg: dylib");
    EXPECT_EQ(libs(rustc({"-l", "ckzg", "-l", "static=ckzg"})),
              "ckzg: static, bundled into the rlib");
}

TEST(RustcLibs, ALibraryNamedAgainMovesToTheEndAndARenameRenamesIt) {
    EXPECT_EQ(libs(rustc({"-l", "a", "-l", "static=b", "-l", "a"})),
              "b: static, bundled into the rlib; a: no kind (the linker's choice, not bundled)");
    EXPECT_EQ(libs(rustc({"-l", "static=a", "-l", "static=a:z"})),
              "z: static, bundled into the rlib");
    EXPECT_EQ(libs(rustc({"-C", "opt-level=3", "--crate-name", "l", "-L", "native=/x"})), "");
}

TEST(RustcFlagDiff, SccachesReserialisedArgumentsCompareEqualByMeaning) {
    auto asked = rustc({"--crate-name", "proofs", "--edition=2021", "src/lib.rs",
                        "--error-format=json", "--json=diagnostic-rendered-ansi,artifacts",
                        "--crate-type", "lib", "--emit=dep-info,metadata,link", "-C",
                        "opt-level=3", "-l", "static=proofs", "-l", "static=proofs"});
    auto ran = rustc({"--crate-name", "proofs", "--edition=2021", "src/lib.rs", "--error-format",
                      "json", "--json", "diagnostic-rendered-ansi,artifacts", "--crate-type",
                      "rlib", "--emit", "dep-info,metadata,link", "-C", "opt-level=3", "-l",
                      "static=proofs", "-l", "static=proofs"});
    ran[0] = "/usr/bin/rustc";
    EXPECT_TRUE(diff_commands(FlagFamily::Rustc, asked, ran).empty())
        << testing::PrintToString(texts(diff_commands(FlagFamily::Rustc, asked, ran)));
}

TEST(RustcFlagDiff, TheKindlessLinkRewrittenAsDylibIsOneChangeOfTheLibrary) {
    auto asked = rustc({"--crate-name", "proofs", "-l", "static=proofs", "-l", "proofs"});
    auto ran = rustc({"--crate-name", "proofs", "-l", "static=proofs", "-l", "dylib=proofs"});
    auto changes = diff_commands(FlagFamily::Rustc, asked, ran);
    ASSERT_EQ(changes.size(), 1u) << testing::PrintToString(texts(changes));
    EXPECT_EQ(changes[0].change, "changed");
    EXPECT_EQ(changes[0].flag, "-l");
    EXPECT_TRUE(changes[0].affects_output);
    EXPECT_EQ(changes[0].text,
              "native library `proofs`: static, bundled into the rlib -> dylib (`-l static=proofs "
              "-l proofs` -> `-l static=proofs -l dylib=proofs`) (linker)");
    // Added, removed, reordered.
    EXPECT_EQ(texts(diff_commands(FlagFamily::Rustc, rustc({"-l", "a"}), rustc({"-l", "b"}))),
              (std::vector<std::string>{
                  "removed native library `a`: no kind (the linker's choice, not bundled) "
                  "(`-l a`) (linker)",
                  "added native library `b`: no kind (the linker's choice, not bundled) "
                  "(`-l b`) (linker)"}));
    EXPECT_EQ(texts(diff_commands(FlagFamily::Rustc, rustc({"-l", "a", "-l", "b"}),
                                  rustc({"-l", "b", "-l", "a"}))),
              (std::vector<std::string>{"native library order changed (linker)"}));
}

// The rest of rustc's link configuration, by meaning: each row is two command lines and what the
// flag diff says of them (nothing: the same meaning).
struct LinkOptionCase {
    const char* what;
    std::vector<std::string> left, right;
    std::vector<std::string> said;
};

TEST(RustcLinkOptions, ComparedByMeaning) {
    const std::vector<LinkOptionCase> cases = {
        {"-L without a kind is -L all=", {"-L", "/x"}, {"-L", "all=/x"}, {}},
        {"-L joined is -L separate", {"-L/x"}, {"-L", "/x"}, {}},
        {"-L native= is not -L all=",
         {"-L", "native=/x"},
         {"-L", "/x"},
         {"added `-L /x` (search-path)", "removed `-L native=/x` (search-path)"}},
        {"-L order", {"-L", "/a", "-L", "/b"}, {"-L", "/b", "-L", "/a"},
         {"library search path order changed (search-path)"}},
        {"link-args is link-arg, split at spaces",
         {"-C", "link-args=-Wl,--as-needed -lz"},
         {"-C", "link-arg=-Wl,--as-needed", "-C", "link-arg=-lz"},
         {}},
        {"a second link-arg is not a replacement of the first",
         {"-C", "link-arg=-la", "-C", "link-arg=-lb"},
         {"-C", "link-arg=-la"},
         {"removed `-C link-arg=-lb` (linker)"}},
        {"link-arg order", {"-C", "link-arg=-la", "-C", "link-arg=-lb"},
         {"-C", "link-arg=-lb", "-C", "link-arg=-la"}, {"linker argument order changed (linker)"}},
        {"-C linker", {"-C", "linker=cc"}, {"-Clinker=clang"},
         {"`-C linker=cc` -> `-Clinker=clang` (linker)"}},
        {"link-self-contained spellings of yes",
         {"-C", "link-self-contained=yes"},
         {"-C", "link-self-contained=on"},
         {}},
        {"link-self-contained yes -> no",
         {"-C", "link-self-contained=y"},
         {"-C", "link-self-contained=n"},
         {"`-C link-self-contained=y` -> `-C link-self-contained=n` (linker)"}},
        {"linker features: the last of each decides",
         {"-C", "linker-features=+lld,-lld"},
         {"-C", "linker-features=-lld"},
         {}},
        {"linker features: -Z is the older spelling of -C",
         {"-Z", "linker-features=-lld"},
         {"-C", "linker-features=-lld"},
         {}},
        {"linker features: lld turned off",
         {},
         {"-C", "linker-features=-lld"},
         {"added `-C linker-features=-lld` (linker)"}},
        {"prefer-dynamic without a value is yes", {"-C", "prefer-dynamic"},
         {"-C", "prefer-dynamic=yes"}, {}},
    };
    for (const LinkOptionCase& c : cases)
        EXPECT_EQ(texts(diff_commands(FlagFamily::Rustc, rustc(c.left), rustc(c.right))), c.said)
            << c.what;
}

TEST(RustcLinkOptions, CargosPerBuildHashesAreBookkeeping) {
    auto changes = diff_commands(FlagFamily::Rustc, rustc({"-C", "metadata=0123abcd"}),
                                 rustc({"-C", "metadata=4567ef01"}));
    ASSERT_EQ(changes.size(), 1u);
    EXPECT_EQ(changes[0].category, "bookkeeping");
    EXPECT_FALSE(changes[0].affects_output);
}
