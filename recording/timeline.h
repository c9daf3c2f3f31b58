// The build over time: one bar per step (a compile, a link, an archive, a rustc, a build script, a
// cache wrapper's call, a program that starts nothing), laid on lanes so that no two bars of a
// lane overlap. A cargo build's bars are grouped by crate (a build script's children with it);
// any other build's share one group, whose lanes are then how many steps ran at once. Derived
// from the recording alone, so the same recording gives the same timeline.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "recording/analysis.h"
#include "recording/recording.h"

namespace buildiff {

// What a bar stands for, by what the step is ("compiler", "linker", ...; timeline_kind_name).
enum class StepKind { Compiler, Linker, Archiver, Rustc, BuildScript, Wrapper, CacheHit, Other };
std::string_view timeline_kind_name(StepKind kind);
// Every kind, in the order a legend lists them.
const std::vector<StepKind>& timeline_kinds();

struct TimelineBar {
    int record = -1;  // the step's record id (the processes it started are inside the bar)
    StepKind kind = StepKind::Other;
    std::uint64_t start_ns = 0, end_ns = 0;  // from the start of the build
    std::size_t group = 0;                   // index into Timeline::groups
    std::size_t lane = 0;                    // over all groups: group g's are first_lane.. on
};

struct TimelineGroup {
    std::string name;  // the crate; "" for the steps of no crate (or of a build that has none)
    std::size_t first_lane = 0, lanes = 0;
};

// Past these the reports draw bands (how many steps of each kind ran at once) instead of bars.
inline constexpr std::size_t kTimelineDrawnBars = 3000, kTimelineDrawnLanes = 300;

struct Timeline {
    std::uint64_t duration_ns = 0;
    std::vector<TimelineGroup> groups;  // in the order they first started
    std::vector<TimelineBar> bars;      // by start, then record id
    std::size_t lanes = 0;
    // By record id: the bar it is drawn in (its own, or the step it ran inside), -1 for the
    // processes that are none (make, a shell, cargo: they wait for the steps they start).
    std::vector<int> bar_of;
    // More bars or lanes than the reports draw one by one: drawn as bands.
    bool banded = false;
    // By bar, when not banded: the step's command line (its arguments joined by spaces, cut
    // after 300 bytes), for the pictures' hover text.
    std::vector<std::string> commands;
};

// Which processes are steps: a tool (a compiler driver with what it runs, rustc with its linker, a
// cache wrapper's client with the compile it ran), a build script (its children are steps of
// their own), or a program that started no other; never cargo, make, a shell waiting for its
// children, a cache server (its compiles are steps) or a fork that did not exec.
Timeline build_timeline(const Recording& rec, const Analysis& analysis);

}  // namespace buildiff
