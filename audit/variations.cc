#include "audit/variations.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>

#include <fmt/core.h>

namespace buildiff {

namespace fs = std::filesystem;

namespace {

template <size_t N>
std::string pick(const char* const (&values)[N], size_t i) {
    return values[i % N];
}

// Whether a program named NAME is on PATH.
bool on_path(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::string all = path ? path : "/usr/bin:/bin";
    size_t start = 0;
    while (start <= all.size()) {
        size_t end = all.find(':', start);
        if (end == std::string::npos) end = all.size();
        std::string dir = all.substr(start, end - start);
        if (!dir.empty() && access((dir + "/" + name).c_str(), X_OK) == 0) return true;
        start = end + 1;
    }
    return false;
}

// Runs TRY in a forked child; whether it returned true there (the parent stays as it was).
bool works_in_a_child(const std::function<bool()>& attempt) {
    pid_t pid = fork();
    if (pid == 0) _exit(attempt() ? 0 : 1);
    int status = 0;
    return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
           WEXITSTATUS(status) == 0;
}

std::string release() {
    utsname u{};
    return uname(&u) == 0 ? u.release : "?";
}

std::string host_name() {
    utsname u{};
    return uname(&u) == 0 ? u.nodename : "?";
}

int cpu_count() {
    cpu_set_t set;
    CPU_ZERO(&set);
    return sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
}

// Whether personality FLAG can be added here (a sandbox's seccomp filter may refuse it).
bool personality_allowed(unsigned long flag) {
    return works_in_a_child([flag] {
        int now = personality(0xffffffff);
        return now != -1 && personality(static_cast<unsigned long>(now) | flag) != -1 &&
               (personality(0xffffffff) & static_cast<int>(flag));
    });
}

struct Variation {
    std::string_view name;
    void (*apply)(VariedRun& run, const VariationSite& site);
    std::string (*refused)();  // why this machine cannot apply it ("" : it can)
};

std::string never_refused() {
    return "";
}

const Variation kVariations[] = {
    {"build-path", [](VariedRun&, const VariationSite&) {}, never_refused},
    {"tz",
     [](VariedRun& run, const VariationSite& site) {
         static const char* const values[] = {"UTC", "Asia/Kolkata", "America/St_Johns"};
         run.env["TZ"] = pick(values, site.index);
         run.variations["TZ"] = run.env["TZ"];
     },
     never_refused},
    {"locale",
     [](VariedRun& run, const VariationSite& site) {
         static const char* const values[] = {"C.UTF-8", "C", "POSIX"};
         run.env["LANG"] = run.env["LC_ALL"] = pick(values, site.index);
         run.variations["LC_ALL"] = run.env["LC_ALL"];
     },
     never_refused},
    {"umask",
     [](VariedRun& run, const VariationSite& site) {
         size_t i = site.index;
         run.setup.umask_value = i % 3 == 0 ? 022 : i % 3 == 1 ? 002 : 077;
         run.variations["umask"] = fmt::format("{:04o}", run.setup.umask_value);
     },
     never_refused},
    {"sde",
     [](VariedRun& run, const VariationSite& site) {
         static const char* const values[] = {"1700000000", "1600000000", "1500000000"};
         run.env["SOURCE_DATE_EPOCH"] = pick(values, site.index);
         run.variations["SOURCE_DATE_EPOCH"] = run.env["SOURCE_DATE_EPOCH"];
     },
     never_refused},
    {"jobs",
     [](VariedRun& run, const VariationSite& site) {
         static const char* const values[] = {"1", "2", "3"};
         std::string jobs = pick(values, site.index);
         run.env["MAKEFLAGS"] = "-j" + jobs;
         run.env["CARGO_BUILD_JOBS"] = jobs;
         run.variations["jobs"] = jobs;
     },
     never_refused},
    // The clock, years ahead, through libfaketime preloaded into every dynamic program the build
    // runs (given to the build only: buildiff's recorder keeps the real clock, and a sanitizer
    // build of it could not start with a preload). Static programs are not reached: the audit
    // counts the recorded processes it reached and those it could not.
    {"time",
     [](VariedRun& run, const VariationSite& site) {
         if (site.index == 0) {
             run.variations["time"] = "the real clock";
             return;
         }
         std::string ahead = fmt::format("+{}y", 3 * site.index);
         std::string lib = faketime_library();
         auto preload = run.env.find("LD_PRELOAD");
         run.build_env["LD_PRELOAD"] = preload == run.env.end() || preload->second.empty()
                                           ? lib
                                           : lib + ":" + preload->second;
         run.build_env["FAKETIME"] = ahead;
         run.variations["time"] = ahead + " (libfaketime)";
     },
     [] {
         return faketime_library().empty()
                    ? std::string("libfaketime is not installed (Debian's faketime package)")
                    : "";
     }},
    {"aslr",
     [](VariedRun& run, const VariationSite& site) {
         bool off = site.index % 2 == 1;
         if (off) run.setup.personality |= ADDR_NO_RANDOMIZE;
         run.variations["aslr"] = off ? "off (personality ADDR_NO_RANDOMIZE)" : "on";
     },
     [] {
         std::ifstream f("/proc/sys/kernel/randomize_va_space");
         int level = 2;
         if (f >> level && level == 0)
             return std::string(
                 "address-space randomisation is off on this machine already "
                 "(kernel.randomize_va_space = 0): both runs would be the same");
         return personality_allowed(ADDR_NO_RANDOMIZE)
                    ? std::string()
                    : "personality(ADDR_NO_RANDOMIZE) is not permitted here";
     }},
    {"kernel",
     [](VariedRun& run, const VariationSite& site) {
         bool old = site.index % 2 == 1;
         if (old) run.setup.personality |= UNAME26;
         run.variations["kernel"] =
             old ? "2.6.x (personality UNAME26)" : fmt::format("{} (this machine's)", release());
     },
     [] {
         return personality_allowed(UNAME26) ? std::string()
                                             : "personality(UNAME26) is not permitted here";
     }},
    {"cpus",
     [](VariedRun& run, const VariationSite& site) {
         bool one = site.index % 2 == 1;
         if (one) run.setup.cpus = 1;
         run.variations["cpus"] = one ? "1 (CPU affinity)" : fmt::format("{}", cpu_count());
     },
     [] {
         return cpu_count() < 2 ? std::string("this machine lets buildiff use one CPU only: "
                                              "nothing to take away")
                                : "";
     }},
    {"home",
     [](VariedRun& run, const VariationSite& site) {
         if (site.index > 0) run.env["HOME"] = "/nonexistent/buildiff-home-" + site.run_name;
         auto home = run.env.find("HOME");
         run.variations["home"] = home == run.env.end() ? "(unset)" : home->second;
     },
     never_refused},
    {"user",
     [](VariedRun& run, const VariationSite& site) {
         if (site.index % 2 == 0) {
             passwd* pw = getpwuid(geteuid());
             run.variations["user"] = pw ? pw->pw_name : fmt::format("uid {}", geteuid());
             return;
         }
         std::string error;
         if (!throwaway_user(run.setup.uid, run.setup.gid, error)) return;
         run.user = std::string(kThrowawayUser);
         run.env["USER"] = run.env["LOGNAME"] = run.user;
         run.env["HOME"] = fmt::format("{}/home/{}", site.out, site.run_name);
         run.variations["user"] = fmt::format("{} (uid {}, a throw-away user)", run.user,
                                              run.setup.uid);
     },
     [] {
         if (geteuid() != 0)
             return fmt::format(
                 "it runs one build as a throw-away user, which needs root (buildiff runs as "
                 "uid {})",
                 geteuid());
         int uid, gid;
         std::string error;
         return throwaway_user(uid, gid, error) ? std::string() : error;
     }},
    {"host",
     [](VariedRun& run, const VariationSite& site) {
         if (site.index % 2 == 1) run.setup.hostname = "buildiff-vary-" + site.run_name;
         run.variations["host"] = site.index % 2 == 1
                                      ? run.setup.hostname + " (a UTS namespace of its own)"
                                      : host_name();
     },
     [] {
         bool ok = works_in_a_child([] {
             return unshare(CLONE_NEWUTS) == 0 && sethostname("buildiff-probe", 14) == 0;
         });
         return ok ? std::string()
                   : "a UTS namespace of its own (unshare(CLONE_NEWUTS)) is not permitted here";
     }},
    {"path",
     [](VariedRun& run, const VariationSite& site) {
         if (site.index == 0) {
             run.variations["path"] = "as given";
             return;
         }
         std::string dir = fmt::format("{}/vary-path/{}", site.out, site.run_name);
         std::error_code ec;
         fs::create_directories(dir, ec);
         auto path = run.env.find("PATH");
         run.env["PATH"] = (path == run.env.end() ? std::string("/usr/bin:/bin") : path->second) +
                           ":" + dir;
         run.variations["path"] = "+" + dir;
     },
     never_refused},
    {"env",
     [](VariedRun& run, const VariationSite& site) {
         if (site.index == 0) {
             run.variations["env"] = "as given";
             return;
         }
         run.env["VARIED_EXTRA_ENV"] = "run-" + site.run_name;
         run.variations["env"] = "+VARIED_EXTRA_ENV=run-" + site.run_name;
     },
     never_refused},
    // The order of directory entries, shuffled by disorderfs (FUSE) over the run's tree.
    {"order",
     [](VariedRun& run, const VariationSite& site) {
         run.order = site.index % 2 == 1;
         run.variations["order"] = run.order ? "shuffled (disorderfs)" : "as the file system lists";
     },
     [] {
         if (!on_path("disorderfs") || !on_path("fusermount"))
             return std::string("disorderfs is not installed (Debian's disorderfs package)");
         int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
         if (fd < 0)
             return fmt::format("/dev/fuse cannot be opened ({}): disorderfs needs FUSE",
                                std::strerror(errno));
         close(fd);
         return std::string();
     }},
};

const Variation* find(std::string_view name) {
    for (const Variation& v : kVariations)
        if (v.name == name) return &v;
    return nullptr;
}

}  // namespace

std::string apply_in_child(const ProcessSetup& s) {
    umask(s.umask_value);
    if (s.personality) {
        int now = personality(0xffffffff);
        if (now == -1 || personality(static_cast<unsigned long>(now) | s.personality) == -1)
            return fmt::format("personality: {}", std::strerror(errno));
    }
    if (s.cpus > 0) {
        cpu_set_t all, set;
        CPU_ZERO(&set);
        if (sched_getaffinity(0, sizeof all, &all) != 0)
            return fmt::format("sched_getaffinity: {}", std::strerror(errno));
        int taken = 0;
        for (int c = 0; c < CPU_SETSIZE && taken < s.cpus; ++c)
            if (CPU_ISSET(c, &all)) CPU_SET(c, &set), ++taken;
        if (sched_setaffinity(0, sizeof set, &set) != 0)
            return fmt::format("sched_setaffinity: {}", std::strerror(errno));
    }
    if (!s.hostname.empty() &&
        (unshare(CLONE_NEWUTS) != 0 || sethostname(s.hostname.data(), s.hostname.size()) != 0))
        return fmt::format("a UTS namespace with host name {}: {}", s.hostname,
                           std::strerror(errno));
    if (s.gid >= 0 && (setgroups(0, nullptr) != 0 || setgid(static_cast<gid_t>(s.gid)) != 0))
        return fmt::format("setgid {}: {}", s.gid, std::strerror(errno));
    if (s.uid >= 0 && setuid(static_cast<uid_t>(s.uid)) != 0)
        return fmt::format("setuid {}: {}", s.uid, std::strerror(errno));
    return "";
}

std::vector<std::string_view> variation_names() {
    std::vector<std::string_view> out;
    for (const Variation& v : kVariations) out.push_back(v.name);
    return out;
}

bool is_variation(std::string_view name) {
    return find(name) != nullptr;
}

std::string variation_refused(std::string_view name) {
    const Variation* v = find(name);
    return v ? v->refused() : fmt::format("unknown variation {}", name);
}

void apply_variation(std::string_view name, VariedRun& run, const VariationSite& site) {
    if (const Variation* v = find(name)) v->apply(run, site);
}

std::string variation_of_env(std::string_view env_name) {
    static const std::pair<std::string_view, std::string_view> table[] = {
        {"TZ", "TZ"},
        {"LANG", "LC_ALL"},
        {"LC_ALL", "LC_ALL"},
        {"SOURCE_DATE_EPOCH", "SOURCE_DATE_EPOCH"},
        {"MAKEFLAGS", "jobs"},
        {"CARGO_BUILD_JOBS", "jobs"},
        {"FAKETIME", "time"},
        {"LD_PRELOAD", "time"},
        {"FAKETIME_SHARED", "time"},  // libfaketime passes its shared memory to children
        {"HOME", "home"},
        {"USER", "user"},
        {"LOGNAME", "user"},
        {"PATH", "path"},
        {"VARIED_EXTRA_ENV", "env"},
    };
    for (auto [env, key] : table)
        if (env == env_name) return std::string(key);
    return "";
}

bool acts_unseen(std::string_view key) {
    for (std::string_view k : {"umask", "aslr", "kernel", "cpus", "host", "user", "order", "time"})
        if (k == key) return true;
    return false;
}

bool throwaway_user(int& uid, int& gid, std::string& error) {
    std::string name(kThrowawayUser);
    if (!getpwnam(name.c_str())) {
        std::string cmd = fmt::format(
            "useradd --system --user-group --no-create-home --home-dir /nonexistent --shell "
            "/usr/sbin/nologin {} >/dev/null 2>&1",
            name);
        if (std::system(cmd.c_str()) != 0 && !getpwnam(name.c_str())) {
            error = fmt::format("the throw-away user {} could not be made (useradd failed)", name);
            return false;
        }
    }
    passwd* pw = getpwnam(name.c_str());
    if (!pw) {
        error = fmt::format("the throw-away user {} is not known", name);
        return false;
    }
    uid = static_cast<int>(pw->pw_uid);
    gid = static_cast<int>(pw->pw_gid);
    return true;
}

std::string faketime_library() {
    for (const char* dir : {"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
                            "/usr/lib/i386-linux-gnu", "/usr/lib"}) {
        std::string lib = std::string(dir) + "/faketime/libfaketime.so.1";
        if (access(lib.c_str(), R_OK) == 0) return lib;
    }
    return "";
}

}  // namespace buildiff
