// An audit's report.json (buildiff.audit/1) as one typed model, written and read here only: the
// audit writes it, `pack` writes one for the recordings it diffs, and an audit directory or a
// bundle is read back through it.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace buildiff {

inline constexpr std::string_view kAuditFormat = "buildiff.audit/1";

// One run of the build; what a pair diff needs to know of it.
struct AuditRun {
    std::string name;
    std::string recording;                          // where its recording was written
    std::string tree;                               // where it was built
    std::string kept_tree;                          // where its tree was kept after the run
    std::map<std::string, std::string> variations;  // what this run varied, for the report
    bool cached = false;
    std::string not_plain;  // why a plain run was not plain
};

// Two runs diffed: the verdict, the pair's own page in the set and its diff report
// (buildiff.report/1) as the differ wrote it.
struct AuditPair {
    std::string left, right;
    bool divergent = false;
    std::string html;
    nlohmann::ordered_json report = nlohmann::ordered_json::object();
};

struct AuditReport {
    // The audited command and its cache set-up; none for recordings `pack` diffed.
    std::optional<std::vector<std::string>> command;
    std::optional<std::string> cache;
    std::vector<std::string> variations;  // what differed between the runs (build-path, tz, ...)
    // Variations asked for that this machine could not apply: (name, why).
    std::vector<std::pair<std::string, std::string>> refused;
    // Variations applied only in part ("time: libfaketime reached 41 of 43 processes; ...").
    std::vector<std::string> variation_notes;
    std::vector<AuditRun> runs;
    std::vector<AuditPair> pairs;

    bool divergent() const;
    const AuditRun* run(const std::string& name) const;
    bool varies(std::string_view variation) const;
    // The most telling pair (report.html shows it): one with a cache root cause, else the first
    // divergent one, else the first. Only when there are pairs.
    std::size_t main_pair() const;
};

std::string audit_report_json(const AuditReport& report);
// `where` names the file in errors. Run names are checked (letters, digits, - and _, distinct),
// and every pair names runs of the report.
Result<AuditReport> parse_audit_report(std::string_view text, const std::string& where);

// "plain vs cold: divergent (1 root cause, 2 divergent artifacts)".
std::string describe_pair(const AuditPair& pair);

}  // namespace buildiff
