// C++ and Rust symbol names demangled with libiberty (the GNU binutils demangler).
#pragma once

#include <string>

namespace buildiff {

// The demangled name, or "" when `name` is not a mangled C++ or Rust name.
std::string demangle(const std::string& name);

}  // namespace buildiff
