// The usual culprits of an unreproducible build, recognised in a changed value: a build time, a
// build path, a temporary file name, a host or user name, a random value, locale-dependent text.
// One table (looks_like.cc), tested row by row (tests/unit/test_looks_like.cc).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace buildiff {

struct LooksLike {
    std::string_view what;    // "a build timestamp"
    std::string_view advice;  // "set SOURCE_DATE_EPOCH, or avoid __DATE__ and __TIME__"
    std::string words() const;  // "a build timestamp (set SOURCE_DATE_EPOCH, or ...)"
};

// What the change from LEFT to RIGHT looks like (one side empty: a value added or removed);
// nullopt when no row of the table matches the part that changed. NAMES: this machine's host and
// user names (empty: none are looked for).
std::optional<LooksLike> looks_like(std::string_view left, std::string_view right,
                                    const std::vector<std::string>& names);

// This machine's host name and the names of the users of its processes (the current user, root).
const std::vector<std::string>& local_names();

}  // namespace buildiff
