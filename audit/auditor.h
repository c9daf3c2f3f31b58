// `buildiff audit`: the same build run several times under the recorder (without a cache, with
// a cold and a warm private cache, with reprotest-style variations), each in a fresh copy of the
// source tree, and every pair of runs diffed into one output directory.
#pragma once

#include <string>
#include <vector>

namespace buildiff {

struct AuditOptions {
    std::string cache = "ccache";   // none | ccache | sccache | a wrapper COMMAND
    std::vector<std::string> runs;  // default: plain, cold, warm (none: plain, again)
    std::vector<std::string> vary;  // build-path (default), tz, locale, umask, sde, jobs
    std::string out = "buildiff-audit";
    bool keep = false;  // keep the build trees after the reports are written
    std::vector<std::string> command;
    std::string self;  // this buildiff executable (runs `record`)
};

// Exit status: 0 when every pair of runs is identical, 1 when any diverges, 2 on trouble (a build
// failed: its log is kept and named).
int run_audit(const AuditOptions& options);

}  // namespace buildiff
