// `buildiff audit`: the same build run several times under the recorder (without a cache, with
// a cold and a warm private cache, with reprotest-style variations), each in a fresh copy of the
// source tree, and every pair of runs diffed into one output directory.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit_report.h"
#include "audit/evidence.h"
#include "diff/differ.h"
#include "recording/recording.h"

namespace buildiff {

struct AuditOptions {
    std::string cache = "ccache";   // none | ccache | sccache | a wrapper COMMAND
    std::vector<std::string> runs;  // default: plain, cold, warm (none: plain, again)
    std::vector<std::string> vary;  // build-path (default), tz, locale, umask, sde, jobs; none
    std::string out = "buildiff-audit";
    bool keep = false;  // keep the build trees after the reports are written
    std::vector<std::string> command;
    std::string self;  // this buildiff executable (runs `record`)
    // Evidence kept under OUT/evidence/ for re-running the comparison later (smallest first).
    std::uint64_t max_evidence = 64ull << 20;
    bool strict = false;  // every divergent file decides the verdict, not only deliverables
    // Re-run the most telling pair's causes (buildiff confirm) while the trees are there: on by
    // default with --keep. `confirm_budget` is its time in seconds.
    std::optional<bool> confirm;
    double confirm_budget = 60;
};

// A pair of runs diffed as the audit does it: the audit's own cache set-up (when a run is
// cached) is never a cause, the variation that exposed a cause is named, and a build path
// served from a cache is noted.
// `options` brings the caller's maps, ignores and evidence.
DiffResult diff_audit_pair(const Recording& left, const Recording& right, const AuditRun& a,
                           const AuditRun& b, bool build_path, DiffOptions options);

// Every pair of runs diffed (`trees_now`: where each run's tree is now, "" where it was
// recorded), and what an audit directory holds about them: report.json (`head`, its runs
// diffed into its pairs), report.html (the most telling pair), a page per pair and summary.md; with the pairs'
// divergent artifacts as evidence candidates.
struct AuditReports {
    AuditReport report;
    std::vector<std::pair<std::string, std::string>> files;  // name in the directory, content
    std::vector<EvidenceItem> candidates, gone;
    bool divergent = false;
};
// CONFIRM, when given, is called on the most telling pair (the runs' indexes) before its
// reports are rendered: `buildiff confirm` fills in its causes' confirmations.
using PairHook = std::function<void(DiffResult&, size_t left, size_t right)>;
AuditReports diff_audit_runs(AuditReport head, const std::vector<Recording>& recs,
                             bool build_path, const std::vector<std::string>& trees_now,
                             bool strict = false, const PairHook& confirm = {});

// Exit status: 0 when every pair of runs is identical, 1 when any diverges, 2 on trouble (a build
// failed: its log is kept and named).
int run_audit(const AuditOptions& options);

}  // namespace buildiff
