// The formats a build ships in: a file in one of them is always one of the build's deliverables,
// whoever reads it afterwards (docs/differ-design.md, "What shipped decides the verdict").
#pragma once

#include <string_view>
#include <vector>

namespace buildiff {

struct PackageFormat {
    std::string_view suffix;  // ".deb"; a suffix ending in '.' matches any compression: ".tar."
    std::string_view folder;  // where it must lie ("dist/"), or empty: anywhere
    std::string_view what;    // in words
};
const std::vector<PackageFormat>& package_formats();

// Whether PATH (any prefix) is a package: a Debian or RPM package, a wheel, a source tarball in
// dist/.
bool is_package(std::string_view path);
// Whether PATH is a package's metadata, which says how and when it was built rather than being
// shipped: a Debian .buildinfo or .changes (compared field by field, never a deliverable).
bool is_package_metadata(std::string_view path);

}  // namespace buildiff
