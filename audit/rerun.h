// One build step run again, shut in: in its own mount, network and process namespaces, a scratch
// directory mounted where the build root was recorded, every other file system read-only, no
// network, a time limit, and buildiff's own recorder watching what it reads and writes.
#pragma once

#include <string>
#include <vector>

#include "recording/recording.h"

namespace buildiff {

struct RerunSpec {
    std::vector<std::string> argv;  // argv[0] is looked up in the environment's PATH
    EnvVars env;
    std::string cwd;      // as the step sees it (under `root`)
    std::string root;     // where `image` appears: the build root the step was recorded in
    std::string image;    // the scratch copy of the root (written by the step)
    std::string scratch;  // stays writable: the recording, TMPDIR
    std::string recording;  // where the recorder writes (under `scratch`)
    std::string self;       // the buildiff executable (its `record` command)
    double limit_seconds = 30;
};

struct RerunOutcome {
    bool ran = false;        // the step started (under the recorder)
    bool timed_out = false;  // killed at the limit, with everything it started
    int status = -1;         // the step's exit status (as `buildiff record` gives it)
    double seconds = 0;
    std::string error;  // why it could not run, in words
};

// Runs SPEC and waits for it (or its limit). The directories leading to `root` that did not
// exist are made for the mount and removed afterwards.
RerunOutcome rerun_isolated(const RerunSpec& spec);

}  // namespace buildiff
