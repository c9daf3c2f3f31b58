// The text report: verdict, root causes with their chains, then the divergent artifacts.
#include <algorithm>
#include <map>

#include <fmt/core.h>

#include "report/diff_render.h"
#include "report/show.h"

namespace buildiff {

std::string describe_invocation(const InvocationRef& r) {
    std::string what = r.kind + " " + r.tool;
    if (!r.wrapper.empty()) {
        what += " via " + r.wrapper;
        if (r.cache != CacheOutcome::Unknown)
            what += fmt::format(" ({})", cache_outcome_phrase(r.cache));
    }
    if (!r.crate.empty()) what += ", crate " + display_arg(r.crate);
    return what;
}

std::vector<std::vector<ExplainGroup>> explain_lines(const RootCause& rc, size_t limit) {
    size_t n = std::min(limit, rc.explains.size());
    // The files built from the same explained files form one group, in the order of the first.
    std::vector<ExplainGroup> groups, inputs;
    std::map<std::vector<int>, size_t> group_of;
    for (size_t k = 0; k < n; ++k) {
        const std::vector<int>& from = k < rc.explains_from.size() ? rc.explains_from[k]
                                                                   : std::vector<int>{};
        auto [it, added] = group_of.try_emplace(from, groups.size());
        if (added) {
            groups.emplace_back();
            inputs.emplace_back(from.begin(), from.end());
        }
        groups[it->second].push_back(k);
    }
    std::vector<std::vector<ExplainGroup>> lines;
    for (size_t g = 0; g < groups.size(); ++g) {
        if (inputs[g].empty()) {
            lines.insert(lines.begin(), std::vector<ExplainGroup>{groups[g]});  // the roots
            continue;
        }
        // Built from the group a line ends with: that chain goes on; else a line of its own.
        auto line = std::find_if(lines.begin(), lines.end(),
                                 [&](const auto& l) { return l.back() == inputs[g]; });
        if (line != lines.end())
            line->push_back(groups[g]);
        else
            lines.push_back({inputs[g], groups[g]});
    }
    return lines;
}

std::string outside_words(const OutsideWrite& o) {
    if (o.left_hash.empty()) return "the right build only";
    if (o.right_hash.empty()) return "the left build only";
    std::string contents = o.left_hash == o.right_hash ? "recorded contents agree"
                                                       : "recorded contents differ";
    if (o.shared)
        return "both builds wrote this very file, the later replacing the earlier's: " + contents;
    return "both builds, at this path: " + contents;
}

std::string confirmation_words(const Confirmation& c) {
    if (c.runs == 0) return c.summary;
    return fmt::format("{} ({} re-run{}, {:.1f} s)", c.summary, c.runs, c.runs == 1 ? "" : "s",
                       c.seconds);
}

std::string bookkeeping_words(const DiffResult& r, size_t cause) {
    const RootCause& rc = r.root_causes[cause];
    if (!rc.bookkeeping) return "";
    std::string names;
    for (const std::string& s : rc.bookkeeping_systems) names += (names.empty() ? "" : ", ") + s;
    return fmt::format("{} bookkeeping file{}{}", rc.bookkeeping, rc.bookkeeping == 1 ? "" : "s",
                       names.empty() ? "" : " (" + names + ")");
}

namespace {

// The difference tree under an artifact, indented, with a cap on lines per artifact so one huge
// artifact cannot bury the rest (the JSON report has everything).
void print_differences(std::FILE* out, const std::vector<Difference>& list, int depth,
                       size_t& budget) {
    for (const Difference& d : list) {
        if (budget == 0) return;
        if (d.kind == "content" && !d.children.empty()) {  // the tree says more than the hashes
            print_differences(out, d.children, depth, budget);
            continue;
        }
        --budget;
        std::string indent(static_cast<size_t>(4 + 2 * depth), ' ');
        std::string line = display_text(d.description);
        if (!d.demangled.empty()) line += "  [" + display_text(d.demangled) + "]";
        fmt::print(out, "{}{}\n", indent, line);
        for (size_t i = 0; i < d.lines.size() && budget > 0; ++i, --budget)
            fmt::print(out, "{}  {}\n", indent, display_text(d.lines[i]));
        print_differences(out, d.children, depth + 1, budget);
    }
}

// Bold, red and green on a terminal; plain text elsewhere.
struct Style {
    bool color;
    std::string bold(const std::string& t) const { return color ? "\x1b[1m" + t + "\x1b[0m" : t; }
    std::string red(const std::string& t) const { return color ? "\x1b[31m" + t + "\x1b[0m" : t; }
    std::string green(const std::string& t) const { return color ? "\x1b[32m" + t + "\x1b[0m" : t; }
};

// The verdict, on what the builds delivered (every file with --strict), and the counts.
void print_verdict(const DiffResult& r, std::FILE* out, const Style& st) {
    const DiffSummary& s = r.summary;
    auto plural = [](size_t n, const char* one, const char* many) {
        return fmt::format("{} {}", n, n == 1 ? one : many);
    };
    size_t intermediate = s.divergent_artifacts - s.divergent_deliverables;
    if (!r.divergent && s.divergent_artifacts == 0) {
        fmt::print(out, "verdict  {}: {} compared ({}), {} paired\n", st.green("identical"),
                   plural(s.artifacts, "artifact", "artifacts"),
                   plural(s.deliverables, "deliverable", "deliverables"),
                   plural(s.paired, "invocation", "invocations"));
    } else if (!r.divergent) {
        fmt::print(out,
                   "verdict  {}: every deliverable ({}) is identical; {} that reached nothing "
                   "delivered (listed below; --strict counts them)\n",
                   st.green("identical"), s.deliverables,
                   plural(intermediate, "intermediate file differs",
                          "intermediate files differ"));
    } else {
        fmt::print(out, "verdict  {}{}: {} explain{} {} (of {} artifacts){}\n", st.red("divergent"),
                   r.strict ? " (--strict: every file counts)" : "",
                   plural(r.root_causes.size(), "root cause", "root causes"),
                   r.root_causes.size() == 1 ? "s" : "",
                   plural(s.divergent_artifacts, "divergent file", "divergent files"),
                   s.artifacts,
                   r.strict ? ""
                            : fmt::format("; {} of {} differ{}", s.divergent_deliverables,
                                          plural(s.deliverables, "deliverable", "deliverables"),
                                          s.divergent_deliverables == 1 ? "s" : ""));
    }
}

// The two builds, the verdict and the counts.
void print_head(const DiffResult& r, std::FILE* out, const Style& st) {
    const DiffSummary& s = r.summary;
    fmt::print(out, "{} {} vs {}\n", st.bold("buildiff diff"), display_arg(r.left_name),
               display_arg(r.right_name));
    if (r.plain) {
        if (!r.left_root.empty())
            fmt::print(out, "trees    {} -> {}\n", display_arg(r.left_root),
                       display_arg(r.right_root));
        if (!r.divergent)
            fmt::print(out, "verdict  {}: {} file{} compared\n", st.green("identical"), s.artifacts,
                       s.artifacts == 1 ? "" : "s");
        else
            fmt::print(out, "verdict  {}: {} of {} file{} differ\n", st.red("divergent"),
                       s.divergent_artifacts, s.artifacts, s.artifacts == 1 ? "" : "s");
    } else {
        fmt::print(out, "roots    {} -> {}\n", display_arg(r.left_root), display_arg(r.right_root));
        print_verdict(r, out, st);
        fmt::print(out,
                   "         invocations: {} left, {} right, {} paired, {} only left, {} only "
                   "right\n",
                   s.left_invocations, s.right_invocations, s.paired, s.missing, s.extra);
    }
    if (s.ignored_artifacts)
        fmt::print(out, "         {} divergent artifact{} ignored (--ignore)\n",
                   s.ignored_artifacts, s.ignored_artifacts == 1 ? "" : "s");
    for (auto& note : r.notes) fmt::print(out, "note     {}\n", display_text(note));
}

void print_cause(const DiffResult& r, size_t i, std::FILE* out, const Style& st) {
    const RootCause& rc = r.root_causes[i];
    fmt::print(out, "\n{} {}\n",
               st.bold(fmt::format("root cause {} ({}):", i + 1, root_cause_kind_name(rc.kind))),
               rc.summary);
    if (rc.left)
        fmt::print(out, "  left     {}\n           {}\n", display_command(rc.left->argv, 300),
                   describe_invocation(*rc.left));
    if (rc.right)
        fmt::print(out, "  right    {}\n           {}\n", display_command(rc.right->argv, 300),
                   describe_invocation(*rc.right));
    if (rc.invocations > 1)
        fmt::print(out, "  and {} more invocation{} with the same cause\n", rc.invocations - 1,
                   rc.invocations == 2 ? "" : "s");
    if (const std::optional<Confirmation>& c = rc.confirmation) {
        std::string line = display_text(confirmation_words(*c));
        fmt::print(out, "  re-run   {}\n",
                   c->status == "confirmed" ? st.green(line)
                   : c->status == "refused" ? st.red(line)
                                            : line);
        for (auto& d : c->details) fmt::print(out, "           {}\n", display_text(d));
        if (!c->script.empty()) fmt::print(out, "           reproducer: {}\n", display_arg(c->script));
    }
    for (auto& f : rc.flags) fmt::print(out, "  flag     {}\n", f.text);
    for (auto& e : rc.env)
        fmt::print(out, "  env      {}{}: {} -> {}\n", e.name, e.impactful ? "" : " (minor)",
                   e.redacted ? "(secret)"
                   : e.left   ? display_arg(*e.left)
                              : "unset",
                   e.redacted ? "(secret, differs)"
                   : e.right  ? display_arg(*e.right)
                              : "unset");
    for (auto& d : rc.details) fmt::print(out, "  fact     {}\n", d);
    if (!rc.explains.empty()) {
        // The producer-to-consumer tree: "a.o, b.o -> lib.a -> prog", a line per branch.
        const size_t limit = 12;
        bool first = true;
        for (const std::vector<ExplainGroup>& line : explain_lines(rc, limit)) {
            std::string text;
            for (size_t g = 0; g < line.size(); ++g) {
                text += g ? " -> " : "";
                for (size_t i = 0; i < line[g].size(); ++i)
                    text += (i ? ", " : "") + display_arg(rc.explains[line[g][i]]);
            }
            fmt::print(out, "  {} {}\n", first ? "explains" : "        ", text);
            first = false;
        }
        if (rc.explains.size() > limit)
            fmt::print(out, "           ... and {} more files\n", rc.explains.size() - limit);
    }
    if (rc.bookkeeping) fmt::print(out, "  and      {}\n", bookkeeping_words(r, i));
    for (size_t k = 0; k < rc.chain.size(); ++k)
        fmt::print(out, "  {} {}: {}\n", k ? "        " : "chain   ", display_arg(rc.chain[k].first),
                   display_text(rc.chain[k].second));
}

void print_outside(const DiffResult& r, std::FILE* out, const Style& st) {
    constexpr size_t kShown = 20;
    if (r.outside.empty()) return;
    fmt::print(out, "\n{}\n", st.bold(std::string(kOutsideHeading)));
    for (size_t i = 0; i < r.outside.size() && i < kShown; ++i)
        fmt::print(out, "  {}  ({})\n", display_arg(r.outside[i].path), outside_words(r.outside[i]));
    if (r.outside.size() > kShown)
        fmt::print(out, "  ... and {} more (all of them are in the JSON report)\n",
                   r.outside.size() - kShown);
}

// A terminal report stays readable for big builds: the first ones, and a count of the rest (the
// JSON report lists them all). Difference trees: 40 lines per artifact, 400 in all; later
// artifacts are listed only.
void print_artifacts(const DiffResult& r, std::FILE* out, const Style& st) {
    const DiffSummary& s = r.summary;
    constexpr size_t kShown = 50, kLinesPerArtifact = 40;
    size_t tree_lines = 400;
    std::map<std::string, size_t> bookkeeping;  // build system -> files, listed last
    size_t shown = 0;
    // What reached a divergent deliverable first, then what reached nothing delivered, under a
    // heading of its own.
    std::vector<size_t> order;
    for (int pass = 0; pass < 2; ++pass)
        for (size_t i = 0; i < s.divergent_artifacts; ++i)
            if (reached_delivery(r, r.artifacts[i]) == (pass == 0)) order.push_back(i);
    int heading = -1;
    for (size_t i : order) {
        const Artifact& a = r.artifacts[i];
        if (!a.bookkeeping.empty()) {
            ++bookkeeping[a.bookkeeping];
            continue;
        }
        if (shown++ == kShown) break;
        if (int h = reached_delivery(r, a) ? 0 : 1; h != heading) {
            heading = h;
            fmt::print(out, "\n{}\n",
                       st.bold(h == 0 ? "divergent artifacts"
                                      : "differences that did not reach anything delivered"));
        }
        if (a.root_cause >= 0)
            fmt::print(out, "  {:<10} {}  ({}, root cause {}{})\n", a.status, display_arg(a.path),
                       a.format, a.root_cause + 1, a.is_root_output ? ", its own output" : "");
        else
            fmt::print(out, "  {:<10} {}  ({})\n", a.status, display_arg(a.path), a.format);
        size_t budget = std::min(kLinesPerArtifact, tree_lines);
        size_t before = budget;
        print_differences(out, a.differences, 0, budget);
        tree_lines -= before - budget;
        if (budget == 0 && before > 0)
            fmt::print(out, "    ... (the JSON report has the whole difference tree)\n");
    }
    size_t kept = 0;
    for (auto& [system, n] : bookkeeping) kept += n;
    if (kept && heading < 1)
        fmt::print(out, "\n{}\n", st.bold("differences that did not reach anything delivered"));
    if (s.divergent_artifacts - kept > kShown)
        fmt::print(out,
                   "  ... and {} more divergent artifacts (all of them are in the JSON report)\n",
                   s.divergent_artifacts - kept - kShown);
    for (auto& [system, n] : bookkeeping)
        fmt::print(out, "  {:<10} {} file{} of {}'s bookkeeping (in the JSON report)\n",
                   "different", n, n == 1 ? "" : "s", system);
}


// Build scripts whose native work one build used and the other did not (a check against a
// build), or that ran in one build only.
void print_build_scripts(const DiffResult& r, std::FILE* out, const Style& st) {
    if (r.build_scripts.size() != 2) return;
    bool heading = false;
    for (const std::string& crate : build_script_crates(r.build_scripts[0], r.build_scripts[1])) {
        std::vector<std::string> lines =
            compare_build_script(crate, r.build_scripts[0], r.build_scripts[1]);
        if (lines.empty()) continue;
        if (!heading) fmt::print(out, "\n{}\n", st.bold("build scripts"));
        heading = true;
        print_build_script_lines(lines, out);
    }
}

}  // namespace

void render_diff_text(const DiffResult& r, std::FILE* out, bool color) {
    Style st{color};
    print_head(r, out, st);
    for (size_t i = 0; i < r.root_causes.size(); ++i)
        print_cause(r, i, out, st);
    print_artifacts(r, out, st);
    print_outside(r, out, st);
    print_build_scripts(r, out, st);
}

}  // namespace buildiff
