// `buildiff export compdb`: compile_commands.json from a recording.
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/core.h>

#include "audit/build_set.h"
#include "base/atomic_write.h"
#include "cli/command.h"
#include "report/compdb.h"

namespace buildiff::cli {

namespace {

class ExportCommand : public Command {
  public:
    CLI::App* add_to(CLI::App& app) override {
        auto* cmd = app.add_subcommand("export", "Export a recording in another tool's format");
        cmd->require_subcommand(1);
        m_compdb = cmd->add_subcommand(
            "compdb",
            "compile_commands.json: one entry per C, C++ or assembly source compiled (also by a "
            "compile-and-link command), cache wrappers peeled off");
        m_compdb->add_option("recording", m_recording, "Recording file (or SET:RUN)")->required();
        m_compdb->add_option("-o,--output", m_output, "Write to FILE (default: standard output)")
            ->capture_default_str();
        m_compdb->footer(R"(
Examples:
  buildiff export compdb build.rec > compile_commands.json
  buildiff export compdb build.rec -o build/compile_commands.json

Exit status: 0, or 2 if the recording cannot be read or the output written.)");
        return cmd;
    }

    // compdb is the only format; the command line requires it.
    int run() override {
        Result<Recording> rec = load_recording(m_recording);
        if (!rec) {
            fmt::print(stderr, "buildiff: {}\n", rec.error().message);
            return 2;
        }
        std::string text = compile_commands(*rec);
        if (m_output == "-") {
            fmt::print("{}", text);
            return std::fflush(stdout) == 0 ? 0 : 2;
        }
        if (!write_file_atomically(m_output, text)) {
            fmt::print(stderr, "buildiff: {}: cannot write: {}\n", m_output, std::strerror(errno));
            return 2;
        }
        return 0;
    }

  private:
    CLI::App* m_compdb = nullptr;
    std::string m_recording, m_output = "-";
};

}  // namespace

std::unique_ptr<Command> export_command() {
    return std::make_unique<ExportCommand>();
}

}  // namespace buildiff::cli
