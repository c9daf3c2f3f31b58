// The deep comparators on artifacts the tests build themselves with gcc, ar, rustc, zip and
// dpkg-deb: symbols that change binding or export, the motivating bug's LOCAL -> GLOBAL UND,
// archives inside archives, DWARF build paths, ground truth from readelf, and bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "diff/compare.h"
#include "diff/elf_read.h"
#include "harness.h"

using namespace e2e;
using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

void sh(const std::string& script, const std::string& cwd) {
    RunResult r = run({"sh", "-ec", script}, {.cwd = cwd});
    ASSERT_EQ(r.status, 0) << script << "\n" << r.err;
}

struct Report {
    int status = -1;
    std::string text, err;
    json j;
};

// `buildiff diff LEFT RIGHT`: the text report, and the JSON report validated against the schema.
Report compare_files(const TempDir& tmp, const std::string& left, const std::string& right) {
    std::string out = tmp / "report.json";
    fs::remove(out);
    Report r;
    RunResult t = run({buildiff_exe(), "diff", left, right, "--json", out});
    r.status = t.status;
    r.text = t.out;
    r.err = t.err;
    if (fs::exists(out)) {
        r.j = json::parse(read_text(out));
        expect_valid_report(out);
    }
    return r;
}

// Every node of the artifacts' difference trees, depth first.
void collect(const json& list, std::vector<json>& out) {
    for (auto& d : list) {
        out.push_back(d);
        collect(d["children"], out);
    }
}
std::vector<json> nodes(const json& report, const std::string& kind = "") {
    std::vector<json> all, out;
    for (auto& a : report["artifacts"]) collect(a["differences"], all);
    for (auto& n : all)
        if (kind.empty() || n["kind"] == kind) out.push_back(n);
    return out;
}
std::set<std::string> names(const std::vector<json>& list) {
    std::set<std::string> out;
    for (auto& n : list) out.insert(n["name"].get<std::string>());
    return out;
}

constexpr const char* kLibSource = R"(
__attribute__((visibility("default"))) int api(int x);
int helper(int x) { return x * 3; }
int other_helper(int x) { return helper(x) - 1; }
int api(int x) { return other_helper(x) + 1; }
static int counter;
int bump(void) { return ++counter; }
)";

// The symbols whose binding or .dynsym presence differ between two files, by readelf.
std::set<std::string> readelf_binding_or_export_changes(const std::string& a,
                                                        const std::string& b) {
    auto table = [](const std::string& file) {
        std::map<std::string, std::string> out;  // name -> "BIND dyn?"
        for (std::string opt : {"--syms", "--dyn-syms"}) {
            RunResult r = run({"readelf", opt, "--wide", file});
            std::istringstream in(r.out);
            std::string line;
            while (std::getline(in, line)) {
                std::istringstream f(line);
                std::string num, value, size, type, bind, vis, ndx, name;
                if (!(f >> num >> value >> size >> type >> bind >> vis >> ndx >> name)) continue;
                if (num.back() != ':' || type == "FILE" || type == "SECTION") continue;
                name = name.substr(0, name.find('@'));
                if (opt == "--syms")
                    out[name] = bind;
                else
                    out[name] += " dynsym";
            }
        }
        return out;
    };
    auto l = table(a), r = table(b);
    std::set<std::string> changed;
    for (auto& [name, v] : l)
        if (!r.contains(name) || r[name] != v) changed.insert(name);
    for (auto& [name, v] : r)
        if (!l.contains(name)) changed.insert(name);
    return changed;
}

// The motivating bug in miniature: glue.o calls blst_p2_to_affine, which the real archive
// defines and a stub archive (what a broken cache handed the linker) does not. A version script
// hides everything but glue_api.
void build_glue(const std::string& dir) {
    write_text(dir + "/blst.c", "int blst_p2_to_affine(int x) { return x ^ 0x5a; }\n");
    write_text(dir + "/stub.c", "int blst_unrelated_stub(void) { return 0; }\n");
    write_text(
        dir + "/glue.c",
        "int blst_p2_to_affine(int);\nint glue_api(int x) { return blst_p2_to_affine(x) + 1; }\n");
    write_text(dir + "/v.map", "{ global: glue_api; local: *; };\n");
    sh("gcc -c -fPIC -O2 blst.c stub.c glue.c && ar rcs libblst.a blst.o && "
       "ar rcs libstub.a stub.o && mkdir -p good bad && "
       "gcc -shared -o good/libglue.so glue.o libblst.a -Wl,--version-script=v.map && "
       "gcc -shared -o bad/libglue.so glue.o libstub.a -Wl,--version-script=v.map",
       dir);
}

void expect_local_to_global_und(const json& sym) {
    EXPECT_EQ(sym["name"], "blst_p2_to_affine");
    EXPECT_EQ(sym["left"]["binding"], "LOCAL");
    EXPECT_EQ(sym["left"]["defined"], true);
    EXPECT_EQ(sym["left"]["section"], ".text");
    EXPECT_EQ(sym["left"]["dynamic"], false);
    EXPECT_EQ(sym["right"]["binding"], "GLOBAL");
    EXPECT_EQ(sym["right"]["defined"], false);
    EXPECT_EQ(sym["right"]["section"], "UND");
    EXPECT_EQ(sym["right"]["dynamic"], true) << "an undefined symbol the loader must resolve";
}

}  // namespace

TEST(CompareElf, VisibilityHiddenNamesExactlyTheSymbolsWhoseBindingOrExportChanged) {
    TempDir tmp;
    write_text(tmp / "lib.c", kLibSource);
    // -O0: no inlining, so no function changes size when its callees become local.
    sh("mkdir -p a b && gcc -shared -fPIC -O0 -o a/libx.so lib.c && "
       "gcc -shared -fPIC -O0 -fvisibility=hidden -o b/libx.so lib.c",
       tmp.path());
    Report r = compare_files(tmp, tmp / "a/libx.so", tmp / "b/libx.so");
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_EQ(r.j["artifacts"][0]["format"], "elf");
    std::set<std::string> expected =
        readelf_binding_or_export_changes(tmp / "a/libx.so", tmp / "b/libx.so");
    EXPECT_EQ(expected, (std::set<std::string>{"bump", "helper", "other_helper"}))
        << "ground truth from readelf";
    std::set<std::string> changed;
    for (auto& s : nodes(r.j, "symbol")) {
        bool binding = s["left"].is_null() || s["right"].is_null() ||
                       s["left"]["binding"] != s["right"]["binding"] ||
                       s["left"]["dynamic"] != s["right"]["dynamic"];
        EXPECT_TRUE(binding) << "a symbol difference that is not a binding or export change: "
                             << s.dump();
        changed.insert(s["name"]);
    }
    EXPECT_EQ(changed, expected) << r.text;
    for (auto& s : nodes(r.j, "symbol")) {
        EXPECT_EQ(s["left"]["binding"], "GLOBAL");
        EXPECT_EQ(s["right"]["binding"], "LOCAL");
        EXPECT_EQ(s["left"]["dynamic"], true);
        EXPECT_EQ(s["right"]["dynamic"], false);
    }
}

TEST(CompareElf, ObjectMissingFromTheLinkTurnsALocalDefinedSymbolIntoGlobalUnd) {
    TempDir tmp;
    build_glue(tmp.path());
    Report r = compare_files(tmp, tmp / "good/libglue.so", tmp / "bad/libglue.so");
    EXPECT_EQ(r.status, 1) << r.err;
    std::vector<json> syms = nodes(r.j, "symbol");
    ASSERT_EQ(syms.size(), 1u) << r.text;
    expect_local_to_global_und(syms[0]);
    EXPECT_NE(r.text.find("symbol `blst_p2_to_affine`: binding LOCAL -> GLOBAL"), std::string::npos)
        << r.text;
    EXPECT_NE(r.text.find("defined in .text -> undefined (UND)"), std::string::npos) << r.text;
    EXPECT_NE(r.text.find("now imported (.dynsym)"), std::string::npos) << r.text;
}

TEST(CompareArchive, ArArchivesDifferingInOneMemberNameThatMemberOnly) {
    TempDir tmp;
    write_text(tmp / "a.c", "int fa(void) { return 1; }\n");
    write_text(tmp / "b.c",
          "int fb(void) { return VALUE; }\nint fb_extra(void) { return VALUE * 2; }\n");
    write_text(tmp / "c.c", "int fc(void) { return 3; }\n");
    sh("mkdir -p l r && gcc -O2 -c a.c c.c && gcc -O2 -DVALUE=2 -c b.c && ar rcs l/libabc.a a.o "
       "b.o c.o && "
       "gcc -O2 -DVALUE=20000 -c b.c && ar rcs r/libabc.a a.o b.o c.o",
       tmp.path());
    Report r = compare_files(tmp, tmp / "l/libabc.a", tmp / "r/libabc.a");
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_EQ(r.j["artifacts"][0]["format"], "ar");
    std::vector<json> members = nodes(r.j, "member");
    std::set<std::string> differing;
    for (auto& m : members)
        if (m["name"] != "/") differing.insert(m["name"]);
    EXPECT_EQ(differing, std::set<std::string>{"b.o"}) << r.text;
    for (auto& m : members)
        if (m["name"] == "b.o") {
            std::vector<json> inner;
            collect(m["children"], inner);
            bool text_section = false;
            for (auto& n : inner)
                text_section |=
                    n["description"].get<std::string>().find(".text") != std::string::npos;
            EXPECT_TRUE(text_section) << m.dump(2);
        }
    EXPECT_TRUE(nodes(r.j, "member-order").empty());
}

TEST(CompareArchive, RlibWithABundledNativeLibraryHasItsObjectAsAnExtraMember) {
    TempDir tmp;
    build_glue(tmp.path());
    write_text(tmp / "blst_sys.rs",
          "extern \"C\" { fn blst_p2_to_affine(x: i32) -> i32; }\n"
          "pub fn to_affine(x: i32) -> i32 { unsafe { blst_p2_to_affine(x) } }\n");
    sh("mkdir -p with without && "
       "rustc --edition 2021 --crate-type rlib -L . -l static=blst blst_sys.rs -o "
       "with/libblst_sys.rlib && "
       "rustc --edition 2021 --crate-type rlib blst_sys.rs -o without/libblst_sys.rlib",
       tmp.path());
    Report r = compare_files(tmp, tmp / "without/libblst_sys.rlib", tmp / "with/libblst_sys.rlib");
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_EQ(r.j["artifacts"][0]["format"], "rlib");
    bool added_object = false, rmeta_compared = false;
    for (auto& m : nodes(r.j, "member")) {
        std::string desc = m["description"];
        if (m["name"] == "blst.o" && desc.find("added") != std::string::npos) added_object = true;
        if (m["name"] == "lib.rmeta" && !m["children"].empty()) rmeta_compared = true;
    }
    EXPECT_TRUE(added_object) << "the bundled libblst.a's object: " << r.text;
    EXPECT_TRUE(rmeta_compared) << "lib.rmeta records the native library: " << r.text;
}

TEST(CompareArchive, WheelAndDebContainingTheBrokenSoShowTheSymbolThroughTheNesting) {
    TempDir tmp;
    build_glue(tmp.path());
    sh("for s in good bad; do mkdir -p whl-$s/blst && cp $s/libglue.so whl-$s/blst/ && "
       "  echo 'Metadata-Version: 2.1' > whl-$s/blst/METADATA && "
       // zip stores each member's mtime (2 s steps): both wheels get the same one, else the two
       // trees made across a step differ in every member's mtime.
       "  find whl-$s -exec touch -h -d @1700000000 {} + && "
       "  (cd whl-$s && zip -qX -r ../$s.whl blst) && "
       "  mkdir -p deb-$s/DEBIAN deb-$s/usr/lib && cp $s/libglue.so deb-$s/usr/lib/ && "
       "  printf 'Package: glue\\nVersion: 1\\nArchitecture: amd64\\nMaintainer: t <t@t>\\n"
       "Description: t\\n' > deb-$s/DEBIAN/control && "
       "  SOURCE_DATE_EPOCH=1 dpkg-deb --root-owner-group --build deb-$s $s.deb >/dev/null; done",
       tmp.path());
    Report w = compare_files(tmp, tmp / "good.whl", tmp / "bad.whl");
    EXPECT_EQ(w.status, 1) << w.err;
    EXPECT_EQ(w.j["artifacts"][0]["format"], "whl");
    ASSERT_EQ(nodes(w.j, "symbol").size(), 1u) << w.text;
    expect_local_to_global_und(nodes(w.j, "symbol")[0]);
    EXPECT_EQ(names(nodes(w.j, "member")), std::set<std::string>{"blst/libglue.so"})
        << "METADATA is the same: " << w.text;

    Report d = compare_files(tmp, tmp / "good.deb", tmp / "bad.deb");
    EXPECT_EQ(d.status, 1) << d.err;
    EXPECT_EQ(d.j["artifacts"][0]["format"], "deb");
    ASSERT_EQ(nodes(d.j, "symbol").size(), 1u) << d.text;
    expect_local_to_global_und(nodes(d.j, "symbol")[0]);
    std::set<std::string> members = names(nodes(d.j, "member"));
    EXPECT_TRUE(members.contains("./usr/lib/libglue.so")) << d.text;
    EXPECT_NE(d.text.find("member data.tar"), std::string::npos) << d.text;
}

TEST(CompareElf, SameProgramInTwoDirectoriesWithDebugInfoNamesTheCompDirAndStaysSmall) {
    TempDir tmp;
    for (std::string dir : {"one/src", "second-directory/src"}) {
        write_text(tmp / dir + "/prog.c",
              "#include <stdio.h>\n#include \"util.h\"\n"
              "int main(void) { printf(\"%d\\n\", twice(21)); return 0; }\n");
        write_text(tmp / dir + "/util.h", "static inline int twice(int x) { return 2 * x; }\n");
        sh("gcc -g -O2 -c prog.c -o prog.o && gcc -g -O2 prog.o -o prog", tmp / dir);
    }
    Report r = compare_files(tmp, tmp / "one", tmp / "second-directory");
    EXPECT_EQ(r.status, 1) << r.err;
    EXPECT_EQ(r.j["mode"], "files");
    EXPECT_EQ(r.j["summary"]["divergent_artifacts"], 2) << r.text;  // prog and prog.o
    std::vector<json> comp_dirs = nodes(r.j, "dwarf-comp-dir");
    ASSERT_EQ(comp_dirs.size(), 2u) << r.text;
    for (auto& c : comp_dirs) {
        EXPECT_EQ(c["left"], tmp / "one/src");
        EXPECT_EQ(c["right"], tmp / "second-directory/src");
        EXPECT_NE(c["description"].get<std::string>().find("build path " + tmp / "one -> " +
                                                           tmp / "second-directory"),
                  std::string::npos)
            << c.dump();
    }
    EXPECT_TRUE(nodes(r.j, "symbol").empty()) << r.text;
    EXPECT_TRUE(nodes(r.j, "dwarf-producer").empty()) << r.text;
    EXPECT_LE(nodes(r.j).size(), 16u) << "no per-instruction or per-address noise: " << r.text;
}

TEST(CompareGroundTruth, SymbolsReadWithLibelfMatchReadelf) {
    TempDir tmp;
    write_text(tmp / "lib.cc",
          "#include <string>\nnamespace ns { std::string greet(const std::string& n) { return \"hi "
          "\" + n; } }\n"
          "extern \"C\" int plain_c(int x) { return x + 1; }\nstatic int file_local(int x) { "
          "return x; }\n"
          "int (*keep)(int) = file_local;\n");
    sh("g++ -shared -fPIC -O1 -o libg.so lib.cc", tmp.path());
    auto blob = buildiff::Blob::open(tmp / "libg.so");
    ASSERT_TRUE(blob.ok());
    auto elf = buildiff::read_elf(*blob);
    ASSERT_TRUE(elf.ok()) << elf.error().message;
    std::map<std::string, const buildiff::ElfSymbol*> ours;
    for (auto& s : elf->symbols) ours[s.name] = &s;
    RunResult r = run({"readelf", "--syms", "--wide", tmp / "libg.so"});
    std::istringstream in(r.out);
    std::string line;
    bool in_symtab = false;
    size_t checked = 0;
    while (std::getline(in, line)) {
        if (line.find("Symbol table '.symtab'") != std::string::npos) in_symtab = true;
        std::istringstream f(line);
        std::string num, value, size, type, bind, vis, ndx, name;
        if (!in_symtab || !(f >> num >> value >> size >> type >> bind >> vis >> ndx >> name))
            continue;
        if (!std::isdigit(num[0]) || type == "FILE" || type == "SECTION") continue;
        name = name.substr(0, name.find('@'));
        ASSERT_TRUE(ours.contains(name)) << name << " in: " << line;
        const buildiff::SymbolState& s = ours[name]->state;
        EXPECT_EQ(s.binding, bind) << name;
        EXPECT_EQ(s.type, type) << name;
        EXPECT_EQ(s.visibility, vis) << name;
        EXPECT_EQ(s.size, std::stoull(size, nullptr, 0)) << name;
        EXPECT_EQ(s.defined, ndx != "UND") << name;
        ++checked;
    }
    EXPECT_GE(checked, 10u);
    // .dynsym presence against nm -D.
    RunResult nm = run({"nm", "-D", "--defined-only", tmp / "libg.so"});
    std::istringstream nin(nm.out);
    std::set<std::string> exported;
    while (std::getline(nin, line)) exported.insert(line.substr(line.rfind(' ') + 1));
    for (auto& s : elf->symbols) {
        if (s.state.defined && s.state.binding != "LOCAL") {
            EXPECT_EQ(s.state.dynamic, exported.contains(s.name)) << s.name;
        }
    }
    EXPECT_TRUE(
        exported.contains("_ZN2ns5greetERKNSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEE"));
}

TEST(CompareGroundTruth, CppAndRustNamesAreDemangledBesideTheRawName) {
    TempDir tmp;
    write_text(tmp / "v1/lib.cc", "namespace ns { int f(int x) { return x; } }\n");
    write_text(tmp / "v2/lib.cc",
          "namespace ns { static int f(int x) { return x; } int g(int x) { return f(x); } }\n");
    write_text(tmp / "v1/r.rs", "#[inline(never)] pub fn visible(x: u32) -> u32 { x + 1 }\n");
    write_text(tmp / "v2/r.rs",
          "#[inline(never)] pub fn visible(x: u32) -> u32 { x + 2 }\npub fn more() {}\n");
    sh("for v in v1 v2; do g++ -shared -fPIC -o $v/libcc.so $v/lib.cc && "
       "rustc --edition 2021 --crate-type rlib --crate-name r "
       "-o $v/libr.rlib $v/r.rs; done",
       tmp.path());
    Report cc = compare_files(tmp, tmp / "v1/libcc.so", tmp / "v2/libcc.so");
    std::map<std::string, std::string> demangled;
    for (auto& s : nodes(cc.j, "symbol"))
        demangled[s["name"]] = s["demangled"].is_null() ? "" : s["demangled"].get<std::string>();
    EXPECT_EQ(demangled["_ZN2ns1fEi"], "ns::f(int)") << cc.text;
    EXPECT_EQ(demangled["_ZN2ns1gEi"], "ns::g(int)") << cc.text;
    Report rs = compare_files(tmp, tmp / "v1/libr.rlib", tmp / "v2/libr.rlib");
    bool rust = false;
    for (auto& s : nodes(rs.j, "symbol"))
        if (!s["demangled"].is_null() && s["demangled"].get<std::string>().starts_with("r::more"))
            rust = true;
    EXPECT_TRUE(rust) << rs.text;
}

TEST(CompareCache, TheSameObjectLooseInAnArchiveAndInACopyIsComparedOnce) {
    TempDir tmp;
    write_text(tmp / "x.c", "int x(void) { return VALUE; }\n");
    write_text(tmp / "y.c", "int y(void) { return 7; }\n");
    sh("mkdir -p l r && gcc -DVALUE=1 -c x.c -o l/x.o && gcc -DVALUE=2 -c x.c -o r/x.o && "
       "gcc -c y.c && for s in l r; do ar rcs $s/lib.a $s/x.o && cp $s/lib.a $s/copy.a && "
       "ar rcs $s/more.a $s/x.o y.o; done",
       tmp.path());
    buildiff::Comparer comparer;
    auto open = [&](const std::string& p) { return *buildiff::Blob::open(tmp / p); };
    for (std::string f : {"lib.a", "copy.a", "x.o", "more.a"}) {
        auto c = comparer.compare(open("l/" + f), open("r/" + f));
        ASSERT_TRUE(c.ok()) << c.error().message;
        EXPECT_FALSE(c->differences.empty()) << f;
    }
    // lib.a, x.o (inside it), more.a: three distinct content pairs. copy.a is lib.a's pair,
    // the loose x.o and the x.o inside more.a are the first x.o pair.
    EXPECT_EQ(comparer.comparisons(), 3u);
    EXPECT_EQ(comparer.cache_hits(), 3u);
}

TEST(CompareContent, TextIsAUnifiedDiffAndBinaryTheFirstDifferingOffsets) {
    TempDir tmp;
    write_text(tmp / "l/config.h", "#define A 1\n#define B 2\n#define C 3\n#define D 4\n");
    write_text(tmp / "r/config.h", "#define A 1\n#define B 20\n#define C 3\n#define D 4\n");
    std::string bin(4096, '\0');
    write_text(tmp / "l/blob.bin", bin);
    bin[0x123] = 'x';
    write_text(tmp / "r/blob.bin", bin);
    sh("ln -s config.h l/link && ln -s blob.bin r/link && echo only > l/gone", tmp.path());
    Report r = compare_files(tmp, tmp / "l", tmp / "r");
    EXPECT_EQ(r.status, 1);
    std::vector<json> text = nodes(r.j, "text"), binary = nodes(r.j, "binary");
    ASSERT_EQ(text.size(), 1u) << r.text;
    std::vector<std::string> lines = text[0]["lines"];
    EXPECT_EQ(lines, (std::vector<std::string>{"@@ -1,4 +1,4 @@", " #define A 1", "-#define B 2",
                                               "+#define B 20", " #define C 3", " #define D 4"}));
    ASSERT_EQ(binary.size(), 1u) << r.text;
    EXPECT_NE(binary[0]["description"].get<std::string>().find("1 byte differs in 1 region"),
              std::string::npos);
    EXPECT_EQ(binary[0]["lines"][0], "first difference of region 1 at offset 0x123");
    std::map<std::string, std::string> status;
    for (auto& a : r.j["artifacts"]) status[a["path"]] = a["status"];
    EXPECT_EQ(status["gone"], "only-left");
    EXPECT_EQ(status["link"], "different");
    EXPECT_EQ(nodes(r.j, "symlink").size(), 1u);
}

namespace {

// GOOD with the sh_offset of its section NAME (or, with NAME empty, of its section name table)
// pointing far beyond the end of the file.
std::string with_section_beyond_the_end(const std::string& good, const std::string& name) {
    std::uint64_t shoff;
    std::uint16_t shentsize, shstrndx, shnum;
    std::memcpy(&shoff, good.data() + 0x28, 8);
    std::memcpy(&shentsize, good.data() + 0x3a, 2);
    std::memcpy(&shnum, good.data() + 0x3c, 2);
    std::memcpy(&shstrndx, good.data() + 0x3e, 2);
    auto field = [&](size_t index, size_t at) {
        std::uint64_t v = 0;
        std::memcpy(&v, good.data() + shoff + index * shentsize + at, at == 0 ? 4 : 8);
        return v;
    };
    size_t target = shstrndx;
    for (size_t i = 1; i < shnum && !name.empty(); ++i)
        if (std::string(good.data() + field(shstrndx, 0x18) + field(i, 0)) == name) target = i;
    EXPECT_TRUE(name.empty() || target != shstrndx) << name;
    std::string bad = good;
    std::uint64_t far = 0x7fffffff;
    std::memcpy(bad.data() + shoff + target * shentsize + 0x18, &far, 8);
    return bad;
}

}  // namespace

TEST(CompareBadInput, TruncatedOrOutOfRangeElfIsOneLineNamingTheFileAndExit2) {
    TempDir tmp;
    build_glue(tmp.path());
    std::string good = read_text(tmp / "good/libglue.so");
    write_text(tmp / "truncated.so", good.substr(0, 3000));
    // Without its section name table nothing in the file can be named: the file is malformed.
    write_text(tmp / "offsets.so", with_section_beyond_the_end(good, ""));
    for (std::string f : {"truncated.so", "offsets.so"}) {
        Report r = compare_files(tmp, tmp / f, tmp / "good/libglue.so");
        EXPECT_EQ(r.status, 2) << f;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
        EXPECT_NE(r.err.find(tmp / f + ": malformed ELF: "), std::string::npos) << r.err;
        EXPECT_TRUE(r.text.empty()) << "no half report";
        EXPECT_FALSE(fs::exists(tmp / "report.json")) << "no half-written JSON";
    }
    // Inside a directory walk the malformed file is reported, not fatal.
    sh("mkdir -p ta tb && cp good/libglue.so ta/lib.so && cp truncated.so tb/lib.so", tmp.path());
    Report t = compare_files(tmp, tmp / "ta", tmp / "tb");
    EXPECT_EQ(t.status, 1);
    ASSERT_EQ(nodes(t.j, "error").size(), 1u) << t.text;
    EXPECT_NE(t.text.find("malformed ELF"), std::string::npos);
}

TEST(CompareBadInput, AMalformedSectionIsAnErrorNodeForThatSectionAndTheRestIsStillCompared) {
    TempDir tmp;
    build_glue(tmp.path());
    std::string good = read_text(tmp / "good/libglue.so");
    // .dynstr: the names of .dynsym and of the dynamic section are read through it.
    for (std::string section : {".dynstr", ".eh_frame", ".symtab"}) {
        SCOPED_TRACE(section);
        write_text(tmp / "broken.so", with_section_beyond_the_end(good, section));
        Report r = compare_files(tmp, tmp / "broken.so", tmp / "bad/libglue.so");
        EXPECT_EQ(r.status, 1) << r.err;
        std::vector<json> errors = nodes(r.j, "error");
        ASSERT_EQ(errors.size(), 1u) << r.text;
        EXPECT_EQ(errors[0]["name"], section);
        std::string desc = errors[0]["description"];
        EXPECT_TRUE(desc.starts_with("section " + section +
                                     " of the left file is malformed: extends beyond the end of "
                                     "the file (offset 0x7fffffff, size "))
            << desc;
        EXPECT_TRUE(desc.ends_with("; its content is not compared")) << desc;
        EXPECT_NE(r.text.find("section " + section + " of the left file is malformed"),
                  std::string::npos)
            << r.text;
        // The rest is compared: the code that left the right file, and (but where .symtab,
        // which holds the left file's local symbols, is the broken one) the symbol it defined.
        std::set<std::string> sections = names(nodes(r.j, "section"));
        EXPECT_TRUE(sections.contains(".text")) << r.text;
        if (section == ".symtab") continue;
        // (Without .dynstr the left file's .dynsym is not read: its imports are said to be new.)
        std::vector<json> symbols = nodes(r.j, "symbol");
        auto blst = std::find_if(symbols.begin(), symbols.end(),
                                 [](const json& j) { return j["name"] == "blst_p2_to_affine"; });
        ASSERT_NE(blst, symbols.end()) << r.text;
        expect_local_to_global_und(*blst);
        if (section != ".dynstr") {
            EXPECT_EQ(symbols.size(), 1u) << r.text;
        }
    }
}

TEST(CompareBadInput, HostileArchivesAreBoundedAndNothingIsExtracted) {
    TempDir tmp;
    RunResult py = run({"/usr/bin/python3", "-c", R"(
import io, sys, tarfile, zipfile, zlib, gzip
d = sys.argv[1]
for name, payload in (('evil1.zip', b'one'), ('evil2.zip', b'two')):
    with zipfile.ZipFile(d + '/' + name, 'w') as z:
        z.writestr('../../escaped.txt', payload)
        z.writestr('/tmp/absolute-buildiff-test.txt', payload)
        z.writestr('ok.txt', 'same')
def nest(leaf, depth):
    data, name = leaf, 'leaf.txt'
    for i in range(depth):
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode='w') as t:
            ti = tarfile.TarInfo(name); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
        data, name = buf.getvalue(), 'level%d.tar' % (depth - i)
    return data
open(d + '/deep1.tar', 'wb').write(nest(b'left\n', 50))
open(d + '/deep2.tar', 'wb').write(nest(b'right\n', 50))
# A 10 GiB member: a GNU tar header declaring it, then gzip members of zeros, concatenated.
ti = tarfile.TarInfo('huge.bin'); ti.size = 10 << 30
chunk = 64 << 20
c = zlib.compressobj(1, zlib.DEFLATED, 31); zeros = c.compress(b'\0' * chunk) + c.flush()
for name, tail in (('bomb1.tar.gz', b'a'), ('bomb2.tar.gz', b'b')):
    with open(d + '/' + name, 'wb') as f:
        f.write(gzip.compress(ti.tobuf(format=tarfile.GNU_FORMAT)))
        for i in range((10 << 30) // chunk): f.write(zeros)
        f.write(gzip.compress(b'\0' * 1024 + tail))
open(d + '/corrupt1.a', 'wb').write(b'!<arch>\nthis is not an ar member header at all')
open(d + '/corrupt2.a', 'wb').write(b'!<arch>\n' + b'no ar member header, but long enough to be one' * 3)
)",
                        tmp.path()});
    ASSERT_EQ(py.status, 0) << py.err;
    fs::create_directories(tmp / "work/sub");
    std::string cwd = tmp / "work/sub";
    RunResult z = run(
        {buildiff_exe(), "diff", tmp / "evil1.zip", tmp / "evil2.zip", "--json", tmp / "zip.json"},
        {.cwd = cwd});
    EXPECT_EQ(z.status, 1) << z.err;
    json zj = json::parse(read_text(tmp / "zip.json"));
    EXPECT_EQ(names(nodes(zj, "unsafe-name")),
              (std::set<std::string>{"../../escaped.txt", "/tmp/absolute-buildiff-test.txt"}));
    EXPECT_FALSE(fs::exists(tmp / "work/escaped.txt"));
    EXPECT_FALSE(fs::exists(tmp / "escaped.txt"));
    EXPECT_FALSE(fs::exists("/tmp/absolute-buildiff-test.txt"));
    EXPECT_TRUE(fs::is_empty(cwd));

    Report deep = compare_files(tmp, tmp / "deep1.tar", tmp / "deep2.tar");
    EXPECT_EQ(deep.status, 1) << deep.err;
    std::vector<json> limits = nodes(deep.j, "limit");
    ASSERT_EQ(limits.size(), 1u) << deep.text;
    EXPECT_NE(limits[0]["description"].get<std::string>().find("nesting deeper than 16"),
              std::string::npos);

    Report bomb = compare_files(tmp, tmp / "bomb1.tar.gz", tmp / "bomb2.tar.gz");
    EXPECT_EQ(bomb.status, 1) << bomb.err;
    std::vector<json> bounds = nodes(bomb.j, "limit");
    ASSERT_EQ(bounds.size(), 2u) << bomb.text;
    EXPECT_NE(
        bounds[0]["description"].get<std::string>().find("member huge.bin expands beyond 256 MiB"),
        std::string::npos);

    for (std::string f : {"corrupt1.a", "corrupt2.a"}) {
        Report corrupt = compare_files(tmp, tmp / f, tmp / "evil1.zip");
        EXPECT_EQ(corrupt.status, 2) << f;
        EXPECT_NE(corrupt.err.find(tmp / f + ": "), std::string::npos) << corrupt.err;
        EXPECT_EQ(std::count(corrupt.err.begin(), corrupt.err.end(), '\n'), 1) << corrupt.err;
    }
}

TEST(CompareElf, DynamicEntriesCommentAndProducerNameTheLinkAndCompilerChanges) {
    TempDir tmp;
    write_text(tmp / "lib.c", "#include <math.h>\ndouble root(double x) { return sqrt(x) + 1; }\n");
    sh("mkdir -p l r && gcc -g -O2 -fPIC -c lib.c -o l/lib.o && "
       "clang-14 -g -O2 -fPIC -c lib.c -o r/lib.o && "
       "gcc -shared -o l/libx.so l/lib.o -Wl,-soname,libx.so.1 -Wl,--disable-new-dtags "
       "-Wl,-rpath,/opt/a && "
       "gcc -shared -o r/libx.so l/lib.o -Wl,-soname,libx.so.2 -Wl,--enable-new-dtags "
       "-Wl,-rpath,/opt/b -Wl,--no-as-needed -lm",
       tmp.path());
    Report so = compare_files(tmp, tmp / "l/libx.so", tmp / "r/libx.so");
    EXPECT_EQ(so.status, 1) << so.err;
    std::map<std::string, json> dynamic;
    for (auto& d : nodes(so.j, "dynamic")) dynamic[d["name"]] = d;
    EXPECT_EQ(dynamic["SONAME"]["left"], "libx.so.1") << so.text;
    EXPECT_EQ(dynamic["SONAME"]["right"], "libx.so.2");
    EXPECT_EQ(dynamic["RPATH"]["left"], "/opt/a");
    EXPECT_TRUE(dynamic["RPATH"]["right"].is_null());
    EXPECT_EQ(dynamic["RUNPATH"]["right"], "/opt/b");
    // Linked --as-needed (Debian's default) against nothing: no NEEDED at all on the left.
    EXPECT_TRUE(dynamic["NEEDED"]["left"].is_null());
    EXPECT_TRUE(dynamic["NEEDED"]["right"].get<std::string>().starts_with("libm.so.6"));
    // sqrt now resolves against libm: versioned and typed.
    for (auto& s : nodes(so.j, "symbol")) {
        if (s["name"] == "sqrt") {
            EXPECT_EQ(s["right"]["version"], "GLIBC_2.2.5");
        }
    }

    Report obj = compare_files(tmp, tmp / "l/lib.o", tmp / "r/lib.o");
    EXPECT_EQ(obj.status, 1) << obj.err;
    bool gcc_removed = false, clang_added = false;
    for (auto& c : nodes(obj.j, "comment")) {
        if (!c["left"].is_null() && c["left"].get<std::string>().starts_with("GCC: "))
            gcc_removed = true;
        if (!c["right"].is_null() &&
            c["right"].get<std::string>().find("clang version 14") != std::string::npos)
            clang_added = true;
    }
    EXPECT_TRUE(gcc_removed && clang_added) << obj.text;
    std::vector<json> producers = nodes(obj.j, "dwarf-producer");
    ASSERT_EQ(producers.size(), 1u) << obj.text;
    EXPECT_TRUE(producers[0]["left"].get<std::string>().starts_with("GNU C"));
    EXPECT_NE(producers[0]["right"].get<std::string>().find("clang version 14"), std::string::npos);
}

namespace {

// A field of SYMBOL's line in `nm -S FILE` (0: its address, 1: its size), in hex; 0 when absent.
std::uint64_t nm_field(const std::string& file, const std::string& symbol, int field) {
    std::istringstream lines(run({"nm", "-S", file}).out);
    for (std::string line; std::getline(lines, line);) {
        std::istringstream words(line);
        std::vector<std::string> w{std::istream_iterator<std::string>(words), {}};
        if (w.size() == 4 && w[3] == symbol) return std::stoull(w[size_t(field)], nullptr, 16);
    }
    return 0;
}

// Instructions of FUNCTION in FILE as binutils' objdump decodes them, within the symbol's size
// (nm -S): the count is the truth the disassembly diff is checked against.
size_t objdump_instructions(const std::string& file, const std::string& function) {
    std::uint64_t start = nm_field(file, function, 0), end = start + nm_field(file, function, 1);
    EXPECT_LT(start, end) << file << ": no size for " << function << " in nm -S";
    RunResult d = run({"objdump", "-d", "--no-show-raw-insn",
                       "--disassemble=" + function, file});
    size_t count = 0;
    std::istringstream dis(d.out);
    for (std::string line; std::getline(dis, line);) {
        size_t colon = line.find(":\t");
        if (colon == std::string::npos) continue;
        std::uint64_t at = std::stoull(line.substr(0, colon), nullptr, 16);
        if (at >= start && at < end) ++count;
    }
    return count;
}

std::string function_source(bool grown) {
    std::string s = "#include <stdio.h>\n#include <string.h>\n";
    s += grown ? "int first(int x) { return x * x + 1 + (x > 3 ? x / 7 : 2); }\n"
               : "int first(int x) { return x + 1; }\n";
    for (int i = 0; i < 30; ++i)
        s += "int f" + std::to_string(i) + "(const char *s) { printf(\"f" + std::to_string(i) +
             " %s\\n\", s); return (int)strlen(s) + first(" + std::to_string(i) + "); }\n";
    return s + "int main(int c, char **v) { return f3(v[0]) + c; }\n";
}

}  // namespace

// One function of 32 grows: the function comparison names it alone, with a diff of its
// instructions, and counts the others, which only moved, apart. Truth: nm -S (the size change, and
// the others' addresses moved) and objdump (the instructions of `first` on each side).
TEST(CompareCode, OneGrownFunctionIsNamedWithItsInstructionsAndTheOthersOnlyMoved) {
    TempDir tmp;
    for (std::string side : {"left", "right"}) {
        write_text(tmp / side + "/prog.c", function_source(side == "right"));
        // No inlining and no interprocedural register allocation: the callers stay the same.
        sh("gcc -O2 -fno-inline -fno-ipa-ra prog.c -o prog", tmp / side);
    }
    Report r = compare_files(tmp, tmp / "left/prog", tmp / "right/prog");
    EXPECT_EQ(r.status, 1) << r.err;
    std::vector<json> functions = nodes(r.j, "functions");
    ASSERT_EQ(functions.size(), 1u) << r.text;
    size_t left_insns = objdump_instructions(tmp / "left/prog", "first");
    size_t right_insns = objdump_instructions(tmp / "right/prog", "first");
    std::uint64_t grew =
        nm_field(tmp / "right/prog", "first", 1) - nm_field(tmp / "left/prog", "first", 1);
    EXPECT_EQ(functions[0]["description"],
              "1 function differs: `first` (+" + std::to_string(grew) + " bytes)")
        << r.text;
    std::vector<json> fn = nodes(r.j, "function");
    ASSERT_EQ(fn.size(), 1u);
    EXPECT_EQ(fn[0]["name"], "first");
    size_t minus = 0, plus = 0, same = 0;
    for (const json& l : fn[0]["lines"]) {
        std::string line = l;
        if (line.starts_with("- ")) ++minus;
        if (line.starts_with("+ ")) ++plus;
        if (line.starts_with("  ")) ++same;
    }
    EXPECT_EQ(minus + same, left_insns) << fn[0].dump(1);
    EXPECT_EQ(plus + same, right_insns) << fn[0].dump(1);
    // The callers moved (nm), and are not reported as different.
    EXPECT_NE(nm_field(tmp / "left/prog", "f0", 0), nm_field(tmp / "right/prog", "f0", 0));
    bool moved = false;
    for (const json& s : nodes(r.j, "shift"))
        moved |= s["description"].get<std::string>().find(
                     "functions differ only in the addresses they use") != std::string::npos;
    EXPECT_TRUE(moved) << r.text;
}

// In an object file a call is a relocation: the bytes are the same whichever function it calls.
// The comparison reads the relocations and names the callee. Truth: readelf -r shows the call's
// relocation against `alpha` on one side and `beta` on the other, at the same offset.
TEST(CompareCode, ACallToAnotherFunctionInAnObjectIsNamedFromItsRelocation) {
    TempDir tmp;
    for (std::string side : {"left", "right"}) {
        write_text(tmp / side + "/g.c", std::string("int alpha(void);\nint beta(void);\n") +
                                            "int g(void) { return " +
                                            (side == "left" ? "alpha" : "beta") + "() + 1; }\n");
        sh("gcc -O2 -c g.c -o g.o", tmp / side);
    }
    RunResult rl = run({"readelf", "-rW", tmp / "left/g.o"}),
              rr = run({"readelf", "-rW", tmp / "right/g.o"});
    EXPECT_NE(rl.out.find(" alpha - 4"), std::string::npos) << rl.out;
    EXPECT_NE(rr.out.find(" beta - 4"), std::string::npos) << rr.out;
    Report r = compare_files(tmp, tmp / "left/g.o", tmp / "right/g.o");
    std::vector<json> fn = nodes(r.j, "function");
    ASSERT_EQ(fn.size(), 1u) << r.text;
    EXPECT_EQ(fn[0]["name"], "g");
    std::vector<std::string> changed;
    for (const json& l : fn[0]["lines"])
        if (!l.get<std::string>().starts_with("  ") && !l.get<std::string>().starts_with("@@"))
            changed.push_back(l);
    EXPECT_EQ(changed, (std::vector<std::string>{"- call <alpha-0x4>", "+ call <beta-0x4>"}))
        << fn[0].dump(1);
    EXPECT_EQ(nodes(r.j, "functions")[0]["description"], "1 function differs: `g` (same size)");
}

// -O2 against -O3 on a file where only the loop changes: that function alone is listed, with its
// disassembly diff; its neighbours, moved by it, are not. Truth: nm -S (only `scale` changed size;
// `mul` and `neg` moved) and objdump (the neighbours' instruction counts are the same).
TEST(CompareCode, O2AgainstO3ListsOnlyTheFunctionTheOptimiserChanged) {
    TempDir tmp;
    write_text(tmp / "k.c",
               "int add(int a, int b) { return a + b; }\n"
               "int sub(int a, int b) { return a - b; }\n"
               "void scale(float *restrict a, const float *restrict b, int n) {\n"
               "    for (int i = 0; i < n; ++i) a[i] = b[i] * 2.0f + a[i];\n}\n"
               "int mul(int a, int b) { return a * b; }\n"
               "int neg(int a) { return -a; }\n");
    sh("gcc -O2 -c k.c -o o2.o && gcc -O3 -c k.c -o o3.o", tmp.path());
    Report r = compare_files(tmp, tmp / "o2.o", tmp / "o3.o");
    EXPECT_EQ(r.status, 1) << r.err;
    for (std::string f : {"add", "sub", "mul", "neg"})
        EXPECT_EQ(nm_field(tmp / "o2.o", f, 1), nm_field(tmp / "o3.o", f, 1)) << f;
    EXPECT_NE(nm_field(tmp / "o2.o", "mul", 0), nm_field(tmp / "o3.o", "mul", 0));
    std::vector<json> fn = nodes(r.j, "function");
    ASSERT_EQ(fn.size(), 1u) << r.text;
    EXPECT_EQ(fn[0]["name"], "scale");
    EXPECT_FALSE(fn[0]["lines"].empty());
    std::uint64_t grew = nm_field(tmp / "o3.o", "scale", 1) - nm_field(tmp / "o2.o", "scale", 1);
    EXPECT_EQ(nodes(r.j, "functions")[0]["description"],
              "1 function differs: `scale` (+" + std::to_string(grew) + " bytes)");
    // The neighbours' instructions are the same, as objdump decodes them.
    for (std::string f : {"mul", "neg"})
        EXPECT_EQ(objdump_instructions(tmp / "o2.o", f), objdump_instructions(tmp / "o3.o", f));
}

// Data that differs is named by its symbol with its value: a number, a string. Truth: objdump -s
// of the two .rodata and .data sections holds those bytes.
TEST(CompareCode, DataObjectsAreNamedWithTheirValues) {
    TempDir tmp;
    write_text(tmp / "d.c", "const int version = VERSION;\nchar release[] = \"1.2.\" PATCH;\n"
                            "int main(void) { return version + release[4]; }\n");
    sh("gcc -O2 -DVERSION=3 -DPATCH='\"7\"' d.c -o a && gcc -O2 -DVERSION=4 -DPATCH='\"8\"' d.c -o b",
       tmp.path());
    RunResult dump = run({"objdump", "-s", "-j", ".data", tmp / "b"});
    EXPECT_NE(dump.out.find("1.2.8"), std::string::npos) << dump.out;
    Report r = compare_files(tmp, tmp / "a", tmp / "b");
    std::vector<json> objects = nodes(r.j, "object");
    ASSERT_EQ(objects.size(), 2u) << r.text;
    std::map<std::string, std::pair<std::string, std::string>> values;
    for (const json& o : objects) values[o["name"]] = {o["left"], o["right"]};
    EXPECT_EQ(values["version"], std::make_pair(std::string("3"), std::string("4")));
    EXPECT_EQ(values["release"], std::make_pair(std::string("\"1.2.7\""), std::string("\"1.2.8\"")));
    EXPECT_EQ(nodes(r.j, "objects")[0]["description"],
              "2 data objects differ: `version` (.rodata), `release` (.data)");
}

// A table of pointers whose targets moved, because main grew (ld puts .text.startup before .text),
// is not a data difference: each word names the same symbol on both sides. Truth: nm's addresses of the
// targets differ between the two programs, and the table's words are those addresses.
TEST(CompareCode, APointerTableWhoseTargetsOnlyMovedIsCountedNotListed) {
    TempDir tmp;
    write_text(tmp / "t.c",
               "int twice(int x) { return 2 * x; }\nint thrice(int x) { return 3 * x; }\n"
               "int (*table[])(int) = { twice, thrice };\nint version = VERSION;\n"
               "int main(int argc, char **argv) {\n  (void)argv;\n"
               "#ifdef EXTRA\n  if (argc > 7) return argc * argc * 3 + 11;\n#endif\n"
               "  return table[argc & 1](argc) + version;\n}\n");
    sh("gcc -O2 -no-pie -fno-inline -DVERSION=1 t.c -o a && "
       "gcc -O2 -no-pie -fno-inline -DVERSION=2 -DEXTRA t.c -o b",
       tmp.path());
    // The table's two words as objdump dumps them, against nm's addresses of its targets.
    const char* truth = R"(
import re, struct, subprocess, sys
f = sys.argv[1]
nm = {}
for line in subprocess.run(['nm', f], capture_output=True, text=True).stdout.splitlines():
    w = line.split()
    if len(w) == 3: nm[w[2]] = int(w[0], 16)
t = nm['table']
dump = subprocess.run(['objdump', '-s', '-j', '.data', '--start-address=%d' % t,
                       '--stop-address=%d' % (t + 16), f], capture_output=True, text=True).stdout
hexes = ''
for l in dump.splitlines():
    if re.match(r'^ [0-9a-f]+ ', l):
        hexes += ''.join(l[1:].split('  ')[0].split()[1:])
words = struct.unpack('<QQ', bytes.fromhex(hexes)[:16])
print(words == (nm['twice'], nm['thrice']), hex(nm['twice']))
)";
    std::string twice[2];
    for (int i = 0; i < 2; ++i) {
        RunResult t = run({"python3", "-c", truth, tmp / (i ? "b" : "a")});
        ASSERT_EQ(t.status, 0) << t.err;
        EXPECT_TRUE(t.out.starts_with("True ")) << t.out;
        twice[i] = t.out;
    }
    EXPECT_NE(twice[0], twice[1]) << "the targets moved";
    Report r = compare_files(tmp, tmp / "a", tmp / "b");
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(names(nodes(r.j, "object")), std::set<std::string>{"version"}) << r.text;
    bool counted = false;
    for (const json& s : nodes(r.j, "shift"))
        counted |= s["description"] ==
                   "1 data object differs only in addresses that moved (each pointer names the "
                   "same symbol on both sides)";
    EXPECT_TRUE(counted) << r.text;
}

// Header fields named, not shown as hex: gzip's MTIME (the compressed file's time) and a .pyc's
// source mtime. Truth: the times given to the inputs with touch -d before gzip and py_compile ran.
TEST(CompareContent, AGzipMtimeAndAPycSourceMtimeAreNamedAsTimes) {
    TempDir tmp;
    sh("echo hello > f && tar cf t.tar f && "
       "touch -d @1700000000 t.tar && gzip -c t.tar > a.tar.gz && "
       "touch -d @1700000100 t.tar && gzip -c t.tar > b.tar.gz && "
       "echo 'x = 1' > m.py && touch -d @1700000000 m.py && "
       "python3 -c \"import py_compile; py_compile.compile('m.py', cfile='a.pyc')\" && "
       "touch -d @1700003600 m.py && "
       "python3 -c \"import py_compile; py_compile.compile('m.py', cfile='b.pyc')\"",
       tmp.path());
    Report gz = compare_files(tmp, tmp / "a.tar.gz", tmp / "b.tar.gz");
    std::vector<json> fields = nodes(gz.j, "header-field");
    ASSERT_EQ(fields.size(), 1u) << gz.text;
    EXPECT_EQ(fields[0]["name"], "gzip MTIME");
    EXPECT_EQ(fields[0]["left"], "2023-11-14 22:13:20 UTC");
    EXPECT_EQ(fields[0]["right"], "2023-11-14 22:15:00 UTC");
    EXPECT_EQ(fields[0]["looks_like"], "a build timestamp (gzip -n leaves it out)");
    Report pyc = compare_files(tmp, tmp / "a.pyc", tmp / "b.pyc");
    fields = nodes(pyc.j, "header-field");
    ASSERT_EQ(fields.size(), 1u) << pyc.text;
    EXPECT_EQ(fields[0]["name"], ".pyc source mtime");
    EXPECT_EQ(fields[0]["left"], "2023-11-14 22:13:20 UTC");
    EXPECT_EQ(fields[0]["right"], "2023-11-14 23:13:20 UTC");
}

// An ar member's time (ar U keeps the file's; Debian's ar writes 0 by default) is named as a
// time with its fix. Truth: the times given with touch -d. No symbol index (S): under U, ar gives
// the index the current time, which moves when the two calls straddle a second (CI saw it).
TEST(CompareContent, AnArMembersMtimeIsNamedAsABuildTimestamp) {
    TempDir tmp;
    sh("echo 'int x;' > m.c && gcc -c m.c && touch -d @1700000000 m.o && ar rcSU a.a m.o && "
       "touch -d @1700000100 m.o && ar rcSU b.a m.o",
       tmp.path());
    Report r = compare_files(tmp, tmp / "a.a", tmp / "b.a");
    std::vector<json> members = nodes(r.j, "member");
    ASSERT_EQ(members.size(), 1u) << r.text;
    EXPECT_EQ(members[0]["description"],
              "member m.o: mtime 2023-11-14 22:13:20 UTC -> 2023-11-14 22:15:00 UTC: looks like a "
              "build timestamp (ar's D modifier writes 0; Debian's ar uses it by default)");
}

// Text inside an archive gets the same depth as text outside: the changed line of a file made by
// the preprocessor's real __DATE__ and __TIME__, one second apart, is named a build timestamp.
TEST(CompareContent, ATimestampInATextFileInsideATarballIsNamed) {
    TempDir tmp;
    sh("printf '#define BUILT __DATE__ \" \" __TIME__\n' > v.h && for i in 1 2; do "
       "mkdir -p t$i && printf 'version 1.0\nBUILT\n' | cpp -P -imacros v.h - > t$i/version.txt "
       "&& tar --mtime=@1700000000 --owner=0 --group=0 -cf - -C t$i version.txt | gzip -n > "
       "t$i.tar.gz && sleep 1.1; done",
       tmp.path());
    std::string l = read_text(tmp / "t1/version.txt"), r = read_text(tmp / "t2/version.txt");
    ASSERT_NE(l, r) << "cpp's __TIME__ a second apart";
    Report rep = compare_files(tmp, tmp / "t1.tar.gz", tmp / "t2.tar.gz");
    std::vector<json> text = nodes(rep.j, "text");
    ASSERT_EQ(text.size(), 1u) << rep.text;
    EXPECT_EQ(text[0]["looks_like"],
              "a build timestamp (set SOURCE_DATE_EPOCH, or avoid __DATE__ and __TIME__)");
    std::string line_l = l.substr(l.find('"'), l.rfind('"') - l.find('"') + 1);
    std::string line_r = r.substr(r.find('"'), r.rfind('"') - r.find('"') + 1);
    EXPECT_NE(text[0]["description"].get<std::string>().find("`" + line_l + "` -> `" + line_r + "`"),
              std::string::npos)
        << text[0]["description"];
}

// DW_AT_producer holds the options that change code: they are diffed as the command lines are,
// with the flag tables. Truth: readelf prints the two producers.
TEST(CompareElf, ProducerOptionsAreDiffedAsFlags) {
    TempDir tmp;
    write_text(tmp / "k.c", "int twice(int x) { return 2 * x; }\nint f(int x) { return twice(x) + 1; }\n");
    sh("gcc -O2 -g -c k.c -o a.o && gcc -O2 -fno-inline -g -c k.c -o b.o", tmp.path());
    RunResult ra = run({"readelf", "--debug-dump=info", tmp / "a.o"}),
              rb = run({"readelf", "--debug-dump=info", tmp / "b.o"});
    EXPECT_EQ(ra.out.find("-fno-inline"), std::string::npos);
    EXPECT_NE(rb.out.find("-O2 -fno-inline"), std::string::npos) << rb.out;
    Report r = compare_files(tmp, tmp / "a.o", tmp / "b.o");
    std::vector<json> producers = nodes(r.j, "dwarf-producer");
    ASSERT_EQ(producers.size(), 1u) << r.text;
    EXPECT_EQ(producers[0]["description"],
              "DW_AT_producer in 1 unit (first: k.c): added `-fno-inline` (codegen)");
    // Said once: the producer string is not listed again as a changed string of .debug_str.
    for (const json& s : nodes(r.j, "string"))
        EXPECT_EQ(s["left"].get<std::string>().find("GNU C"), std::string::npos) << s.dump();
}
