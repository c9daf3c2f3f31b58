// The audit's pairs: every pair of runs diffed as the audit does it, and what the audit directory
// holds about them (report.json, report.html, a page per pair, summary.md, evidence candidates).
// The runs themselves are audit/audit_run.cc.
#include "audit/auditor.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include <fmt/core.h>
#include <fmt/ranges.h>

#include "audit/build_set.h"
#include "audit/confirm.h"
#include "audit/evidence.h"
#include "audit/variations.h"
#include "diff/differ.h"
#include "recording/recording.h"
#include "report/diff_render.h"

namespace buildiff {

namespace {

// The variation that explains a root cause, said in its details: the build-path variation for a
// build-path cause; the variation that set an environment variable for an env cause; for a
// nondeterministic step (its command, environment and inputs the same), the variations that act
// where neither shows (umask, aslr, kernel, cpus, host, user, order, time); for a command line
// whose words only moved, the order variation.
void name_variations(DiffResult& r, const AuditRun& l, const AuditRun& rr, bool build_path) {
    auto differs = [&](const std::string& key) -> std::optional<std::string> {
        auto a = l.variations.find(key), b = rr.variations.find(key);
        if (a == l.variations.end() || b == rr.variations.end() || a->second == b->second)
            return std::nullopt;
        return fmt::format("{} -> {}", a->second, b->second);
    };
    std::vector<std::pair<std::string, std::string>> unseen;  // variation, "a -> b"
    for (const auto& [key, value] : l.variations)
        if (acts_unseen(key))
            if (auto change = differs(key)) unseen.emplace_back(key, *change);
    for (RootCause& rc : r.root_causes) {
        if (rc.kind == RootCauseKind::BuildPath && build_path)
            rc.details.push_back(
                fmt::format("exposed by the build-path variation: {} -> {}", l.tree, rr.tree));
        if (rc.kind == RootCauseKind::Env) {
            std::set<std::string> said;
            for (const EnvChange& e : rc.env) {
                std::string key = variation_of_env(e.name);
                if (key.empty() || !said.insert(key).second) continue;
                if (auto change = differs(key))
                    rc.details.push_back(
                        fmt::format("exposed by the {} variation: {}", key, *change));
            }
        }
        if (rc.kind == RootCauseKind::Nondeterministic) {
            // An environment variable a variation set, seen at the step (HOME, PATH, ...): that
            // variation exposed it.
            bool named = false;
            std::set<std::string> said;
            for (const EnvChange& e : rc.env) {
                std::string key = variation_of_env(e.name);
                if (key.empty() || !said.insert(key).second) continue;
                if (auto change = differs(key)) {
                    rc.details.push_back(
                        fmt::format("exposed by the {} variation: {}", key, *change));
                    named = true;
                }
            }
            // Else what acts where nothing shows: said as what it is, a variation the runs
            // differed in, which a step that differs without it too would not need.
            if (!named && unseen.size() == 1)
                rc.details.push_back(fmt::format(
                    "exposed by the {} variation: {} (it shows in no command or environment; a "
                    "step that differs without it too is nondeterministic by itself)",
                    unseen[0].first, unseen[0].second));
            if (!named && unseen.size() > 1) {
                std::string list;
                for (const auto& [key, change] : unseen)
                    list += fmt::format("{}{} ({})", list.empty() ? "" : ", ", key, change);
                rc.details.push_back(fmt::format(
                    "exposed by one of the variations that show in no command or environment: "
                    "{}",
                    list));
            }
        }
        if (rc.kind == RootCauseKind::Flags && rc.left && rc.right && differs("order")) {
            std::vector<std::string> a = rc.left->argv, b = rc.right->argv;
            std::sort(a.begin(), a.end());
            std::sort(b.begin(), b.end());
            if (a == b)
                rc.details.push_back(fmt::format(
                    "exposed by the order variation: {} (the command lists the same words in "
                    "another order: a list made from a directory's entries)",
                    *differs("order")));
        }
    }
}

void find_comp_dirs(const std::vector<Difference>& list, std::vector<std::string>& out) {
    for (const Difference& d : list) {
        if (d.kind == "dwarf-comp-dir") out.push_back(d.right);
        find_comp_dirs(d.children, out);
    }
}

// An object served from cache that names another run's directory in its DWARF: the cache
// handed back a build path (ccache with hash_dir = false does this across directories).
void note_cache_leaks(DiffResult& r, const AuditRun& right) {
    for (size_t i = 0; i < r.root_causes.size(); ++i) {
        RootCause& rc = r.root_causes[i];
        if (rc.kind != RootCauseKind::Cache) continue;
        std::set<std::string> foreign;
        for (const Artifact& a : r.artifacts) {
            if (a.root_cause != static_cast<int>(i)) continue;
            std::vector<std::string> dirs;
            find_comp_dirs(a.differences, dirs);
            for (auto& d : dirs)
                if (!d.starts_with(right.kept_tree) && !d.starts_with(right.tree))
                    foreign.insert(d);
        }
        for (auto& d : foreign)
            rc.details.push_back(fmt::format(
                "build-path leak served from cache: run {} got an object whose DW_AT_comp_dir is "
                "{}, "
                "another build's directory (ccache's hash_dir = false shares objects across "
                "directories)",
                right.name, d));
    }
}

}  // namespace

DiffResult diff_audit_pair(const Recording& left, const Recording& right, const AuditRun& a,
                           const AuditRun& b, bool build_path, DiffOptions options) {
    // Only the audit's own cache set-up is a treatment; recordings packed together (no run
    // cached) are diffed as `buildiff diff` would.
    if (a.cached || b.cached)
        options.treatment_env = {
            "CC",         "CXX",         "RUSTC_WRAPPER",      "CCACHE_DISABLE",
            "CCACHE_DIR", "SCCACHE_DIR", "SCCACHE_SERVER_PORT"};
    DiffResult r = diff_recordings(left, right, options);
    r.left_name = a.name;
    r.right_name = b.name;
    for (const AuditRun* run : {&a, &b})
        if (!run->not_plain.empty())
            r.notes.push_back(fmt::format("run {} is not plain: {}", run->name, run->not_plain));
    name_variations(r, a, b, build_path);
    note_cache_leaks(r, b);
    return r;
}

AuditReports diff_audit_runs(AuditReport head, const std::vector<Recording>& recs,
                             bool build_path, const std::vector<std::string>& trees_now,
                             bool strict, const PairHook& confirm) {
    AuditReports out;
    const std::vector<AuditRun>& runs = head.runs;
    std::vector<DiffResult> results;
    for (size_t a = 0; a < runs.size(); ++a)
        for (size_t b = a + 1; b < runs.size(); ++b) {
            DiffOptions opts;
            opts.strict = strict;
            opts.private_parents = true;  // trees/RUN/SRC
            opts.left_tree = trees_now[a];
            opts.right_tree = trees_now[b];
            DiffResult r = diff_audit_pair(recs[a], recs[b], runs[a], runs[b], build_path, opts);
            // Never silently: what was not varied, or only in part, is on every pair's page.
            for (const auto& [name, why] : head.refused)
                r.notes.push_back(fmt::format("variation {} refused: {}", name, why));
            for (const std::string& note : head.variation_notes)
                r.notes.push_back("variation " + note);
            std::string pair = runs[a].name + "-vs-" + runs[b].name;
            evidence_candidates(
                r, runs[a].name, runs[b].name, trees_now[a].empty() ? recs[a].cwd : trees_now[a],
                trees_now[b].empty() ? recs[b].cwd : trees_now[b], out.candidates, out.gone);
            head.pairs.push_back({runs[a].name, runs[b].name, r.divergent, pair + ".html",
                                  nlohmann::ordered_json::parse(render_diff_json(r))});
            results.push_back(std::move(r));
        }
    // The most telling pair: the files its causes' steps read, kept as evidence so that they can
    // be re-run after the trees are gone; its causes proved by re-running them (when asked).
    if (!results.empty()) {
        size_t main = head.main_pair();
        AuditPair& p = head.pairs[main];
        auto index = [&](const std::string& name) {
            return static_cast<size_t>(
                std::find_if(runs.begin(), runs.end(),
                             [&](const AuditRun& r) { return r.name == name; }) -
                runs.begin());
        };
        size_t a = index(p.left), b = index(p.right);
        StepInputs inputs = rerun_inputs(recs[a], recs[b], results[main]);
        for (auto [side, run] : {std::pair{&inputs.left, a}, std::pair{&inputs.right, b}})
            step_input_candidates(*side, recs[run].cwd, runs[run].name,
                                  trees_now[run].empty() ? recs[run].cwd : trees_now[run],
                                  out.candidates, out.gone);
        if (confirm) {
            confirm(results[main], a, b);
            p.report = nlohmann::ordered_json::parse(render_diff_json(results[main]));
        }
    }
    std::string markdown = "# buildiff audit\n\n";
    if (!head.variations.empty() || !head.refused.empty()) {
        markdown += fmt::format("Variations applied: {}.", head.variations.empty()
                                                                ? std::string("none")
                                                                : fmt::format("{}", fmt::join(head.variations, ", ")));
        for (const auto& [name, why] : head.refused)
            markdown += fmt::format(" Refused: {} ({}).", name, why);
        for (const std::string& note : head.variation_notes) markdown += " Partly: " + note + ".";
        markdown += "\n\n";
    }
    markdown += "| runs | verdict | root causes | divergent artifacts |\n|---|---|---:|---:|\n";
    std::string details;
    std::vector<std::string> pages;
    for (size_t i = 0; i < results.size(); ++i) {
        const DiffResult& r = results[i];
        const AuditPair& p = head.pairs[i];
        pages.push_back(render_diff_html(r));
        out.files.emplace_back(p.html, pages.back());
        markdown += fmt::format("| {} vs {} | {} | {} | {} |\n", p.left, p.right,
                                r.divergent ? "**divergent**" : "identical",
                                r.root_causes.size(), r.summary.divergent_artifacts);
        if (r.divergent && details.empty()) details = render_diff_markdown(r);
        out.divergent |= r.divergent;
    }
    out.files.emplace_back("report.json", audit_report_json(head));
    if (!pages.empty())  // one recording packed alone has no pair to show
        out.files.emplace_back("report.html", pages[head.main_pair()]);
    // The first divergent pair in detail; the summary stays within GitHub's 64 KiB.
    if (markdown.size() + details.size() > 64 * 1024)
        details.resize(64 * 1024 - markdown.size() - 100);
    out.files.emplace_back("summary.md", markdown + "\n" + details);
    out.report = std::move(head);
    return out;
}

}  // namespace buildiff
