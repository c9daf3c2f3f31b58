// libiberty's cplus_demangle in automatic style: Rust (legacy and v0) first, then C++ (Itanium).
#include "diff/demangle.h"

#include <libiberty/demangle.h>

#include <cstdlib>

namespace buildiff {

std::string demangle(const std::string& name) {
    if (name.size() < 3 || (name[0] != '_' && name.rfind("__Z", 0) != 0)) return "";
    char* out = cplus_demangle(name.c_str(), DMGL_PARAMS | DMGL_ANSI | DMGL_AUTO);
    if (!out) return "";
    std::string s(out);
    std::free(out);
    return s == name ? "" : s;
}

}  // namespace buildiff
