// buildiff's command line: the table of subcommands (one file each in cli/), the config file,
// and the exit statuses of usage errors.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/core.h>

#include "base/version.h"
#include "cli/command.h"

namespace {

using namespace buildiff;

// What is wrong with an entry of a config file that CLI11 could not place: "diff.ignor" (an
// unknown key), "nosuch.++" (CLI11's mark for the start of an unknown section), "[diff".
std::string config_entry_problem(const std::string& entry) {
    size_t dot = entry.rfind('.');
    if (entry.starts_with("[") || entry.empty()) return fmt::format("malformed entry `{}`", entry);
    if (dot == std::string::npos)
        return fmt::format(
            "no option `{}` outside a section (options go in a [COMMAND] section, such as [diff])",
            entry);
    std::string section = entry.substr(0, dot), key = entry.substr(dot + 1);
    if (key == "++" || key == "--") return fmt::format("no command [{}]", section);
    return fmt::format("no option `{}` in [{}]", key, section);
}

// The subcommands, in the order the help lists them.
std::vector<std::unique_ptr<cli::Command>> all_commands(const char* argv0) {
    std::vector<std::unique_ptr<cli::Command>> commands;
    commands.push_back(cli::record_command());
    commands.push_back(cli::show_command());
    commands.push_back(cli::diff_command());
    commands.push_back(cli::audit_command(argv0));
    commands.push_back(cli::export_command());
    commands.push_back(cli::pack_command());
    commands.push_back(cli::explain_command());
    commands.push_back(cli::confirm_command());
    return commands;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"buildiff: why are these two builds different?"};
    app.set_version_flag("--version", std::string("buildiff ") + kBuildiffVersion);
    app.require_subcommand(1);
    // A config file (TOML, or INI): one section per command, its options by their long names;
    // what the command line gives wins. A key that is no option is an error, not ignored.
    app.allow_config_extras(false);
    CLI::Option* config = app.set_config(
        "--config", "",
        "Read options from FILE (TOML: a [diff], [audit], ... section per command; the command "
        "line wins)");
    config->type_name("FILE");
    app.fallthrough();  // --config after the command too
    app.footer("\nRun 'buildiff COMMAND --help' for a command's options and examples.");

    std::vector<std::unique_ptr<cli::Command>> commands = all_commands(argv[0]);
    std::vector<CLI::App*> apps;
    for (auto& c : commands) apps.push_back(c->add_to(app));
    // The command the line named (once parsed), and the status its usage errors get.
    auto chosen = [&]() -> cli::Command* {
        for (size_t i = 0; i < commands.size(); ++i)
            if (apps[i]->parsed()) return commands[i].get();
        return nullptr;
    };
    auto usage_status = [&] {
        cli::Command* c = chosen();
        return c ? c->usage_status() : 2;
    };

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        bool unreadable = dynamic_cast<const CLI::FileError*>(&e) != nullptr;
        if (unreadable || dynamic_cast<const CLI::ConfigError*>(&e)) {
            std::string file = config->count() ? config->as<std::string>() : "config";
            std::string problem = e.what();
            constexpr std::string_view kExtra = "INI was not able to parse ";
            if (unreadable)
                problem = fmt::format("cannot read: {}", access(file.c_str(), R_OK) == 0
                                                             ? "not a config file"
                                                             : std::strerror(errno));
            else if (problem.starts_with(kExtra))
                problem = config_entry_problem(problem.substr(kExtra.size()));
            fmt::print(stderr, "buildiff: {}: {}\n", file, problem);
            return usage_status();
        }
        int code = app.exit(e);
        if (code == 0) return 0;
        // Usage errors: `record` reports its own failures as 125 (as env(1)); others as 2.
        return usage_status();
    }
    cli::Command* command = chosen();
    if (!command) return 2;
    try {
        return command->run();
    } catch (const std::exception& e) {
        fmt::print(stderr, "buildiff: internal error: {}\n", e.what());
        return command->usage_status();
    }
}
