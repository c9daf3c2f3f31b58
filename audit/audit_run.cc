// The audit's runs: plan -> for each run, set up its cache and variations, copy the tree and
// record the build -> diff every pair -> keep evidence -> write the reports. Each run is `buildiff
// record` in a fresh copy of the tree, with a private cache directory (and sccache server port),
// so the user's own cache and server are never touched.
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
#include "recording/recording.h"
#include "report/diff_render.h"

extern char** environ;

namespace buildiff {

namespace fs = std::filesystem;

namespace {

struct Run : AuditRun {
    std::string log;
    std::map<std::string, std::string> env;  // set for this run ("" value: unset)
    unsigned umask_value = 022;
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

// Runs argv in `cwd` with `env`, stdout and stderr to `log`; returns the exit status.
int spawn(const std::vector<std::string>& argv, const std::string& cwd,
          const std::map<std::string, std::string>& env, unsigned mask, const std::string& log) {
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
        umask(mask);
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
    bool build_path = false;
    std::map<std::string, std::string> base;
    std::string cc, cxx;
    int port = 0;
    std::vector<std::string> files;
};

// The variations (--vary), each with what it sets for run I: the first run keeps the most
// ordinary setting. build-path is the trees' names (plan_run).
struct Variation {
    std::string_view name;
    void (*apply)(Run& run, size_t i);
};

template <size_t N>
std::string pick(const char* const (&values)[N], size_t i) {
    return values[i % N];
}

const Variation kVariations[] = {
    {"build-path", [](Run&, size_t) {}},
    {"tz",
     [](Run& run, size_t i) {
         static const char* const values[] = {"UTC", "Asia/Kolkata", "America/St_Johns"};
         run.env["TZ"] = pick(values, i);
         run.variations["TZ"] = run.env["TZ"];
     }},
    {"locale",
     [](Run& run, size_t i) {
         static const char* const values[] = {"C.UTF-8", "C", "POSIX"};
         run.env["LANG"] = run.env["LC_ALL"] = pick(values, i);
         run.variations["LC_ALL"] = run.env["LC_ALL"];
     }},
    {"umask",
     [](Run& run, size_t i) {
         run.umask_value = i % 3 == 0 ? 022 : i % 3 == 1 ? 002 : 077;
         run.variations["umask"] = fmt::format("{:04o}", run.umask_value);
     }},
    {"sde",
     [](Run& run, size_t i) {
         static const char* const values[] = {"1700000000", "1600000000", "1500000000"};
         run.env["SOURCE_DATE_EPOCH"] = pick(values, i);
         run.variations["SOURCE_DATE_EPOCH"] = run.env["SOURCE_DATE_EPOCH"];
     }},
    {"jobs",
     [](Run& run, size_t i) {
         static const char* const values[] = {"1", "2", "3"};
         std::string jobs = pick(values, i);
         run.env["MAKEFLAGS"] = "-j" + jobs;
         run.env["CARGO_BUILD_JOBS"] = jobs;
         run.variations["jobs"] = jobs;
     }},
};

const Variation* find_variation(std::string_view name) {
    for (const Variation& v : kVariations)
        if (v.name == name) return &v;
    return nullptr;
}

// The cache set-ups (--cache): what a cached run's environment gets. A name not in the table is
// a wrapper command, set up as sccache is but for its own directory and port.
struct CacheSetup {
    std::string_view name;
    void (*apply)(Run& run, const Plan& plan, const std::string& wrapper);
};

void wrap_with(Run& run, const Plan& plan, const std::string& wrapper) {
    run.env["RUSTC_WRAPPER"] = wrapper;
    run.env["CC"] = wrapper + " " + plan.cc;
    run.env["CXX"] = wrapper + " " + plan.cxx;
}

const CacheSetup kCacheSetups[] = {
    {"ccache",
     [](Run& run, const Plan& plan, const std::string&) {
         run.env["CCACHE_DIR"] = plan.out + "/cache/ccache";
         run.env["CC"] = "ccache " + plan.cc;
         run.env["CXX"] = "ccache " + plan.cxx;
     }},
    {"sccache",
     [](Run& run, const Plan& plan, const std::string& wrapper) {
         run.env["SCCACHE_DIR"] = plan.out + "/cache/sccache";
         run.env["SCCACHE_SERVER_PORT"] = std::to_string(plan.port);
         wrap_with(run, plan, wrapper);
     }},
};

void set_up_cache(Run& run, const Plan& plan, const std::string& cache) {
    if (!run.cached) {
        // (Not `= "1"`: GCC 12 warns wrongly of an overlapping copy there, PR 105329.)
        run.env.insert_or_assign("CCACHE_DISABLE", std::string("1"));
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
    plan.vary = o.vary.empty() ? std::vector<std::string>{"build-path"} : o.vary;
    if (plan.vary == std::vector<std::string>{"none"}) plan.vary.clear();  // nothing varied
    for (const std::string& v : plan.vary)
        if (!find_variation(v)) {
            std::vector<std::string_view> known;
            for (const Variation& k : kVariations) known.push_back(k.name);
            return audit_error(
                fmt::format("--vary {}: unknown (known: {})", v, fmt::join(known, ", ")));
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
    run.env = plan.base;
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
    run.env["CC"] = plan.cc;
    run.env["CXX"] = plan.cxx;
    set_up_cache(run, plan, o.cache);
    for (const std::string& v : plan.vary) find_variation(v)->apply(run, i);
    return run;
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
    bool interactive = isatty(2);
    if (interactive)
        fmt::print(stderr, "audit: run {} ({}/{}) ...", run.name, i + 1, plan.names.size());
    auto start = clock::now();
    fs::remove(run.log, ec);
    std::vector<std::string> argv = {o.self,   "record", "-q",          "--label",
                                     run.name, "-o",     run.recording, "--"};
    argv.insert(argv.end(), o.command.begin(), o.command.end());
    int status = spawn(argv, run.tree, run.env, run.umask_value, run.log);
    if (o.cache == "sccache" && run.cached)
        spawn({"sccache", "--stop-server"}, run.tree, run.env, 022, run.log);
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

AuditReport report_head(const AuditOptions& o, const Plan& plan, const std::vector<Run>& runs) {
    AuditReport report;
    report.command = o.command;
    report.cache = o.cache;
    report.variations = plan.vary;
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
    AuditReports reports = diff_audit_runs(report_head(o, plan, runs), recs, plan.build_path, kept,
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
