#include "report/timeline_render.h"

#include <algorithm>
#include <array>
#include <cmath>

#include <fmt/core.h>

#include "report/escape.h"

namespace buildiff {

namespace {

constexpr int kWidth = 1000, kLabel = 160, kPlot = 820, kTop = 24, kBandHeight = 160,
              kBuckets = 250;

std::string_view colour(StepKind kind) {
    switch (kind) {
        case StepKind::Compiler: return "#4e79a7";
        case StepKind::Linker: return "#f28e2b";
        case StepKind::Archiver: return "#edc948";
        case StepKind::Rustc: return "#b07aa1";
        case StepKind::BuildScript: return "#59a14f";
        case StepKind::Wrapper: return "#9c755f";
        case StepKind::CacheHit: return "#76b7b2";
        case StepKind::Other: return "#bab0ac";
    }
    return "#bab0ac";
}

std::string seconds(double s) {
    if (s >= 120) return fmt::format("{}:{:02}", static_cast<long>(s) / 60, static_cast<long>(s) % 60);
    if (s >= 10 || s == 0) return fmt::format("{:.0f} s", s);
    return fmt::format("{:.{}f} s", s, s >= 1 ? 1 : 2);
}

// The time axis: round ticks, about eight of them, with light lines down to BOTTOM.
std::string axis(double duration_s, int bottom) {
    double raw = duration_s / 8, mag = std::pow(10, std::floor(std::log10(raw)));
    double step = mag;
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (m * mag >= raw) {
            step = m * mag;
            break;
        }
    std::string out = "<g class=\"axis\" font-size=\"10\" font-family=\"sans-serif\" fill=\"#666\">";
    for (double t = 0; t <= duration_s + step / 1000; t += step) {
        double x = kLabel + t / duration_s * kPlot;
        out += fmt::format(
            "<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#e3e6ea\"/>"
            "<text x=\"{0:.1f}\" y=\"{3}\" text-anchor=\"middle\">{4}</text>",
            x, kTop - 6, bottom, kTop - 10, seconds(t));
    }
    return out + "</g>\n";
}

}  // namespace

nlohmann::ordered_json timeline_bar_json(const TimelineBar& b) {
    return {{"record", b.record},
            {"kind", timeline_kind_name(b.kind)},
            {"start_ns", b.start_ns},
            {"end_ns", b.end_ns},
            {"lane", b.lane},
            {"group", b.group}};
}

nlohmann::ordered_json timeline_json_without_bars(const Timeline& t) {
    using json = nlohmann::ordered_json;
    json groups = json::array();
    for (const TimelineGroup& g : t.groups)
        groups.push_back(json{{"name", g.name.empty() ? json(nullptr) : json_bytes(g.name)},
                              {"first_lane", g.first_lane},
                              {"lanes", g.lanes}});
    return json{{"duration_ns", t.duration_ns},
                {"lanes", t.lanes},
                {"drawn_as", t.banded ? "bands" : "bars"},
                {"groups", std::move(groups)}};
}

nlohmann::ordered_json timeline_json(const Timeline& t) {
    nlohmann::ordered_json j = timeline_json_without_bars(t), bars = nlohmann::ordered_json::array();
    for (const TimelineBar& b : t.bars) bars.push_back(timeline_bar_json(b));
    j["bars"] = std::move(bars);
    return j;
}

std::string timeline_legend_html(const Timeline& t) {
    std::array<size_t, 8> count{};
    for (const TimelineBar& b : t.bars) ++count[static_cast<size_t>(b.kind)];
    std::string out = "<span class=\"legend\">";
    for (StepKind k : timeline_kinds()) {
        size_t n = count[static_cast<size_t>(k)];
        if (n == 0) continue;
        out += fmt::format(
            "<span class=\"key\"><span class=\"swatch\" style=\"background:{}\"></span>{} "
            "<span class=\"n\">{}</span></span> ",
            colour(k), timeline_kind_name(k), n);
    }
    return out + "</span>";
}

std::string timeline_svg(const Timeline& t, const std::vector<TimelineMark>& marks,
                         const std::string& id, const std::string& side, std::uint64_t span_ns) {
    const double dur_s =
        std::max<double>(static_cast<double>(std::max(span_ns, t.duration_ns)), 1e6) / 1e9;
    auto x_of = [&](std::uint64_t ns) { return kLabel + static_cast<double>(ns) / 1e9 / dur_s * kPlot; };
    std::string label = fmt::format("the build{} over time: {} step{}", side.empty() ? "" : " on the " + side,
                                    t.bars.size(), t.bars.size() == 1 ? "" : "s");
    if (t.banded) {
        // How many steps of each kind ran at once, bucket by bucket.
        std::vector<std::array<double, 8>> load(kBuckets, std::array<double, 8>{});
        const double width_ns = dur_s * 1e9 / kBuckets;
        for (const TimelineBar& b : t.bars) {
            auto first = std::min<size_t>(kBuckets - 1, static_cast<size_t>(b.start_ns / width_ns));
            auto last = std::min<size_t>(kBuckets - 1, static_cast<size_t>(b.end_ns / width_ns));
            for (size_t k = first; k <= last; ++k) {
                double lo = std::max(static_cast<double>(b.start_ns), k * width_ns);
                double hi = std::min(static_cast<double>(b.end_ns), (k + 1) * width_ns);
                if (hi > lo) load[k][static_cast<size_t>(b.kind)] += (hi - lo) / width_ns;
            }
        }
        double peak = 0;
        for (auto& l : load) {
            double sum = 0;
            for (double v : l) sum += v;
            peak = std::max(peak, sum);
        }
        peak = std::max(peak, 1.0);
        const int bottom = kTop + kBandHeight;
        std::string out = fmt::format(
            "<svg class=\"timeline banded\" id=\"{0}\" width=\"{1}\" height=\"{2}\" viewBox=\"0 0 {1} {2}\" "
            "role=\"img\" aria-label=\"{3}, drawn as bands of how many ran at once\">\n",
            svg_escape(id), kWidth, bottom + 8, svg_escape(label));
        out += axis(dur_s, bottom);
        out += fmt::format(
            "<text x=\"4\" y=\"{}\" font-size=\"11\" font-family=\"sans-serif\" fill=\"#333\">{:.0f} at "
            "once</text><text x=\"4\" y=\"{}\" font-size=\"11\" font-family=\"sans-serif\" "
            "fill=\"#333\">0</text>\n",
            kTop + 10, peak, bottom);
        const double bw = static_cast<double>(kPlot) / kBuckets;
        for (size_t k = 0; k < load.size(); ++k) {
            double y = bottom;
            for (StepKind kind : timeline_kinds()) {
                double v = load[k][static_cast<size_t>(kind)];
                if (v <= 0) continue;
                double h = v / peak * kBandHeight;
                y -= h;
                out += fmt::format(
                    "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.2f}\" height=\"{:.2f}\" fill=\"{}\">"
                    "<title>{}: {:.1f} at once, {} to {}</title></rect>",
                    kLabel + k * bw, y, bw, h, colour(kind), timeline_kind_name(kind), v,
                    seconds(k * width_ns / 1e9), seconds((k + 1) * width_ns / 1e9));
            }
        }
        out += "\n";
        for (const TimelineMark& m : marks) {
            if (m.record < 0 || static_cast<size_t>(m.record) >= t.bar_of.size()) continue;
            int bar = t.bar_of[static_cast<size_t>(m.record)];
            if (bar < 0) continue;
            double x = x_of(t.bars[static_cast<size_t>(bar)].start_ns);
            out += fmt::format(
                "<g class=\"mark\" data-cause=\"{0}\" data-record=\"{1}\"><title>{2}</title>"
                "<line x1=\"{3:.1f}\" y1=\"{4}\" x2=\"{3:.1f}\" y2=\"{5}\" stroke=\"#d62728\" "
                "stroke-width=\"2\"/><text x=\"{6:.1f}\" y=\"{7}\" font-size=\"10\" "
                "font-family=\"sans-serif\" fill=\"#d62728\">#{0}</text></g>\n",
                m.cause, t.bars[static_cast<size_t>(bar)].record, svg_escape(m.title), x, kTop,
                bottom, x + 3, kTop + 10);
        }
        return out + "</svg>";
    }

    const int row = t.lanes <= 40 ? 12 : t.lanes <= 120 ? 7 : 3;
    const int bottom = kTop + static_cast<int>(t.lanes) * row;
    std::string out = fmt::format(
        "<svg class=\"timeline\" id=\"{0}\" width=\"{1}\" height=\"{2}\" viewBox=\"0 0 {1} {2}\" "
        "role=\"img\" aria-label=\"{3}\">\n",
        svg_escape(id), kWidth, bottom + 8, svg_escape(label));
    bool by_crate = t.groups.size() > 1 || (t.groups.size() == 1 && !t.groups[0].name.empty());
    int last_label = -100;
    for (size_t g = 0; g < t.groups.size(); ++g) {
        const TimelineGroup& group = t.groups[g];
        int y = kTop + static_cast<int>(group.first_lane) * row;
        int h = static_cast<int>(group.lanes) * row;
        std::string name = !by_crate ? fmt::format("{} lane{}", group.lanes, group.lanes == 1 ? "" : "s")
                           : group.name.empty() ? "(no crate)"
                                                : group.name;
        std::string title = by_crate ? name
                                     : fmt::format("at most {} step{} ran at once", group.lanes,
                                                   group.lanes == 1 ? "" : "s");
        out += fmt::format(
            "<g class=\"group\" data-name=\"{0}\"><rect x=\"0\" y=\"{1}\" width=\"{2}\" height=\"{3}\" "
            "fill=\"{4}\"/><title>{5}</title>",
            svg_escape(name), y, kWidth, h, g % 2 ? "#f7f8fa" : "#fff", svg_escape(title));
        // A name where it fits: groups of thin lanes are named one in so many.
        int baseline = y + std::min(h, 10) - 1;
        if (baseline - last_label >= 10) {
            out += fmt::format(
                "<text x=\"4\" y=\"{}\" font-size=\"10\" font-family=\"ui-monospace, monospace\" "
                "fill=\"#333\">{}</text>",
                baseline, svg_escape(shorten_middle(name, 24)));
            last_label = baseline;
        }
        out += "</g>\n";
    }
    out += axis(dur_s, bottom);
    for (size_t i = 0; i < t.bars.size(); ++i) {
        const TimelineBar& b = t.bars[i];
        double x = x_of(b.start_ns), w = std::max(0.6, x_of(b.end_ns) - x);
        double secs = static_cast<double>(b.end_ns - b.start_ns) / 1e9;
        out += fmt::format(
            "<rect data-record=\"{}\" data-kind=\"{}\" x=\"{:.1f}\" y=\"{}\" width=\"{:.1f}\" "
            "height=\"{}\" fill=\"{}\"><title>{} ({}, {:.3f} s)</title></rect>\n",
            b.record, timeline_kind_name(b.kind), x, kTop + static_cast<int>(b.lane) * row + 1, w,
            std::max(row - 2, 2), colour(b.kind),
            svg_escape(i < t.commands.size() ? t.commands[i] : ""), timeline_kind_name(b.kind), secs);
    }
    for (const TimelineMark& m : marks) {
        if (m.record < 0 || static_cast<size_t>(m.record) >= t.bar_of.size()) continue;
        int bar = t.bar_of[static_cast<size_t>(m.record)];
        if (bar < 0) continue;
        const TimelineBar& b = t.bars[static_cast<size_t>(bar)];
        double x = x_of(b.start_ns), w = std::max(3.0, x_of(b.end_ns) - x);
        int y = kTop + static_cast<int>(b.lane) * row;
        out += fmt::format(
            "<g class=\"mark\" data-cause=\"{0}\" data-record=\"{1}\"><title>{2}</title>"
            "<rect x=\"{3:.1f}\" y=\"{4}\" width=\"{5:.1f}\" height=\"{6}\" fill=\"none\" "
            "stroke=\"#d62728\" stroke-width=\"2\"/><text x=\"{7:.1f}\" y=\"{8}\" font-size=\"10\" "
            "font-weight=\"bold\" font-family=\"sans-serif\" fill=\"#d62728\" stroke=\"#fff\" "
            "stroke-width=\"3\" paint-order=\"stroke\">#{0}</text></g>\n",
            m.cause, b.record, svg_escape(m.title), x - 1, y, w + 2, row, x + w + 3,
            y + std::min(row, 11));
    }
    return out + "</svg>";
}

}  // namespace buildiff
