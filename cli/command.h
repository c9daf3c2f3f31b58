// buildiff's subcommands: each registers itself and its options with the command line, and runs
// once parsed. cli/main.cc holds the table of them; each lives in a file of its own.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace buildiff::cli {

class Command {
  public:
    virtual ~Command() = default;
    // Adds the subcommand, its options and its help to APP.
    virtual CLI::App* add_to(CLI::App& app) = 0;
    // Runs the parsed command; returns the exit status.
    virtual int run() = 0;
    // The exit status for a wrong command line or config file (and an internal error).
    virtual int usage_status() const { return 2; }
};

std::unique_ptr<Command> record_command();
std::unique_ptr<Command> show_command();
std::unique_ptr<Command> diff_command();
std::unique_ptr<Command> audit_command(const char* argv0);
std::unique_ptr<Command> export_command();
std::unique_ptr<Command> pack_command();
std::unique_ptr<Command> explain_command();
std::unique_ptr<Command> confirm_command();

// Shared by the commands.
// Colour on stdout: a terminal, and NO_COLOR unset or empty.
bool use_color();
// A size given as 20M, 512k, 1G or bytes into OUT; a malformed one is named on stderr.
bool size_option(const char* command, const char* option, const std::string& text,
                 std::uint64_t& out);
// A duration: "60s", "2m", "500ms", "1.5" (seconds); nullopt when negative or malformed.
std::optional<double> parse_duration(const std::string& text);
// Prints "buildiff: MESSAGE" on stderr; returns 2.
int fail(const std::string& message);

}  // namespace buildiff::cli
