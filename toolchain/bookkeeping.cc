// Build systems' bookkeeping (see bookkeeping.h).
#include "toolchain/bookkeeping.h"

#include <string>

namespace buildiff {

namespace {

const std::vector<BookkeepingRule> kRules = {
    {"cargo", "/.fingerprint/", "fingerprints"},
    {"cargo", "/incremental/", "incremental-compilation state"},
    {"cargo", ".rustc_info.json", "rustc's cached version facts"},
    {"cargo", ".cargo-lock", "the build lock"},
    {"cargo", "build/*/output", "a build script's printed instructions"},
    {"cargo", "build/*/root-output", "a build script's OUT_DIR"},
    {"cargo", "build/*/stderr", "a build script's messages"},
    {"cargo", "build/*/invoked.timestamp", "a build script's run time"},
    {"ninja", ".ninja_deps", "ninja's dependency log (completion order under -j)"},
    {"ninja", ".ninja_log", "ninja's build log (completion order under -j)"},
    {"meson", "/meson-private/", "meson's private state"},
    {"meson", "/meson-logs/", "meson's logs"},
    {"meson", "/meson-info/", "meson's introspection files"},
    {"cmake", "/CMakeFiles/", "CMake's per-target state"},
    {"cmake", "CMakeCache.txt", "CMake's cache"},
    {"autotools", "config.log", "configure's log"},
    {"autotools", "config.status", "configure's replay script"},
    {"autotools", "/autom4te.cache/", "autom4te's cache (its requests file lists macros in "
                                      "Perl's hash order)"},
    {"debhelper", "/.debhelper/", "debhelper's state"},
    {"debhelper", "*.debhelper.log", "the debhelper commands a package has run"},
    {"debhelper", "debhelper-build-stamp", "the build stamp"},
    {"debhelper", "autoreconf.before", "dh_autoreconf's checksums of the tree before"},
    {"debhelper", "autoreconf.after", "dh_autoreconf's checksums of the tree after"},
    {"make", "*.d", "dependency information (rustc's dep-info, gcc's -MD)"},
};

// What a compiler, archiver or linker makes is never bookkeeping, wherever it lies (CMake puts
// its objects under CMakeFiles/).
bool built_code(std::string_view path) {
    for (std::string_view s : {".o", ".obj", ".a", ".so", ".rlib", ".rmeta"})
        if (path.ends_with(s)) return true;
    return false;
}

std::string_view file_name(std::string_view path) {
    size_t slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool matches(std::string_view pattern, std::string_view path) {
    if (pattern.starts_with('/')) {  // a directory anywhere in the path
        std::string dir(pattern);
        return ("/" + std::string(path)).find(dir) != std::string::npos;
    }
    if (pattern.starts_with('*')) return path.ends_with(pattern.substr(1));
    size_t star = pattern.find("/*/");
    if (star != std::string_view::npos) {  // PARENT/*/NAME: NAME in any child of PARENT
        std::string_view parent = pattern.substr(0, star), name = pattern.substr(star + 3);
        if (file_name(path) != name) return false;
        std::string_view dir = path.substr(0, path.size() - name.size());
        if (dir.ends_with('/')) dir.remove_suffix(1);
        size_t up = dir.rfind('/');
        if (up == std::string_view::npos) return false;
        std::string_view above = dir.substr(0, up);
        return file_name(above) == parent;
    }
    return file_name(path) == pattern;
}

}  // namespace

const std::vector<BookkeepingRule>& bookkeeping_rules() {
    return kRules;
}

const BookkeepingRule* bookkeeping_of(std::string_view path) {
    if (built_code(path)) return nullptr;
    for (const BookkeepingRule& r : kRules)
        if (matches(r.pattern, path)) return &r;
    return nullptr;
}

}  // namespace buildiff
