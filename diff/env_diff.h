// Environment differences of one invocation pair: variables that change what tools produce
// first, known noise hidden (but counted), secrets compared by their salted hash.
#pragma once

#include <string_view>
#include <vector>

#include "diff/model.h"
#include "diff/normalize.h"
#include "recording/recording.h"

namespace buildiff {

bool is_impactful_env(std::string_view name);
// Whether a change only configures a cache wrapper: RUSTC_WRAPPER, CCACHE_*, SCCACHE_*, or CC/CXX
// values equal but for a leading wrapper ("cc" -> "ccache cc").
bool is_wrapper_configuration(const EnvChange& change);
bool is_noise_env(std::string_view name);

struct EnvDiff {
    std::vector<EnvChange> changes;  // impactful first, then others; noise excluded
    size_t hidden = 0;               // noise variables that differ
};
EnvDiff diff_env(const EnvVars& left, const EnvVars& right, const Normalizer& norm);

}  // namespace buildiff
