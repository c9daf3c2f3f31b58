// Readers of a C compiler driver's command line (gcc, clang, cc), every answer taken from the gcc
// option table (toolchain/flags): which options take the next argument as their value, which
// arguments are sources, which options only the link step or make's dependency files read.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace buildiff {

// Whether ARG names a C, C++ or assembly source by its suffix (gcc's suffixes; .s and .S are
// compiled by the driver too).
bool is_c_source(std::string_view arg);
// Whether a C driver's option, written alone, takes the next argument as its value (-o, -I, -x,
// -MF, -Xlinker, ...).
bool c_option_takes_value(std::string_view arg);
// The positions, from FROM on, of the sources a C driver's command line names.
std::vector<size_t> c_source_positions(const std::vector<std::string>& argv, size_t from);
// Whether only the link step reads the option (-l, -L, -Wl,..., -Xlinker, -shared, -static, ...).
bool c_link_only_option(std::string_view arg);
// Whether the option only says where to write a dependency file for make or ninja (-MD, -MF, ...).
bool c_dependency_option(std::string_view arg);

}  // namespace buildiff
