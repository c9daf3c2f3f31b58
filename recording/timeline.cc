// The build's steps as bars on lanes (no I/O).
#include "recording/timeline.h"

#include <algorithm>
#include <functional>
#include <map>
#include <queue>
#include <set>
#include <tuple>
#include <utility>

#include "base/names.h"

namespace buildiff {

namespace {

constexpr Named<StepKind> kStepKinds[] = {
    {StepKind::Compiler, "compiler"},   {StepKind::Linker, "linker"},
    {StepKind::Archiver, "archiver"},   {StepKind::Rustc, "rustc"},
    {StepKind::BuildScript, "build-script"}, {StepKind::Wrapper, "wrapper"},
    {StepKind::CacheHit, "cache-hit"},  {StepKind::Other, "other"},
};

bool has_arg(const std::vector<std::string>& argv, std::string_view arg) {
    return std::find(argv.begin() + (argv.empty() ? 0 : 1), argv.end(), arg) != argv.end();
}

// Whether a compiler driver's call links: no -c, -S or -E, and a linker among what it ran.
bool driver_links(const Recording& rec, const Analysis& a, const ProcessRecord& p) {
    if (has_arg(p.argv, "-c") || has_arg(p.argv, "-S") || has_arg(p.argv, "-E")) return false;
    std::vector<int> stack = a.children[static_cast<size_t>(p.id)];
    while (!stack.empty()) {
        const ProcessRecord& q = rec.processes[static_cast<size_t>(stack.back())];
        stack.pop_back();
        if (q.classification.kind == ToolKind::Linker) return true;
        for (int ch : a.children[static_cast<size_t>(q.id)]) stack.push_back(ch);
    }
    return false;
}

// The bar a process is, if it is a step of its own (a process inside another step's bar is
// decided by the caller).
std::optional<StepKind> step_kind(const Recording& rec, const Analysis& a,
                                  const ProcessRecord& p) {
    const Classification& c = p.classification;
    switch (c.kind) {
        case ToolKind::CompilerDriver:
            return driver_links(rec, a, p) ? StepKind::Linker : StepKind::Compiler;
        case ToolKind::Compiler:
        case ToolKind::Assembler: return StepKind::Compiler;
        case ToolKind::Linker: return StepKind::Linker;
        case ToolKind::Archiver: return StepKind::Archiver;
        case ToolKind::Rustc: return StepKind::Rustc;
        case ToolKind::BuildScript: return StepKind::BuildScript;
        case ToolKind::CacheWrapper:
            if (c.role == WrapperRole::Server) return std::nullopt;
            return a.cache[static_cast<size_t>(p.id)] == CacheOutcome::Hit ? StepKind::CacheHit
                                                                            : StepKind::Wrapper;
        case ToolKind::Cargo: return std::nullopt;
        case ToolKind::Other: break;
    }
    // A program that started no other (sed, a test binary, cmp); a fork that never exec'd runs
    // its parent's code (a subshell) and is no step.
    if (!p.via_exec || !a.children[static_cast<size_t>(p.id)].empty()) return std::nullopt;
    return StepKind::Other;
}

// Whether a step holds what it starts inside its bar: everything but a build script (whose
// compiles are steps of their own).
bool holds_children(StepKind kind) {
    return kind != StepKind::BuildScript;
}

}  // namespace

std::string_view timeline_kind_name(StepKind kind) {
    return name_of(kStepKinds, kind);
}

const std::vector<StepKind>& timeline_kinds() {
    static const std::vector<StepKind> kinds = [] {
        std::vector<StepKind> out;
        for (const Named<StepKind>& n : kStepKinds) out.push_back(n.value);
        return out;
    }();
    return kinds;
}

Timeline build_timeline(const Recording& rec, const Analysis& a) {
    Timeline t;
    const size_t n = rec.processes.size();
    t.bar_of.assign(n, -1);
    std::uint64_t end_of_build = rec.duration_ns;
    for (const ProcessRecord& p : rec.processes)
        end_of_build = std::max(end_of_build, std::max(p.start_ns, p.ended ? p.end_ns : 0));
    t.duration_ns = end_of_build;

    // Parents have smaller ids than their children: a process is inside the bar its parent is in
    // when that bar holds its children, else a step of its own or none.
    struct Pending {
        int record;
        StepKind kind;
    };
    std::vector<Pending> steps;
    std::vector<int> step_of(n, -1);  // index into steps
    for (const ProcessRecord& p : rec.processes) {
        const size_t id = static_cast<size_t>(p.id);
        // A cache server started by a client call is that call's child, but what it compiles
        // is the build's steps, not the call's.
        if (p.classification.kind == ToolKind::CacheWrapper &&
            p.classification.role == WrapperRole::Server)
            continue;
        if (p.parent >= 0) {
            int holder = step_of[static_cast<size_t>(p.parent)];
            if (holder >= 0 && holds_children(steps[static_cast<size_t>(holder)].kind)) {
                step_of[id] = holder;
                continue;
            }
        }
        if (std::optional<StepKind> kind = step_kind(rec, a, p)) {
            step_of[id] = static_cast<int>(steps.size());
            steps.push_back({p.id, *kind});
        }
    }

    // Groups: by crate when the build has any (a cargo build), else one.
    bool by_crate = false;
    for (const Pending& s : steps)
        by_crate = by_crate || !a.attribution[static_cast<size_t>(s.record)].crate.empty();
    // A bar lasts until the last process inside it ends (a wrapper that exec'd its compiler ends
    // as a record when the compiler starts).
    std::vector<std::uint64_t> step_end(steps.size(), 0);
    for (const ProcessRecord& p : rec.processes)
        if (int k = step_of[static_cast<size_t>(p.id)]; k >= 0)
            step_end[static_cast<size_t>(k)] =
                std::max(step_end[static_cast<size_t>(k)], p.ended ? p.end_ns : end_of_build);
    std::vector<TimelineBar> bars;
    bars.reserve(steps.size());
    for (size_t k = 0; k < steps.size(); ++k) {
        const ProcessRecord& p = rec.processes[static_cast<size_t>(steps[k].record)];
        TimelineBar b;
        b.record = steps[k].record;
        b.kind = steps[k].kind;
        b.start_ns = p.start_ns;
        b.end_ns = std::max(p.start_ns, step_end[k]);
        bars.push_back(b);
    }
    std::sort(bars.begin(), bars.end(), [](const TimelineBar& x, const TimelineBar& y) {
        return std::tie(x.start_ns, x.record) < std::tie(y.start_ns, y.record);
    });
    std::map<std::string, size_t> group_index;
    for (TimelineBar& b : bars) {
        std::string name = by_crate ? a.attribution[static_cast<size_t>(b.record)].crate : "";
        auto [it, added] = group_index.emplace(name, t.groups.size());
        if (added) t.groups.push_back({name, 0, 0});
        b.group = it->second;
    }

    // Lanes within each group: a bar takes the lowest lane free at its start (interval
    // partitioning, so a group's lanes are the most bars of it that ran at once).
    std::vector<std::set<size_t>> free_lanes(t.groups.size());
    using Busy = std::pair<std::uint64_t, size_t>;  // end, lane
    std::vector<std::priority_queue<Busy, std::vector<Busy>, std::greater<Busy>>> busy(
        t.groups.size());
    for (TimelineBar& b : bars) {
        auto& f = free_lanes[b.group];
        auto& q = busy[b.group];
        while (!q.empty() && q.top().first <= b.start_ns) {
            f.insert(q.top().second);
            q.pop();
        }
        TimelineGroup& g = t.groups[b.group];
        if (f.empty()) {
            b.lane = g.lanes++;
        } else {
            b.lane = *f.begin();
            f.erase(f.begin());
        }
        // A bar of no length still holds its lane until the next instant.
        q.push({std::max(b.end_ns, b.start_ns + 1), b.lane});
    }
    for (TimelineGroup& g : t.groups) {
        g.first_lane = t.lanes;
        t.lanes += g.lanes;
    }
    for (TimelineBar& b : bars) b.lane += t.groups[b.group].first_lane;
    t.bars = std::move(bars);

    std::vector<int> bar_of_record(n, -1);
    for (size_t i = 0; i < t.bars.size(); ++i)
        bar_of_record[static_cast<size_t>(t.bars[i].record)] = static_cast<int>(i);
    for (size_t id = 0; id < n; ++id)
        if (step_of[id] >= 0)
            t.bar_of[id] =
                bar_of_record[static_cast<size_t>(steps[static_cast<size_t>(step_of[id])].record)];
    t.banded = t.bars.size() > kTimelineDrawnBars || t.lanes > kTimelineDrawnLanes;
    if (!t.banded)
        for (const TimelineBar& b : t.bars) {
            std::string line;
            for (const std::string& arg : rec.processes[static_cast<size_t>(b.record)].argv) {
                if (line.size() >= 300) break;
                line += (line.empty() ? "" : " ") + arg;
            }
            if (line.size() > 300) {
                size_t cut = 300;  // not inside a UTF-8 sequence
                while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xc0) == 0x80) --cut;
                line = line.substr(0, cut) + "...";
            }
            t.commands.push_back(std::move(line));
        }
    return t;
}

}  // namespace buildiff
