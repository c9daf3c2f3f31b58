// `buildiff diff`: compare two builds (recordings, runs of an audit or a bundle) or two artifacts.
#include <malloc.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <future>
#include <set>
#include <vector>

#include <fmt/core.h>

#include "audit/ignore_file.h"
#include "audit/inputs.h"
#include "base/atomic_write.h"
#include "base/progress.h"
#include "cli/command.h"
#include "diff/differ.h"
#include "report/diff_render.h"

namespace buildiff::cli {

namespace {

constexpr const char* kDiffExamples = R"(
Examples:
  buildiff diff left.rec right.rec                       # text report
  buildiff diff left.rec right.rec --json report.json    # and the JSON report to a file
  buildiff diff left.rec right.rec --json - | jq '.root_causes[].kind'
  buildiff diff left.rec right.rec --html report.html --markdown summary.md
  buildiff diff --baseline nightly-good.rec today.rec --ignore-file .buildiffignore \
      --junit buildiff.xml --summary-to "$GITHUB_STEP_SUMMARY"
  buildiff diff a.rec b.rec --map /home/ci/build=/src --ignore '*.d'
  buildiff diff old/libfoo.so new/libfoo.so              # plain files: symbols, sections, DWARF
  buildiff diff build-a/ build-b/                        # two trees, file by file
  buildiff diff a.whl b.whl                              # archives, members compared recursively
  buildiff diff buildiff-audit                           # an audit's most telling pair, again
  buildiff diff bug.tar.gz                               # the same from its bundle (buildiff pack)
  buildiff diff bug.tar.gz:plain bug.tar.gz:warm         # any pair of runs of a bundle

Exit status: 0 identical, 1 divergent, 2 trouble (as diff(1)).)";

struct DiffArgs {
    std::vector<std::string> inputs;
    std::string left, right, json, html, markdown, junit, summary_to, baseline, ignore_file;
    bool text = false, strict = false;
    std::vector<std::string> maps, ignore;
};

class DiffCommand : public Command {
  public:
    CLI::App* add_to(CLI::App& app) override {
        auto* cmd = app.add_subcommand(
            "diff", "Compare two builds (recordings) or two artifacts (files or directories)");
        cmd->add_option("inputs", m_args.inputs,
                        "LEFT RIGHT: recordings (or SET:RUN), files or directories; one audit "
                        "directory or bundle; RIGHT only with --baseline")
            ->required()
            ->expected(1, 2);
        cmd->add_option("--baseline", m_args.baseline,
                        "Compare RIGHT against this stored recording (CI: the last good build)");
        cmd->add_option("--ignore-file", m_args.ignore_file,
                        "Path globs and `kind:KIND` root-cause kinds to tolerate (default: "
                        ".buildiffignore when present)");
        cmd->add_option("--junit", m_args.junit, "Write JUnit XML (one test case per root cause)");
        cmd->add_option("--summary-to", m_args.summary_to,
                        "Append the Markdown summary to FILE (e.g. \"$GITHUB_STEP_SUMMARY\")");
        cmd->add_flag("--text", m_args.text,
                      "Text report on stdout (the default, unless --json -)");
        cmd->add_option("--json", m_args.json,
                        "Write the JSON report (buildiff.report/1) to FILE, or - for stdout");
        cmd->add_option("--html", m_args.html,
                        "Write the HTML report (one self-contained file) to FILE, or - for stdout");
        cmd->add_option("--markdown", m_args.markdown,
                        "Write the Markdown report (CI summaries, issue comments) to FILE, or -");
        cmd->add_option("--map", m_args.maps,
                        "Treat path prefix OLD as NEW (repeatable), e.g. /ci/build=/src");
        cmd->add_option("--ignore", m_args.ignore,
                        "Artifacts matching GLOB are known noise (repeatable)");
        cmd->add_flag("--strict", m_args.strict,
                      "Every divergent file decides the verdict, not only what the builds "
                      "delivered");
        cmd->footer(kDiffExamples);
        return cmd;
    }

    int run() override {
        DiffOptions options;
        std::set<std::string> tolerated;
        if (int status = options_from(options, tolerated)) return status;
        std::vector<std::string> inputs = m_args.inputs;
        if (!m_args.baseline.empty()) {
            if (m_args.inputs.size() != 1) {
                fmt::print(stderr,
                           "buildiff diff: with --baseline, give one input (the new build)\n");
                return 2;
            }
            inputs.insert(inputs.begin(), m_args.baseline);
        }
        Result<DiffResult> diffed = diff_inputs(inputs, options);
        if (!diffed) return fail(diffed.error().message);
        // The recordings are gone; what the threads that read them freed is returned to the
        // system, rather than kept by their arenas while the reports are built.
        malloc_trim(0);
        DiffResult& result = *diffed;
        tolerate_kinds(result, tolerated);
        return write_reports(result);
    }

  private:
    // --map, --ignore and the ignore file (given, or .buildiffignore when present).
    int options_from(DiffOptions& options, std::set<std::string>& tolerated) const {
        for (const std::string& m : m_args.maps) {
            auto eq = m.find('=');
            if (eq == std::string::npos || eq == 0) {
                fmt::print(stderr, "buildiff diff: --map {}: expected OLD=NEW\n", m);
                return 2;
            }
            options.maps.emplace_back(m.substr(0, eq), m.substr(eq + 1));
        }
        options.ignore = m_args.ignore;
        options.strict = m_args.strict;
        std::string ignore_file = m_args.ignore_file;
        if (ignore_file.empty() && access(".buildiffignore", R_OK) == 0)
            ignore_file = ".buildiffignore";
        if (ignore_file.empty()) return 0;
        Result<IgnoreRules> rules = read_ignore_file(ignore_file);
        if (!rules) return fail(rules.error().message);
        options.ignore.insert(options.ignore.end(), rules->globs.begin(), rules->globs.end());
        tolerated = rules->kinds;
        return 0;
    }

    // Reports to files (or - for stdout), each written whole or not at all; the summary
    // appended; the text report on stdout unless another report took it.
    int write_reports(const DiffResult& result) const {
        struct Output {
            const std::string& path;
            const char* what;
            std::string (*render)(const DiffResult&);
        };
        bool stdout_taken = false;
        const Output outputs[] = {Output{m_args.json, "JSON", render_diff_json},
                                  Output{m_args.html, "HTML", render_diff_html},
                                  Output{m_args.markdown, "Markdown", render_diff_markdown},
                                  Output{m_args.junit, "JUnit", render_diff_junit}};
        // The reports are rendered at once, each on a thread of its own (they only read the
        // result), and written in this order. The JSON report to a file is written as it is
        // made, never held whole (70 MB for a 100,000-step build).
        struct Rendered {
            std::string content;
            bool streamed = false;  // the JSON report, written to its file as it was made
            int error = 0;          // errno when that failed
        };
        std::vector<std::future<Rendered>> rendered;
        for (const Output& o : outputs) {
            if (o.path.empty()) continue;
            bool stream = o.render == render_diff_json && o.path != "-";
            rendered.push_back(std::async(std::launch::async, [&result, &o, stream] {
                Rendered r;
                r.streamed = stream;
                if (!stream)
                    r.content = o.render(result);
                else if (!write_file_atomically(o.path, [&result](const PieceWriter& piece) {
                             return write_diff_json(result, piece);
                         }))
                    r.error = errno;
                return r;
            }));
        }
        size_t written = 0;
        for (const Output& o : outputs) {
            if (o.path.empty()) continue;
            Rendered r;
            {
                Progress progress("writing", "report");
                progress.update(written, rendered.size());
                r = rendered[written++].get();
            }
            if (!r.streamed && o.path == "-") {
                fmt::print("{}", r.content);
                stdout_taken = true;
                continue;
            }
            if (!r.streamed && !write_file_atomically(o.path, r.content)) r.error = errno;
            if (r.error) {
                fmt::print(stderr, "buildiff: {}: cannot write the {} report: {}\n", o.path, o.what,
                           std::strerror(r.error));
                return 2;
            }
        }
        if (!m_args.summary_to.empty()) {
            // Appended, as CI step summaries are: what other steps wrote stays.
            std::ofstream out(m_args.summary_to, std::ios::app | std::ios::binary);
            if (!(out << render_diff_markdown(result)) || !out.flush()) {
                fmt::print(stderr, "buildiff: {}: cannot append the summary: {}\n",
                           m_args.summary_to, std::strerror(errno));
                return 2;
            }
        }
        if (!stdout_taken || m_args.text) render_diff_text(result, stdout, use_color());
        if (std::fflush(stdout) != 0) return 2;
        return result.divergent ? 1 : 0;
    }

    DiffArgs m_args;
};

}  // namespace

std::unique_ptr<Command> diff_command() {
    return std::make_unique<DiffCommand>();
}

}  // namespace buildiff::cli
