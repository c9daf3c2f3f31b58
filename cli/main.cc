// buildiff's command line: subcommand wiring only; the work lives in audit/, diff/, report/.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <exception>

#include <fmt/core.h>

#include "audit/analysis.h"
#include "audit/record.h"
#include "audit/recording.h"
#include "report/show.h"

namespace {

using namespace buildiff;

constexpr const char* kRecordExamples = R"(
Examples:
  buildiff record -o build.rec -- make -j2
  buildiff record -o cached.rec --label sccache -- env RUSTC_WRAPPER=sccache cargo build
  buildiff record -- cmake --build build

Exit status: the build's own (128+N if it died of signal N); 125 if buildiff failed,
126 if COMMAND is not executable, 127 if it was not found.)";

constexpr const char* kShowExamples = R"(
Examples:
  buildiff show build.rec                 # process tree and summary
  buildiff show build.rec --json | jq -c 'select(.kind=="compiler-driver") | .argv'

Exit status: 0, or 2 if the recording cannot be read.)";

bool use_color() {
    const char* no_color = std::getenv("NO_COLOR");
    return isatty(STDOUT_FILENO) && !(no_color && *no_color);
}

int run_show(const std::string& path, bool as_json) {
    Result<Recording> rec = read_recording(path);
    if (!rec) {
        fmt::print(stderr, "buildiff: {}\n", rec.error().message);
        return 2;
    }
    Analysis analysis = analyze(*rec);
    if (as_json) {
        render_show_json(*rec, analysis, stdout);
    } else {
        render_show_text(*rec, analysis, summarize(*rec, analysis), stdout, use_color());
    }
    return std::fflush(stdout) == 0 ? 0 : 2;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"buildiff: why are these two builds different?"};
    app.set_version_flag("--version", std::string("buildiff ") + kBuildiffVersion);
    app.require_subcommand(1);
    app.footer("\nRun 'buildiff COMMAND --help' for a command's options and examples.");

    RecordOptions record;
    auto* rec_cmd = app.add_subcommand("record", "Run COMMAND and record every process it starts");
    rec_cmd->add_option("-o,--output", record.output, "Recording file to write")
        ->capture_default_str();
    rec_cmd->add_option("--label", record.label, "A name for this build, shown in reports");
    bool no_redact = false;
    rec_cmd->add_flag("--no-redact", no_redact,
                      "Store secret-looking environment values in clear (default: salted hash)");
    rec_cmd->add_flag("-q,--quiet", record.quiet, "No summary line on stderr");
    rec_cmd->add_option("command", record.command, "The build command, after --")->required();
    rec_cmd->footer(kRecordExamples);
    rec_cmd->positionals_at_end();

    std::string show_path;
    bool show_json = false;
    auto* show_cmd = app.add_subcommand("show", "Print a recording as a process tree with a summary");
    show_cmd->add_option("recording", show_path, "Recording file")->required();
    show_cmd->add_flag("--json", show_json, "One JSON object per process (JSON Lines)");
    show_cmd->footer(kShowExamples);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        if (code == 0) return 0;
        // Usage errors: `record` reports its own failures as 125 (as env(1)); others as 2.
        return rec_cmd->parsed() ? 125 : 2;
    }
    try {
        if (rec_cmd->parsed()) {
            record.redact = !no_redact;
            return run_record(record);
        }
        if (show_cmd->parsed()) return run_show(show_path, show_json);
    } catch (const std::exception& e) {
        fmt::print(stderr, "buildiff: internal error: {}\n", e.what());
        return rec_cmd->parsed() ? 125 : 2;
    }
    return 2;
}
