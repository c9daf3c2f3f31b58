// Command-line semantics per tool, as data: a sorted table of flags per tool family, each
// saying how the flag takes its argument and what it means (diff/flag_diff.h says the
// difference of two command lines in words from them).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace buildiff {

enum class Arity {
    None,              // -c
    Separate,          // -o FILE
    Joined,            // -O2, -fPIC, -Wall (the value may be empty: -O, -g)
    JoinedOrSeparate,  // -DFOO or -D FOO, -Ldir or -L dir
};

enum class Category {
    Preprocessor,
    Codegen,
    Optimization,
    Debug,
    Language,
    Mode,
    Linker,
    SearchPath,
    Output,
    Input,
    Diagnostics,
    Dependencies,
    Bookkeeping,
    Other,
};
std::string_view category_name(Category c);
// Whether a change in this category can change what the tool produces.
bool affects_output(Category c);

enum class Multi {
    Last,     // only the last occurrence counts (-O, -g, -std=, -o)
    ByName,   // a set keyed by name: -DNAME=value, -fname / -fno-name, -C name=value
    Ordered,  // an ordered list: -I, -L, -l, inputs
    Set,      // an unordered set: -W...
};

struct FlagSpec {
    std::string_view name;
    Arity arity;
    Category category;
    Multi multi;
};

enum class FlagFamily { Gcc, Rustc, Ld, Ar, As, Unknown };
FlagFamily flag_family(std::string_view tool, std::string_view kind);
// The table of a family, sorted by name (checked by tests).
const std::vector<FlagSpec>& flag_table(FlagFamily family);

// The option ARG is in a family's table: the exact name, else the longest joined one it starts
// with (-O2 -> -O, -fno-pic -> -f); null for what the table does not know.
const FlagSpec* lookup_flag(FlagFamily family, std::string_view arg);

// One argument of a command line, parsed against a table.
struct ParsedArg {
    const FlagSpec* spec = nullptr;  // null for inputs and unknown flags
    std::string key;    // what identifies it across the two command lines: "-O", "-D FOO"
    std::string value;  // its value: "2", "1"; for inputs the path
    std::string text;   // as written (joined with a separate value)
    Category category = Category::Other;
    Multi multi = Multi::Set;
};
std::vector<ParsedArg> parse_command(FlagFamily family, const std::vector<std::string>& argv);

}  // namespace buildiff
