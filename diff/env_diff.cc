// Environment diff with name lists (globs, as in recording/redact.h).
#include "diff/env_diff.h"

#include <map>

#include "recording/redact.h"

namespace buildiff {

namespace {

// Variables that change what compilers, linkers, cargo and the cc crate produce.
constexpr std::string_view kImpactful[] = {
    "CC",
    "CXX",
    "CPP",
    "LD",
    "AR",
    "AS",
    "RANLIB",
    "NM",
    "CFLAGS",
    "CXXFLAGS",
    "CPPFLAGS",
    "LDFLAGS",
    "ASFLAGS",
    "RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "RUSTDOCFLAGS",
    "RUSTC",
    "RUSTC_WRAPPER",
    "RUSTC_WORKSPACE_WRAPPER",
    "SOURCE_DATE_EPOCH",
    "LANG",
    "LANGUAGE",
    "LC_*",
    "TZ",
    "PATH",
    "CCACHE_*",
    "SCCACHE_*",
    "CRATE_CC_NO_DEFAULTS",
    "CC_*",
    "CFLAGS_*",
    "CXXFLAGS_*",
    "TARGET_CC",
    "HOST_CC",
    "TARGET_CFLAGS",
    "HOST_CFLAGS",
    "CARGO_BUILD_*",
    "CARGO_PROFILE_*",
    "CARGO_CFG_*",
    "CARGO_FEATURE_*",
    "OPT_LEVEL",
    "PROFILE",
    "DEBUG",
    "PKG_CONFIG_PATH",
    "LD_LIBRARY_PATH",
    "LIBRARY_PATH",
    "CPATH",
    "C_INCLUDE_PATH",
    "CPLUS_INCLUDE_PATH",
    "GCC_EXEC_PREFIX",
    "COMPILER_PATH",
    "DEB_BUILD_OPTIONS",
};
// Variables that differ between any two runs without changing the build. Checked first.
constexpr std::string_view kNoise[] = {
    "PWD",
    "OLDPWD",
    "SHLVL",
    "_",
    "MAKEFLAGS",
    "MAKEOVERRIDES",  // make's record of its command-line variables (those show themselves)
    "MFLAGS",
    "MAKELEVEL",
    "MAKE_TERMOUT",
    "MAKE_TERMERR",
    "CARGO_MAKEFLAGS",
    "TERM",
    "COLUMNS",
    "LINES",
    "SSH_*",
    "DISPLAY",
    "XDG_*",
    "INVOCATION_ID",
    "JOURNAL_STREAM",
    "BUILDIFF_*",
    "SCCACHE_SERVER_PORT",
    "SCCACHE_DIR",
    "SCCACHE_LOG",
    "SCCACHE_ERROR_LOG",
    "SCCACHE_IDLE_TIMEOUT",
    "CCACHE_DIR",
    "CCACHE_LOGFILE",
    "SCCACHE_START_SERVER",
    "CARGO_TARGET_TMPDIR",
    "WINDOWID",
    "TMUX*",
    "STY",
    "SHELL_SESSION_ID",
};

bool matches_any(std::string_view name, const std::string_view* begin,
                 const std::string_view* end) {
    for (auto* p = begin; p != end; ++p)
        if (glob_match(*p, name)) return true;
    return false;
}

}  // namespace

bool is_noise_env(std::string_view name) {
    return matches_any(name, std::begin(kNoise), std::end(kNoise));
}

bool is_impactful_env(std::string_view name) {
    return !is_noise_env(name) && matches_any(name, std::begin(kImpactful), std::end(kImpactful));
}

bool is_wrapper_configuration(const EnvChange& c) {
    static constexpr std::string_view kWrapperVars[] = {"RUSTC_WRAPPER", "RUSTC_WORKSPACE_WRAPPER",
                                                        "CARGO_BUILD_RUSTC_WRAPPER", "CCACHE_*",
                                                        "SCCACHE_*"};
    if (matches_any(c.name, std::begin(kWrapperVars), std::end(kWrapperVars))) return true;
    // A PATH that differs only by a masquerading wrapper's directory (Debian's /usr/lib/ccache,
    // /usr/lib/distcc, /usr/lib/icecc/bin: links named cc, gcc, ... to the wrapper).
    if (c.name == "PATH") {
        auto without_wrappers = [](const std::optional<std::string>& v) {
            std::vector<std::string> kept;
            if (!v) return kept;
            size_t at = 0;
            while (at <= v->size()) {
                size_t colon = v->find(':', at);
                if (colon == std::string::npos) colon = v->size();
                std::string dir = v->substr(at, colon - at);
                bool wrapper = false;
                for (std::string_view w : {"ccache", "sccache", "distcc", "icecc", "icecream"})
                    wrapper |= ("/" + dir + "/").find("/" + std::string(w) + "/") !=
                               std::string::npos;
                if (!wrapper) kept.push_back(dir);
                at = colon + 1;
            }
            return kept;
        };
        return c.left && c.right && without_wrappers(c.left) == without_wrappers(c.right);
    }
    static constexpr std::string_view kCompilerVars[] = {"CC",        "CXX",  "HOST_CC",
                                                         "TARGET_CC", "CC_*", "CXX_*"};
    if (!matches_any(c.name, std::begin(kCompilerVars), std::end(kCompilerVars))) return false;
    auto unwrapped = [](const std::optional<std::string>& v) -> std::string {
        if (!v) return "";
        // The wrapper may be named by path: "/opt/bin/ccache cc".
        size_t space = v->find(' ');
        if (space == std::string::npos) return *v;
        std::string first = v->substr(0, space);
        first = first.substr(first.rfind('/') == std::string::npos ? 0 : first.rfind('/') + 1);
        for (std::string_view w : {"ccache", "sccache", "distcc", "icecc"})
            if (first == w) return v->substr(space + 1);
        return *v;
    };
    // An unset CC means the tool's default, "cc".
    std::string l = unwrapped(c.left), r = unwrapped(c.right);
    if (l.empty()) l = c.name.starts_with("CXX") ? "c++" : "cc";
    if (r.empty()) r = c.name.starts_with("CXX") ? "c++" : "cc";
    return l == r;
}

EnvDiff diff_env(const EnvVars& left, const EnvVars& right, const Normalizer& norm) {
    std::map<std::string, std::string> l, r;  // last value wins, as getenv
    for (auto& [k, v] : left) l[k] = norm(Side::Left, v);
    for (auto& [k, v] : right) r[k] = norm(Side::Right, v);
    EnvDiff out;
    std::vector<EnvChange> impactful, other;
    auto consider = [&](const std::string& name) {
        auto li = l.find(name), ri = r.find(name);
        std::optional<std::string> lv, rv;
        if (li != l.end()) lv = li->second;
        if (ri != r.end()) rv = ri->second;
        if (lv == rv) return;
        if (is_noise_env(name)) {
            ++out.hidden;
            return;
        }
        EnvChange c{name, lv, rv, is_impactful_env(name), false};
        c.redacted =
            (lv && lv->starts_with(kRedactedPrefix)) || (rv && rv->starts_with(kRedactedPrefix));
        (c.impactful ? impactful : other).push_back(std::move(c));
    };
    for (auto& [k, v] : l) consider(k);
    for (auto& [k, v] : r)
        if (!l.contains(k)) consider(k);
    out.changes = std::move(impactful);
    out.changes.insert(out.changes.end(), other.begin(), other.end());
    return out;
}

}  // namespace buildiff
