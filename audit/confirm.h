// `buildiff confirm`: a root cause proved by re-running its step. The step (a compile, an
// assembly, an archive or a link, as the build ran it) is run again in a scratch root with the
// left build's configuration and with the right one's; a configuration run twice tells a
// nondeterministic step; delta debugging (ddmin) over the differences between the two finds the
// smallest set that turns the left output into the right one; and a reproducer script proves it
// to someone without buildiff. docs/confirm.md says what is run and how it is shut in.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/blob.h"
#include "diff/model.h"
#include "recording/recording.h"

namespace buildiff {

struct ConfirmOptions {
    std::vector<int> causes;  // 1-based numbers; empty: every root cause
    double budget_seconds = 60;     // for the whole command
    double run_limit_seconds = 30;  // for each re-run
    std::string self;               // the buildiff executable (its recorder runs each step)
    std::string scratch_parent;     // "" : $TMPDIR, else /tmp
    std::string repro_dir;          // where repro/cause-N.sh go; "" : none
    // Where each build's root is on disk now ("" : where it was recorded).
    std::string left_tree, right_tree;
    // Recorded files kept elsewhere (an audit's or a bundle's evidence), by content hash.
    std::function<std::optional<Blob>(const std::string& hash)> evidence;
    std::function<void(const std::string&)> progress;  // a line per re-run, for stderr
};

// Fills RootCause::confirmation of the chosen causes of RESULT (the diff of LEFT and RIGHT).
// Returns the refusals: an input that changed since it was recorded, named (trouble: exit 2).
std::vector<std::string> confirm_causes(const Recording& left, const Recording& right,
                                        DiffResult& result, const ConfirmOptions& options);

// The recorded inputs under the build root of each step `confirm_causes` would re-run for
// RESULT's root causes, per side: path relative to the root -> recorded hash. An audit and a
// bundle keep them as evidence, so a cause can be confirmed after the trees are gone.
struct StepInputs {
    std::map<std::string, std::string> left, right;
};
StepInputs rerun_inputs(const Recording& left, const Recording& right, const DiffResult& result);

// The kinds of step that can be re-run: compiler drivers and compilers proper, assemblers,
// archivers, linkers and rustc.
bool can_rerun(std::string_view kind);

}  // namespace buildiff
