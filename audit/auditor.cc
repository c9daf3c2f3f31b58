// The audit: copy -> set up cache and variations -> record each run -> diff every pair ->
// reports. Each run is `buildiff record` in a fresh copy of the tree, with a private cache
// directory (and sccache server port), so the user's own cache and server are never touched.
#include "audit/auditor.h"

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

#include "audit/build_set.h"
#include "audit/evidence.h"
#include "diff/differ.h"
#include "recording/recording.h"
#include "report/diff_render.h"

extern char** environ;

namespace buildiff {

namespace fs = std::filesystem;

namespace {

struct Run : AuditRun {
    std::string recording, log;
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
        else if (fs::exists(from))
            fs::copy_file(from, dest, fs::copy_options::overwrite_existing, ec);
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

const std::vector<std::string> kVariations = {"build-path", "tz", "locale", "umask", "sde", "jobs"};

// Values per run index: the first run keeps the most ordinary setting.
void apply_variations(Run& run, size_t i, const std::vector<std::string>& vary) {
    auto pick = [&](std::vector<std::string> values) { return values[i % values.size()]; };
    for (const std::string& v : vary) {
        if (v == "tz") {
            run.env["TZ"] = pick({"UTC", "Asia/Kolkata", "America/St_Johns"});
            run.variations["TZ"] = run.env["TZ"];
        } else if (v == "locale") {
            run.env["LANG"] = run.env["LC_ALL"] = pick({"C.UTF-8", "C", "POSIX"});
            run.variations["LC_ALL"] = run.env["LC_ALL"];
        } else if (v == "umask") {
            run.umask_value = i % 3 == 0 ? 022 : i % 3 == 1 ? 002 : 077;
            run.variations["umask"] = fmt::format("{:04o}", run.umask_value);
        } else if (v == "sde") {
            run.env["SOURCE_DATE_EPOCH"] = pick({"1700000000", "1600000000", "1500000000"});
            run.variations["SOURCE_DATE_EPOCH"] = run.env["SOURCE_DATE_EPOCH"];
        } else if (v == "jobs") {
            std::string jobs = pick({"1", "2", "3"});
            run.env["MAKEFLAGS"] = "-j" + jobs;
            run.env["CARGO_BUILD_JOBS"] = jobs;
            run.variations["jobs"] = jobs;
        }
    }
}

// The variation that explains an env or build-path root cause, said in its details.
void name_variations(DiffResult& r, const AuditRun& l, const AuditRun& rr, bool build_path) {
    for (RootCause& rc : r.root_causes) {
        if (rc.kind == RootCauseKind::BuildPath && build_path)
            rc.details.push_back(
                fmt::format("exposed by the build-path variation: {} -> {}", l.tree, rr.tree));
        if (rc.kind != RootCauseKind::Env) continue;
        for (const EnvChange& e : rc.env) {
            std::string key = e.name == "LANG" ? "LC_ALL" : e.name == "MAKEFLAGS" ? "jobs" : e.name;
            auto a = l.variations.find(key), b = rr.variations.find(key);
            if (a != l.variations.end() && b != rr.variations.end() && a->second != b->second)
                rc.details.push_back(fmt::format("exposed by the {} variation: {} -> {}", key,
                                                 a->second, b->second));
        }
    }
}

void find_comp_dirs(const std::vector<Difference>& list, std::vector<std::string>& out) {
    for (const Difference& d : list) {
        if (d.kind == "dwarf-comp-dir") out.push_back(d.right);
        find_comp_dirs(d.children, out);
    }
}

// An object served from cache that names another run's directory in its DWARF: the cache
// handed back a build path (ccache with hash_dir = false does this across directories).
void note_cache_leaks(DiffResult& r, const AuditRun& right) {
    for (size_t i = 0; i < r.root_causes.size(); ++i) {
        RootCause& rc = r.root_causes[i];
        if (rc.kind != RootCauseKind::Cache) continue;
        std::set<std::string> foreign;
        for (const Artifact& a : r.artifacts) {
            if (a.root_cause != static_cast<int>(i)) continue;
            std::vector<std::string> dirs;
            find_comp_dirs(a.differences, dirs);
            for (auto& d : dirs)
                if (!d.starts_with(right.kept_tree) && !d.starts_with(right.tree))
                    foreign.insert(d);
        }
        for (auto& d : foreign)
            rc.details.push_back(fmt::format(
                "build-path leak served from cache: run {} got an object whose DW_AT_comp_dir is "
                "{}, "
                "another build's directory (ccache's hash_dir = false shares objects across "
                "directories)",
                right.name, d));
    }
}

std::string cache_wrapper_seen(const Recording& rec) {
    for (const ProcessRecord& p : rec.processes)
        if (p.classification.kind == ToolKind::CacheWrapper)
            return fmt::format("a cache wrapper ran anyway: {} (pid {}, in {})",
                               p.classification.tool, p.pid, p.cwd);
    return "";
}

}  // namespace

DiffResult diff_audit_pair(const Recording& left, const Recording& right, const AuditRun& a,
                           const AuditRun& b, bool build_path, DiffOptions options) {
    // Only the audit's own cache set-up is a treatment; recordings packed together (no run
    // cached) are diffed as `buildiff diff` would.
    if (a.cached || b.cached)
        options.treatment_env = {
            "CC",         "CXX",         "RUSTC_WRAPPER",      "CCACHE_DISABLE",
            "CCACHE_DIR", "SCCACHE_DIR", "SCCACHE_SERVER_PORT"};
    DiffResult r = diff_recordings(left, right, options);
    r.left_name = a.name;
    r.right_name = b.name;
    for (const AuditRun* run : {&a, &b})
        if (!run->not_plain.empty())
            r.notes.push_back(fmt::format("run {} is not plain: {}", run->name, run->not_plain));
    name_variations(r, a, b, build_path);
    note_cache_leaks(r, b);
    return r;
}

std::size_t audit_main_pair(const nlohmann::json& pairs) {
    std::size_t best = 0;
    int best_score = -1;
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        const nlohmann::json& report = pairs[i].value("report", nlohmann::json::object());
        int score = 0;
        if (report.value("verdict", "") == "divergent") {
            score = 1;
            for (const auto& rc : report.value("root_causes", nlohmann::json::array()))
                if (rc.value("kind", "") == "cache") score = 2;
        }
        if (score > best_score) {
            best = i;
            best_score = score;
        }
    }
    return best;
}

AuditReports diff_audit_runs(nlohmann::ordered_json head, const std::vector<AuditRun>& runs,
                             const std::vector<Recording>& recs, bool build_path,
                             const std::vector<std::string>& trees_now) {
    AuditReports out;
    head["pairs"] = nlohmann::ordered_json::array();
    std::string markdown =
        "# buildiff audit\n\n| runs | verdict | root causes | divergent "
        "artifacts |\n|---|---|---:|---:|\n";
    std::string details;
    std::vector<std::string> pages;
    for (size_t a = 0; a < runs.size(); ++a)
        for (size_t b = a + 1; b < runs.size(); ++b) {
            DiffOptions opts;
            opts.left_tree = trees_now[a];
            opts.right_tree = trees_now[b];
            DiffResult r = diff_audit_pair(recs[a], recs[b], runs[a], runs[b], build_path, opts);
            std::string pair = runs[a].name + "-vs-" + runs[b].name;
            pages.push_back(render_diff_html(r));
            out.files.emplace_back(pair + ".html", pages.back());
            evidence_candidates(
                r, runs[a].name, runs[b].name, trees_now[a].empty() ? recs[a].cwd : trees_now[a],
                trees_now[b].empty() ? recs[b].cwd : trees_now[b], out.candidates, out.gone);
            head["pairs"].push_back(
                {{"left", runs[a].name},
                 {"right", runs[b].name},
                 {"verdict", r.divergent ? "divergent" : "identical"},
                 {"html", pair + ".html"},
                 {"report", nlohmann::ordered_json::parse(render_diff_json(r))}});
            markdown += fmt::format("| {} vs {} | {} | {} | {} |\n", runs[a].name, runs[b].name,
                                    r.divergent ? "**divergent**" : "identical",
                                    r.root_causes.size(), r.summary.divergent_artifacts);
            if (r.divergent && details.empty()) details = render_diff_markdown(r);
            out.divergent |= r.divergent;
        }
    head["verdict"] = out.divergent ? "divergent" : "identical";
    out.files.emplace_back("report.json", head.dump(2) + "\n");
    if (!pages.empty())  // one recording packed alone has no pair to show
        out.files.emplace_back("report.html", pages[audit_main_pair(head["pairs"])]);
    // The first divergent pair in detail; the summary stays within GitHub's 64 KiB.
    if (markdown.size() + details.size() > 64 * 1024)
        details.resize(64 * 1024 - markdown.size() - 100);
    out.files.emplace_back("summary.md", markdown + "\n" + details);
    out.report = std::move(head);
    return out;
}

int run_audit(const AuditOptions& o) {
    using clock = std::chrono::steady_clock;
    std::error_code ec;
    std::string src = fs::current_path().string();
    std::string out = fs::absolute(o.out).lexically_normal().string();
    if (out.ends_with('/')) out.pop_back();
    // A cold run starts from an empty cache: nothing of an earlier audit in this directory stays.
    fs::remove_all(out + "/cache", ec);
    fs::remove_all(out + "/trees", ec);
    fs::create_directories(out + "/logs", ec);
    if (ec) {
        fmt::print(stderr, "buildiff audit: {}: cannot create: {}\n", out, ec.message());
        return 2;
    }
    std::vector<std::string> vary =
        o.vary.empty() ? std::vector<std::string>{"build-path"} : o.vary;
    for (const std::string& v : vary)
        if (std::find(kVariations.begin(), kVariations.end(), v) == kVariations.end()) {
            fmt::print(stderr, "buildiff audit: --vary {}: unknown (known: {})\n", v,
                       fmt::join(kVariations, ", "));
            return 2;
        }
    bool build_path = std::find(vary.begin(), vary.end(), "build-path") != vary.end();
    std::vector<std::string> names = o.runs;
    // Run names become file and directory names.
    std::set<std::string> seen;
    for (const std::string& n : names)
        if (n.empty() ||
            n.find_first_not_of(
                "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") !=
                std::string::npos ||
            !seen.insert(n).second) {
            fmt::print(
                stderr,
                "buildiff audit: --runs: `{}` is not a distinct name of letters, digits, - and _\n",
                n);
            return 2;
        }
    if (!o.runs.empty() && o.runs.size() < 2) {
        fmt::print(stderr, "buildiff audit: --runs: at least two runs to compare\n");
        return 2;
    }
    if (names.empty())
        names = o.cache == "none" ? std::vector<std::string>{"plain", "again"}
                                  : std::vector<std::string>{"plain", "cold", "warm"};

    // The environment every run starts from: no cache wrapper anywhere.
    std::map<std::string, std::string> base = current_environment();
    for (const char* k : {"RUSTC_WRAPPER", "CARGO_BUILD_RUSTC_WRAPPER", "RUSTC_WORKSPACE_WRAPPER"})
        base.erase(k);
    std::string cc = peel(base.count("CC") ? base["CC"] : "", "cc");
    std::string cxx = peel(base.count("CXX") ? base["CXX"] : "", "c++");
    base.erase("CC");
    base.erase("CXX");
    int port = free_port();
    std::vector<std::string> files = source_files(src, out);

    std::vector<Run> runs;
    bool interactive = isatty(2);
    for (size_t i = 0; i < names.size(); ++i) {
        Run run;
        run.name = names[i];
        run.cached = o.cache != "none" && run.name != "plain" && run.name != "again";
        run.env = base;
        // Distinct names of distinct lengths expose embedded build paths; without that
        // variation every run builds in one place and its tree is moved aside afterwards.
        static const char* suffix[] = {"", "-bb", "-cccc", "-ddddddd"};
        run.tree = build_path ? fmt::format("{}/trees/{}{}", out, run.name, suffix[i % 4])
                              : out + "/trees/build";
        run.kept_tree = build_path ? run.tree : fmt::format("{}/trees/{}", out, run.name);
        run.recording = fmt::format("{}/{}.rec", out, run.name);
        run.log = fmt::format("{}/logs/{}.log", out, run.name);
        run.env["CC"] = cc;
        run.env["CXX"] = cxx;
        if (!run.cached) {
            // (Not `= "1"`: GCC 12 warns wrongly of an overlapping copy there, PR 105329.)
            run.env.insert_or_assign("CCACHE_DISABLE", std::string("1"));
        } else if (o.cache == "ccache") {
            run.env["CCACHE_DIR"] = out + "/cache/ccache";
            run.env["CC"] = "ccache " + cc;
            run.env["CXX"] = "ccache " + cxx;
        } else {
            std::string wrapper = o.cache;
            if (o.cache == "sccache") {
                run.env["SCCACHE_DIR"] = out + "/cache/sccache";
                run.env["SCCACHE_SERVER_PORT"] = std::to_string(port);
            }
            run.env["RUSTC_WRAPPER"] = wrapper;
            run.env["CC"] = wrapper + " " + cc;
            run.env["CXX"] = wrapper + " " + cxx;
        }
        apply_variations(run, i, vary);
        std::string error;
        fs::remove_all(run.kept_tree, ec);
        if (!copy_tree(src, files, run.tree, error)) {
            fmt::print(stderr, "buildiff audit: {}\n", error);
            return 2;
        }
        if (interactive)
            fmt::print(stderr, "audit: run {} ({}/{}) ...", run.name, i + 1, names.size());
        auto start = clock::now();
        fs::remove(run.log, ec);
        std::vector<std::string> argv = {o.self,   "record", "-q",          "--label",
                                         run.name, "-o",     run.recording, "--"};
        argv.insert(argv.end(), o.command.begin(), o.command.end());
        int status = spawn(argv, run.tree, run.env, run.umask_value, run.log);
        // The sccache server started inside the run is stopped after it.
        if (o.cache == "sccache" && run.cached)
            spawn({"sccache", "--stop-server"}, run.tree, run.env, 022, run.log);
        double secs = std::chrono::duration<double>(clock::now() - start).count();
        if (interactive)
            fmt::print(stderr, " {} in {:.1f} s\n", status == 0 ? "ok" : "FAILED", secs);
        if (status != 0) {
            fmt::print(stderr,
                       "buildiff audit: the build failed in run {} (exit status {}): see {}\n",
                       run.name, status, run.log);
            return 2;
        }
        if (run.tree != run.kept_tree) fs::rename(run.tree, run.kept_tree, ec);
        runs.push_back(std::move(run));
    }

    // Every pair of runs.
    std::vector<Recording> recs;
    for (Run& run : runs) {
        Result<Recording> rec = read_recording(run.recording);
        if (!rec) {
            fmt::print(stderr, "buildiff: {}\n", rec.error().message);
            return 2;
        }
        if (!run.cached) run.not_plain = cache_wrapper_seen(*rec);
        recs.push_back(std::move(*rec));
    }
    nlohmann::ordered_json report;
    report["schema"] = kAuditFormat;
    report["command"] = o.command;
    report["cache"] = o.cache;
    report["variations"] = vary;
    report["runs"] = nlohmann::ordered_json::array();
    for (const Run& run : runs)
        report["runs"].push_back(
            {{"name", run.name},
             {"recording", run.recording},
             {"tree", run.kept_tree},
             {"built_in", run.tree},
             {"cached", run.cached},
             {"variations", run.variations},
             {"not_plain", run.not_plain.empty() ? nlohmann::ordered_json(nullptr)
                                                 : nlohmann::ordered_json(run.not_plain)}});
    std::vector<std::string> kept;
    std::vector<AuditRun> audit_runs;
    for (const Run& run : runs) {
        kept.push_back(run.kept_tree);
        audit_runs.push_back(run);
    }
    AuditReports reports = diff_audit_runs(std::move(report), audit_runs, recs, build_path, kept);
    report = std::move(reports.report);
    bool divergent = reports.divergent;
    // The evidence: both versions of the smallest divergent files, copied out of the trees
    // before they are removed, so the comparison can be re-run from this directory (or a bundle).
    Evidence evidence = select_evidence(std::move(reports.candidates), o.max_evidence);
    for (EvidenceItem& g : reports.gone) evidence.left_out.push_back(std::move(g));
    fs::remove_all(out + "/evidence", ec);
    for (const EvidenceItem& item : evidence.kept)
        for (const EvidenceFile* f : {&item.left, &item.right}) {
            fs::path to = fs::path(out) / f->member;
            if (fs::exists(to)) continue;
            fs::create_directories(to.parent_path(), ec);
            fs::copy_file(f->source, to, ec);
            if (ec) {
                fmt::print(stderr, "buildiff audit: {}: cannot keep as evidence: {}\n", to.string(),
                           ec.message());
                return 2;
            }
        }
    fs::create_directories(out + "/evidence", ec);
    std::ofstream(out + "/evidence/index.json") << evidence.to_json().dump(2) << "\n";
    for (auto& [name, content] : reports.files) {
        std::ofstream file(out + "/" + name, std::ios::binary);
        if (!(file << content) || !file.flush()) {
            fmt::print(stderr, "buildiff audit: {}/{}: cannot write: {}\n", out, name,
                       std::strerror(errno));
            return 2;
        }
    }
    if (!o.keep)
        for (const Run& run : runs) fs::remove_all(run.kept_tree, ec);

    fmt::print("buildiff audit of `{}`: {}\n", fmt::join(o.command, " "),
               divergent ? "DIVERGENT" : "every run produced identical artifacts");
    for (auto& p : report["pairs"]) fmt::print("  {}\n", describe_pair(p));
    for (const Run& run : runs)
        if (!run.not_plain.empty())
            fmt::print("  note: run {} is not plain: {}\n", run.name, run.not_plain);
    fmt::print("reports: {0}/report.html, {0}/report.json, {0}/summary.md\n", out);
    if (divergent)
        fmt::print(
            "evidence: both versions of {} of the pairs' {} divergent artifacts in "
            "{}/evidence; one file for a bug report: buildiff pack {} -o bug.tar.gz\n",
            evidence.kept.size(), evidence.kept.size() + evidence.left_out.size(), out, out);
    return divergent ? 1 : 0;
}

}  // namespace buildiff
