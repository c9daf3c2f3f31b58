// `buildiff show --html`: the recording's summary and its timeline, one self-contained page.
#include <algorithm>
#include <map>

#include <fmt/core.h>
#include <kainjow/mustache.hpp>

#include "base/version.h"
#include "report/escape.h"
#include "report/show.h"
#include "report/timeline_render.h"
#include "templates.inc"

namespace buildiff {

namespace {

namespace mu = kainjow::mustache;

std::string seconds_text(std::uint64_t ns) {
    double s = static_cast<double>(ns) / 1e9;
    return s >= 10 ? fmt::format("{:.0f} s", s) : fmt::format("{:.2f} s", s);
}

}  // namespace

std::string render_show_html(const Recording& rec, const Analysis& a, const Summary& s) {
    const Timeline t = build_timeline(rec, a);
    mu::data view;
    view.set("version", std::string(kBuildiffVersion));
    view.set("name", clean_text(rec.label.empty() ? rec.path : rec.label));
    view.set("command", clean_text(display_command(rec.command, 400)));
    view.set("cwd", clean_text(rec.cwd));
    view.set("started", rec.started_at);
    mu::data facts{mu::data::type::list};
    auto fact = [&](std::string text) { facts.push_back(mu::data(std::move(text))); };
    fact(fmt::format("{} processes", s.processes));
    fact(fmt::format("{} steps", t.bars.size()));
    fact(fmt::format("{} wall, {} cpu", seconds_text(s.wall_ns), seconds_text(s.cpu_ns)));
    if (s.cache_hits + s.cache_misses)
        fact(fmt::format("cache: {} hits, {} misses", s.cache_hits, s.cache_misses));
    if (s.failed) fact(fmt::format("{} failed", s.failed));
    if (!rec.complete) fact("recording incomplete (the build was killed or the recorder stopped)");
    view.set("facts", facts);
    view.set("svg", timeline_svg(t, {}, "timeline", ""));
    view.set("legend", timeline_legend_html(t));
    view.set("banded", mu::data(t.banded ? mu::data::type::bool_true : mu::data::type::bool_false));
    view.set("steps", std::to_string(t.bars.size()));

    // By crate: steps, the time they took, and how much of it the build script's run.
    struct Crate {
        size_t steps = 0;
        std::uint64_t busy = 0, script = 0;
    };
    std::map<std::string, Crate> crates;
    for (const TimelineBar& b : t.bars) {
        const Attribution& at = a.attribution[static_cast<size_t>(b.record)];
        if (at.crate.empty()) continue;
        Crate& c = crates[at.crate];
        ++c.steps;
        // The build script's compiles ran inside its bar's time: counted once, in the script's.
        if (b.kind == StepKind::BuildScript) c.script += b.end_ns - b.start_ns;
        if (at.role != CrateRole::BuildScript || b.kind == StepKind::BuildScript)
            c.busy += b.end_ns - b.start_ns;
    }
    std::vector<std::pair<std::string, Crate>> order(crates.begin(), crates.end());
    std::stable_sort(order.begin(), order.end(),
                     [](const auto& x, const auto& y) { return x.second.busy > y.second.busy; });
    mu::data list{mu::data::type::list};
    for (auto& [name, c] : order) {
        mu::data row;
        row.set("name", clean_text(name));
        row.set("steps", std::to_string(c.steps));
        row.set("busy", seconds_text(c.busy));
        row.set("script", seconds_text(c.script));
        list.push_back(row);
    }
    bool by_crate = !crates.empty();
    view.set("by_crate", mu::data(by_crate ? mu::data::type::bool_true : mu::data::type::bool_false));
    view.set("has_crates", mu::data(by_crate ? mu::data::type::bool_true : mu::data::type::bool_false));
    view.set("crates", list);
    BuildScripts scripts = build_script_costs(rec, a);
    mu::data script_list{mu::data::type::list};
    for (const BuildScriptCost& c : scripts.crates) {
        mu::data lines{mu::data::type::list};
        for (const std::string& line : describe_build_script(c, scripts))
            lines.push_back(mu::data(clean_text(line)));
        mu::data item;
        item.set("lines", lines);
        script_list.push_back(item);
    }
    view.set("has_scripts", mu::data(scripts.crates.empty() ? mu::data::type::bool_false
                                                            : mu::data::type::bool_true));
    view.set("scripts", script_list);
    mu::mustache tmpl{std::string(k_show_html)};
    std::string out = tmpl.render(view);
    if (!tmpl.is_valid()) throw std::logic_error("show template: " + tmpl.error_message());
    return out;
}

}  // namespace buildiff
