// rustc's native libraries, as rustc itself reads them: `-l [KIND[:MODIFIERS]=]NAME[:RENAME]`,
// merged the way rustc merges several `-l` of one name (rustc_metadata's native_libs.rs): a later
// `-l` changes the kind only when it names one, and moves the library to the end of the list.
// An omitted kind is not `dylib`: it leaves the choice to the linker, and nothing is bundled.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace buildiff {

// One `-l` value, as written.
struct RustcLibArg {
    std::string kind;  // "static", "dylib", "framework", "raw-dylib", "link-arg"; "" when omitted
    std::vector<std::string> modifiers;  // "+bundle", "-whole-archive", ... in order
    std::string name, rename;
};
// Parses VALUE ("static:+whole-archive=foo:bar"); none when it names no library.
std::optional<RustcLibArg> parse_rustc_lib(std::string_view value);

// A native library after every `-l` of its name: what the crate links, and how.
struct NativeLib {
    std::string name;  // after any rename
    std::string kind;  // as RustcLibArg::kind; "" when no `-l` of it named a kind
    bool bundle = false;  // a static library put into the rlib (the default for static)
    bool whole_archive = false, verbatim = false, as_needed = false;
    std::vector<std::string> spelled;  // every `-l` value that named it, in order
    bool operator==(const NativeLib& o) const {
        return name == o.name && kind == o.kind && bundle == o.bundle &&
               whole_archive == o.whole_archive && verbatim == o.verbatim &&
               as_needed == o.as_needed;
    }
};
// The native libraries a rustc command line gives its crate, in rustc's final order.
std::vector<NativeLib> rustc_native_libs(const std::vector<std::string>& argv);
// In words: "static, bundled into the rlib", "dylib", "no kind (the linker's choice, not
// bundled)", with modifiers: "static, not bundled, whole-archive".
std::string describe_native_lib(const NativeLib& lib);

}  // namespace buildiff
