// `buildiff audit`: build several times under the recorder and diff the runs.
#include <unistd.h>

#include <string>
#include <vector>

#include "audit/auditor.h"
#include "cli/command.h"

namespace buildiff::cli {

namespace {

constexpr const char* kAuditExamples = R"(
Runs: plain (no cache wrapper), cold (private empty cache), warm (the same cache, a fresh tree),
each in a fresh copy of the current directory (git-ignored files are not copied), recorded, and
every pair diffed.
Variations (--vary, comma-separated): build-path (default), tz, locale, umask, sde
(SOURCE_DATE_EPOCH), jobs, time (libfaketime), aslr, kernel (UNAME26), cpus, home, user (root
only), host, path, env, order (disorderfs); all: every one this machine can apply (the others are
refused, and said); none (or an empty list): every run in the same place, nothing varied.

Examples:
  buildiff audit -- make -j2
  buildiff audit --cache sccache --out audit-out -- cargo build --release
  buildiff audit --cache none --vary build-path,tz,locale,umask -- make
  buildiff pack buildiff-audit -o bug.tar.gz             # then attach it to a bug report

Exit status: 0 every pair identical, 1 any pair divergent, 2 trouble (a failed build's log is
named).)";

// A comma-separated list; empty items are dropped.
std::vector<std::string> split_list(const std::string& list) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start <= list.size() && !list.empty()) {
        size_t end = list.find(',', start);
        if (end == std::string::npos) end = list.size();
        if (end > start) out.push_back(list.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

class AuditCommand : public Command {
  public:
    explicit AuditCommand(const char* argv0) : m_argv0(argv0) {}

    CLI::App* add_to(CLI::App& app) override {
        auto* cmd = app.add_subcommand(
            "audit",
            "Build several times (no cache, cold cache, warm cache, variations) and diff the runs");
        cmd->add_option("--cache", m_options.cache, "none, ccache, sccache, or a wrapper command")
            ->capture_default_str();
        cmd->add_option("--runs", m_runs, "Runs, comma-separated (default plain,cold,warm)");
        m_vary_option = cmd->add_option(
            "--vary", m_vary, "Variations, comma-separated (default build-path; all; none: nothing)");
        cmd->add_option("--out", m_options.out, "Output directory")->capture_default_str();
        cmd->add_flag("--keep", m_options.keep, "Keep each run's build tree");
        m_confirm_option = cmd->add_flag(
            "--confirm,!--no-confirm", m_confirm,
            "Re-run the most telling pair's root causes to prove them (buildiff confirm; on by "
            "default with --keep)");
        cmd->add_option("--confirm-budget", m_confirm_budget, "Time for --confirm (s, m)")
            ->capture_default_str();
        cmd->add_flag("--strict", m_options.strict,
                      "Every divergent file decides the verdict, not only what the builds "
                      "delivered");
        cmd->add_option("--max-evidence", m_max_evidence,
                        "Keep both versions of divergent files, smallest first, up to SIZE")
            ->capture_default_str();
        cmd->add_option("command", m_options.command, "The build command, after --")->required();
        cmd->footer(kAuditExamples);
        cmd->positionals_at_end();
        return cmd;
    }

    int run() override {
        if (!size_option("audit", "--max-evidence", m_max_evidence, m_options.max_evidence))
            return 2;
        std::optional<double> budget = parse_duration(m_confirm_budget);
        if (!budget)
            return fail(fmt::format("audit: --confirm-budget {}: expected a duration such as 60s",
                                    m_confirm_budget));
        m_options.confirm_budget = *budget;
        if (m_confirm_option->count() > 0) m_options.confirm = m_confirm;
        m_options.runs = split_list(m_runs);
        m_options.vary = split_list(m_vary);
        // Given, but empty (`--vary ''`): no variation, as `none` says; not the default.
        if (m_vary_option->count() > 0 && m_options.vary.empty()) m_options.vary = {"none"};
        char self[4096];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        m_options.self = n > 0 ? std::string(self, static_cast<size_t>(n)) : m_argv0;
        return run_audit(m_options);
    }

  private:
    const char* m_argv0;
    AuditOptions m_options;
    std::string m_runs, m_vary, m_max_evidence = "64M";
    CLI::Option* m_vary_option = nullptr;
    CLI::Option* m_confirm_option = nullptr;
    bool m_confirm = false;
    std::string m_confirm_budget = "60s";
};

}  // namespace

std::unique_ptr<Command> audit_command(const char* argv0) {
    return std::make_unique<AuditCommand>(argv0);
}

}  // namespace buildiff::cli
