// `buildiff pack`: one attachable bundle of an audit or of recordings.
#include "audit/pack.h"
#include "cli/command.h"

namespace buildiff::cli {

namespace {

class PackCommand : public Command {
  public:
    CLI::App* add_to(CLI::App& app) override {
        auto* cmd = app.add_subcommand(
            "pack",
            "One attachable bundle of an audit (or recordings) with its reports and evidence");
        cmd->add_option("inputs", m_options.inputs,
                        "An audit directory or a bundle; or recordings, plus reports to attach")
            ->required();
        cmd->add_option("-o,--output", m_options.output, "The bundle: .tar.gz, .zip or .tar.zst")
            ->capture_default_str();
        cmd->add_option("--max-size", m_max_size,
                        "The bundle's size at most (k, M, G); evidence that does not fit is "
                        "left out and listed")
            ->capture_default_str();
        cmd->add_flag("--redact-paths", m_options.redact_paths,
                      "Mask home directories and user names (same length, binaries included)");
        cmd->footer(R"(
Examples:
  buildiff pack buildiff-audit -o bug-1234.tar.gz          # an audit directory
  buildiff pack cached.rec uncached.rec -o evidence.zip    # recordings, diffed here
  buildiff pack nightly.rec -o baseline.tar.zst            # a CI baseline
  buildiff pack buildiff-audit --redact-paths --max-size 5M -o bug.tar.gz
Read it back without extracting: buildiff show bug.tar.gz, buildiff diff bug.tar.gz,
buildiff diff bug.tar.gz:plain bug.tar.gz:warm, buildiff diff --baseline baseline.tar.zst new.rec

Exit status: 0, or 2 (one line names the input or output and the problem).)");
        return cmd;
    }

    int run() override {
        if (!size_option("pack", "--max-size", m_max_size, m_options.max_size)) return 2;
        return run_pack(m_options);
    }

  private:
    PackOptions m_options;
    std::string m_max_size = "20M";
};

}  // namespace

std::unique_ptr<Command> pack_command() {
    return std::make_unique<PackCommand>();
}

}  // namespace buildiff::cli
