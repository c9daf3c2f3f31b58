// A C driver's command line, read through the gcc option table: one table, every reader.
#include "toolchain/command_line.h"

#include "toolchain/flags.h"

namespace buildiff {

namespace {

// The option ARG is, written alone or with its value joined.
const FlagSpec* gcc_option(std::string_view arg) {
    if (arg.size() < 2 || arg[0] != '-') return nullptr;
    return lookup_flag(FlagFamily::Gcc, arg);
}

}  // namespace

bool is_c_source(std::string_view arg) {
    for (std::string_view e :
         {".c", ".cc", ".cp", ".cpp", ".CPP", ".cxx", ".c++", ".C", ".i", ".ii", ".s", ".S", ".sx"})
        if (arg.size() > e.size() && arg.ends_with(e)) return true;
    return false;
}

bool c_option_takes_value(std::string_view arg) {
    const FlagSpec* spec = gcc_option(arg);
    return spec && spec->name == arg &&
           (spec->arity == Arity::Separate || spec->arity == Arity::JoinedOrSeparate);
}

std::vector<size_t> c_source_positions(const std::vector<std::string>& argv, size_t from) {
    std::vector<size_t> out;
    for (size_t i = from; i < argv.size(); ++i) {
        if (c_option_takes_value(argv[i]))
            ++i;
        else if (!argv[i].starts_with("-") && is_c_source(argv[i]))
            out.push_back(i);
    }
    return out;
}

bool c_link_only_option(std::string_view arg) {
    const FlagSpec* spec = gcc_option(arg);
    // -L is a search path, and only the link searches it.
    return spec && (spec->category == Category::Linker || spec->name == "-L");
}

bool c_dependency_option(std::string_view arg) {
    const FlagSpec* spec = gcc_option(arg);
    return spec && spec->name == arg && spec->category == Category::Dependencies;
}

}  // namespace buildiff
