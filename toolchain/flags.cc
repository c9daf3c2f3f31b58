// Flag tables: what each option of a tool takes and means, and a command line parsed against them.
#include "toolchain/flags.h"

#include <algorithm>
#include <optional>

#include <fmt/core.h>

#include "base/names.h"

namespace buildiff {

namespace {

// Sorted by name (byte order); tests check order, duplicates and contradictions.
const std::vector<FlagSpec> kGcc = {
    {"--param", Arity::Separate, Category::Optimization, Multi::ByName},
    {"--sysroot=", Arity::Joined, Category::SearchPath, Multi::Last},
    {"-B", Arity::JoinedOrSeparate, Category::SearchPath, Multi::Ordered},
    {"-D", Arity::JoinedOrSeparate, Category::Preprocessor, Multi::ByName},
    {"-E", Arity::None, Category::Mode, Multi::Last},
    {"-I", Arity::JoinedOrSeparate, Category::SearchPath, Multi::Ordered},
    {"-L", Arity::JoinedOrSeparate, Category::SearchPath, Multi::Ordered},
    {"-M", Arity::None, Category::Dependencies, Multi::Set},
    {"-MD", Arity::None, Category::Dependencies, Multi::Set},
    {"-MF", Arity::Separate, Category::Dependencies, Multi::Last},
    {"-MJ", Arity::Separate, Category::Dependencies, Multi::Last},
    {"-MMD", Arity::None, Category::Dependencies, Multi::Set},
    {"-MP", Arity::None, Category::Dependencies, Multi::Set},
    {"-MQ", Arity::Separate, Category::Dependencies, Multi::Set},
    {"-MT", Arity::Separate, Category::Dependencies, Multi::Set},
    {"-O", Arity::Joined, Category::Optimization, Multi::Last},
    {"-P", Arity::None, Category::Preprocessor, Multi::Set},
    {"-S", Arity::None, Category::Mode, Multi::Last},
    {"-T", Arity::JoinedOrSeparate, Category::Linker, Multi::Last},
    {"-U", Arity::JoinedOrSeparate, Category::Preprocessor, Multi::ByName},
    {"-W", Arity::Joined, Category::Diagnostics, Multi::Set},
    {"-Wa,", Arity::Joined, Category::Codegen, Multi::Ordered},
    {"-Wl,", Arity::Joined, Category::Linker, Multi::Ordered},
    {"-Wp,", Arity::Joined, Category::Preprocessor, Multi::Ordered},
    {"-Xassembler", Arity::Separate, Category::Codegen, Multi::Ordered},
    {"-Xclang", Arity::Separate, Category::Other, Multi::Ordered},
    {"-Xlinker", Arity::Separate, Category::Linker, Multi::Ordered},
    {"-Xpreprocessor", Arity::Separate, Category::Preprocessor, Multi::Ordered},
    {"-aux-info", Arity::Separate, Category::Bookkeeping, Multi::Last},
    {"-auxbase", Arity::Separate, Category::Bookkeeping, Multi::Last},
    {"-c", Arity::None, Category::Mode, Multi::Last},
    {"-dumpbase", Arity::Separate, Category::Bookkeeping, Multi::Last},
    {"-dumpbase-ext", Arity::Separate, Category::Bookkeeping, Multi::Last},
    {"-dumpdir", Arity::Separate, Category::Bookkeeping, Multi::Last},
    {"-f", Arity::Joined, Category::Codegen, Multi::ByName},
    {"-fdebug-prefix-map=", Arity::Joined, Category::Debug, Multi::Ordered},
    {"-fdiagnostics-", Arity::Joined, Category::Diagnostics, Multi::Set},
    {"-ffile-prefix-map=", Arity::Joined, Category::Debug, Multi::Ordered},
    {"-fmacro-prefix-map=", Arity::Joined, Category::Preprocessor, Multi::Ordered},
    {"-fuse-ld=", Arity::Joined, Category::Linker, Multi::Last},
    {"-g", Arity::Joined, Category::Debug, Multi::Last},
    {"-idirafter", Arity::JoinedOrSeparate, Category::SearchPath, Multi::Ordered},
    {"-imacros", Arity::JoinedOrSeparate, Category::Preprocessor, Multi::Ordered},
    {"-imultiarch", Arity::Separate, Category::SearchPath, Multi::Last},
    {"-imultilib", Arity::JoinedOrSeparate, Category::SearchPath, Multi::Last},
    {"-include", Arity::Separate, Category::Preprocessor, Multi::Ordered},
    {"-iprefix", Arity::JoinedOrSeparate, Category::SearchPath, Multi::Last},
    {"-iquote", Arity::JoinedOrSeparate, Category::SearchPath, Multi::Ordered},
    {"-isysroot", Arity::JoinedOrSeparate, Category::SearchPath, Multi::Last},
    {"-isystem", Arity::JoinedOrSeparate, Category::SearchPath, Multi::Ordered},
    {"-iwithprefix", Arity::JoinedOrSeparate, Category::SearchPath, Multi::Ordered},
    {"-iwithprefixbefore", Arity::JoinedOrSeparate, Category::SearchPath, Multi::Ordered},
    {"-l", Arity::JoinedOrSeparate, Category::Linker, Multi::Ordered},
    {"-lang-asm", Arity::None, Category::Language, Multi::Set},
    {"-m", Arity::Joined, Category::Codegen, Multi::ByName},
    {"-no-pie", Arity::None, Category::Linker, Multi::Set},
    {"-nodefaultlibs", Arity::None, Category::Linker, Multi::Set},
    {"-nostartfiles", Arity::None, Category::Linker, Multi::Set},
    {"-nostdlib", Arity::None, Category::Linker, Multi::Set},
    {"-o", Arity::JoinedOrSeparate, Category::Output, Multi::Last},
    {"-pie", Arity::None, Category::Linker, Multi::Set},
    {"-pipe", Arity::None, Category::Bookkeeping, Multi::Set},
    {"-pthread", Arity::None, Category::Codegen, Multi::Set},
    {"-quiet", Arity::None, Category::Bookkeeping, Multi::Set},
    {"-r", Arity::None, Category::Linker, Multi::Set},
    {"-rdynamic", Arity::None, Category::Linker, Multi::Set},
    {"-s", Arity::None, Category::Linker, Multi::Set},
    {"-shared", Arity::None, Category::Linker, Multi::Set},
    {"-shared-", Arity::Joined, Category::Linker, Multi::Set},
    {"-static", Arity::None, Category::Linker, Multi::Set},
    {"-static-", Arity::Joined, Category::Linker, Multi::Set},
    {"-std=", Arity::Joined, Category::Language, Multi::Last},
    {"-symbolic", Arity::None, Category::Linker, Multi::Set},
    {"-target", Arity::Separate, Category::Codegen, Multi::Last},
    {"-u", Arity::JoinedOrSeparate, Category::Linker, Multi::Ordered},
    {"-v", Arity::None, Category::Diagnostics, Multi::Set},
    {"-w", Arity::None, Category::Diagnostics, Multi::Set},
    {"-x", Arity::JoinedOrSeparate, Category::Language, Multi::Last},
    {"-z", Arity::Separate, Category::Linker, Multi::Ordered},
};

const std::vector<FlagSpec> kRustc = {
    {"--cap-lints", Arity::Separate, Category::Diagnostics, Multi::Last},
    {"--cfg", Arity::Separate, Category::Preprocessor, Multi::Set},
    {"--check-cfg", Arity::Separate, Category::Diagnostics, Multi::Set},
    {"--color", Arity::Separate, Category::Diagnostics, Multi::Last},
    {"--crate-name", Arity::Separate, Category::Mode, Multi::Last},
    {"--crate-type", Arity::Separate, Category::Mode, Multi::Set},
    {"--diagnostic-width=", Arity::Joined, Category::Diagnostics, Multi::Last},
    {"--edition=", Arity::Joined, Category::Language, Multi::Last},
    {"--emit", Arity::Separate, Category::Output, Multi::Last},  // as sccache passes it
    {"--emit=", Arity::Joined, Category::Output, Multi::Last},
    {"--error-format", Arity::Separate, Category::Diagnostics,
     Multi::Last},  // as sccache passes it
    {"--error-format=", Arity::Joined, Category::Diagnostics, Multi::Last},
    {"--extern", Arity::Separate, Category::Input, Multi::ByName},
    {"--json", Arity::Separate, Category::Diagnostics, Multi::Last},
    {"--json=", Arity::Joined, Category::Diagnostics, Multi::Last},
    {"--out-dir", Arity::Separate, Category::Output, Multi::Last},
    {"--print", Arity::Separate, Category::Mode, Multi::Set},
    {"--print=", Arity::Joined, Category::Mode, Multi::Set},
    {"--remap-path-prefix", Arity::Separate, Category::Debug, Multi::Ordered},
    {"--sysroot", Arity::Separate, Category::SearchPath, Multi::Last},
    {"--target", Arity::Separate, Category::Codegen, Multi::Last},
    {"--test", Arity::None, Category::Mode, Multi::Set},
    {"-A", Arity::JoinedOrSeparate, Category::Diagnostics, Multi::Set},
    {"-C", Arity::JoinedOrSeparate, Category::Codegen, Multi::ByName},
    {"-D", Arity::JoinedOrSeparate, Category::Diagnostics, Multi::Set},
    {"-F", Arity::JoinedOrSeparate, Category::Diagnostics, Multi::Set},
    {"-L", Arity::JoinedOrSeparate, Category::SearchPath, Multi::Ordered},
    {"-O", Arity::None, Category::Optimization, Multi::Set},
    {"-W", Arity::JoinedOrSeparate, Category::Diagnostics, Multi::Set},
    {"-Z", Arity::JoinedOrSeparate, Category::Codegen, Multi::ByName},
    {"-g", Arity::None, Category::Debug, Multi::Set},
    {"-l", Arity::JoinedOrSeparate, Category::Linker, Multi::Ordered},
    {"-o", Arity::Separate, Category::Output, Multi::Last},
};

const std::vector<FlagSpec> kLd = {
    {"--as-needed", Arity::None, Category::Linker, Multi::Set},
    {"--build-id", Arity::None, Category::Linker, Multi::Set},
    {"--build-id=", Arity::Joined, Category::Linker, Multi::Last},
    {"--dynamic-list=", Arity::Joined, Category::Linker, Multi::Last},
    {"--eh-frame-hdr", Arity::None, Category::Linker, Multi::Set},
    {"--end-group", Arity::None, Category::Linker, Multi::Set},
    {"--gc-sections", Arity::None, Category::Linker, Multi::Set},
    {"--hash-style=", Arity::Joined, Category::Linker, Multi::Last},
    {"--no-as-needed", Arity::None, Category::Linker, Multi::Set},
    {"--no-undefined", Arity::None, Category::Linker, Multi::Set},
    {"--no-whole-archive", Arity::None, Category::Linker, Multi::Set},
    {"--start-group", Arity::None, Category::Linker, Multi::Set},
    {"--sysroot=", Arity::Joined, Category::SearchPath, Multi::Last},
    {"--version-script", Arity::Separate, Category::Linker, Multi::Last},
    {"--version-script=", Arity::Joined, Category::Linker, Multi::Last},
    {"--whole-archive", Arity::None, Category::Linker, Multi::Set},
    {"-Bdynamic", Arity::None, Category::Linker, Multi::Set},
    {"-Bstatic", Arity::None, Category::Linker, Multi::Set},
    {"-Bsymbolic", Arity::None, Category::Linker, Multi::Set},
    {"-L", Arity::JoinedOrSeparate, Category::SearchPath, Multi::Ordered},
    {"-S", Arity::None, Category::Debug, Multi::Set},
    {"-T", Arity::JoinedOrSeparate, Category::Linker, Multi::Last},
    {"-dynamic-linker", Arity::Separate, Category::Linker, Multi::Last},
    {"-e", Arity::Separate, Category::Linker, Multi::Last},
    {"-flavor", Arity::Separate, Category::Mode, Multi::Last},
    {"-l", Arity::JoinedOrSeparate, Category::Linker, Multi::Ordered},
    {"-m", Arity::Separate, Category::Linker, Multi::Last},
    {"-o", Arity::Separate, Category::Output, Multi::Last},
    {"-pie", Arity::None, Category::Linker, Multi::Set},
    {"-plugin", Arity::Separate, Category::Bookkeeping, Multi::Last},
    {"-plugin-opt=", Arity::Joined, Category::Bookkeeping, Multi::Set},
    {"-rpath", Arity::Separate, Category::Linker, Multi::Ordered},
    {"-s", Arity::None, Category::Linker, Multi::Set},
    {"-shared", Arity::None, Category::Linker, Multi::Set},
    {"-soname", Arity::Separate, Category::Linker, Multi::Last},
    {"-static", Arity::None, Category::Linker, Multi::Set},
    {"-z", Arity::Separate, Category::Linker, Multi::Set},
};

const std::vector<FlagSpec> kAr = {
    {"--plugin", Arity::Separate, Category::Bookkeeping, Multi::Last},
    {"--target=", Arity::Joined, Category::Codegen, Multi::Last},
};

const std::vector<FlagSpec> kAs = {
    {"--32", Arity::None, Category::Codegen, Multi::Set},
    {"--64", Arity::None, Category::Codegen, Multi::Set},
    {"--gdwarf", Arity::Joined, Category::Debug, Multi::Last},
    {"--noexecstack", Arity::None, Category::Codegen, Multi::Set},
    {"-I", Arity::JoinedOrSeparate, Category::SearchPath, Multi::Ordered},
    {"-g", Arity::None, Category::Debug, Multi::Set},
    {"-march=", Arity::Joined, Category::Codegen, Multi::Last},
    {"-mtune=", Arity::Joined, Category::Codegen, Multi::Last},
    {"-o", Arity::Separate, Category::Output, Multi::Last},
};

const std::vector<FlagSpec> kNone;

// Exact name first (any arity), else the longest name that is a prefix of the argument and
// takes a joined value.
const FlagSpec* lookup(const std::vector<FlagSpec>& table, std::string_view arg) {
    const FlagSpec* best = nullptr;
    for (const FlagSpec& spec : table) {
        if (spec.name == arg) return &spec;
        if ((spec.arity == Arity::Joined || spec.arity == Arity::JoinedOrSeparate) &&
            arg.starts_with(spec.name) && (!best || spec.name.size() > best->name.size()))
            best = &spec;
    }
    return best;
}

// rustc's -C options read by meaning (one name, one row, sorted): what each changes, and how its
// value is read. Any other -C or -Z option is compared by its spelled value, as a codegen option.
enum class CodegenValue {
    Text,      // compared as spelled
    Bool,      // y, yes, on, true and no value are "yes"; n, no, off, false are "no"
    LinkArg,   // one linker argument, in order
    LinkArgs,  // linker arguments separated by spaces, in order: the same list as link-arg's
    Features,  // a comma-separated list of +feature / -feature, the last of each deciding
};
struct CodegenOption {
    std::string_view name;
    Category category;
    CodegenValue value;
};
constexpr CodegenOption kRustcCodegen[] = {
    {"codegen-units", Category::Optimization, CodegenValue::Text},
    {"debug-assertions", Category::Codegen, CodegenValue::Bool},
    {"debuginfo", Category::Debug, CodegenValue::Text},
    {"default-linker-libraries", Category::Linker, CodegenValue::Bool},
    {"embed-bitcode", Category::Codegen, CodegenValue::Bool},
    // cargo's per-build hashes and its incremental directory: bookkeeping, not configuration.
    {"extra-filename", Category::Bookkeeping, CodegenValue::Text},
    {"force-frame-pointers", Category::Codegen, CodegenValue::Bool},
    {"incremental", Category::Bookkeeping, CodegenValue::Text},
    {"link-arg", Category::Linker, CodegenValue::LinkArg},
    {"link-args", Category::Linker, CodegenValue::LinkArgs},
    {"link-dead-code", Category::Linker, CodegenValue::Bool},
    {"link-self-contained", Category::Linker, CodegenValue::Bool},
    {"linker", Category::Linker, CodegenValue::Text},
    {"linker-features", Category::Linker, CodegenValue::Features},
    {"linker-flavor", Category::Linker, CodegenValue::Text},
    {"linker-plugin-lto", Category::Linker, CodegenValue::Text},
    {"lto", Category::Optimization, CodegenValue::Text},
    {"metadata", Category::Bookkeeping, CodegenValue::Text},
    {"opt-level", Category::Optimization, CodegenValue::Text},
    {"overflow-checks", Category::Codegen, CodegenValue::Bool},
    {"panic", Category::Codegen, CodegenValue::Text},
    {"prefer-dynamic", Category::Linker, CodegenValue::Bool},
    {"relocation-model", Category::Codegen, CodegenValue::Text},
    {"rpath", Category::Linker, CodegenValue::Bool},
    {"strip", Category::Linker, CodegenValue::Text},
    {"target-cpu", Category::Codegen, CodegenValue::Text},
    {"target-feature", Category::Codegen, CodegenValue::Text},
};

const CodegenOption* codegen_option(std::string_view flag, std::string_view name) {
    // -Z linker-features is the unstable spelling of -C linker-features on older toolchains.
    if (flag == "-Z" && name != "linker-features") return nullptr;
    for (const CodegenOption& o : kRustcCodegen)
        if (o.name == name) return &o;
    return nullptr;
}

// "yes"/"no" for a boolean's spellings; anything else (link-self-contained's newer "+linker")
// as spelled.
std::string bool_value(std::optional<std::string_view> v) {
    if (!v || *v == "y" || *v == "yes" || *v == "on" || *v == "true") return "yes";
    if (*v == "n" || *v == "no" || *v == "off" || *v == "false") return "no";
    return std::string(*v);
}

// rustc's -C NAME[=VALUE] (and -Z linker-features) as the rows the flag diff compares, appended
// to OUT; false for an option the table does not read.
bool rustc_codegen(std::string_view flag, const std::string& arg, const ParsedArg& base,
                   std::vector<ParsedArg>& out) {
    size_t eq = arg.find('=');
    std::string name = arg.substr(0, eq);
    std::optional<std::string_view> value;
    if (eq != std::string::npos) value = std::string_view(arg).substr(eq + 1);
    const CodegenOption* o = codegen_option(flag, name);
    if (!o) return false;
    std::string key = fmt::format("{} {}", flag, name);
    auto row = [&](std::string k, std::string v, std::string text, Multi multi) {
        ParsedArg p = base;
        p.key = std::move(k);
        p.value = std::move(v);
        p.text = std::move(text);
        p.category = o->category;
        p.multi = multi;
        out.push_back(std::move(p));
    };
    std::string v(value.value_or(""));
    switch (o->value) {
        case CodegenValue::Text:
            row(key, value ? v : "(set)", base.text, Multi::Last);
            break;
        case CodegenValue::Bool:
            row(key, bool_value(value), base.text, Multi::Last);
            break;
        case CodegenValue::LinkArg:
            row("-C link-arg", v, base.text, Multi::Ordered);
            break;
        case CodegenValue::LinkArgs:
            for (size_t i = 0; i < v.size();) {
                size_t end = v.find(' ', i);
                if (end == std::string::npos) end = v.size();
                if (end > i) {
                    std::string part = v.substr(i, end - i);
                    row("-C link-arg", part, "-C link-arg=" + part, Multi::Ordered);
                }
                i = end + 1;
            }
            break;
        case CodegenValue::Features:
            for (size_t i = 0; i < v.size();) {
                size_t end = v.find(',', i);
                if (end == std::string::npos) end = v.size();
                std::string feature = v.substr(i, end - i);
                if (!feature.empty()) {
                    bool off = feature[0] == '-';
                    if (feature[0] == '+' || off) feature.erase(0, 1);
                    row("-C linker-features " + feature, off ? "disabled" : "enabled",
                        fmt::format("{} {}={}{}", flag, name, off ? '-' : '+', feature),
                        Multi::Last);
                }
                i = end + 1;
            }
            break;
    }
    return true;
}

// rustc's -L [KIND=]PATH: a path without a known kind is searched for everything ("all").
std::string rustc_search_path(const std::string& value) {
    for (std::string_view kind : {"all=", "crate=", "dependency=", "framework=", "native="})
        if (value.starts_with(kind)) return value;
    return "all=" + value;
}

// For flags keyed by name: "-fno-omit-frame-pointer" -> ("-fomit-frame-pointer", "no"),
// "-fvisibility=hidden" -> ("-fvisibility", "hidden"), "-DFOO=2" -> ("-D FOO", "2"),
// "-C opt-level=3" -> ("-C opt-level", "3").
void key_by_name(const FlagSpec& spec, const std::string& value, ParsedArg& out) {
    std::string name = value, val;
    auto eq = name.find('=');
    if (eq != std::string::npos) {
        val = name.substr(eq + 1);
        name.resize(eq);
    }
    if (spec.name == "-D" || spec.name == "-U") {
        out.key = std::string(spec.name) + " " + name;
        out.value = spec.name == "-U" ? "(undefined)" : eq == std::string::npos ? "1" : val;
        return;
    }
    if (spec.name == "-C" || spec.name == "-Z") {
        out.key = std::string(spec.name) + " " + name;
        out.value = eq == std::string::npos ? "(set)" : val;
        return;
    }
    bool negated = name.starts_with("no-");
    if (negated) name = name.substr(3);
    out.key = std::string(spec.name) + name;
    out.value = eq != std::string::npos ? val : negated ? "no" : "yes";
}

}  // namespace

namespace {

constexpr Named<Category> kCategoryNames[] = {
    {Category::Preprocessor, "preprocessor"},
    {Category::Codegen, "codegen"},
    {Category::Optimization, "optimization"},
    {Category::Debug, "debug"},
    {Category::Language, "language"},
    {Category::Mode, "mode"},
    {Category::Linker, "linker"},
    {Category::SearchPath, "search-path"},
    {Category::Output, "output"},
    {Category::Input, "input"},
    {Category::Diagnostics, "diagnostics"},
    {Category::Dependencies, "dependencies"},
    {Category::Bookkeeping, "bookkeeping"},
    {Category::Other, "other"},
};

// ar OPERATION ARCHIVE MEMBER...: a positional argument of ar, by its place.
ParsedArg ar_positional(const std::string& arg, bool& operation_seen, bool& archive_seen) {
    ParsedArg p;
    p.text = arg;
    p.value = arg;
    if (!operation_seen) {
        operation_seen = true;
        p.key = "operation";
        p.category = Category::Mode;
        p.multi = Multi::Last;
    } else if (!archive_seen) {
        archive_seen = true;
        p.key = "archive";
        p.category = Category::Output;
        p.multi = Multi::Last;
    } else {
        p.key = "input";
        p.category = Category::Input;
        p.multi = Multi::Ordered;
    }
    return p;
}

}  // namespace

std::string_view category_name(Category c) {
    return name_of(kCategoryNames, c);
}

bool affects_output(Category c) {
    return c != Category::Diagnostics && c != Category::Dependencies && c != Category::Bookkeeping;
}

FlagFamily flag_family(std::string_view tool, std::string_view kind) {
    if (kind == "compiler-driver" || kind == "compiler") return FlagFamily::Gcc;
    if (kind == "rustc") return FlagFamily::Rustc;
    if (kind == "linker") return FlagFamily::Ld;
    if (kind == "archiver") return FlagFamily::Ar;
    if (kind == "assembler" && tool != "nasm" && tool != "yasm") return FlagFamily::As;
    return FlagFamily::Unknown;
}

const std::vector<FlagSpec>& flag_table(FlagFamily family) {
    switch (family) {
        case FlagFamily::Gcc:
            return kGcc;
        case FlagFamily::Rustc:
            return kRustc;
        case FlagFamily::Ld:
            return kLd;
        case FlagFamily::Ar:
            return kAr;
        case FlagFamily::As:
            return kAs;
        case FlagFamily::Unknown:
            break;
    }
    return kNone;
}

const FlagSpec* lookup_flag(FlagFamily family, std::string_view arg) {
    return lookup(flag_table(family), arg);
}

std::vector<ParsedArg> parse_command(FlagFamily family, const std::vector<std::string>& argv) {
    const auto& table = flag_table(family);
    std::vector<ParsedArg> out;
    bool ar_operation_seen = false, ar_archive_seen = false;
    for (size_t i = 1; i < argv.size(); ++i) {
        const std::string& arg = argv[i];
        ParsedArg p;
        p.text = arg;
        const FlagSpec* spec = arg.size() > 1 && arg[0] == '-' ? lookup(table, arg) : nullptr;
        if (!spec && family == FlagFamily::Ar && (arg.empty() || arg[0] != '-')) {
            out.push_back(ar_positional(arg, ar_operation_seen, ar_archive_seen));
            continue;
        }
        if (!spec) {
            bool input = arg.empty() || arg[0] != '-' || arg == "-";
            p.key = input ? "input" : arg;
            p.value = arg;
            p.category = input ? Category::Input : Category::Other;
            p.multi = input ? Multi::Ordered : Multi::Set;
            out.push_back(std::move(p));
            continue;
        }
        p.spec = spec;
        p.category = spec->category;
        p.multi = spec->multi;
        std::string value;
        bool exact = arg == spec->name;
        if (spec->arity == Arity::Separate || (spec->arity == Arity::JoinedOrSeparate && exact)) {
            if (i + 1 < argv.size()) value = argv[++i];
            p.text = arg + " " + value;
        } else if (spec->arity != Arity::None) {
            value = arg.substr(spec->name.size());
        }
        // One meaning, one key: rustc's `--emit=X` is `--emit X`, and `--crate-type lib` is its
        // default library type, rlib (sccache re-serialises both).
        std::string name(spec->name);
        if (family == FlagFamily::Rustc && name.starts_with("--") && name.ends_with('='))
            name.pop_back();
        if (family == FlagFamily::Rustc && name == "--crate-type" && value == "lib") value = "rlib";
        if (family == FlagFamily::Rustc && (name == "-C" || name == "-Z") &&
            rustc_codegen(name, value, p, out))
            continue;
        if (family == FlagFamily::Rustc && name == "-L") value = rustc_search_path(value);
        switch (spec->multi) {
            case Multi::ByName:
                key_by_name(*spec, value, p);
                break;
            case Multi::Set:
                p.key = name + (value.empty() ? "" : " " + value);
                p.value = value;
                break;
            case Multi::Last:
            case Multi::Ordered:
                p.key = name;
                p.value = value;
                break;
        }
        // "-Wl,a,b": each comma-separated part is one linker argument.
        if (spec->name == "-Wl," || spec->name == "-Wa," || spec->name == "-Wp,") {
            size_t start = 0;
            while (start <= value.size()) {
                size_t comma = value.find(',', start);
                if (comma == std::string::npos) comma = value.size();
                ParsedArg part = p;
                part.value = value.substr(start, comma - start);
                part.text = std::string(spec->name) + part.value;
                out.push_back(std::move(part));
                start = comma + 1;
            }
            continue;
        }
        out.push_back(std::move(p));
    }
    return out;
}

}  // namespace buildiff
