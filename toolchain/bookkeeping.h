// Build systems' bookkeeping, as data: files a build writes to remember what it did (cargo's
// fingerprints, ninja's logs, CMake's caches), never what it was asked to make. They differ
// between any two builds, so the reports group them under their cause, count them and never
// lead with them.
#pragma once

#include <string_view>
#include <vector>

namespace buildiff {

struct BookkeepingRule {
    std::string_view system;   // "cargo", "ninja", "meson", "cmake", "autotools", "debhelper",
                               // "make"
    std::string_view pattern;  // "/.fingerprint/": a directory; ".ninja_log": a file name;
                               // "*.d": a suffix; "build/*/output": a name under a directory
    std::string_view what;     // in words, for the reports and docs
};
const std::vector<BookkeepingRule>& bookkeeping_rules();

// The rule PATH (a build's file, any prefix) falls under, or null for a real artifact. Objects,
// archives and libraries are never bookkeeping, wherever they lie.
const BookkeepingRule* bookkeeping_of(std::string_view path);

}  // namespace buildiff
