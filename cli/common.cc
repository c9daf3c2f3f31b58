// What the commands share: colour, sizes, errors.
#include <unistd.h>

#include <cstdlib>
#include <optional>

#include <fmt/core.h>

#include "audit/evidence.h"
#include "cli/command.h"

namespace buildiff::cli {

bool use_color() {
    const char* no_color = std::getenv("NO_COLOR");
    return isatty(STDOUT_FILENO) && !(no_color && *no_color);
}

bool size_option(const char* command, const char* option, const std::string& text,
                 std::uint64_t& out) {
    std::optional<std::uint64_t> size = parse_size(text);
    if (!size)
        fmt::print(stderr, "buildiff {}: {} {}: expected a size like 20M, 512k or 1G\n", command,
                   option, text);
    else
        out = *size;
    return size.has_value();
}

int fail(const std::string& message) {
    fmt::print(stderr, "buildiff: {}\n", message);
    return 2;
}

}  // namespace buildiff::cli
