// Sizes in words people read: "12.3 MiB".
#pragma once

#include <cstdint>
#include <string>

#include <fmt/format.h>

namespace buildiff {

inline std::string mib(std::uint64_t bytes, int decimals) {
    return fmt::format("{:.{}f} MiB", static_cast<double>(bytes) / (1 << 20), decimals);
}

}  // namespace buildiff
