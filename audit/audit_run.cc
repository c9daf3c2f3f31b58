// The audit's runs: plan -> for each run, set up its cache and variations, copy the tree and
// record the build -> diff every pair -> keep evidence -> write the reports. Each run is `buildiff
// record` in a fresh copy of the tree, with a private cache directory (and sccache server port),
// so the user's own cache and server are never touched.
#include <elf.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include <fmt/core.h>
#include <fmt/ranges.h>

#include "audit/auditor.h"
#include "audit/build_set.h"
#include "audit/confirm.h"
#include "audit/evidence.h"
#include "audit/variations.h"
#include "recording/recording.h"
#include "report/diff_render.h"

extern char** environ;

namespace buildiff {

namespace fs = std::filesystem;

namespace {

struct Run : AuditRun {
    std::string log;
    VariedRun varied;  // its environment, how its build process starts, how its tree is seen
};

int free_port() {
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    int port = 0;
    if (s >= 0 && bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
        port = ntohs(addr.sin_port);
    if (s >= 0) close(s);
    return port ? port : 4227;
}

std::map<std::string, std::string> current_environment() {
    std::map<std::string, std::string> env;
    for (char** e = environ; *e; ++e) {
        std::string kv(*e);
        auto eq = kv.find('=');
        if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    return env;
}

// "ccache gcc" -> "gcc": the compiler a wrapper-prefixed CC names.
std::string peel(const std::string& cc, const std::string& fallback) {
    if (cc.empty()) return fallback;
    for (const char* w : {"ccache ", "sccache "})
        if (cc.starts_with(w)) return cc.substr(std::strlen(w));
    return cc;
}

// The source tree without its build outputs: what git tracks and would track (.gitignore
// honoured) when it is a git work tree, else everything but the audit's own directory.
std::vector<std::string> source_files(const std::string& src, const std::string& out) {
    std::vector<std::string> files;
    std::string cmd =
        fmt::format("git -C '{}' ls-files -co --exclude-standard -z 2>/dev/null", src);
    if (FILE* p = popen(cmd.c_str(), "r")) {
        std::string all;
        char buf[65536];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, p)) > 0) all.append(buf, n);
        if (pclose(p) == 0) {
            // The audit's own output directory, when it is inside the tree, is never copied.
            fs::path rel_out = fs::path(out).lexically_relative(src);
            bool out_inside = !rel_out.empty() && *rel_out.begin() != "..";
            size_t start = 0;
            while (start < all.size()) {
                size_t end = all.find('\0', start);
                if (end == std::string::npos) end = all.size();
                std::string f = all.substr(start, end - start);
                if (!(out_inside &&
                      (f == rel_out.string() || f.starts_with(rel_out.string() + "/"))))
                    files.push_back(f);
                start = end + 1;
            }
            return files;
        }
    }
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(src, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        fs::path p = it->path();
        if (fs::equivalent(p, out, ec) || p.filename() == ".git") {
            it.disable_recursion_pending();
            continue;
        }
        if (it->is_regular_file() || it->is_symlink())
            files.push_back(p.lexically_relative(src).string());
    }
    return files;
}

bool copy_tree(const std::string& src, const std::vector<std::string>& files, const std::string& to,
               std::string& error) {
    std::error_code ec;
    fs::remove_all(to, ec);
    fs::create_directories(to, ec);
    for (const std::string& f : files) {
        fs::path from = fs::path(src) / f, dest = fs::path(to) / f;
        fs::create_directories(dest.parent_path(), ec);
        if (fs::is_symlink(from))
            fs::copy_symlink(from, dest, ec);
        else if (fs::exists(from)) {
            // With its mtime: a package keeps a source file's mtime where it is older than
            // SOURCE_DATE_EPOCH (dpkg-deb), and make decides what is stale by them.
            fs::copy_file(from, dest, fs::copy_options::overwrite_existing, ec);
            if (!ec) fs::last_write_time(dest, fs::last_write_time(from, ec), ec);
        }
        if (ec) {
            error = fmt::format("{}: cannot copy to {}: {}", from.string(), dest.string(),
                                ec.message());
            return false;
        }
    }
    return true;
}

// Runs argv in `cwd` with `env` and SETUP (umask, personality, CPUs, host name, user), stdout
// and stderr to `log`; returns the exit status (125 when the setup failed, said in the log).
int spawn(const std::vector<std::string>& argv, const std::string& cwd,
          const std::map<std::string, std::string>& env, const ProcessSetup& setup,
          const std::string& log) {
    std::vector<std::string> envs;
    for (auto& [k, v] : env) envs.push_back(k + "=" + v);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fd < 0 || null < 0 || chdir(cwd.c_str()) != 0) _exit(125);
        dup2(null, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        if (std::string failed = apply_in_child(setup); !failed.empty()) {
            fmt::print(stderr, "buildiff audit: the run's variations could not be applied: {}\n",
                       failed);
            _exit(125);
        }
        std::vector<char*> a, e;
        for (auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
        for (auto& s : envs) e.push_back(const_cast<char*>(s.c_str()));
        a.push_back(nullptr);
        e.push_back(nullptr);
        execvpe(a[0], a.data(), e.data());
        _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0) return 125;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string cache_wrapper_seen(const Recording& rec) {
    for (const ProcessRecord& p : rec.processes)
        if (p.classification.kind == ToolKind::CacheWrapper)
            return fmt::format("a cache wrapper ran anyway: {} (pid {}, in {})",
                               p.classification.tool, p.pid, p.cwd);
    return "";
}

// What every run shares: where the audit reads and writes, what it varies, the environment
// every run starts from (no cache wrapper anywhere), the files of the tree.
struct Plan {
    std::string src, out;
    std::vector<std::string> vary, names;
    std::vector<std::pair<std::string, std::string>> refused;  // variation, why
    bool build_path = false;
    std::map<std::string, std::string> base;
    std::string cc, cxx;
    int port = 0;
    std::vector<std::string> files;
};

// The cache set-ups (--cache): what a cached run's environment gets. A name not in the table is
// a wrapper command, set up as sccache is but for its own directory and port.
struct CacheSetup {
    std::string_view name;
    void (*apply)(Run& run, const Plan& plan, const std::string& wrapper);
};

void wrap_with(Run& run, const Plan& plan, const std::string& wrapper) {
    run.varied.env["RUSTC_WRAPPER"] = wrapper;
    run.varied.env["CC"] = wrapper + " " + plan.cc;
    run.varied.env["CXX"] = wrapper + " " + plan.cxx;
}

const CacheSetup kCacheSetups[] = {
    {"ccache",
     [](Run& run, const Plan& plan, const std::string&) {
         run.varied.env["CCACHE_DIR"] = plan.out + "/cache/ccache";
         run.varied.env["CC"] = "ccache " + plan.cc;
         run.varied.env["CXX"] = "ccache " + plan.cxx;
     }},
    {"sccache",
     [](Run& run, const Plan& plan, const std::string& wrapper) {
         run.varied.env["SCCACHE_DIR"] = plan.out + "/cache/sccache";
         run.varied.env["SCCACHE_SERVER_PORT"] = std::to_string(plan.port);
         wrap_with(run, plan, wrapper);
     }},
};

void set_up_cache(Run& run, const Plan& plan, const std::string& cache) {
    if (!run.cached) {
        // (Not `= "1"`: GCC 12 warns wrongly of an overlapping copy there, PR 105329.)
        run.varied.env.insert_or_assign("CCACHE_DISABLE", std::string("1"));
        return;
    }
    for (const CacheSetup& setup : kCacheSetups)
        if (setup.name == cache) return setup.apply(run, plan, cache);
    wrap_with(run, plan, cache);
}

int audit_error(const std::string& message) {
    fmt::print(stderr, "buildiff audit: {}\n", message);
    return 2;
}

// Run names become file and directory names.
int check_run_names(const std::vector<std::string>& names) {
    std::set<std::string> seen;
    for (const std::string& n : names)
        if (n.empty() ||
            n.find_first_not_of(
                "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
                std::string::npos ||
            !seen.insert(n).second)
            return audit_error(
                fmt::format("--runs: `{}` is not a distinct name of letters, digits, - and _", n));
    if (!names.empty() && names.size() < 2)
        return audit_error("--runs: at least two runs to compare");
    return 0;
}

// The output directory made afresh, the options checked, what every run shares.
int plan_audit(const AuditOptions& o, Plan& plan) {
    std::error_code ec;
    plan.src = fs::current_path().string();
    plan.out = fs::absolute(o.out).lexically_normal().string();
    if (plan.out.ends_with('/')) plan.out.pop_back();
    // A cold run starts from an empty cache: nothing of an earlier audit in this directory stays.
    fs::remove_all(plan.out + "/cache", ec);
    fs::remove_all(plan.out + "/trees", ec);
    fs::create_directories(plan.out + "/logs", ec);
    if (ec) return audit_error(fmt::format("{}: cannot create: {}", plan.out, ec.message()));
    for (const char* d : {"/home", "/vary-path"}) fs::remove_all(plan.out + d, ec);
    std::vector<std::string> asked = o.vary.empty() ? std::vector<std::string>{"build-path"} : o.vary;
    if (asked == std::vector<std::string>{"none"}) asked.clear();  // nothing varied
    if (std::find(asked.begin(), asked.end(), "all") != asked.end()) {
        asked.clear();
        for (std::string_view v : variation_names()) asked.emplace_back(v);
    }
    for (const std::string& v : asked)
        if (!is_variation(v))
            return audit_error(fmt::format("--vary {}: unknown (known: all, {})", v,
                                           fmt::join(variation_names(), ", ")));
    // A variation this machine cannot apply is refused, said first and in the report; the audit
    // goes on with the others.
    for (const std::string& v : asked) {
        if (std::find(plan.vary.begin(), plan.vary.end(), v) != plan.vary.end()) continue;
        if (std::string why = variation_refused(v); !why.empty())
            plan.refused.emplace_back(v, why);
        else
            plan.vary.push_back(v);
    }
    plan.build_path =
        std::find(plan.vary.begin(), plan.vary.end(), "build-path") != plan.vary.end();
    if (int status = check_run_names(o.runs)) return status;
    plan.names = o.runs;
    if (plan.names.empty())
        plan.names = o.cache == "none" ? std::vector<std::string>{"plain", "again"}
                                       : std::vector<std::string>{"plain", "cold", "warm"};
    plan.base = current_environment();
    for (const char* k : {"RUSTC_WRAPPER", "CARGO_BUILD_RUSTC_WRAPPER", "RUSTC_WORKSPACE_WRAPPER"})
        plan.base.erase(k);
    plan.cc = peel(plan.base.count("CC") ? plan.base["CC"] : "", "cc");
    plan.cxx = peel(plan.base.count("CXX") ? plan.base["CXX"] : "", "c++");
    plan.base.erase("CC");
    plan.base.erase("CXX");
    plan.port = free_port();
    plan.files = source_files(plan.src, plan.out);
    return 0;
}

// The directory of a run's own that holds its tree (trees/RUN for trees/RUN/SRC).
std::string run_dir(const std::string& tree) {
    return fs::path(tree).parent_path().string();
}

// Run I: its name, where it builds and is kept, its cache set-up and variations.
Run plan_run(const Plan& plan, const AuditOptions& o, size_t i) {
    Run run;
    run.name = plan.names[i];
    run.cached = o.cache != "none" && run.name != "plain" && run.name != "again";
    run.varied.env = plan.base;
    // Distinct names of distinct lengths expose embedded build paths; without that variation
    // every run builds in one place and its tree is moved aside afterwards.
    // Each run builds in a directory of its own, trees/RUN/SRC, so that what the build writes
    // beside its tree (dpkg-buildpackage's ../*.deb) is the run's own and is compared too.
    static const char* suffix[] = {"", "-bb", "-cccc", "-ddddddd"};
    std::string name = fs::path(plan.src).filename().string();
    if (name.empty()) name = "src";
    std::string dir = plan.build_path
                          ? fmt::format("{}/trees/{}{}", plan.out, run.name, suffix[i % 4])
                          : plan.out + "/trees/build";
    std::string kept_dir = plan.build_path ? dir : fmt::format("{}/trees/{}", plan.out, run.name);
    run.tree = dir + "/" + name;
    run.kept_tree = kept_dir + "/" + name;
    run.recording = fmt::format("{}/{}.rec", plan.out, run.name);
    run.log = fmt::format("{}/logs/{}.log", plan.out, run.name);
    run.varied.env["CC"] = plan.cc;
    run.varied.env["CXX"] = plan.cxx;
    set_up_cache(run, plan, o.cache);
    for (const std::string& v : plan.vary)
        apply_variation(v, run.varied, {.out = plan.out, .run_name = run.name, .index = i});
    run.variations = run.varied.variations;
    return run;
}

// PATH and everything under it owned by UID and GID (the user variation's build writes there).
void give_to(const std::string& path, int uid, int gid) {
    std::error_code ec;
    if (lchown(path.c_str(), static_cast<uid_t>(uid), static_cast<gid_t>(gid)) != 0) return;
    if (!fs::is_directory(fs::symlink_status(path, ec))) return;
    for (auto it = fs::recursive_directory_iterator(path, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
        if (lchown(it->path().c_str(), static_cast<uid_t>(uid), static_cast<gid_t>(gid)) != 0) break;
}

// What the user variation's run needs to be able to write as its throw-away user: its directory
// (the tree and beside it), its home, its recording and the private caches; and to reach them,
// search permission (o+x, not read) on the directories above, given for the run and taken back
// after it (RESTORE: each directory and its mode before).
void hand_over(const Plan& plan, const Run& run, std::vector<std::pair<std::string, fs::perms>>& restore) {
    const ProcessSetup& s = run.varied.setup;
    std::error_code ec;
    for (fs::path p = fs::path(run_dir(run.tree)).parent_path(); !p.empty() && p != p.root_path();
         p = p.parent_path()) {
        fs::perms mode = fs::status(p, ec).permissions();
        if (ec || (mode & fs::perms::others_exec) != fs::perms::none) continue;
        restore.emplace_back(p.string(), mode);
        fs::permissions(p, fs::perms::others_exec, fs::perm_options::add, ec);
    }
    auto home = run.varied.env.find("HOME");
    if (home != run.varied.env.end()) fs::create_directories(home->second, ec);
    fs::create_directories(plan.out + "/cache", ec);
    std::ofstream(run.recording).close();
    for (const std::string& p : {run_dir(run.tree), plan.out + "/cache", run.recording})
        give_to(p, s.uid, s.gid);
    if (home != run.varied.env.end()) give_to(home->second, s.uid, s.gid);
}

// The order variation: the run's tree seen through disorderfs, which shuffles the entries of
// every directory it lists. The copy moves to a hidden directory beside the tree and is mounted
// at the tree's own path, so that the build and its recording see the path every run has.
std::string mount_shuffled(const Run& run) {
    std::error_code ec;
    std::string real = run_dir(run.tree) + "/.unshuffled-" + fs::path(run.tree).filename().string();
    fs::rename(run.tree, real, ec);
    if (ec) return fmt::format("{}: cannot move aside for disorderfs: {}", run.tree, ec.message());
    fs::create_directories(run.tree, ec);
    int status = spawn({"disorderfs", "--shuffle-dirents=yes", "--multi-user=yes", real, run.tree},
                       run_dir(run.tree), current_environment(), ProcessSetup{}, run.log);
    if (status != 0)
        return fmt::format("disorderfs could not mount {} (exit status {}): see {}", run.tree,
                           status, run.log);
    return "";
}

// The tree back in its place after the build (unmounted, the copy moved back).
void unmount_shuffled(const Run& run) {
    std::error_code ec;
    std::string real = run_dir(run.tree) + "/.unshuffled-" + fs::path(run.tree).filename().string();
    spawn({"fusermount", "-u", run.tree}, run_dir(run.tree), current_environment(), ProcessSetup{},
          run.log);
    fs::remove(run.tree, ec);
    fs::rename(real, run.tree, ec);
}

// Copies the tree, records the build in it, stops the sccache server the run started, and
// moves the tree aside where all runs build in one place.
int record_run(const Plan& plan, const AuditOptions& o, const Run& run, size_t i) {
    using clock = std::chrono::steady_clock;
    std::error_code ec;
    std::string error;
    fs::remove_all(run_dir(run.kept_tree), ec);
    fs::remove_all(run_dir(run.tree), ec);
    if (!copy_tree(plan.src, plan.files, run.tree, error)) return audit_error(error);
    std::vector<std::pair<std::string, fs::perms>> restore;
    if (run.varied.setup.uid >= 0) hand_over(plan, run, restore);
    if (run.varied.order)
        if (std::string failed = mount_shuffled(run); !failed.empty()) {
            for (auto& [dir, mode] : restore) fs::permissions(dir, mode, ec);
            return audit_error(failed);
        }
    bool interactive = isatty(2);
    if (interactive)
        fmt::print(stderr, "audit: run {} ({}/{}) ...", run.name, i + 1, plan.names.size());
    auto start = clock::now();
    fs::remove(run.log, ec);
    std::vector<std::string> argv = {o.self, "record", "-q", "--label", run.name, "-o", run.recording};
    for (const auto& [name, value] : run.varied.build_env) argv.push_back("--env=" + name + "=" + value);
    argv.push_back("--");
    argv.insert(argv.end(), o.command.begin(), o.command.end());
    int status = spawn(argv, run.tree, run.varied.env, run.varied.setup, run.log);
    if (o.cache == "sccache" && run.cached)
        spawn({"sccache", "--stop-server"}, run.tree, run.varied.env, run.varied.setup, run.log);
    if (run.varied.order) unmount_shuffled(run);
    for (auto& [dir, mode] : restore) fs::permissions(dir, mode, ec);
    double secs = std::chrono::duration<double>(clock::now() - start).count();
    if (interactive) fmt::print(stderr, " {} in {:.1f} s\n", status == 0 ? "ok" : "FAILED", secs);
    if (status != 0)
        return audit_error(fmt::format("the build failed in run {} (exit status {}): see {}",
                                       run.name, status, run.log));
    if (run.tree != run.kept_tree) fs::rename(run_dir(run.tree), run_dir(run.kept_tree), ec);
    return 0;
}

// The recordings, read back; a plain run that ran a cache wrapper anyway is noted.
int read_runs(std::vector<Run>& runs, std::vector<Recording>& recs) {
    for (Run& run : runs) {
        Result<Recording> rec = read_recording(run.recording);
        if (!rec) {
            fmt::print(stderr, "buildiff: {}\n", rec.error().message);
            return 2;
        }
        if (!run.cached) run.not_plain = cache_wrapper_seen(*rec);
        recs.push_back(std::move(*rec));
    }
    return 0;
}

// Whether the program at PATH is a static ELF executable (no PT_INTERP): LD_PRELOAD cannot reach
// it. False when it cannot be read or is not ELF.
bool is_static_program(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    Elf64_Ehdr eh{};
    if (!f.read(reinterpret_cast<char*>(&eh), sizeof eh) || std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
        eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr))
        return false;
    for (unsigned i = 0; i < eh.e_phnum && i < 256; ++i) {
        Elf64_Phdr ph{};
        f.seekg(static_cast<std::streamoff>(eh.e_phoff + i * sizeof ph));
        if (!f.read(reinterpret_cast<char*>(&ph), sizeof ph)) return false;
        if (ph.p_type == PT_INTERP) return false;
    }
    return eh.e_phnum > 0;
}

// The time variation reaches dynamic programs only (libfaketime is preloaded): how many of the
// run's recorded programs it reached, and which it could not (static programs, and programs
// started without LD_PRELOAD in their environment).
std::string faketime_reach(const Run& run, const Recording& rec) {
    size_t programs = 0, reached = 0, cleared = 0;
    std::set<std::string> statics;
    std::map<std::string, bool> known;
    for (const ProcessRecord& p : rec.processes) {
        if (!p.via_exec || p.exe.empty()) continue;
        ++programs;
        bool preloaded = false;
        if (p.env >= 0 && static_cast<size_t>(p.env) < rec.envs.size())
            for (const auto& [k, v] : rec.envs[static_cast<size_t>(p.env)])
                if (k == "LD_PRELOAD" && v.find("libfaketime") != std::string::npos) preloaded = true;
        auto it = known.find(p.exe);
        if (it == known.end()) it = known.emplace(p.exe, is_static_program(p.exe)).first;
        if (it->second)
            statics.insert(p.exe);
        else if (preloaded)
            ++reached;
        else
            ++cleared;
    }
    std::string out = fmt::format("time (run {}): libfaketime reached {} of {} recorded programs",
                                  run.name, reached, programs);
    if (!statics.empty()) {
        size_t n = 0;
        for (const ProcessRecord& p : rec.processes) n += p.via_exec && statics.contains(p.exe);
        std::vector<std::string> names(statics.begin(), statics.end());
        if (names.size() > 3) names.resize(3);
        out += fmt::format("; not reached: {} run{} of {} static program{} ({}{}), which read the "
                           "real clock",
                           n, n == 1 ? "" : "s", statics.size(), statics.size() == 1 ? "" : "s",
                           fmt::join(names, ", "), statics.size() > 3 ? ", ..." : "");
    }
    if (cleared)
        out += fmt::format("; {} started without LD_PRELOAD in their environment", cleared);
    return out;
}

AuditReport report_head(const AuditOptions& o, const Plan& plan, const std::vector<Run>& runs,
                        const std::vector<Recording>& recs) {
    AuditReport report;
    report.command = o.command;
    report.cache = o.cache;
    report.variations = plan.vary;
    report.refused = plan.refused;
    for (size_t i = 0; i < runs.size() && i < recs.size(); ++i)
        if (runs[i].varied.build_env.contains("FAKETIME"))
            report.variation_notes.push_back(faketime_reach(runs[i], recs[i]));
    report.runs.assign(runs.begin(), runs.end());
    return report;
}

// Both versions of the smallest divergent files, copied out of the trees before they are
// removed, so the comparison can be re-run from the audit directory (or a bundle).
int keep_evidence(const std::string& out, AuditReports& reports, std::uint64_t max,
                  Evidence& evidence) {
    std::error_code ec;
    evidence = select_evidence(std::move(reports.candidates), max);
    for (EvidenceItem& g : reports.gone) evidence.left_out.push_back(std::move(g));
    fs::remove_all(out + "/evidence", ec);
    for (const EvidenceItem& item : evidence.kept)
        for (const EvidenceFile* f : {&item.left, &item.right}) {
            fs::path to = fs::path(out) / f->member;
            if (fs::exists(to)) continue;
            fs::create_directories(to.parent_path(), ec);
            fs::copy_file(f->source, to, ec);
            if (ec)
                return audit_error(
                    fmt::format("{}: cannot keep as evidence: {}", to.string(), ec.message()));
        }
    fs::create_directories(out + "/evidence", ec);
    std::ofstream(out + "/evidence/index.json") << evidence.to_json().dump(2) << "\n";
    return 0;
}

int write_reports(const std::string& out, const AuditReports& reports) {
    for (auto& [name, content] : reports.files) {
        std::ofstream file(out + "/" + name, std::ios::binary);
        if (!(file << content) || !file.flush())
            return audit_error(
                fmt::format("{}/{}: cannot write: {}", out, name, std::strerror(errno)));
    }
    return 0;
}

void print_summary(const AuditOptions& o, const std::string& out, const AuditReports& reports,
                   const std::vector<Run>& runs, const Evidence& evidence) {
    bool intermediates = std::any_of(reports.report.pairs.begin(), reports.report.pairs.end(),
                                     [](const AuditPair& p) {
                                         return p.report.value("summary", nlohmann::ordered_json{})
                                                    .value("divergent_artifacts", 0) > 0;
                                     });
    fmt::print("buildiff audit of `{}`: {}\n", fmt::join(o.command, " "),
               reports.divergent ? "DIVERGENT"
               : intermediates   ? "every run delivered identical files (intermediate files "
                                   "differ: see the reports)"
                                 : "every run produced identical artifacts");
    for (const AuditPair& p : reports.report.pairs) fmt::print("  {}\n", describe_pair(p));
    for (const Run& run : runs)
        if (!run.not_plain.empty())
            fmt::print("  note: run {} is not plain: {}\n", run.name, run.not_plain);
    fmt::print("reports: {0}/report.html, {0}/report.json, {0}/summary.md\n", out);
    if (reports.divergent) {
        Evidence::Counts c = evidence.counts();
        fmt::print("evidence: both versions of {} of the pairs' {} divergent artifacts{} in "
                   "{}/evidence; one file for a bug report: buildiff pack {} -o bug.tar.gz\n",
                   c.artifacts_kept, c.artifacts, c.inputs_words(), out, out);
    }
}

// Before the trees go: the most telling pair's causes re-run (buildiff confirm), when asked
// (by default with --keep), with the reproducers in OUT/repro.
// LINES receives what the re-runs showed, a line per cause, for the summary.
PairHook confirm_hook(const AuditOptions& o, const Plan& plan, const std::vector<Recording>& recs,
                      const std::vector<std::string>& trees, std::vector<std::string>& lines) {
    if (!o.confirm.value_or(o.keep)) return {};
    return [&o, &plan, &recs, &trees, &lines](DiffResult& r, size_t a, size_t b) {
        if (r.root_causes.empty()) return;
        ConfirmOptions c;
        c.self = o.self;
        c.budget_seconds = o.confirm_budget;
        c.repro_dir = plan.out + "/repro";
        c.left_tree = trees[a];
        c.right_tree = trees[b];
        if (isatty(2))
            fmt::print(stderr, "audit: confirming {} root cause{} by re-running ...\n",
                       r.root_causes.size(), r.root_causes.size() == 1 ? "" : "s");
        auto start = std::chrono::steady_clock::now();
        for (const std::string& refused : confirm_causes(recs[a], recs[b], r, c))
            fmt::print(stderr, "buildiff audit: confirm: {}\n", refused);
        for (size_t i = 0; i < r.root_causes.size(); ++i)
            if (const auto& k = r.root_causes[i].confirmation)
                lines.push_back(fmt::format("cause {}: {}", i + 1, confirmation_words(*k)));
        lines.push_back(fmt::format(
            "(re-running took {:.1f} s; --no-confirm skips it; reproducers in {}/repro)",
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
            plan.out));
    };
}

}  // namespace

int run_audit(const AuditOptions& o) {
    Plan plan;
    if (int status = plan_audit(o, plan)) return status;
    // First: what differs between the runs, and what this machine refused to vary, and why.
    if (plan.vary.size() > 1 || !plan.refused.empty() ||
        (plan.vary.size() == 1 && plan.vary[0] != "build-path")) {
        fmt::print("audit: variations applied: {}\n",
                   plan.vary.empty() ? std::string("none") : fmt::format("{}", fmt::join(plan.vary, ", ")));
        for (const auto& [name, why] : plan.refused)
            fmt::print("audit: variation {} refused: {}\n", name, why);
        std::fflush(stdout);
    }
    std::vector<Run> runs;
    for (size_t i = 0; i < plan.names.size(); ++i) {
        runs.push_back(plan_run(plan, o, i));
        if (int status = record_run(plan, o, runs.back(), i)) return status;
    }
    std::vector<Recording> recs;
    if (int status = read_runs(runs, recs)) return status;
    std::vector<std::string> kept;
    for (const Run& run : runs) kept.push_back(run.kept_tree);
    std::vector<std::string> confirmed;
    AuditReports reports = diff_audit_runs(report_head(o, plan, runs, recs), recs, plan.build_path, kept,
                                           o.strict, confirm_hook(o, plan, recs, kept, confirmed));
    Evidence evidence;
    if (int status = keep_evidence(plan.out, reports, o.max_evidence, evidence)) return status;
    if (int status = write_reports(plan.out, reports)) return status;
    std::error_code ec;
    if (!o.keep)
        for (const Run& run : runs) fs::remove_all(run_dir(run.kept_tree), ec);
    print_summary(o, plan.out, reports, runs, evidence);
    for (const std::string& line : confirmed) fmt::print("  re-run {}\n", line);
    return reports.divergent ? 1 : 0;
}

}  // namespace buildiff
