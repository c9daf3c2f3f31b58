// `buildiff explain`: the chain of invocations that produced a file.
#include <fmt/core.h>

#include "audit/build_set.h"
#include "cli/command.h"
#include "diff/differ.h"
#include "report/diff_render.h"
#include "report/show.h"

namespace buildiff::cli {

namespace {

constexpr const char* kExplainExamples = R"(
Examples:
  buildiff explain build.rec target/debug/libfoo.so
  buildiff explain build.rec prog

Exit status: 0, or 2 if the recording cannot be read or PATH was not produced by the build.)";

class ExplainCommand : public Command {
  public:
    CLI::App* add_to(CLI::App& app) override {
        auto* cmd =
            app.add_subcommand("explain", "Show the chain of invocations that produced PATH");
        cmd->add_option("recording", m_recording, "Recording file (or SET:RUN)")->required();
        cmd->add_option("path", m_file, "A file the build produced")->required();
        cmd->footer(kExplainExamples);
        return cmd;
    }

    int run() override {
        Result<Recording> rec = load_recording(m_recording);
        if (!rec) {
            return fail(rec.error().message);
        }
        auto steps = explain_path(*rec, m_file);
        if (!steps) {
            return fail(steps.error().message);
        }
        for (size_t i = 0; i < steps->size(); ++i) {
            const ExplainStep& s = (*steps)[i];
            const InvocationRef& r = s.invocation;
            fmt::print("{}{} was produced by [{}] {}\n", i ? "\n" : "", display_arg(s.path), r.id,
                       describe_invocation(r));
            fmt::print("    {}\n    in {}\n", display_command(r.argv, 4000), display_arg(r.cwd));
            for (auto& input : s.inputs) fmt::print("    from {}\n", display_arg(input));
        }
        return 0;
    }

  private:
    std::string m_recording, m_file;
};

}  // namespace

std::unique_ptr<Command> explain_command() {
    return std::make_unique<ExplainCommand>();
}

}  // namespace buildiff::cli
