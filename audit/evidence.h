// Evidence: the two versions of divergent artifacts, kept (within a size budget) so that a
// comparison can be re-run after the build trees are gone, and the files the steps of the root
// causes read, so that `buildiff confirm` can re-run them then: in an audit directory under
// evidence/, and in a bundle. evidence/index.json says which recorded file each member is.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "diff/model.h"
#include "recording/recording.h"

namespace buildiff {

inline constexpr std::string_view kEvidenceFormat = "buildiff.evidence/1";

// One version of an artifact.
struct EvidenceFile {
    std::string run;   // the run (recording) it belongs to
    std::string hash;  // as recorded (XXH3-128 hex)
    std::uint64_t size = 0;
    std::string member;     // evidence/RUN/PATH-IN-TREE
    std::string source;     // where its bytes are now (a file, or a bundle member); not serialised
    bool redacted = false;  // paths in it were masked: its bytes no longer hash to `hash`
};

// A divergent artifact of one pair of runs, with both versions.
struct EvidenceItem {
    std::string path;  // normalised ($ROOT/...)
    EvidenceFile left, right;
    std::string reason;  // why it was left out ("" when kept)
    // A file a root cause's step read (one run's version: left and right the same), kept for
    // `buildiff confirm`; not a divergent artifact.
    bool step_input = false;
};

struct Evidence {
    std::vector<EvidenceItem> kept, left_out;
    std::uint64_t budget = 0;
    // Divergent artifacts and step inputs, kept and in all (kept and left out).
    struct Counts {
        size_t artifacts_kept = 0, artifacts = 0, inputs_kept = 0, inputs = 0;
        // " and 1 of the 1 files the root causes' steps read" ("" without step inputs).
        std::string inputs_words() const;
    };
    Counts counts() const;
    nlohmann::ordered_json to_json() const;
    // From evidence/index.json; `where` names it in errors.
    static Result<Evidence> from_json(const nlohmann::json& j, const std::string& where);
};

// The divergent artifacts of a pair as candidates, each version read from under its run's tree
// now (`left_tree`, `right_tree`: the recorded root, or where the tree was moved); those whose
// files are gone or changed are left out with the reason.
void evidence_candidates(const DiffResult& result, const std::string& left_run,
                         const std::string& right_run, const std::string& left_tree,
                         const std::string& right_tree, std::vector<EvidenceItem>& candidates,
                         std::vector<EvidenceItem>& gone);

// A build packed alone (a CI baseline): every file it left in its tree, as one-version items
// (left and right the same), so a later diff against it can compare in depth.
void baseline_candidates(const Recording& rec, const std::string& run, const std::string& tree,
                         std::vector<EvidenceItem>& candidates, std::vector<EvidenceItem>& gone);

// The files under the build root a step read (path relative to ROOT, the recorded root -> recorded
// hash), as step-input items of RUN, read from under TREE now; a hash that is already a candidate
// is not added again (`buildiff confirm` looks inputs up by hash).
void step_input_candidates(const std::map<std::string, std::string>& inputs,
                           const std::string& root, const std::string& run,
                           const std::string& tree, std::vector<EvidenceItem>& candidates,
                           std::vector<EvidenceItem>& gone);

// Divergent artifacts before step inputs, the smallest first, both versions or neither, until the budget (bytes, counting each distinct
// file once) is spent; the rest are left out, each with its reason.
Evidence select_evidence(std::vector<EvidenceItem> candidates, std::uint64_t budget);

// "20M", "512k", "1G", "1500000" (bytes; k/M/G are powers of 1024, an optional B or iB is
// accepted). nullopt when malformed.
std::optional<std::uint64_t> parse_size(std::string_view text);

}  // namespace buildiff
