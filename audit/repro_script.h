// The reproducer a confirmation leaves: repro/cause-N.sh, a standalone POSIX shell script that
// sets up the step's recorded inputs (checked with sha256sum; from the build tree, else from the
// evidence/ of the audit directory or unpacked bundle it is in), runs both configurations and
// prints the hashes of what each wrote. It exits 0 when the outputs differ (the divergence
// reproduces), 1 when they do not, 2 on trouble (an input missing or changed, a run failing).
#pragma once

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/result.h"
#include "recording/recording.h"

namespace buildiff {

// One configuration of a step, with the recorded build root in its paths.
struct StepConfig {
    std::vector<std::string> argv;
    EnvVars env;
    std::string cwd, root;
    std::map<std::string, bool> inputs;  // relative path -> the right build's version (else left)
};

struct ReproInput {
    std::string rel;     // under the root
    std::string from;    // where the script copies it from
    std::string sha256;  // of the recorded version
};

struct ReproCase {
    std::size_t number = 0;  // the root cause's, 1-based
    std::string kind, summary;
    StepConfig left, right;
    std::vector<ReproInput> left_inputs, right_inputs;
    std::set<std::string> outputs;     // relative paths, compared
    std::vector<std::string> minimal;  // the differences that reproduce it, in words
    bool separate_roots = false;  // the build root is among them: each run in its own directory
    bool ccache = false;          // CCACHE_DISABLE=1 for both runs
    bool pause = false;  // the second run starts a second later (a step that reads the clock)
};

// The script's text.
std::string repro_script(const ReproCase& c);
// Writes DIR/cause-N.sh (executable); returns its path.
Result<std::string> write_repro_script(const std::string& dir, const ReproCase& c);

}  // namespace buildiff
