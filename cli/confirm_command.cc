// `buildiff confirm`: each root cause's step re-run both ways, shut in; the smallest difference
// that reproduces the divergence; a reproducer script per cause.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/core.h>

#include "audit/build_set.h"
#include "audit/confirm.h"
#include "audit/inputs.h"
#include "base/atomic_write.h"
#include "cli/command.h"
#include "report/diff_render.h"

namespace buildiff::cli {

namespace {

constexpr const char* kConfirmExamples = R"(
Examples:
  buildiff confirm buildiff-audit                  # the audit's most telling pair (audit --keep)
  buildiff confirm left.rec right.rec --cause 1    # recordings whose trees are still there
  buildiff confirm buildiff-audit --budget 5m --json confirmed.json
  sh buildiff-audit/repro/cause-1.sh               # the proof, without buildiff

Each step runs in its own mount, network and process namespaces (as root): a scratch copy of its
recorded inputs mounted where the build root was, every other file system read-only, no network,
a time limit per run (--run-limit) and one budget for the command (--budget).

Exit status: 0 every cause re-run was confirmed (or could not be re-run, and says why), 1 one was
not reproduced or not confirmed, 2 trouble (an input changed since it was recorded, bad input).)";

class ConfirmCommand : public Command {
  public:
    CLI::App* add_to(CLI::App& app) override {
        auto* cmd = app.add_subcommand(
            "confirm", "Prove root causes by re-running their steps both ways (ddmin, a script)");
        cmd->add_option("inputs", m_inputs,
                        "An audit directory or bundle (its most telling pair), or LEFT RIGHT "
                        "recordings (or SET:RUN)")
            ->required()
            ->expected(1, 2);
        cmd->add_option("--cause", m_options.causes,
                        "Only root cause N, as the reports number them (repeatable)");
        cmd->add_option("--budget", m_budget, "Time for the whole command (s, m)")
            ->capture_default_str();
        cmd->add_option("--run-limit", m_run_limit, "Time for one re-run (s, m)")
            ->capture_default_str();
        cmd->add_option("--repro-dir", m_options.repro_dir,
                        "Where cause-N.sh go (default: AUDIT/repro, else ./buildiff-repro)");
        cmd->add_option("--json", m_json,
                        "Write the JSON report, with each cause's confirmation, to FILE or -");
        cmd->add_option("--html", m_html, "Write the HTML report, with the confirmations, to FILE");
        cmd->add_option("--markdown", m_markdown,
                        "Write the Markdown report, with the confirmations, to FILE");
        cmd->add_option("--scratch", m_options.scratch_parent,
                        "Make the scratch directories here (default: $TMPDIR or /tmp)");
        cmd->footer(kConfirmExamples);
        return cmd;
    }

    int run() override {
        std::optional<double> budget = parse_duration(m_budget), limit = parse_duration(m_run_limit);
        if (!budget || !limit)
            return fail(fmt::format("confirm: {}: expected a duration such as 60s or 2m",
                                    !budget ? m_budget : m_run_limit));
        m_options.budget_seconds = *budget;
        m_options.run_limit_seconds = *limit;
        for (int n : m_options.causes)
            if (n < 1) return fail(fmt::format("confirm: --cause {}: causes are numbered from 1", n));
        Result<RecordedPair> pair = load_recorded_pair(m_inputs, {});
        if (!pair) return fail(pair.error().message);
        return confirm(*pair);
    }

  private:
    int confirm(RecordedPair& pair) {
        DiffResult& result = pair.result;
        for (int n : m_options.causes)
            if (static_cast<size_t>(n) > result.root_causes.size())
                return fail(fmt::format("confirm: --cause {}: the diff has {} root cause{}", n,
                                        result.root_causes.size(),
                                        result.root_causes.size() == 1 ? "" : "s"));
        char self[4096];
        ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
        m_options.self = n > 0 ? std::string(self, static_cast<size_t>(n)) : "buildiff";
        if (m_options.repro_dir.empty())
            m_options.repro_dir = pair.set && !pair.set->is_bundle() ? pair.set->path() + "/repro"
                                                                     : "buildiff-repro";
        m_options.left_tree = pair.left_tree;
        m_options.right_tree = pair.right_tree;
        if (auto set = pair.set)
            m_options.evidence = [set](const std::string& hash) { return set->evidence_blob(hash); };
        if (isatty(2))
            m_options.progress = [](const std::string& line) { fmt::print(stderr, "{}\n", line); };
        std::vector<std::string> refusals =
            confirm_causes(pair.left, pair.right, result, m_options);
        int status = print(result);
        for (auto [path, render] :
             {std::pair{&m_json, &render_diff_json}, std::pair{&m_html, &render_diff_html},
              std::pair{&m_markdown, &render_diff_markdown}}) {
            if (path->empty()) continue;
            std::string content = render(result);
            if (*path == "-")
                fmt::print("{}", content);
            else if (!write_file_atomically(*path, content))
                return fail(fmt::format("{}: cannot write the report: {}", *path,
                                        std::strerror(errno)));
        }
        for (const std::string& r : refusals) fmt::print(stderr, "buildiff confirm: {}\n", r);
        return refusals.empty() ? status : 2;
    }

    // A paragraph per cause re-run (on stdout unless --json - took it); 0 or 1 as the causes
    // came out.
    int print(const DiffResult& result) const {
        int status = 0;
        bool taken = m_json == "-" || m_html == "-" || m_markdown == "-";
        FILE* out = taken ? stderr : stdout;
        if (result.root_causes.empty())
            fmt::print(out, "no root cause to confirm: the builds are {}\n",
                       result.divergent ? "divergent only in files no step explains" : "identical");
        for (size_t i = 0; i < result.root_causes.size(); ++i) {
            const RootCause& rc = result.root_causes[i];
            if (!rc.confirmation) continue;
            const Confirmation& c = *rc.confirmation;
            if (c.status == "not-reproduced" || c.status == "unconfirmed") status = 1;
            fmt::print(out, "cause {} ({}): {}\n", i + 1, root_cause_kind_name(rc.kind),
                       rc.summary);
            fmt::print(out, "  {}", c.summary);
            if (c.runs > 0)
                fmt::print(out, " ({} re-run{}, {:.1f} s)", c.runs, c.runs == 1 ? "" : "s",
                           c.seconds);
            fmt::print(out, "\n");
            for (const std::string& d : c.details) fmt::print(out, "  {}\n", d);
            if (!c.script.empty()) fmt::print(out, "  reproducer: {}\n", c.script);
        }
        return status;
    }

    std::vector<std::string> m_inputs;
    ConfirmOptions m_options;
    std::string m_budget = "60s", m_run_limit = "30s", m_json, m_html, m_markdown;
};

}  // namespace

std::unique_ptr<Command> confirm_command() {
    return std::make_unique<ConfirmCommand>();
}

}  // namespace buildiff::cli
