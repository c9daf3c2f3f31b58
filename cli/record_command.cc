// `buildiff record`: run a build under the recorder.
#include "cli/command.h"
#include "record/record.h"

namespace buildiff::cli {

namespace {

constexpr const char* kRecordExamples = R"(
Examples:
  buildiff record -o build.rec -- make -j2
  buildiff record -o cached.rec --label sccache -- env RUSTC_WRAPPER=sccache cargo build
  buildiff record -- cmake --build build

Exit status: the build's own (128+N if it died of signal N); 125 if buildiff failed,
126 if COMMAND is not executable, 127 if it was not found.)";

class RecordCommand : public Command {
  public:
    CLI::App* add_to(CLI::App& app) override {
        auto* cmd = app.add_subcommand("record", "Run COMMAND and record every process it starts");
        cmd->add_option("-o,--output", m_options.output, "Recording file to write")
            ->capture_default_str();
        cmd->add_option("--label", m_options.label, "A name for this build, shown in reports");
        cmd->add_flag("--no-redact", m_no_redact,
                      "Store secret-looking environment values in clear (default: salted hash)");
        cmd->add_flag("-q,--quiet", m_options.quiet, "No summary line on stderr");
        cmd->add_flag("--no-notify", m_no_notify,
                      "Stop every traced call under ptrace: no seccomp notification listener "
                      "(slower; for builds that install a seccomp listener of their own)");
        cmd->add_option("--env", m_options.build_env,
                        "NAME=VALUE set in the build's environment only, not buildiff's "
                        "(what an audit preloads into the build; repeatable)");
        cmd->add_option("command", m_options.command, "The build command, after --")->required();
        cmd->footer(kRecordExamples);
        cmd->positionals_at_end();
        return cmd;
    }
    int run() override {
        for (const std::string& kv : m_options.build_env)
            if (kv.find('=') == std::string::npos || kv.front() == '=') {
                fmt::print(stderr, "buildiff record: --env {}: not NAME=VALUE\n", kv);
                return 125;
            }
        m_options.redact = !m_no_redact;
        m_options.notify = !m_no_notify;
        return run_record(m_options);
    }
    // As env(1): record's own failures are 125, so they are not taken for the build's.
    int usage_status() const override { return 125; }

  private:
    RecordOptions m_options;
    bool m_no_redact = false, m_no_notify = false;
};

}  // namespace

std::unique_ptr<Command> record_command() {
    return std::make_unique<RecordCommand>();
}

}  // namespace buildiff::cli
