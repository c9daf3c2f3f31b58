// Input resolution for `buildiff diff`: each side may be a recording (a file, or a pipe), a run of
// an audit directory or a bundle (SET:RUN), one audit directory or bundle (its most telling
// pair), or a plain file or directory (the artifact differ).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "diff/differ.h"
#include "diff/model.h"
#include "recording/recording.h"

namespace buildiff {

// Compares SPECS (one or two), as `buildiff diff` names them. Errors name the input.
Result<DiffResult> diff_inputs(const std::vector<std::string>& specs, DiffOptions options);

class BuildSet;

// Two builds with their recordings, for what needs more than the comparison (`buildiff
// confirm`): SPECS as `buildiff diff` takes them, but recordings only.
struct RecordedPair {
    Recording left, right;
    DiffResult result;
    std::string left_tree, right_tree;     // where each root is now ("" : where it was recorded)
    std::shared_ptr<const BuildSet> set;  // the audit directory or bundle, when one was named
};
Result<RecordedPair> load_recorded_pair(const std::vector<std::string>& specs,
                                        DiffOptions options);

}  // namespace buildiff
