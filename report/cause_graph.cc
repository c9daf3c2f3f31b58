#include "report/cause_graph.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include <fmt/core.h>

#include "report/escape.h"

namespace buildiff {

namespace {

// The telling difference below an artifact, by the first kind found (depth first) of these.
std::string badge_of(const std::vector<Difference>& differences) {
    static const char* const kinds[] = {"symbol", "member", "section", "function", "string"};
    std::vector<const Difference*> stack;
    for (auto it = differences.rbegin(); it != differences.rend(); ++it) stack.push_back(&*it);
    std::string best;
    size_t rank = std::size(kinds);
    while (!stack.empty()) {
        const Difference* d = stack.back();
        stack.pop_back();
        for (size_t k = 0; k < rank; ++k)
            if (d->kind == kinds[k]) {
                rank = k;
                best = kinds[k];
            }
        for (auto it = d->children.rbegin(); it != d->children.rend(); ++it) stack.push_back(&*it);
    }
    return best;
}

std::string directory_of(const std::string& path) {
    std::string dir = std::filesystem::path(path).parent_path().string();
    return dir.empty() ? "." : dir;
}

std::string file_name_of(const std::string& path) {
    std::string name = std::filesystem::path(path).filename().string();
    return name.empty() ? path : name;
}

// Folds the artifact nodes of every layer holding more than MAX: by directory, then what is still
// more than MAX groups into one. MAP: old node index -> new node index.
void fold_layers(CauseGraph& g, size_t max) {
    int layers = 0;
    for (const GraphNode& n : g.nodes) layers = std::max(layers, n.layer);
    std::vector<size_t> map(g.nodes.size());
    for (size_t i = 0; i < map.size(); ++i) map[i] = i;
    std::vector<GraphNode> added;
    for (int layer = 1; layer <= layers; ++layer) {
        std::vector<size_t> files;
        for (size_t i = 0; i < g.nodes.size(); ++i)
            if (g.nodes[i].layer == layer && g.nodes[i].kind == "artifact") files.push_back(i);
        if (files.size() <= max) continue;
        std::vector<std::pair<std::string, std::vector<size_t>>> groups;  // in first-seen order
        for (size_t i : files) {
            std::string dir = directory_of(g.nodes[i].path);
            auto it = std::find_if(groups.begin(), groups.end(),
                                   [&](const auto& x) { return x.first == dir; });
            if (it == groups.end())
                groups.push_back({dir, {i}});
            else
                it->second.push_back(i);
        }
        if (groups.size() > max) {
            std::vector<size_t> rest;
            for (size_t k = max - 1; k < groups.size(); ++k)
                rest.insert(rest.end(), groups[k].second.begin(), groups[k].second.end());
            groups.resize(max - 1);
            groups.push_back({"", rest});
        }
        for (auto& [dir, members] : groups) {
            if (members.size() == 1 && !dir.empty()) continue;  // a file alone stays itself
            GraphNode f;
            f.kind = "folder";
            f.path = dir;
            f.count = members.size();
            f.layer = layer;
            f.label = dir.empty() ? fmt::format("{} more files", members.size())
                                  : fmt::format("{}/ ({} files)", dir, members.size());
            size_t index = g.nodes.size() + added.size();
            for (size_t m : members) map[m] = index;
            added.push_back(std::move(f));
        }
    }
    if (added.empty()) return;
    for (GraphNode& f : added) g.nodes.push_back(std::move(f));
    map.resize(g.nodes.size());
    for (size_t i = map.size() - added.size(); i < map.size(); ++i) map[i] = i;
    // Keep the nodes still standing, renumbered in order; edges through the folds, once each.
    std::vector<size_t> renumber(g.nodes.size(), SIZE_MAX);
    std::vector<GraphNode> kept;
    for (size_t i = 0; i < g.nodes.size(); ++i)
        if (map[i] == i) {
            renumber[i] = kept.size();
            kept.push_back(std::move(g.nodes[i]));
        }
    std::set<std::pair<size_t, size_t>> seen;
    std::vector<std::pair<size_t, size_t>> edges;
    for (auto [a, b] : g.edges) {
        size_t x = renumber[map[a]], y = renumber[map[b]];
        if (x != y && seen.insert({x, y}).second) edges.emplace_back(x, y);
    }
    g.nodes = std::move(kept);
    g.edges = std::move(edges);
}

// Rows within each layer: by the mean row of a node's producers (so that edges cross little),
// then in the order the nodes were made.
void assign_rows(CauseGraph& g) {
    int layers = 0;
    for (const GraphNode& n : g.nodes) layers = std::max(layers, n.layer);
    for (int layer = 0; layer <= layers; ++layer) {
        std::vector<std::pair<double, size_t>> order;
        for (size_t i = 0; i < g.nodes.size(); ++i) {
            if (g.nodes[i].layer != layer) continue;
            double sum = 0;
            int n = 0;
            for (auto [a, b] : g.edges)
                if (b == i && g.nodes[a].layer < layer) sum += g.nodes[a].row, ++n;
            order.emplace_back(n ? sum / n : 0.0, i);
        }
        std::stable_sort(order.begin(), order.end(),
                         [](const auto& x, const auto& y) { return x.first < y.first; });
        for (size_t r = 0; r < order.size(); ++r) g.nodes[order[r].second].row = static_cast<int>(r);
    }
}

}  // namespace

ArtifactIndex index_artifacts(const DiffResult& r) {
    ArtifactIndex out;
    out.reserve(r.artifacts.size());
    for (size_t i = 0; i < r.artifacts.size(); ++i) out.emplace(r.artifacts[i].path, i);
    return out;
}

CauseGraph cause_graph(const DiffResult& r, size_t cause, const ArtifactIndex& artifacts,
                       size_t limit, size_t max_per_layer) {
    CauseGraph g;
    const RootCause& rc = r.root_causes[cause];
    const InvocationRef* step = rc.right ? &*rc.right : rc.left ? &*rc.left : nullptr;
    GraphNode root;
    root.kind = "step";
    root.label = fmt::format("{} ({})", step && !step->tool.empty() ? step->tool : "step",
                             root_cause_kind_name(rc.kind));
    g.nodes.push_back(root);
    size_t n = std::min(limit, rc.explains.size());
    for (size_t k = 0; k < n; ++k) {
        GraphNode a;
        a.kind = "artifact";
        a.path = rc.explains[k];
        a.label = file_name_of(a.path);
        if (auto it = artifacts.find(a.path); it != artifacts.end()) {
            const Artifact& found = r.artifacts[it->second];
            a.status = found.status;
            a.badge = badge_of(found.differences);
        }
        const std::vector<int> none;
        const std::vector<int>& from = k < rc.explains_from.size() ? rc.explains_from[k] : none;
        a.layer = 1;
        for (int f : from)
            if (f >= 0 && static_cast<size_t>(f) < k) {
                a.layer = std::max(a.layer, g.nodes[static_cast<size_t>(f) + 1].layer + 1);
                g.edges.emplace_back(static_cast<size_t>(f) + 1, k + 1);
            }
        if (a.layer == 1) g.edges.emplace_back(0, k + 1);
        g.nodes.push_back(std::move(a));
    }
    if (rc.explains.size() > n) {
        GraphNode more;
        more.kind = "folder";
        more.count = rc.explains.size() - n;
        more.label = fmt::format("{} more files", more.count);
        more.layer = 1;
        g.edges.emplace_back(0, g.nodes.size());
        g.nodes.push_back(std::move(more));
    }
    if (rc.bookkeeping) {
        GraphNode b;
        b.kind = "bookkeeping";
        b.count = rc.bookkeeping;
        b.label = fmt::format("{} bookkeeping file{}", rc.bookkeeping, rc.bookkeeping == 1 ? "" : "s");
        b.layer = 1;
        g.edges.emplace_back(0, g.nodes.size());
        g.nodes.push_back(std::move(b));
    }
    fold_layers(g, std::max<size_t>(max_per_layer, 2));
    assign_rows(g);
    return g;
}

std::string cause_graph_svg(const CauseGraph& g, size_t cause,
                            const std::map<std::string, std::string>& anchors) {
    constexpr int kW = 220, kH = 40, kGapX = 60, kGapY = 12, kPad = 8;
    int layers = 0, rows = 0;
    for (const GraphNode& n : g.nodes) {
        layers = std::max(layers, n.layer + 1);
        rows = std::max(rows, n.row + 1);
    }
    int width = 2 * kPad + layers * kW + (layers - 1) * kGapX;
    int height = 2 * kPad + rows * kH + (rows - 1) * kGapY;
    auto x = [&](const GraphNode& n) { return kPad + n.layer * (kW + kGapX); };
    auto y = [&](const GraphNode& n) { return kPad + n.row * (kH + kGapY); };
    std::string marker = fmt::format("arrow-{}", cause);
    std::string out = fmt::format(
        "<svg class=\"graph\" width=\"{0}\" height=\"{1}\" "
        "viewBox=\"0 0 {0} {1}\" role=\"img\" aria-label=\"what root cause #{2} explains, from "
        "its step to the files built from it\">\n"
        "<defs><marker id=\"{3}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
        "markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#888\"/>"
        "</marker></defs>\n",
        width, height, cause + 1, marker);
    for (auto [a, b] : g.edges) {
        const GraphNode &p = g.nodes[a], &c = g.nodes[b];
        int x1 = x(p) + kW, y1 = y(p) + kH / 2, x2 = x(c), y2 = y(c) + kH / 2;
        out += fmt::format(
            "<path class=\"edge\" data-from=\"n{}\" data-to=\"n{}\" d=\"M{},{} C{},{} {},{} "
            "{},{}\" fill=\"none\" stroke=\"#888\" stroke-width=\"1.2\" marker-end=\"url(#{})\"/>\n",
            a, b, x1, y1, (x1 + x2) / 2, y1, (x1 + x2) / 2, y2, x2, y2, marker);
    }
    for (size_t i = 0; i < g.nodes.size(); ++i) {
        const GraphNode& n = g.nodes[i];
        std::string cls = "node " + n.kind + (n.status.empty() ? "" : " " + n.status);
        std::string fill = n.kind == "step"          ? "#3b3b3b"
                           : n.kind == "bookkeeping" ? "#f4f4f4"
                           : n.kind == "folder"      ? "#eef1fb"
                           : n.status == "different" ? "#fdecec"
                                                     : "#fff4e0";
        std::string stroke = n.kind == "step" ? "#3b3b3b" : n.status == "different" ? "#c0392b" : "#999";
        std::string ink = n.kind == "step" ? "#fff" : "#222";
        std::string title = n.kind == "artifact"
                                ? fmt::format("{} ({})", n.path, n.status.empty() ? "explained" : n.status)
                                : n.label;
        auto anchor = anchors.find(n.path);
        bool linked = n.kind == "artifact" && anchor != anchors.end();
        out += fmt::format("<g class=\"{}\" id=\"cause-{}-n{}\" data-path=\"{}\">", svg_escape(cls),
                           cause + 1, i, svg_escape(n.path));
        out += fmt::format("<title>{}</title>", svg_escape(title));
        if (linked) out += fmt::format("<a href=\"#{}\">", svg_escape(anchor->second));
        out += fmt::format(
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"4\" fill=\"{}\" stroke=\"{}\"{}/>",
            x(n), y(n), kW, kH, fill, stroke,
            n.kind == "bookkeeping" ? " stroke-dasharray=\"4 3\"" : "");
        out += fmt::format(
            "<text x=\"{}\" y=\"{}\" font-size=\"12\" font-family=\"ui-monospace, monospace\" "
            "fill=\"{}\">{}</text>",
            x(n) + 8, y(n) + 16, ink, svg_escape(shorten_middle(n.label, 28)));
        std::string second = n.kind == "artifact" ? n.status
                             : n.kind == "step"   ? "root cause #" + std::to_string(cause + 1)
                                                  : "";
        if (!second.empty())
            out += fmt::format("<text x=\"{}\" y=\"{}\" font-size=\"10\" font-family=\"sans-serif\" "
                               "fill=\"{}\">{}</text>",
                               x(n) + 8, y(n) + 32, n.kind == "step" ? "#ddd" : "#666",
                               svg_escape(second));
        if (!n.badge.empty()) {
            int bw = 12 + 7 * static_cast<int>(n.badge.size());
            out += fmt::format(
                "<rect class=\"badge\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"15\" rx=\"7\" "
                "fill=\"#c0392b\"/><text x=\"{}\" y=\"{}\" font-size=\"10\" "
                "font-family=\"sans-serif\" fill=\"#fff\">{}</text>",
                x(n) + kW - bw - 6, y(n) + 22, bw, x(n) + kW - bw, y(n) + 33, svg_escape(n.badge));
        }
        if (linked) out += "</a>";
        out += "</g>\n";
    }
    out += "</svg>";
    return out;
}

}  // namespace buildiff
