// The HTML and Markdown reports on a real recorded divergence (tests/fixtures/glue-make: the
// motivating bug's chain from an archive missing an object to a GLOBAL UND symbol), hostile
// names and arguments, and the page in a real headless Chromium: no console errors, the filter
// works, and a screenshot is written next to the test binary for people to look at.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "harness.h"

using namespace e2e;
namespace fs = std::filesystem;

namespace {

// Records `make ARGS` of a fresh copy of `fixture_name` in tmp/dir.
std::string record(const TempDir& tmp, const std::string& fixture_name, const std::string& dir,
                   const std::string& name, std::vector<std::string> make_args,
                   std::vector<std::string> env = {}) {
    std::string src = tmp / dir;
    copy_tree(fixture(fixture_name), src);
    std::vector<std::string> argv = {buildiff_exe(), "record", "-q",   "-o",
                                     tmp / name,     "--",     "make", "-s"};
    argv.insert(argv.end(), make_args.begin(), make_args.end());
    RunResult r =
        run(argv, {.cwd = src, .env = env, .unset = {"CFLAGS", "CC", "SOURCE_DATE_EPOCH"}});
    EXPECT_EQ(r.status, 0) << r.err;
    return tmp / name;
}

struct Reports {
    std::string html, markdown;
};

Reports reports(const TempDir& tmp, const std::string& left, const std::string& right) {
    RunResult r = run({buildiff_exe(), "diff", left, right, "--html", tmp / "report.html",
                       "--markdown", tmp / "summary.md", "--json", tmp / "report.json"});
    EXPECT_EQ(r.status, 1) << r.err;
    expect_valid_report(tmp / "report.json");
    return {read_text(tmp / "report.html"), read_text(tmp / "summary.md")};
}

size_t count(const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

struct Browser {
    int status = -1;
    std::string out, log;
};

// Debian's chromium, headless, as the project's guide says to run it.
Browser chromium(const TempDir& tmp, const std::vector<std::string>& args) {
    static int profile = 0;
    std::string dir = tmp / ("chromium-profile-" + std::to_string(profile++));
    fs::create_directories(dir);
    std::vector<std::string> argv = {"chromium",
                                     "--headless",
                                     "--no-sandbox",
                                     "--disable-gpu",
                                     "--no-first-run",
                                     "--disable-background-networking",
                                     "--disable-component-update",
                                     "--disable-sync",
                                     "--user-data-dir=" + dir,
                                     "--enable-logging=stderr",
                                     "--v=0"};
    argv.insert(argv.end(), args.begin(), args.end());
    RunResult r = run(argv);
    return {r.status, r.out, r.err};
}

// Console messages the page produced (errors, CSP violations): Chromium logs them as CONSOLE.
std::vector<std::string> console_lines(const std::string& log) {
    std::vector<std::string> out;
    std::istringstream in(log);
    std::string line;
    while (std::getline(in, line))
        if (line.find("CONSOLE") != std::string::npos ||
            line.find("Uncaught") != std::string::npos ||
            line.find("Content Security Policy") != std::string::npos)
            out.push_back(line);
    return out;
}

}  // namespace

TEST(ReportHtml, TheMotivatingChainRootCauseThenFlagThenSymbolRowsInOrder) {
    TempDir tmp;
    std::string left = record(tmp, "glue-make", "l", "l.rec", {});
    std::string right = record(tmp, "glue-make", "r", "r.rec", {"BLST_OBJS=stub.o"});
    Reports r = reports(tmp, left, right);
    const std::string& h = r.html;
    size_t cause = h.find("id=\"cause-2\"");
    size_t flag = h.find("removed `blst.o` (input)", cause);
    size_t chain = h.find("$ROOT/libglue.so", flag);
    size_t symbol = h.find("<code>blst_p2_to_affine</code>", chain);
    ASSERT_NE(cause, std::string::npos) << h;
    ASSERT_NE(flag, std::string::npos);
    ASSERT_NE(chain, std::string::npos);
    ASSERT_NE(symbol, std::string::npos) << "the symbol row follows the cause and its flag";
    // The row, side by side: binding, visibility, type, defined, section.
    std::string row = h.substr(symbol, h.find("</tr>", symbol) - symbol);
    for (std::string cell : {"LOCAL</span> &rarr; <span class=\"r\">GLOBAL",
                             "defined</span> &rarr; <span class=\"r\">UND",
                             ".text</span> &rarr; <span class=\"r\">UND", ">DEFAULT<"})
        EXPECT_NE(row.find(cell), std::string::npos) << cell << " in " << row;
    // Self-contained: no network, nothing external, a CSP that forbids loading anything.
    EXPECT_NE(h.find("Content-Security-Policy\" content=\"default-src 'none'"), std::string::npos);
    EXPECT_EQ(h.find("http://"), std::string::npos);
    EXPECT_EQ(h.find("https://"), std::string::npos);
    EXPECT_EQ(h.find(" src="), std::string::npos);
    // Markdown: the same order, within 64 KiB.
    const std::string& m = r.markdown;
    EXPECT_LE(m.size(), 64u * 1024);
    size_t mcause = m.find("**2. flags**");
    ASSERT_NE(mcause, std::string::npos) << m;
    EXPECT_NE(m.find("removed \\`blst.o\\` (input)", mcause), std::string::npos) << m;
    EXPECT_NE(m.find("blst\\_p2\\_to\\_affine"), std::string::npos) << m;
    // Deterministic: the same recordings give the same bytes.
    Reports again = reports(tmp, left, right);
    EXPECT_EQ(again.html, r.html);
    EXPECT_EQ(again.markdown, r.markdown);
}

TEST(ReportHtml, HostileFileNamesArgumentsAndEnvironmentAreEscapedEverywhere) {
    TempDir tmp;
    // A source named like a script tag, a define carrying an attribute injection, and an
    // environment value closing the style element.
    for (std::string d : {"l", "r"}) {
        std::string src = tmp / d;
        // A name cannot hold '/': the path is a directory `<script>alert(1)<` and a file in it.
        fs::create_directories(src + "/<script>alert(1)<");
        std::ofstream(src + "/<script>alert(1)</script>.c") << "int f(void) { return X; }\n";
        std::ofstream(src + "/Makefile")
            << "all:\n\tcc -c '<script>alert(1)</script>.c' -o 'out<img src=z onerror=alert(3)>.o' "
               "'-DX=1' '-DY=\"><img src=x onerror=alert(1)>'\n";
    }
    std::ofstream(tmp / "r/Makefile", std::ios::app) << "# changed\n";
    std::string right_make = read_text(tmp / "r/Makefile");
    right_make.replace(right_make.find("-DX=1"), 5, "-DX=2");
    std::ofstream(tmp / "r/Makefile") << right_make;
    auto rec = [&](const std::string& d) {
        RunResult r =
            run({buildiff_exe(), "record", "-q", "-o", tmp / (d + ".rec"), "--", "make", "-s"},
                {.cwd = tmp / d, .env = {"CFLAGS=</style><script>alert(2)</script>" + d}});
        EXPECT_EQ(r.status, 0) << r.err;
        return tmp / (d + ".rec");
    };
    std::string l = rec("l"), r = rec("r");
    Reports out = reports(tmp, l, r);
    EXPECT_EQ(count(out.html, "<script"), 1u) << "only the report's own script";
    EXPECT_EQ(count(out.html, "</style>"), 1u) << "only the report's own style";
    EXPECT_EQ(count(out.html, "<img"), 0u);
    EXPECT_NE(out.html.find("&lt;script&gt;alert(1)&lt;/script&gt;.c"), std::string::npos)
        << "the file name is shown, escaped";
    EXPECT_NE(out.html.find("&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
    // The output's hostile name in the cause graph: a node's path and title, escaped.
    EXPECT_NE(out.html.find("/out&lt;img src=z onerror=alert(3)&gt;.o\">"), std::string::npos)
        << "a graph node's data-path";
    EXPECT_NE(out.html.find("/out&lt;img src=z onerror=alert(3)&gt;.o (different)</title>"),
              std::string::npos)
        << "a graph node's title";
    EXPECT_EQ(count(out.markdown, "<script"), 0u) << out.markdown;
    EXPECT_EQ(count(out.markdown, "<img"), 0u) << out.markdown;
    // The timelines: the compile's bar has the command line as its title, escaped.
    size_t timeline = out.html.find("<svg class=\"timeline\" id=\"timeline-right\"");
    ASSERT_NE(timeline, std::string::npos);
    std::string svg = out.html.substr(timeline, out.html.find("</svg>", timeline) - timeline);
    EXPECT_NE(svg.find("<title>cc -c &lt;script&gt;alert(1)&lt;/script&gt;.c -o out&lt;img src=z "
                       "onerror=alert(3)&gt;.o -DX=2 -DY=&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"),
              std::string::npos)
        << svg;
    // And `show --html` of the same recording.
    RunResult page = run({buildiff_exe(), "show", r, "--html", "-"});
    ASSERT_EQ(page.status, 0) << page.err;
    EXPECT_EQ(count(page.out, "<script"), 0u) << page.out;
    EXPECT_EQ(count(page.out, "<img"), 0u) << page.out;
    EXPECT_EQ(count(page.out, "</style>"), 1u) << page.out;
    EXPECT_NE(page.out.find("out&lt;img src=z onerror=alert(3)&gt;.o"), std::string::npos);
}

TEST(ReportHtml, LoadsInHeadlessChromiumWithoutErrorsAndTheFilterNarrowsTheList) {
    TempDir tmp;
    std::string left = record(tmp, "glue-make", "l", "l.rec", {});
    std::string right = record(tmp, "glue-make", "r", "r.rec", {"BLST_OBJS=stub.o"});
    reports(tmp, left, right);
    std::string url = "file://" + tmp / "report.html";
    std::string shot = std::string(HELPERS_DIR) + "/report-screenshot.png";
    fs::remove(shot);
    Browser b = chromium(
        tmp, {"--hide-scrollbars", "--window-size=1280,1800", "--screenshot=" + shot, url});
    EXPECT_EQ(b.status, 0) << b.log;
    EXPECT_TRUE(console_lines(b.log).empty()) << b.log;
    ASSERT_TRUE(fs::exists(shot)) << b.log;
    EXPECT_GT(fs::file_size(shot), 20000u) << "a blank page is a few KB";

    // The filter, driven from the URL: only the libglue.so artifact and what mentions it stay.
    Browser f = chromium(tmp, {"--dump-dom", url + "#filter=libglue"});
    EXPECT_EQ(f.status, 0) << f.log;
    EXPECT_TRUE(console_lines(f.log).empty()) << f.log;
    const std::string& dom = f.out;
    std::regex artifact(
        R"re(<details class="artifact" id="artifact-\d+" data-filter="([^"]*)"( open="")?( hidden="")?)re");
    size_t shown = 0, hidden = 0;
    for (auto it = std::sregex_iterator(dom.begin(), dom.end(), artifact);
         it != std::sregex_iterator(); ++it) {
        bool is_hidden = (*it)[3].matched;
        bool matches = (*it)[1].str().find("libglue") != std::string::npos;
        EXPECT_EQ(is_hidden, !matches) << (*it)[0];
        (is_hidden ? hidden : shown)++;
    }
    EXPECT_EQ(shown, 1u) << dom;
    EXPECT_EQ(hidden, 3u);
    EXPECT_TRUE(std::regex_search(dom, std::regex(R"re(id="filter-count">\d+ of \d+ shown<)re")))
        << dom;
}

// The cause graph of a real two-level chain: util.c compiled with another define, its object
// archived into libutil.a, the archive linked into prog. One node per artifact, edges from
// producer to consumer (checked by reading the SVG), the artifact nodes linked to anchors the page
// has, the same graph in the JSON report; with JavaScript off, the picture is still drawn.
TEST(ReportHtml, TheCauseGraphHasANodePerArtifactAndEdgesFromProducerToConsumer) {
    TempDir tmp;
    std::string left = record_make(tmp, "l", "l.rec", {});
    std::string right = record_make(tmp, "r", "r.rec", {"UTIL_CFLAGS=-DFOO=2"});
    Reports out = reports(tmp, left, right);
    const std::string& html = out.html;
    size_t svg_at = html.find("<svg class=\"graph\"");
    ASSERT_NE(svg_at, std::string::npos) << html;
    std::string svg = html.substr(svg_at, html.find("</svg>", svg_at) - svg_at);
    std::regex node(R"re(<g class="node ([a-z-]+)[^"]*" id="cause-1-n(\d+)" data-path="([^"]*)">)re");
    std::map<std::string, std::string> path_of;  // node id -> path ("" for the step)
    std::map<std::string, std::string> kind_of;
    for (auto it = std::sregex_iterator(svg.begin(), svg.end(), node); it != std::sregex_iterator();
         ++it) {
        path_of["n" + (*it)[2].str()] = (*it)[3];
        kind_of["n" + (*it)[2].str()] = (*it)[1];
    }
    std::map<std::string, std::string> id_of;  // file name -> node id
    for (auto& [id, path] : path_of)
        if (kind_of[id] == "artifact") {
            EXPECT_FALSE(id_of.contains(file_name(path))) << "one node per artifact: " << path;
            id_of[file_name(path)] = id;
        }
    EXPECT_EQ(kind_of["n0"], "step");
    ASSERT_TRUE(id_of.contains("util.o") && id_of.contains("libutil.a") && id_of.contains("prog"))
        << svg;
    std::set<std::pair<std::string, std::string>> edges;
    std::regex edge(R"re(<path class="edge" data-from="(n\d+)" data-to="(n\d+)")re");
    for (auto it = std::sregex_iterator(svg.begin(), svg.end(), edge); it != std::sregex_iterator();
         ++it)
        edges.insert({(*it)[1], (*it)[2]});
    EXPECT_TRUE(edges.contains({"n0", id_of["util.o"]})) << svg;
    EXPECT_TRUE(edges.contains({id_of["util.o"], id_of["libutil.a"]})) << svg;
    EXPECT_TRUE(edges.contains({id_of["libutil.a"], id_of["prog"]})) << svg;
    EXPECT_FALSE(edges.contains({id_of["prog"], id_of["libutil.a"]})) << "producer to consumer";
    // Every link in the picture leads to an anchor of the page.
    std::regex link(R"re(<a href="#([^"]+)">)re");
    size_t links = 0;
    for (auto it = std::sregex_iterator(svg.begin(), svg.end(), link); it != std::sregex_iterator();
         ++it, ++links)
        EXPECT_NE(html.find("id=\"" + (*it)[1].str() + "\""), std::string::npos) << (*it)[1];
    EXPECT_EQ(links, 3u) << svg;
    // The JSON report's graph: the same nodes and edges.
    nlohmann::json j = nlohmann::json::parse(read_text(tmp / "report.json"));
    const nlohmann::json& g = j["root_causes"][0]["graph"];
    EXPECT_EQ(g["nodes"].size(), path_of.size());
    EXPECT_EQ(g["edges"].size(), edges.size());
    for (auto& e : g["edges"]) EXPECT_TRUE(edges.contains({e[0], e[1]})) << e.dump();

    // JavaScript off: the page without its script (what a browser that runs none shows; headless
    // Chromium cannot take a screenshot with scripts disabled) still draws the picture.
    std::string page = html;
    size_t script = page.find("<script>");
    ASSERT_NE(script, std::string::npos);
    page.erase(script, page.find("</script>", script) + 9 - script);
    ASSERT_EQ(page.find("<script"), std::string::npos);
    write_text(tmp / "no-script.html", page);
    std::string shot = std::string(HELPERS_DIR) + "/report-graph-screenshot.png";
    fs::remove(shot);
    Browser b = chromium(tmp, {"--hide-scrollbars", "--window-size=1280,900",
                               "--screenshot=" + shot, "file://" + tmp / "no-script.html"});
    EXPECT_EQ(b.status, 0) << b.log;
    EXPECT_TRUE(console_lines(b.log).empty()) << b.log;
    ASSERT_TRUE(fs::exists(shot)) << b.log;
    EXPECT_GT(fs::file_size(shot), 20000u);
    Browser d = chromium(tmp, {"--dump-dom", "file://" + tmp / "no-script.html"});
    EXPECT_NE(d.out.find("<svg class=\"graph\""), std::string::npos);
    EXPECT_NE(d.out.find("data-to=\"" + id_of["prog"] + "\""), std::string::npos);
}

// The build over time, on a real `make -j2` of the diff fixture (five compiles, an archive, a
// link) built twice with one define changed. The truth is make's own: `make -n` lists the
// commands (each a bar, of the kind its command is), and -j2 runs at most two at once (so two
// lanes, no two bars of a lane overlapping). Each bar's times are its process's in `show --json`;
// the root cause's step is outlined on both sides; `show --html` draws the same bars; with
// JavaScript off, both pictures are still there.
TEST(ReportHtml, TheTimelineHasABarPerStepOnAtMostTwoLanesUnderMakeJ2AndMarksTheCause) {
    TempDir tmp;
    std::string left = record_make(tmp, "l", "l.rec", {"-j2"});
    std::string right = record_make(tmp, "r", "r.rec", {"-j2", "UTIL_CFLAGS=-DFOO=2"});
    Reports out = reports(tmp, left, right);
    nlohmann::json j = nlohmann::json::parse(read_text(tmp / "report.json"));
    RunResult dry = run({"make", "-n", "-B"}, {.cwd = tmp / "r", .unset = {"CFLAGS", "CC"}});
    ASSERT_EQ(dry.status, 0) << dry.err;
    std::map<std::string, size_t> expected;  // kind -> commands make runs
    std::istringstream lines(dry.out);
    for (std::string line; std::getline(lines, line);)
        expected[line.find(" -c ") != std::string::npos ? "compiler"
                 : line.starts_with("ar ")             ? "archiver"
                                                       : "linker"]++;
    ASSERT_EQ(expected["compiler"], 5u) << dry.out;
    const nlohmann::json& cause = j["root_causes"][0];
    ASSERT_EQ(cause["kind"], "flags") << cause.dump(1);
    for (std::string side : {"left", "right"}) {
        SCOPED_TRACE(side);
        const nlohmann::json& t = j["timelines"][side];
        EXPECT_EQ(t["drawn_as"], "bars");
        std::map<std::string, size_t> kinds;
        for (auto& b : t["bars"]) kinds[b["kind"]]++;
        EXPECT_EQ(kinds, expected) << t.dump(1);
        EXPECT_GE(t["lanes"], 1);
        EXPECT_LE(t["lanes"], 2) << "make -j2 runs at most two commands at once";
        std::map<int, std::vector<std::pair<uint64_t, uint64_t>>> by_lane;
        for (auto& b : t["bars"]) by_lane[b["lane"]].push_back({b["start_ns"], b["end_ns"]});
        for (auto& [lane, spans] : by_lane) {
            std::sort(spans.begin(), spans.end());
            for (size_t i = 1; i < spans.size(); ++i)
                EXPECT_LE(spans[i - 1].second, spans[i].first) << "lane " << lane;
        }
        // Each bar is its process: the times `show --json` gives for that record.
        RunResult shown = run({buildiff_exe(), "show", tmp / (side == "left" ? "l.rec" : "r.rec"),
                               "--json"});
        ASSERT_EQ(shown.status, 0) << shown.err;
        std::map<int, nlohmann::json> process;
        std::istringstream in(shown.out);
        for (std::string l; std::getline(in, l);) {
            nlohmann::json p = nlohmann::json::parse(l);
            process[p["id"]] = p;
        }
        for (auto& b : t["bars"]) {
            const nlohmann::json& p = process[b["record"]];
            EXPECT_EQ(p["start_ns"], b["start_ns"]);
            EXPECT_EQ(p["end_ns"], b["end_ns"]);
            EXPECT_EQ(p["step"]["kind"], b["kind"]) << p.dump();
            EXPECT_EQ(p["step"]["lane"], b["lane"]);
        }
        // The picture: a bar per step, and the cause's step outlined and numbered.
        std::string id = "timeline-" + side;
        size_t at = out.html.find("<svg class=\"timeline\" id=\"" + id + "\"");
        ASSERT_NE(at, std::string::npos) << out.html;
        std::string svg = out.html.substr(at, out.html.find("</svg>", at) - at);
        EXPECT_EQ(count(svg, "<rect data-record="), t["bars"].size());
        int step = cause[side]["id"];
        EXPECT_NE(svg.find("<g class=\"mark\" data-cause=\"1\" data-record=\"" +
                           std::to_string(step) + "\">"),
                  std::string::npos)
            << svg;
        EXPECT_EQ(process[step]["argv"].back(), "util.o");
    }

    // `show --html`: the same bars, a page that needs no script and loads without errors.
    RunResult page = run({buildiff_exe(), "show", right, "--html", tmp / "show.html"});
    ASSERT_EQ(page.status, 0) << page.err;
    EXPECT_TRUE(page.out.empty()) << page.out;
    std::string show = read_text(tmp / "show.html");
    EXPECT_EQ(count(show, "<rect data-record="), j["timelines"]["right"]["bars"].size());
    EXPECT_EQ(count(show, "<script"), 0u);
    std::string shot = std::string(HELPERS_DIR) + "/show-timeline-screenshot.png";
    fs::remove(shot);
    Browser b = chromium(tmp, {"--hide-scrollbars", "--window-size=1100,500", "--screenshot=" + shot,
                               "file://" + tmp / "show.html"});
    EXPECT_EQ(b.status, 0) << b.log;
    EXPECT_TRUE(console_lines(b.log).empty()) << b.log;
    ASSERT_TRUE(fs::exists(shot)) << b.log;
    EXPECT_GT(fs::file_size(shot), 10000u);

    // JavaScript off: the diff report without its script still has both pictures.
    std::string no_script = out.html;
    size_t script = no_script.find("<script>");
    ASSERT_NE(script, std::string::npos);
    no_script.erase(script, no_script.find("</script>", script) + 9 - script);
    write_text(tmp / "no-script.html", no_script);
    Browser d = chromium(tmp, {"--dump-dom", "file://" + tmp / "no-script.html"});
    EXPECT_EQ(d.status, 0) << d.log;
    EXPECT_EQ(count(d.out, "<svg class=\"timeline\""), 2u);
    EXPECT_EQ(count(d.out, "<g class=\"mark\""), 2u);
}
