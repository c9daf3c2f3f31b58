// A build's timeline as an inline SVG that needs no JavaScript: a bar per step on its lane,
// coloured by kind, with its command line as hover text; grouped by crate with the crate's name
// at the left; a time axis above. Past kTimelineDrawnBars bars (or lanes), bands instead: how
// many steps of each kind ran at once, over time, and a line that says so.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "recording/timeline.h"

namespace buildiff {

// A step to single out (a root cause's, in a diff): outlined and numbered on its bar, or a line
// at its start across the bands.
struct TimelineMark {
    int record = -1;
    std::size_t cause = 0;  // the root cause's number, from 1
    std::string title;      // hover text: "root cause #1: ..."
};

// ID names the picture in the page; SIDE ("left", "right", or "" for `show`) is said in its
// accessible label. SPAN_NS, when longer than the build, is the time the axis covers (a diff
// draws both sides to one scale).
std::string timeline_svg(const Timeline& timeline, const std::vector<TimelineMark>& marks,
                         const std::string& id, const std::string& side,
                         std::uint64_t span_ns = 0);

// The timeline as the JSON reports carry it (docs/report-schema.md): duration_ns, lanes,
// drawn_as ("bars" or "bands"), groups [{name, first_lane, lanes}], bars [{record, kind,
// start_ns, end_ns, lane, group}].
nlohmann::ordered_json timeline_json(const Timeline& timeline);
// The same without its "bars" (its last member), and one bar: for a writer that writes the bars
// one at a time (the JSON report).
nlohmann::ordered_json timeline_json_without_bars(const Timeline& timeline);
nlohmann::ordered_json timeline_bar_json(const TimelineBar& bar);

// The kinds the timeline shows, each with its colour: a legend as HTML.
std::string timeline_legend_html(const Timeline& timeline);

}  // namespace buildiff
