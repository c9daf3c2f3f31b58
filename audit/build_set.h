// A set of builds as one input: an audit directory, or a bundle (`buildiff pack`'s one file, an
// audit directory's content in a .tar.gz, .zip or .tar.zst). Either holds named runs with their
// recordings, the audit's report.json and the evidence it kept. A bundle is read into memory,
// never extracted, and is untrusted: unsafe member names, links and devices are refused, and
// members and the whole are bounded in size.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "audit/audit_report.h"
#include "audit/auditor.h"
#include "audit/evidence.h"
#include "base/blob.h"
#include "diff/differ.h"
#include "recording/recording.h"

namespace buildiff {

inline constexpr std::string_view kBundleFormat = "buildiff.bundle/1";

struct BundleLimits {
    std::uint64_t max_member_bytes = 256ull << 20;
    std::uint64_t max_total_bytes = 1ull << 30;
    std::size_t max_members = 100000;
};

class BuildSet {
  public:
    // An audit directory (report.json of buildiff.audit/1) or a bundle (an archive whose first
    // member is MANIFEST.json).
    static bool detect(const std::string& path);
    static Result<BuildSet> open(const std::string& path, const BundleLimits& limits = {});

    const std::string& path() const { return m_path; }
    bool is_bundle() const { return m_bundle; }
    const std::vector<AuditRun>& runs() const { return m_report.runs; }
    const AuditRun* run(const std::string& name) const;
    // The run a set named without one stands for: its only run; else an error naming them all.
    Result<std::string> only_run() const;
    // report.json: an audit's, or the one `pack` wrote for recordings.
    const AuditReport& report() const { return m_report; }
    const nlohmann::json& manifest() const { return m_manifest; }  // bundles only
    const Evidence& evidence() const { return m_evidence; }
    bool build_path_varied() const;
    // Member names (bundle) or files (directory) it holds, sorted.
    std::vector<std::string> members() const;

    Result<Recording> recording(const std::string& run) const;
    // A kept version by its recorded hash, checked against that hash unless it was redacted.
    std::optional<Blob> evidence_blob(const std::string& hash) const;
    // The run's build tree when it is still on disk next to the audit (audit --keep), else "".
    std::string tree_now(const std::string& run) const;
    // `buildiff diff` of one set: the pair report.html shows.
    std::pair<std::string, std::string> main_pair() const;

    // A member's bytes (bundle) or a file's (directory), by its name in the set.
    Result<std::string> member(const std::string& name) const;

  private:
    std::string m_path;
    bool m_bundle = false;
    std::map<std::string, std::string> m_members;  // bundle: name -> bytes
    AuditReport m_report;
    nlohmann::json m_manifest;
    Evidence m_evidence;
    std::map<std::string, EvidenceFile> m_by_hash;  // kept versions by recorded hash
    mutable std::map<std::string, std::optional<Blob>> m_blobs;
};

// A pair of runs of one set diffed as its audit did (see diff_audit_pair), with the set's
// evidence and kept trees.
Result<DiffResult> diff_set_pair(const BuildSet& set, const std::string& left_run,
                                 const std::string& right_run, DiffOptions options);

// A recording named on the command line: a recording file, `SET:RUN` (a run of an audit
// directory or bundle), or a set that holds one run. `set` receives the set when there is one.
Result<Recording> load_recording(const std::string& spec,
                                 std::shared_ptr<const BuildSet>* set = nullptr);

// `buildiff show SET`: its runs, pairs with verdicts, and evidence kept and left out.
std::string describe_set(const BuildSet& set);

// Splits `SET:RUN` when SET is a build set and the spec itself is not an existing file.
std::optional<std::pair<std::string, std::string>> split_set_spec(const std::string& spec);

}  // namespace buildiff
