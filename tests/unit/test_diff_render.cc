#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include <fmt/core.h>

#include "report/cause_graph.h"
#include "report/diff_render.h"

using namespace buildiff;

namespace {

DiffResult model_with(size_t divergent) {
    DiffResult r;
    r.left_name = "l.rec";
    r.right_name = "r.rec";
    r.divergent = divergent > 0;
    RootCause rc;
    rc.kind = RootCauseKind::BuildPath;
    rc.summary = "same configuration up to the build root";
    r.root_causes.push_back(rc);
    for (size_t i = 0; i < divergent; ++i) {
        Artifact a;
        a.path = "$ROOT/obj" + std::to_string(1000 + i) + ".o";
        a.status = "different";
        a.root_cause = 0;
        r.artifacts.push_back(a);
        r.root_causes[0].explains.push_back(a.path);
    }
    r.summary.divergent_artifacts = divergent;
    r.summary.artifacts = divergent;
    return r;
}

std::string text_of(const DiffResult& r) {
    char* buf = nullptr;
    size_t size = 0;
    std::FILE* f = open_memstream(&buf, &size);
    render_diff_text(r, f, false);
    std::fclose(f);
    std::string out(buf, size);
    free(buf);
    return out;
}

}  // namespace

TEST(DiffText, LongArtifactListsAreCutWithACount) {
    std::string text = text_of(model_with(60));
    EXPECT_NE(text.find("$ROOT/obj1049.o"), std::string::npos);
    EXPECT_EQ(text.find("$ROOT/obj1050.o  (root"), std::string::npos);
    EXPECT_NE(text.find("... and 10 more divergent artifacts"), std::string::npos) << text;
    EXPECT_NE(text.find("... and 48 more files"), std::string::npos) << "the explains tree is cut too";
}

// The JSON report written piece by piece (to its file, never held whole) is the text
// render_diff_json makes, given in pieces of about a megabyte; a piece that cannot be written
// stops it, and says so. A build's timelines (their bars, written one by one) and one with none.
TEST(DiffJson, WrittenPieceByPieceIsTheSameTextInPiecesOfAboutAMegabyte) {
    DiffResult r = model_with(8000);
    r.timelines.resize(2);
    r.timelines[0].groups = {{"", 0, 2}};
    r.timelines[0].lanes = 2;
    for (int i = 0; i < 3000; ++i)
        r.timelines[0].bars.push_back({i, StepKind::Compiler, 10u * static_cast<unsigned>(i),
                                       10u * static_cast<unsigned>(i) + 5, 0,
                                       static_cast<size_t>(i % 2)});
    std::string whole = render_diff_json(r), pieces;
    size_t count = 0;
    EXPECT_TRUE(write_diff_json(r, [&](std::string_view piece) {
        pieces += piece;
        ++count;
        return true;
    }));
    EXPECT_EQ(pieces, whole);
    auto j = nlohmann::ordered_json::parse(whole);
    EXPECT_EQ(j["artifacts"].size(), 8000u);
    EXPECT_EQ(j["timelines"]["left"]["bars"].size(), 3000u);
    EXPECT_EQ(j["timelines"]["right"]["bars"].size(), 0u);
    EXPECT_EQ(j.dump(2) + "\n", whole) << "the layout of nlohmann's dump(2)";
    ASSERT_GE(whole.size(), 2u << 20);
    EXPECT_GE(count, 2u);
    EXPECT_LE(count, whole.size() / (1 << 20) + 1);
    size_t calls = 0;
    EXPECT_FALSE(write_diff_json(r, [&](std::string_view) {
        ++calls;
        return false;
    }));
    EXPECT_EQ(calls, 1u);
}

// The tree of what a cause explains: two objects (its own outputs) side by side, the archive
// built from both, a program and a test linked from the archive, a package of the program.
TEST(DiffText, ExplainsIsTheProducerToConsumerTree) {
    RootCause rc;
    rc.explains = {"a.o", "b.o", "lib.a", "prog", "test", "prog.deb"};
    rc.explains_from = {{}, {}, {0, 1}, {2}, {2}, {3}};
    using Lines = std::vector<std::vector<ExplainGroup>>;
    EXPECT_EQ(explain_lines(rc, 12), (Lines{{{0, 1}, {2}, {3, 4}}, {{3}, {5}}}));
    // A program linked from an object and the archive: an arrow from each thing it read.
    rc.explains_from[3] = {0, 2};
    EXPECT_EQ(explain_lines(rc, 12), (Lines{{{0, 1}, {2}, {4}}, {{0, 2}, {3}, {5}}}));
    EXPECT_EQ(explain_lines(rc, 2), (Lines{{{0, 1}}}));
    DiffResult r = model_with(1);
    r.root_causes[0].explains = rc.explains;
    r.root_causes[0].explains_from = rc.explains_from;
    std::string text = text_of(r);
    EXPECT_NE(text.find("  explains a.o, b.o -> lib.a -> test\n"
                        "           a.o, lib.a -> prog -> prog.deb\n"),
              std::string::npos)
        << text;
}

TEST(DiffText, ControlBytesInPathsAreEscaped) {
    DiffResult r = model_with(1);
    r.artifacts[0].path = "$ROOT/evil\x1b[2J.o";
    std::string text = text_of(r);
    EXPECT_EQ(text.find('\x1b'), std::string::npos);
    EXPECT_NE(text.find("\\x1b[2J"), std::string::npos);
}

TEST(DiffJson, ListsEverythingAndParses) {
    auto j = nlohmann::json::parse(render_diff_json(model_with(60)));
    EXPECT_EQ(j["schema"], "buildiff.report/1");
    EXPECT_EQ(j["artifacts"].size(), 60u);
    EXPECT_EQ(j["root_causes"][0]["kind"], "build-path");
    EXPECT_EQ(j["artifacts"][0]["root_cause"], 1);
}

namespace {

Difference symbol_change(const std::string& name) {
    Difference d;
    d.kind = "symbol";
    d.name = name;
    d.demangled = name == "_ZN2ns1fEi" ? "ns::f(int)" : "";
    d.description = "symbol `" + name + "`: binding LOCAL -> GLOBAL";
    d.left_symbol = SymbolState{"LOCAL", "DEFAULT", "FUNC", ".text", "", 6, true, false};
    d.right_symbol = SymbolState{"GLOBAL", "DEFAULT", "NOTYPE", "UND", "", 0, false, true};
    return d;
}

// One artifact whose content node holds `n` symbol changes.
DiffResult with_symbols(size_t artifacts, size_t n) {
    DiffResult r = model_with(artifacts);
    for (Artifact& a : r.artifacts) {
        a.format = "elf";
        Difference content;
        content.kind = "content";
        content.description = "content differs";
        for (size_t i = 0; i < n; ++i) content.children.push_back(symbol_change("_ZN2ns1fEi"));
        a.differences.push_back(content);
    }
    return r;
}

}  // namespace

TEST(DiffText, DifferenceTreesAreShownCappedPerArtifactAndInAll) {
    DiffResult one = with_symbols(1, 3);
    std::string text = text_of(one);
    EXPECT_NE(text.find("    symbol `_ZN2ns1fEi`: binding LOCAL -> GLOBAL  [ns::f(int)]"),
              std::string::npos)
        << text;
    std::string many = text_of(with_symbols(20, 100));
    // 40 lines for each of the first 10 artifacts, then the 400-line budget is spent (the
    // causes' chain lines, above the artifacts, are not in it).
    size_t shown = 0;
    for (size_t at = many.find("symbol `", many.find("\ndivergent artifacts\n"));
         at != std::string::npos;
         at = many.find("symbol `", at + 1))
        ++shown;
    EXPECT_EQ(shown, 400u);
    EXPECT_NE(many.find("$ROOT/obj1019.o"), std::string::npos) << "every artifact is still listed";
}

TEST(DiffText, ControlBytesInDifferencesAreEscaped) {
    DiffResult r = with_symbols(1, 1);
    r.artifacts[0].differences[0].children[0].description = "member evil\x1b]0;owned\x07.o added";
    r.artifacts[0].differences[0].children[0].lines = {"+line\x1b[31m"};
    std::string text = text_of(r);
    EXPECT_EQ(text.find('\x1b'), std::string::npos);
    EXPECT_EQ(text.find('\x07'), std::string::npos);
    EXPECT_NE(text.find("member evil\\x1b]0;owned\\x07.o added"), std::string::npos) << text;
}

TEST(DiffJson, SymbolDifferencesCarryBothStatesAndTheDemangledName) {
    auto j = nlohmann::json::parse(render_diff_json(with_symbols(1, 1)));
    auto& s = j["artifacts"][0]["differences"][0]["children"][0];
    EXPECT_EQ(s["kind"], "symbol");
    EXPECT_EQ(s["name"], "_ZN2ns1fEi");
    EXPECT_EQ(s["demangled"], "ns::f(int)");
    EXPECT_EQ(s["left"]["binding"], "LOCAL");
    EXPECT_EQ(s["left"]["defined"], true);
    EXPECT_EQ(s["left"]["section"], ".text");
    EXPECT_EQ(s["right"]["section"], "UND");
    EXPECT_EQ(s["right"]["dynamic"], true);
    EXPECT_TRUE(s["right"]["version"].is_null());
    EXPECT_EQ(j["mode"], "recordings");
}

namespace {

// 20,000 matched invocations and 1,000 divergent artifacts with symbol changes each.
DiffResult big_model() {
    DiffResult r = with_symbols(1000, 12);
    for (size_t i = 0; i < 20000; ++i) {
        InvocationPair p;
        p.right.kind = "compiler-driver";
        p.right.tool = "cc";
        p.right.argv = {"cc",
                        "-O2",
                        "-g",
                        "-c",
                        "src/file" + std::to_string(i) + ".c",
                        "-o",
                        "obj/file" + std::to_string(i) + ".o"};
        p.left = static_cast<int>(i);
        p.outputs_differ = i % 20 == 0;
        r.pairs.push_back(p);
    }
    r.summary.left_invocations = r.summary.right_invocations = r.summary.paired = 20000;
    return r;
}

}  // namespace

TEST(DiffHtml, BigBuildsStayUnderTenMegabytesAndSayWhatIsCollapsed) {
    DiffResult r = big_model();
    std::string html = render_diff_html(r);
    EXPECT_LT(html.size(), 10u * 1024 * 1024) << html.size();
    EXPECT_NE(html.find("Divergent artifacts 201 to 700"), std::string::npos)
        << "paged, with counts";
    EXPECT_NE(html.find("Invocations 19001 to 20000"), std::string::npos);
    EXPECT_NE(html.find("id=\"artifact-1000\""), std::string::npos) << "every artifact is linkable";
    EXPECT_NE(html.find("more differences (the JSON report has them all)"), std::string::npos)
        << "a collapsed artifact's tree is cut with a count";
    EXPECT_EQ(html, render_diff_html(r)) << "deterministic";
}

TEST(DiffMarkdown, FitsSixtyFourKibAndSaysWhatWasLeftOut) {
    DiffResult r = big_model();
    for (int i = 0; i < 300; ++i) {
        RootCause rc;
        rc.kind = RootCauseKind::Flags;
        rc.summary = "`-O2` -> `-O3` | <b>" + std::string(200, 'x');
        rc.explains = {"$ROOT/a.o", "$ROOT/b.o"};
        r.root_causes.push_back(rc);
    }
    std::string md = render_diff_markdown(r);
    EXPECT_LE(md.size(), 64u * 1024);
    EXPECT_NE(md.find("more root causes are in the JSON report"), std::string::npos)
        << md.substr(0, 2000);
    EXPECT_NE(md.find("more divergent artifacts are in the JSON report"), std::string::npos);
    EXPECT_EQ(md.find("<b>"), std::string::npos) << "HTML in names is escaped";
    EXPECT_NE(md.find("\\`-O2\\` -&gt; \\`-O3\\` \\| &lt;b&gt;"), std::string::npos);
    EXPECT_EQ(md, render_diff_markdown(r));
}

// The cause graph: the step, then each file after what it was built from (layers), bookkeeping
// as one node with its count; a layer of more than 8 files is folded by directory, and past 8
// directories the rest is one node; the edges go through the folds once each.
TEST(CauseGraph, LayersFromProducerToConsumerWithBookkeepingAndFoldsCounted) {
    DiffResult r = model_with(0);
    RootCause& rc = r.root_causes[0];
    rc.explains = {"a.o", "b.o", "lib.a", "prog"};
    rc.explains_from = {{}, {}, {0, 1}, {2}};
    rc.bookkeeping = 3;
    CauseGraph g = cause_graph(r, 0, index_artifacts(r));
    ASSERT_EQ(g.nodes.size(), 6u);
    EXPECT_EQ(g.nodes[0].kind, "step");
    std::vector<int> layers;
    for (const GraphNode& n : g.nodes) layers.push_back(n.layer);
    EXPECT_EQ(layers, (std::vector<int>{0, 1, 1, 2, 3, 1}));
    EXPECT_EQ(g.nodes[5].kind, "bookkeeping");
    EXPECT_EQ(g.nodes[5].label, "3 bookkeeping files");
    using Edges = std::vector<std::pair<size_t, size_t>>;
    EXPECT_EQ(g.edges, (Edges{{0, 1}, {0, 2}, {1, 3}, {2, 3}, {3, 4}, {0, 5}}));

    // 30 objects in 3 directories into one archive: a folder per directory, 10 files each.
    rc.explains.clear();
    rc.explains_from.clear();
    rc.bookkeeping = 0;
    std::vector<int> objects;
    for (int i = 0; i < 30; ++i) {
        rc.explains.push_back(fmt::format("src/d{}/o{}.o", i % 3, i));
        rc.explains_from.push_back({});
        objects.push_back(i);
    }
    rc.explains.push_back("lib.a");
    rc.explains_from.push_back(objects);
    g = cause_graph(r, 0, index_artifacts(r));
    ASSERT_EQ(g.nodes.size(), 5u);  // the step, 3 folders, the archive
    size_t folders = 0;
    for (const GraphNode& n : g.nodes)
        if (n.kind == "folder") {
            ++folders;
            EXPECT_EQ(n.count, 10u);
            EXPECT_EQ(n.label, n.path + "/ (10 files)");
        }
    EXPECT_EQ(folders, 3u);
    EXPECT_EQ(g.edges.size(), 6u) << "step -> each folder -> the archive, once each";
    // 30 directories of one file each: 7 kept as themselves, one node for the other 23 files
    // (folds come after the nodes that stand).
    for (int i = 0; i < 30; ++i) rc.explains[static_cast<size_t>(i)] = fmt::format("d{}/o.o", i);
    g = cause_graph(r, 0, index_artifacts(r));
    ASSERT_EQ(g.nodes.size(), 10u);
    EXPECT_EQ(g.nodes[7].path, "d6/o.o");
    EXPECT_EQ(g.nodes[8].label, "lib.a");
    EXPECT_EQ(g.nodes[9].label, "23 more files");
    EXPECT_EQ(g.nodes[9].count, 23u);
    std::string svg = cause_graph_svg(g, 0, {});
    EXPECT_EQ(svg.find("<script"), std::string::npos);
    EXPECT_NE(svg.find("<title>23 more files</title>"), std::string::npos);
}
