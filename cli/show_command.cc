// `buildiff show`: a recording as a process tree with a summary, or as JSON Lines; an audit
// directory or bundle named without a run: what it holds.
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/core.h>

#include "audit/build_set.h"
#include "base/atomic_write.h"
#include "cli/command.h"
#include "recording/analysis.h"
#include "report/show.h"

namespace buildiff::cli {

namespace {

constexpr const char* kShowExamples = R"(
Examples:
  buildiff show build.rec                 # process tree and summary
  buildiff show build.rec --json | jq -c 'select(.kind=="compiler-driver") | .argv'
  buildiff show build.rec --html build.html   # the build over time, one page
  buildiff show buildiff-audit            # an audit directory or bundle: runs, pairs, evidence
  buildiff show bug.tar.gz:warm           # one run of a bundle, read without extracting

Exit status: 0, or 2 if the recording cannot be read.)";

class ShowCommand : public Command {
  public:
    CLI::App* add_to(CLI::App& app) override {
        auto* cmd =
            app.add_subcommand("show", "Print a recording as a process tree with a summary");
        cmd->add_option("recording", m_path,
                        "Recording file, audit directory or bundle (SET:RUN names one run)")
            ->required();
        cmd->add_flag("--json", m_json, "One JSON object per process (JSON Lines)");
        cmd->add_option("--html", m_html,
                        "Write a page with the summary and the build's timeline to FILE (- for "
                        "stdout) instead of printing the process tree");
        cmd->footer(kShowExamples);
        return cmd;
    }

    int run() override {
        // An audit directory or bundle named without a run: what it holds (its run, when one).
        Result<Recording> rec = Error{""};
        if (!split_set_spec(m_path) && BuildSet::detect(m_path)) {
            Result<BuildSet> set = BuildSet::open(m_path);
            if (!set) {
                return fail(set.error().message);
            }
            Result<std::string> only = set->only_run();
            if (!only && !m_json) {
                fmt::print("{}", describe_set(*set));
                return std::fflush(stdout) == 0 ? 0 : 2;
            }
            rec = only ? set->recording(*only) : Result<Recording>(only.error());
        } else {
            rec = load_recording(m_path);
        }
        if (!rec) {
            return fail(rec.error().message);
        }
        Analysis analysis = analyze(*rec);
        if (!m_html.empty()) {
            std::string page = render_show_html(*rec, analysis, summarize(*rec, analysis));
            if (m_html == "-") {
                fmt::print("{}", page);
                return std::fflush(stdout) == 0 ? 0 : 2;
            }
            if (!write_file_atomically(m_html, page)) {
                return fail(fmt::format("{}: cannot write the page: {}", m_html,
                                        std::strerror(errno)));
            }
            if (!m_json) return 0;
        }
        if (m_json) {
            render_show_json(*rec, analysis, stdout);
        } else {
            render_show_text(*rec, analysis, summarize(*rec, analysis), stdout, use_color());
        }
        return std::fflush(stdout) == 0 ? 0 : 2;
    }

  private:
    std::string m_path, m_html;
    bool m_json = false;
};

}  // namespace

std::unique_ptr<Command> show_command() {
    return std::make_unique<ShowCommand>();
}

}  // namespace buildiff::cli
