// Input resolution for `buildiff diff`: each side may be a recording (a file, or a pipe), a run of
// an audit directory or a bundle (SET:RUN), one audit directory or bundle (its most telling
// pair), or a plain file or directory (the artifact differ).
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "diff/differ.h"
#include "diff/model.h"

namespace buildiff {

// Compares SPECS (one or two), as `buildiff diff` names them. Errors name the input.
Result<DiffResult> diff_inputs(const std::vector<std::string>& specs, DiffOptions options);

}  // namespace buildiff
