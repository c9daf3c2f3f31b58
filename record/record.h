// `buildiff record`: run a build under the tracer and write its recording.
#pragma once

#include <string>
#include <vector>

namespace buildiff {

struct RecordOptions {
    std::string output = "buildiff.rec";
    std::string label;
    bool redact = true;
    bool quiet = false;  // no summary line on stderr
    // Read-only opens and chdir go to a seccomp user-notification listener (x86_64, Linux 5.19
    // and later) instead of ptrace stops; false: ptrace stops for every traced call.
    bool notify = true;
    std::vector<std::string> command;
    // NAME=VALUE set in the build's environment only (the forked child, before it execs the
    // command): buildiff itself never runs with them (an audit's LD_PRELOAD of libfaketime).
    std::vector<std::string> build_env;
};

// Returns the exit status for `buildiff record`: the build's own, 128+N when it died of signal
// N, 125 when buildiff failed, 126 when the command is not executable, 127 when not found.
int run_record(const RecordOptions& options);

}  // namespace buildiff
