// The package formats, as data.
#include "toolchain/packages.h"

namespace buildiff {

const std::vector<PackageFormat>& package_formats() {
    static const std::vector<PackageFormat> formats = {
        {".deb", "", "a Debian binary package"},
        {".udeb", "", "a Debian installer package"},
        {".ddeb", "", "a Debian debug-symbols package"},
        {".rpm", "", "an RPM package"},
        {".whl", "", "a Python wheel"},
        {".crate", "", "a packaged Rust crate (cargo package)"},
        {".tar.", "dist/", "a source or binary tarball in dist/ (any compression)"},
        {".zip", "dist/", "a zip archive in dist/"},
    };
    return formats;
}

bool is_package(std::string_view path) {
    size_t slash = path.rfind('/');
    std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
    std::string_view folder = path.substr(0, slash == std::string_view::npos ? 0 : slash + 1);
    for (const PackageFormat& f : package_formats()) {
        bool matches = f.suffix.back() == '.' ? name.find(f.suffix) != std::string_view::npos
                                              : name.ends_with(f.suffix);
        if (matches && (f.folder.empty() || folder.ends_with(f.folder))) return true;
    }
    return false;
}

bool is_package_metadata(std::string_view path) {
    return path.ends_with(".buildinfo") || path.ends_with(".changes");
}

}  // namespace buildiff