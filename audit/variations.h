// The audit's variations (--vary): what differs between its runs, and how it is applied to the
// build for real: through the environment (tz, locale, sde, jobs, time, home, path, env), through
// the process the build starts as (umask, aslr, kernel, cpus, host, user), or through the tree it
// builds in (build-path, order). Each is recorded per run, so that a cause can say which variation
// exposed it; one this machine cannot apply is refused with the reason, never skipped silently.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace buildiff {

// What a run's build process gets besides its environment, set in the forked child before it
// execs `buildiff record` (whose children inherit it).
struct ProcessSetup {
    unsigned umask_value = 022;
    unsigned long personality = 0;  // flags added to the personality (ADDR_NO_RANDOMIZE, UNAME26)
    int cpus = 0;                   // run on the first N CPUs only (0: every CPU)
    std::string hostname;           // in a UTS namespace of its own ("": the machine's)
    int uid = -1, gid = -1;         // run as this user and group (-1: as buildiff runs)
};

// In the forked child: applies SETUP; "" or what failed (the child then exits 125).
std::string apply_in_child(const ProcessSetup& setup);

// What the variations set for one run.
struct VariedRun {
    std::map<std::string, std::string> env;        // set for this run
    // Set in the build's environment only, not in the recorder's (`buildiff record --env`):
    // libfaketime's preload, which buildiff itself must not load.
    std::map<std::string, std::string> build_env;
    ProcessSetup setup;
    std::map<std::string, std::string> variations;  // for the report: "TZ" -> "UTC", "aslr" -> "off"
    bool order = false;                            // built on a disorderfs view of its tree
    std::string user;                              // the throw-away user it runs as ("": none)
};

// Where the run's variation gets what it needs: the audit's output directory, the run's name and
// index (the first run keeps the most ordinary setting).
struct VariationSite {
    std::string out, run_name;
    std::size_t index = 0;
};

// Every variation's name, in the order `--vary all` applies them.
std::vector<std::string_view> variation_names();
bool is_variation(std::string_view name);
// Why this machine cannot apply variation NAME, in words ("" when it can). Checked once.
std::string variation_refused(std::string_view name);
void apply_variation(std::string_view name, VariedRun& run, const VariationSite& site);

// The key of the run's variations (AuditRun::variations) that an environment variable a
// variation sets is shown under ("LANG" -> "LC_ALL", "HOME" -> "home"); "" for none.
std::string variation_of_env(std::string_view env_name);
// Keys of variations that act on the processes and show in neither a command line nor an
// environment (umask, aslr, kernel, cpus, host, user, order): a nondeterministic step's output
// that differs is theirs to explain.
bool acts_unseen(std::string_view key);

// The throw-away user the `user` variation runs a build as: created when missing (uid, gid);
// false with ERROR when it cannot be.
bool throwaway_user(int& uid, int& gid, std::string& error);
constexpr std::string_view kThrowawayUser = "buildiff-vary";

// The time variation's library (libfaketime), or "" when it is not installed.
std::string faketime_library();

}  // namespace buildiff
