// The HTML and Markdown reports: a view of the DiffResult (strings, lists, and the caps that
// keep big builds readable) rendered through the kainjow-mustache templates in
// report/templates/ (compiled in). Escaping is the templates' default: HTML-escaping for the
// HTML report, Markdown-escaping for the Markdown one. Nothing about the builds is computed here.
#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <kainjow/mustache.hpp>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

#include "base/version.h"
#include "report/cause_graph.h"
#include "report/escape.h"
#include "report/show.h"
#include "report/timeline_render.h"
#include "report/diff_render.h"
#include "templates.inc"

namespace buildiff {

namespace {

namespace mu = kainjow::mustache;

std::string markdown_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '\n':
                out += ' ';
                break;
            case '\\':
            case '`':
            case '*':
            case '_':
            case '[':
            case ']':
            case '|':
            case '#':
            case '~':
            case '!':
                out += '\\';
                out += c;
                break;
            default:
                out += c;
        }
    }
    return out;
}

// What the report shows in full; the rest is counted ("truncation is said, never silent").
struct Limits {
    size_t causes, explains, chain_trees, artifacts_open, artifacts, page, nodes_first, nodes_rest,
        pairs, top_nodes, outside;
};

mu::data text(std::string_view s) {
    return mu::data(clean_text(s));
}

std::string anchor(size_t index) {
    return fmt::format("artifact-{}", index + 1);
}

std::string describe(const InvocationRef& r) {
    return describe_invocation(r) + ", in " + r.cwd;
}

mu::data flag(bool b) {
    return mu::data(b ? mu::data::type::bool_true : mu::data::type::bool_false);
}

// Symbol differences side by side: one row each, a cell per attribute.
mu::data symbol_row(const Difference& d) {
    static const SymbolState absent{};
    const SymbolState& l = d.left_symbol ? *d.left_symbol : absent;
    const SymbolState& r = d.right_symbol ? *d.right_symbol : absent;
    auto side = [](const std::optional<SymbolState>& s, std::string v) {
        return s ? v : std::string("(absent)");
    };
    std::vector<std::pair<std::string, std::string>> attrs = {
        {side(d.left_symbol, l.binding), side(d.right_symbol, r.binding)},
        {side(d.left_symbol, l.visibility), side(d.right_symbol, r.visibility)},
        {side(d.left_symbol, l.type), side(d.right_symbol, r.type)},
        {side(d.left_symbol, l.defined ? "defined" : "UND"),
         side(d.right_symbol, r.defined ? "defined" : "UND")},
        {side(d.left_symbol, l.section), side(d.right_symbol, r.section)},
        {side(d.left_symbol, std::to_string(l.size)), side(d.right_symbol, std::to_string(r.size))},
        {side(d.left_symbol, l.dynamic ? (l.defined ? "exported" : "imported") : "no"),
         side(d.right_symbol, r.dynamic ? (r.defined ? "exported" : "imported") : "no")}};
    mu::data cells{mu::data::type::list};
    for (auto& [a, b] : attrs) {
        mu::data c;
        c.set("left", text(a));
        c.set("right", text(b));
        c.set("changed", flag(a != b));
        cells.push_back(c);
    }
    mu::data row;
    row.set("name", text(d.name));
    row.set("demangled", text(d.demangled));
    row.set("has_demangled", flag(!d.demangled.empty()));
    row.set("cells", cells);
    return row;
}

// A difference tree as the partial "tree" reads it: sets `nodes` and `more` on `target`. Every
// object sets every key the partial reads, so a nested context never falls through to its
// parent's values.
void fill_tree(mu::data& target, const std::vector<Difference>& list, size_t& budget) {
    if (list.size() == 1 && list[0].kind == "content" && !list[0].children.empty())
        return fill_tree(target, list[0].children, budget);  // the comparators say more
    mu::data nodes{mu::data::type::list};
    size_t skipped = 0;
    for (size_t i = 0; i < list.size(); ++i) {
        const Difference& d = list[i];
        if (budget == 0) {
            ++skipped;
            continue;
        }
        mu::data n;
        n.set("is_symbols", flag(d.kind == "symbol"));
        n.set("is_node", flag(d.kind != "symbol"));
        n.set("has_lines", flag(false));
        n.set("has_children", flag(false));
        n.set("nodes", mu::data{mu::data::type::list});
        n.set("more", flag(false));
        if (d.kind == "symbol") {
            mu::data rows{mu::data::type::list};
            for (; i < list.size() && list[i].kind == "symbol" && budget > 0; ++i, --budget)
                rows.push_back(symbol_row(list[i]));
            --i;
            n.set("rows", rows);
            nodes.push_back(n);
            continue;
        }
        --budget;
        n.set("description",
              text(d.description + (d.demangled.empty() ? "" : " [" + d.demangled + "]")));
        std::string lines;
        for (auto& l : d.lines) lines += l + "\n";
        n.set("lines", text(lines));
        n.set("has_lines", flag(!lines.empty()));
        n.set("has_children", flag(!d.children.empty()));
        if (!d.children.empty()) fill_tree(n, d.children, budget);
        nodes.push_back(n);
    }
    target.set("nodes", nodes);
    target.set("more", skipped ? text(fmt::format("and {} more difference{} (the JSON report has "
                                                  "them all)",
                                                  skipped, skipped == 1 ? "" : "s"))
                               : flag(false));
}

bool has_symbols(const std::vector<Difference>& list) {
    for (auto& d : list)
        if (d.kind == "symbol" || has_symbols(d.children)) return true;
    return false;
}

mu::data artifact_view(const DiffResult& r, size_t index, size_t nodes) {
    const Artifact& a = r.artifacts[index];
    mu::data v;
    v.set("anchor", anchor(index));
    v.set("path", text(a.path));
    v.set("status", text(a.status));
    v.set("format", text(a.format));
    v.set("intermediate", flag(!r.plain && index < r.summary.divergent_artifacts &&
                               !reached_delivery(r, a)));
    v.set("cause", a.root_cause >= 0 ? text(std::to_string(a.root_cause + 1)) : flag(false));
    v.set("filter", text(a.path + " " + a.status + " " + a.format));
    v.set("open", flag(false));
    fill_tree(v, a.differences, nodes);
    // The first lines of the tree, for the Markdown report.
    mu::data top{mu::data::type::list};
    std::vector<const Difference*> flat;
    for (auto& d : a.differences) {
        if (d.kind == "content" && !d.children.empty())
            for (auto& c : d.children) flat.push_back(&c);
        else
            flat.push_back(&d);
    }
    for (size_t k = 0; k < flat.size() && k < 5; ++k) top.push_back(text(flat[k]->description));
    if (flat.size() > 5) top.push_back(text(fmt::format("... {} more", flat.size() - 5)));
    v.set("top", top);
    return v;
}

// A count and its label: ONE for a count of 1, LABEL for any other (the heading of a column of
// counts is LABEL).
mu::data counter(size_t value, std::string_view label, std::string_view one) {
    mu::data c;
    c.set("value", std::to_string(value));
    c.set("label", std::string(value == 1 ? one : label));
    c.set("heading", std::string(label));
    return c;
}

// The head of the report: the two builds, the verdict, the counts, the notes.
void set_summary(mu::data& v, const DiffResult& r) {
    const DiffSummary& s = r.summary;
    v.set("version", std::string(kBuildiffVersion));
    v.set("left_name", text(r.left_name));
    v.set("right_name", text(r.right_name));
    v.set("has_roots", flag(!r.left_root.empty()));
    v.set("left_root", text(r.left_root));
    v.set("right_root", text(r.right_root));
    v.set("verdict", r.divergent ? "divergent" : "identical");
    v.set("verdict_word", r.divergent ? "divergent" : "identical");
    std::string verdict;
    size_t intermediate = s.divergent_artifacts - s.divergent_deliverables;
    if (!r.divergent && s.divergent_artifacts > 0)
        verdict = fmt::format("identical: every deliverable ({}) is identical; {} intermediate "
                              "file{} that reached nothing delivered differ{} (--strict counts "
                              "them)",
                              s.deliverables, intermediate, intermediate == 1 ? "" : "s",
                              intermediate == 1 ? "s" : "");
    else if (!r.divergent)
        verdict = fmt::format("identical: {} artifact{} compared", s.artifacts,
                              s.artifacts == 1 ? "" : "s");
    else if (r.plain)
        verdict = fmt::format("divergent: {} of {} file{} differ", s.divergent_artifacts,
                              s.artifacts, s.artifacts == 1 ? "" : "s");
    else
        verdict = fmt::format("divergent{}: {} root cause{} explain{} {} divergent file{}{}",
                              r.strict ? " (--strict: every file counts)" : "",
                              r.root_causes.size(), r.root_causes.size() == 1 ? "" : "s",
                              r.root_causes.size() == 1 ? "s" : "", s.divergent_artifacts,
                              s.divergent_artifacts == 1 ? "" : "s",
                              r.strict ? ""
                                       : fmt::format("; {} of {} deliverable{} differ{}",
                                                     s.divergent_deliverables, s.deliverables,
                                                     s.deliverables == 1 ? "" : "s",
                                                     s.divergent_deliverables == 1 ? "s" : ""));
    v.set("verdict_text", verdict);
    mu::data counts{mu::data::type::list};
    if (!r.plain) {  // what decides the verdict first
        counts.push_back(counter(s.divergent_deliverables, "divergent deliverables",
                                 "divergent deliverable"));
        counts.push_back(counter(s.deliverables, "deliverables", "deliverable"));
    }
    counts.push_back(counter(s.divergent_artifacts, "divergent artifacts", "divergent artifact"));
    counts.push_back(counter(s.artifacts, "artifacts", "artifact"));
    if (!r.plain) {
        counts.push_back(counter(r.root_causes.size(), "root causes", "root cause"));
        counts.push_back(counter(s.left_invocations, "invocations left", "invocation left"));
        counts.push_back(counter(s.right_invocations, "invocations right", "invocation right"));
        counts.push_back(counter(s.paired, "paired", "paired"));
        counts.push_back(counter(s.missing, "only left", "only left"));
        counts.push_back(counter(s.extra, "only right", "only right"));
    }
    if (s.ignored_artifacts) counts.push_back(counter(s.ignored_artifacts, "ignored", "ignored"));
    v.set("counts", counts);
    mu::data notes{mu::data::type::list};
    for (auto& n : r.notes) notes.push_back(text(n));
    v.set("notes", notes);
    v.set("has_notes", flag(!r.notes.empty()));
}

// A cause's invocations, flags, environment and facts; FILTER gathers the text the page's filter
// searches.
void set_cause_details(mu::data& c, const RootCause& rc, std::string& filter) {
    mu::data invs{mu::data::type::list};
    for (auto [side, ref] : {std::pair{"left", &rc.left}, std::pair{"right", &rc.right}}) {
        if (!*ref) continue;
        mu::data x;
        x.set("side", side);
        x.set("argv", text(display_command((*ref)->argv, 600)));
        x.set("what", text(describe(**ref)));
        invs.push_back(x);
        filter += " " + (*ref)->tool + " " + (*ref)->kind;
    }
    c.set("invocations", invs);
    c.set("more_invocations", rc.invocations > 1
                                  ? text(fmt::format("{} more invocation{}", rc.invocations - 1,
                                                     rc.invocations == 2 ? "" : "s"))
                                  : flag(false));
    mu::data flags{mu::data::type::list};
    for (auto& f : rc.flags) {
        mu::data x;
        x.set("text", text(f.text));
        flags.push_back(x);
    }
    c.set("flags", flags);
    c.set("has_flags", flag(!rc.flags.empty()));
    mu::data env{mu::data::type::list};
    for (auto& e : rc.env) {
        mu::data x;
        x.set("name", text(e.name));
        x.set("left", text(e.redacted ? "(secret)" : e.left ? *e.left : "unset"));
        x.set("right", text(e.redacted ? "(secret, differs)" : e.right ? *e.right : "unset"));
        x.set("impactful", flag(e.impactful));
        env.push_back(x);
    }
    c.set("env", env);
    c.set("has_env", flag(!rc.env.empty()));
    mu::data facts{mu::data::type::list};
    for (auto& f : rc.details) facts.push_back(text(f));
    c.set("facts", facts);
    c.set("has_facts", flag(!rc.details.empty()));
    if (const std::optional<Confirmation>& k = rc.confirmation) {
        mu::data x;
        x.set("status", k->status);
        x.set("badge", k->status == "confirmed"        ? "confirmed by re-running"
                       : k->status == "not-reproduced" ? "not reproduced by re-running"
                       : k->status == "skipped"        ? "not re-run"
                       : k->status == "refused"        ? "re-run refused"
                                                       : "not confirmed");
        // The badge says the status; the line goes on from there ("confirmed: " dropped).
        std::string words = confirmation_words(*k);
        for (std::string_view prefix :
             {"confirmed: ", "not reproduced: ", "not confirmed: ", "not re-run: ", "refused: "})
            if (words.starts_with(prefix)) words.erase(0, prefix.size());
        x.set("words", text(words));
        mu::data details{mu::data::type::list};
        for (auto& d : k->details) details.push_back(text(d));
        if (!k->script.empty()) details.push_back(text("reproducer: " + k->script));
        x.set("has_details", flag(!k->details.empty() || !k->script.empty()));
        x.set("details", details);
        c.set("confirmation", x);
        filter += " " + k->status;
    }
}

// What a cause explains, linked to the artifacts (INDEX: a divergent artifact's position), and
// the chain down to the symbols: the cause's own output (first in the chain), the explained
// artifacts whose trees name symbols, and the last one (what the build delivered).
void set_cause_chain(mu::data& c, const DiffResult& r, size_t cause, const Limits& lim,
                     const std::map<std::string, size_t>& index, const ArtifactIndex& artifacts,
                     std::string& filter) {
    const RootCause& rc = r.root_causes[cause];
    // The producer-to-consumer tree, a line per branch (explain_lines).
    mu::data lines{mu::data::type::list};
    for (const std::vector<ExplainGroup>& line : explain_lines(rc, lim.explains)) {
        mu::data groups{mu::data::type::list};
        for (size_t g = 0; g < line.size(); ++g) {
            mu::data items{mu::data::type::list};
            for (size_t i = 0; i < line[g].size(); ++i) {
                const std::string& path = rc.explains[line[g][i]];
                mu::data x;
                x.set("path", text(path));
                x.set("comma", flag(i > 0));
                auto it = index.find(path);
                x.set("anchor", it == index.end() ? std::string("artifacts") : anchor(it->second));
                items.push_back(x);
            }
            mu::data group;
            group.set("arrow", flag(g > 0));
            group.set("items", items);
            groups.push_back(group);
        }
        mu::data l;
        l.set("groups", groups);
        lines.push_back(l);
    }
    for (size_t k = 0; k < rc.explains.size() && k < lim.explains; ++k)
        filter += " " + rc.explains[k];
    std::map<std::string, std::string> anchors;
    for (const std::string& path : rc.explains)
        if (auto it = index.find(path); it != index.end()) anchors[path] = anchor(it->second);
    c.set("graph_svg", cause_graph_svg(cause_graph(r, cause, artifacts, lim.explains), cause, anchors));
    c.set("explain_lines", lines);
    c.set("has_explains", flag(!rc.explains.empty()));
    c.set("explain_count", std::to_string(rc.explains.size()));
    c.set("explain_plural", rc.explains.size() == 1 ? "" : "s");
    c.set("explains_more", rc.explains.size() > lim.explains
                               ? text(std::to_string(rc.explains.size() - lim.explains))
                               : flag(false));
    c.set("bookkeeping", rc.bookkeeping ? text(bookkeeping_words(r, cause)) : flag(false));
    mu::data trees{mu::data::type::list};
    std::vector<size_t> picked;
    auto pick = [&](const std::string& path) {
        auto it = index.find(path);
        if (it != index.end() && picked.size() < lim.chain_trees &&
            std::find(picked.begin(), picked.end(), it->second) == picked.end())
            picked.push_back(it->second);
    };
    if (!rc.explains.empty()) pick(rc.explains.front());
    for (auto& p : rc.explains)
        if (auto it = index.find(p);
            it != index.end() && has_symbols(r.artifacts[it->second].differences))
            pick(p);
    if (!rc.explains.empty()) pick(rc.explains.back());
    for (size_t k : picked) trees.push_back(artifact_view(r, k, lim.nodes_first));
    c.set("chain_trees", trees);
}

void set_causes(mu::data& v, const DiffResult& r, const Limits& lim,
                std::vector<std::string>& truncation) {
    // Index of each divergent artifact, for links from the causes.
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < r.summary.divergent_artifacts && i < r.artifacts.size(); ++i)
        index[r.artifacts[i].path] = i;
    const ArtifactIndex artifacts = index_artifacts(r);
    mu::data causes{mu::data::type::list};
    for (size_t i = 0; i < r.root_causes.size() && i < lim.causes; ++i) {
        const RootCause& rc = r.root_causes[i];
        mu::data c;
        c.set("id", std::to_string(i + 1));
        c.set("kind", std::string(root_cause_kind_name(rc.kind)));
        c.set("summary", text(rc.summary));
        std::string filter = std::string(root_cause_kind_name(rc.kind)) + " " + rc.summary;
        set_cause_details(c, rc, filter);
        set_cause_chain(c, r, i, lim, index, artifacts, filter);
        c.set("filter", text(filter));
        causes.push_back(c);
    }
    if (r.root_causes.size() > lim.causes)
        truncation.push_back(fmt::format("{} more root causes are in the JSON report.",
                                         r.root_causes.size() - lim.causes));
    v.set("causes", causes);
    v.set("has_causes", flag(!r.root_causes.empty()));
    v.set("cause_count", std::to_string(r.root_causes.size()));
}

// The divergent artifacts: the first ones open, the rest in pages.
void set_artifacts(mu::data& v, const DiffResult& r, const Limits& lim,
                   std::vector<std::string>& truncation) {
    size_t divergent = std::min(r.summary.divergent_artifacts, r.artifacts.size());
    size_t shown = std::min(divergent, lim.artifacts);
    mu::data artifacts{mu::data::type::list}, pages{mu::data::type::list};
    for (size_t i = 0; i < shown && i < lim.artifacts_open; ++i) {
        mu::data a = artifact_view(r, i, lim.nodes_first);
        a.set("open", flag(divergent <= 10));
        artifacts.push_back(a);
    }
    for (size_t first = lim.artifacts_open; first < shown; first += lim.page) {
        mu::data page, items{mu::data::type::list};
        size_t last = std::min(shown, first + lim.page);
        for (size_t i = first; i < last; ++i) items.push_back(artifact_view(r, i, lim.nodes_rest));
        page.set("first", std::to_string(first + 1));
        page.set("last", std::to_string(last));
        page.set("items", items);
        pages.push_back(page);
    }
    if (divergent > shown)
        truncation.push_back(
            fmt::format("{} more divergent artifacts are in the JSON report.", divergent - shown));
    v.set("artifacts", artifacts);
    v.set("artifact_pages", pages);
    v.set("has_artifacts", flag(divergent > 0));
    v.set("artifact_count", std::to_string(divergent));
}

// The matched invocations, in pages of 1,000.
void set_pairs(mu::data& v, const DiffResult& r, const Limits& lim,
               std::vector<std::string>& truncation) {
    mu::data pair_pages{mu::data::type::list};
    size_t pairs = std::min(r.pairs.size(), lim.pairs);
    // The rows as the page's text, escaped as the template escapes a value: fifty thousand rows
    // held as template values took 60 MB at once.
    auto escaped = [](std::string_view s) { return mu::html_escape<std::string>(clean_text(s)); };
    for (size_t first = 0; first < pairs; first += 1000) {
        mu::data page;
        size_t last = std::min(pairs, first + 1000);
        std::string rows;
        for (size_t i = first; i < last; ++i) {
            const InvocationPair& p = r.pairs[i];
            // (data-filter is empty: the filter reads the row's text)
            fmt::format_to(std::back_inserter(rows),
                           "<tr data-filter=\"\"><td>{}</td><td>{}</td><td><code>{}</code></td>"
                           "<td>{}</td></tr>\n",
                           i + 1, escaped(p.right.kind),
                           escaped(display_command(p.right.argv, 300)),
                           p.outputs_differ ? "differ" : "same");
        }
        page.set("first", std::to_string(first + 1));
        page.set("last", std::to_string(last));
        page.set("rows", rows);
        pair_pages.push_back(page);
    }
    if (lim.pairs > 0 && r.pairs.size() > pairs)
        truncation.push_back(
            fmt::format("{} more matched invocations are not listed.", r.pairs.size() - pairs));
    v.set("pair_pages", pair_pages);
    v.set("has_pairs", flag(pairs > 0));
    v.set("pair_count", std::to_string(r.pairs.size()));
}

// What the builds left outside their roots: named, not compared.
void set_outside(mu::data& v, const DiffResult& r, const Limits& lim,
                 std::vector<std::string>& truncation) {
    mu::data list{mu::data::type::list};
    size_t shown = std::min(r.outside.size(), lim.outside);
    for (size_t i = 0; i < shown; ++i) {
        mu::data x;
        x.set("path", text(r.outside[i].path));
        x.set("words", text(outside_words(r.outside[i])));
        list.push_back(x);
    }
    if (r.outside.size() > shown)
        truncation.push_back(fmt::format("{} more files written outside the build roots are in "
                                         "the JSON report.",
                                         r.outside.size() - shown));
    v.set("outside", list);
    v.set("has_outside", flag(shown > 0));
    std::string heading(kOutsideHeading);
    heading[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(heading[0])));
    v.set("outside_heading", text(heading));
}

mu::data build_view(const DiffResult& r, const Limits& lim, std::vector<std::string>& truncation) {
    mu::data v;
    set_summary(v, r);
    set_causes(v, r, lim, truncation);
    set_artifacts(v, r, lim, truncation);
    set_pairs(v, r, lim, truncation);
    set_outside(v, r, lim, truncation);
    return v;
}

std::string render(std::string_view tmpl, mu::data view, bool markdown) {
    mu::mustache t{std::string(tmpl)};
    if (markdown) t.set_custom_escape(markdown_escape);
    view.set("tree", mu::partial([] { return std::string(k_tree_html); }));
    std::string out = t.render(view);
    if (!t.is_valid()) throw std::logic_error("report template: " + t.error_message());
    return out;
}

// Each build over time, the steps of the first CAUSES root causes (those the page lists)
// outlined and numbered on both sides.
void set_timelines(mu::data& view, const DiffResult& r, size_t causes) {
    view.set("has_timelines", flag(r.timelines.size() == 2));
    if (r.timelines.size() != 2) return;
    mu::data list{mu::data::type::list};
    for (size_t side = 0; side < 2; ++side) {
        const Timeline& t = r.timelines[side];
        std::vector<TimelineMark> marks;
        for (size_t i = 0; i < std::min(causes, r.root_causes.size()); ++i) {
            const RootCause& rc = r.root_causes[i];
            const std::optional<InvocationRef>& step = side == 0 ? rc.left : rc.right;
            if (step)
                marks.push_back({step->id, i + 1,
                                 fmt::format("root cause #{}: {}", i + 1, rc.summary)});
        }
        mu::data v;
        v.set("side", side == 0 ? "left" : "right");
        v.set("name", text(side == 0 ? r.left_name : r.right_name));
        // Both to one scale, so that the longer build looks longer.
        std::uint64_t span = std::max(r.timelines[0].duration_ns, r.timelines[1].duration_ns);
        v.set("svg", timeline_svg(t, marks, side == 0 ? "timeline-left" : "timeline-right",
                                  side == 0 ? "left" : "right", span));
        v.set("legend", timeline_legend_html(t));
        v.set("banded", flag(t.banded));
        v.set("steps", std::to_string(t.bars.size()));
        list.push_back(v);
    }
    view.set("timelines", list);
}

// Build scripts one build used the native work of and the other did not (a check against a
// build), or that ran in one build only.
void set_build_scripts(mu::data& view, const DiffResult& r) {
    mu::data list{mu::data::type::list};
    if (r.build_scripts.size() == 2)
        for (const std::string& crate : build_script_crates(r.build_scripts[0], r.build_scripts[1])) {
            std::vector<std::string> lines =
                compare_build_script(crate, r.build_scripts[0], r.build_scripts[1]);
            if (lines.empty()) continue;
            mu::data item, rest{mu::data::type::list};
            item.set("name", text(lines[0]));
            for (size_t i = 1; i < lines.size(); ++i) rest.push_back(text(lines[i]));
            item.set("lines", rest);
            list.push_back(item);
        }
    view.set("has_build_scripts", flag(!list.is_empty_list()));
    view.set("build_scripts", list);
}

}  // namespace

std::string render_diff_html(const DiffResult& r) {
    std::vector<std::string> truncation;
    // 200 artifacts in full (200 tree lines each), then pages of 500 with 5 tree lines each:
    // 20,000 invocations and 1,000 divergent artifacts stay well under 10 MB.
    Limits lim{200, 50, 3, 200, 5000, 500, 200, 5, 50000, 5, 200};
    mu::data view = build_view(r, lim, truncation);
    set_timelines(view, r, lim.causes);
    set_build_scripts(view, r);
    mu::data t{mu::data::type::list};
    for (auto& x : truncation) t.push_back(mu::data(x));
    view.set("truncation", t);
    return render(k_report_html, std::move(view), false);
}

std::string render_diff_markdown(const DiffResult& r) {
    // Within 64 KiB (GitHub's step-summary and comment limits): fewer items until it fits.
    constexpr size_t kMax = 64 * 1024;
    Limits lim{10, 12, 0, 20, 20, 20, 0, 0, 0, 5, 10};
    for (;;) {
        std::vector<std::string> truncation;
        mu::data view = build_view(r, lim, truncation);
        mu::data t{mu::data::type::list};
        for (auto& x : truncation)
            t.push_back(mu::data(x + " (the JSON and HTML reports have everything)"));
        view.set("truncation", t);
        std::string out = render(k_report_md, std::move(view), true);
        if (out.size() <= kMax || (lim.causes <= 1 && lim.artifacts <= 1)) {
            if (out.size() > kMax) {
                out.resize(kMax - 64);
                out += "\n\n_(cut at 64 KiB: the JSON and HTML reports have everything)_\n";
            }
            return out;
        }
        lim.causes = std::max<size_t>(1, lim.causes / 2);
        lim.artifacts = lim.artifacts_open = std::max<size_t>(1, lim.artifacts / 2);
        lim.explains = std::max<size_t>(3, lim.explains / 2);
        lim.outside = std::max<size_t>(1, lim.outside / 2);
    }
}

}  // namespace buildiff
