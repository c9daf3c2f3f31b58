// What the commands share: colour, sizes, errors.
#include <unistd.h>

#include <cmath>
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

std::optional<double> parse_duration(const std::string& text) {
    try {
        size_t used = 0;
        double v = std::stod(text, &used);
        std::string unit = text.substr(used);
        double scale = unit.empty() || unit == "s" ? 1
                       : unit == "m"               ? 60
                       : unit == "ms"              ? 0.001
                                                   : -1;
        if (scale < 0 || v < 0 || !std::isfinite(v)) return std::nullopt;
        return v * scale;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

}  // namespace buildiff::cli
