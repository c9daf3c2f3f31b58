// Plain-file mode: `buildiff diff a.so b.so`, `buildiff diff dirA dirB`, `buildiff diff a.whl
// b.whl`. No invocation data: the artifacts alone, with the same comparators and reports.
#pragma once

#include <string>

#include "base/result.h"
#include "diff/compare.h"
#include "diff/differ.h"
#include "diff/model.h"

namespace buildiff {

// Two files, or two directories walked recursively (symbolic links compared by target, never
// followed). A malformed top-level file is an Error naming it; inside a directory walk it is an
// "error" node of that file's artifact.
// Two files named on the command line may be pipes (`<(objdump -d a.o)`): read to the end.
Result<DiffResult> diff_plain(const std::string& left, const std::string& right,
                              const DiffOptions& options, const CompareLimits& limits = {});
// Two files already opened (a pipe is read once, to tell a recording from another file).
Result<DiffResult> diff_plain_files(const Blob& left, const Blob& right,
                                    const CompareLimits& limits = {});

}  // namespace buildiff
