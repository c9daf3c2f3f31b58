// The timeline's bars and lanes (recording/timeline.h) on recordings made here, record by record,
// and the picture past the bar limit (report/timeline_render.h).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "recording/analysis.h"
#include "recording/timeline.h"
#include "report/diff_render.h"
#include "report/timeline_render.h"

using namespace buildiff;

namespace {

// A process record: ARGV classified as the recorder classifies it, from START to END ms.
int add(Recording& rec, int parent, std::vector<std::string> argv, std::uint64_t start_ms,
        std::uint64_t end_ms, bool via_exec = true, bool sccache_server = false) {
    ProcessRecord p;
    p.id = static_cast<int>(rec.processes.size());
    p.parent = parent;
    p.via_exec = via_exec;
    p.argv = std::move(argv);
    p.exe = "/usr/bin/" + p.argv[0];
    p.classification = classify(p.argv, p.exe, sccache_server);
    p.start_ns = start_ms * 1000000;
    p.end_ns = end_ms * 1000000;
    p.ended = true;
    p.end_state = EndState::Exited;
    rec.processes.push_back(p);
    return p.id;
}

}  // namespace

// make -j2: two compiles at once (each with cc1 and as inside), a third after the first ends,
// then ar and the link; a shell between make and one compile; a subshell fork that never execs.
TEST(Timeline, StepsTakeTheLowestFreeLaneAndHoldWhatTheirDriverRan) {
    Recording rec;
    int make = add(rec, -1, {"make", "-j2"}, 0, 100);
    int a = add(rec, make, {"cc", "-c", "a.c", "-o", "a.o"}, 1, 40);
    add(rec, a, {"cc1", "a.c"}, 2, 30);
    add(rec, a, {"as", "-o", "a.o"}, 31, 39);
    int sh = add(rec, make, {"sh", "-c", "cc -c b.c -o b.o"}, 2, 60);
    int b = add(rec, sh, {"cc", "-c", "b.c", "-o", "b.o"}, 3, 60);
    int c = add(rec, make, {"cc", "-c", "c.c", "-o", "c.o"}, 40, 70);
    int fork = add(rec, make, {"make", "-j2"}, 41, 42, false);
    int ar = add(rec, make, {"ar", "rcs", "lib.a", "a.o", "b.o", "c.o"}, 71, 75);
    int link = add(rec, make, {"cc", "-o", "prog", "lib.a"}, 76, 99);
    int collect = add(rec, link, {"collect2", "-o", "prog"}, 77, 98);
    add(rec, collect, {"ld", "-o", "prog"}, 78, 97);
    rec.duration_ns = 100000000;
    Timeline t = build_timeline(rec, analyze(rec));
    ASSERT_EQ(t.bars.size(), 5u);
    std::vector<int> records;
    std::vector<std::string> kinds;
    std::vector<size_t> lanes;
    for (const TimelineBar& bar : t.bars) {
        records.push_back(bar.record);
        kinds.emplace_back(timeline_kind_name(bar.kind));
        lanes.push_back(bar.lane);
    }
    EXPECT_EQ(records, (std::vector<int>{a, b, c, ar, link}));
    EXPECT_EQ(kinds, (std::vector<std::string>{"compiler", "compiler", "compiler", "archiver",
                                                "linker"}));
    // c starts the instant a ends: a's lane is free again.
    EXPECT_EQ(lanes, (std::vector<size_t>{0, 1, 0, 0, 0}));
    EXPECT_EQ(t.lanes, 2u);
    ASSERT_EQ(t.groups.size(), 1u);
    EXPECT_EQ(t.groups[0].name, "");
    EXPECT_FALSE(t.banded);
    // Each process's bar: cc1 and as in a's, ld in the link's; make, the shell and the fork none.
    EXPECT_EQ(t.bar_of, (std::vector<int>{-1, 0, 0, 0, -1, 1, 2, -1, 3, 4, 4, 4}));
    EXPECT_EQ(t.bar_of[static_cast<size_t>(fork)], -1);
    EXPECT_EQ(t.bar_of[static_cast<size_t>(sh)], -1);
    EXPECT_EQ(t.commands[1], "cc -c b.c -o b.o");
    EXPECT_EQ(t.duration_ns, 100000000u);
}

// The first sccache client call starts the server as its child: the server is no step, and the
// compile it runs is a step of its own, not inside the client's bar (which is a cache's call).
TEST(Timeline, TheCompilesACacheServerRunsAreStepsEvenWhenAClientStartedIt) {
    Recording rec;
    int make = add(rec, -1, {"make"}, 0, 100);
    int client = add(rec, make, {"sccache", "cc", "-c", "a.c", "-o", "a.o"}, 1, 50);
    int server = add(rec, client, {"sccache"}, 2, 100, true, true);
    int compile = add(rec, server, {"cc", "-c", "a.c", "-o", "a.o"}, 10, 45);
    add(rec, compile, {"cc1", "a.c"}, 11, 40);
    rec.duration_ns = 100000000;
    Timeline t = build_timeline(rec, analyze(rec));
    ASSERT_EQ(t.bars.size(), 2u);
    EXPECT_EQ(t.bars[0].record, client);
    EXPECT_EQ(t.bars[0].kind, StepKind::Wrapper);
    EXPECT_EQ(t.bars[1].record, compile);
    EXPECT_EQ(t.bars[1].kind, StepKind::Compiler);
    EXPECT_EQ(t.bar_of, (std::vector<int>{-1, 0, -1, 1, 1}));
    EXPECT_EQ(t.lanes, 2u);
}

// ccache hands what it does not cache to the compiler by exec: its record ends when the compiler's
// begins, and the bar lasts until the compiler (inside it) ends.
TEST(Timeline, AWrappersBarLastsUntilTheCompilerItExecdEnds) {
    Recording rec;
    int make = add(rec, -1, {"make"}, 0, 100);
    int client = add(rec, make, {"ccache", "cc", "-o", "prog", "a.o"}, 10, 12);
    rec.processes[static_cast<size_t>(client)].end_state = EndState::Replaced;
    int cc = add(rec, client, {"cc", "-o", "prog", "a.o"}, 12, 80);
    add(rec, cc, {"ld", "-o", "prog", "a.o"}, 20, 75);
    rec.duration_ns = 100000000;
    Timeline t = build_timeline(rec, analyze(rec));
    ASSERT_EQ(t.bars.size(), 1u);
    EXPECT_EQ(t.bars[0].record, client);
    EXPECT_EQ(t.bars[0].start_ns, 10000000u);
    EXPECT_EQ(t.bars[0].end_ns, 80000000u);
    EXPECT_EQ(t.bar_of[static_cast<size_t>(cc)], 0);
}

// Past the bar limit: drawn as bands (and said), under 1 MB, every bar still in the model.
TEST(Timeline, TwentyThousandStepsAreDrawnAsBandsAndTheCauseAsALine) {
    Recording rec;
    int make = add(rec, -1, {"make", "-j8"}, 0, 20000);
    for (int i = 0; i < 20000; ++i) {
        std::uint64_t start = static_cast<std::uint64_t>(i / 8) * 8;
        add(rec, make, {"cc", "-c", "f" + std::to_string(i) + ".c"}, start, start + 8);
    }
    rec.duration_ns = 20000000000;
    Timeline t = build_timeline(rec, analyze(rec));
    EXPECT_EQ(t.bars.size(), 20000u);
    EXPECT_EQ(t.lanes, 8u);
    EXPECT_TRUE(t.banded);
    EXPECT_TRUE(t.commands.empty()) << "no command lines kept for bars that are not drawn";
    std::string svg = timeline_svg(t, {{12345, 1, "root cause #1: <b>"}}, "timeline-right", "right");
    EXPECT_LT(svg.size(), 1000000u);
    EXPECT_NE(svg.find("<svg class=\"timeline banded\""), std::string::npos);
    EXPECT_NE(svg.find("drawn as bands of how many ran at once"), std::string::npos);
    EXPECT_EQ(svg.find("<rect data-record="), std::string::npos) << "no bar drawn one by one";
    EXPECT_NE(svg.find("<g class=\"mark\" data-cause=\"1\" data-record=\"12345\"><title>root cause "
                       "#1: &lt;b&gt;</title>"),
              std::string::npos);
    // 8 at once for the whole build: the peak is said.
    EXPECT_NE(svg.find(">8 at once<"), std::string::npos) << svg.substr(0, 3000);
    EXPECT_EQ(svg, timeline_svg(t, {{12345, 1, "root cause #1: <b>"}}, "timeline-right", "right"));
}
