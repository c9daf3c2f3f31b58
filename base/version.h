// buildiff's version, as reports and bundles state it.
#pragma once

namespace buildiff {

inline constexpr const char* kBuildiffVersion = "0.1.0";

}  // namespace buildiff
