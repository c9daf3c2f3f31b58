// Compile commands from a recording (dependency-file options dropped). A compile that a wrapper ran
// (ccache's child compiler, the sccache server's) is the wrapper client's entry, not a second one.
#include "audit/compdb.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "audit/analysis.h"

namespace buildiff {

namespace {

bool is_source(const std::string& arg) {
    static constexpr std::string_view kExts[] = {".c",   ".cc", ".cpp", ".cxx",
                                                 ".c++", ".C",  ".i",   ".ii"};
    for (std::string_view e : kExts)
        if (arg.size() > e.size() && arg.compare(arg.size() - e.size(), e.size(), e) == 0)
            return true;
    return false;
}

// Options whose next argument is a value, not a source file.
bool takes_value(const std::string& a) {
    static constexpr std::string_view kSeparate[] = {
        "-o",          "-I",         "-D",  "-U",  "-include", "-imacros", "-isystem",
        "-iquote",     "-idirafter", "-MF", "-MT", "-MQ",      "-x",       "-Xpreprocessor",
        "-Xassembler", "-Xlinker",   "-L",  "-l"};
    return std::find(std::begin(kSeparate), std::end(kSeparate), a) != std::end(kSeparate);
}

bool under_wrapper(const Recording& rec, const ProcessRecord& p) {
    for (int id = p.parent; id >= 0; id = rec.processes[static_cast<size_t>(id)].parent) {
        const Classification& c = rec.processes[static_cast<size_t>(id)].classification;
        if (c.kind == ToolKind::CacheWrapper) return true;
        if (c.kind == ToolKind::CompilerDriver) return true;  // a driver's own sub-driver
    }
    return false;
}

// Dependency-file options only tell make or ninja what to rebuild; CMake's own
// compile_commands.json leaves them out, and clangd has no use for them.
std::vector<std::string> without_depfile_options(const std::vector<std::string>& argv) {
    std::vector<std::string> out;
    for (size_t i = 0; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (a == "-MD" || a == "-MMD" || a == "-MP") continue;
        if (a == "-MF" || a == "-MT" || a == "-MQ") {
            ++i;
            continue;
        }
        out.push_back(a);
    }
    return out;
}

}  // namespace

std::string compile_commands(const Recording& rec) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    std::vector<const ProcessRecord*> order;
    for (const ProcessRecord& p : rec.processes) order.push_back(&p);
    std::stable_sort(order.begin(), order.end(),
                     [](auto* a, auto* b) { return a->start_ns < b->start_ns; });
    for (const ProcessRecord* p : order) {
        const Classification& c = p->classification;
        bool client = c.kind == ToolKind::CacheWrapper && c.role == WrapperRole::Client;
        ToolKind kind = client ? c.wrapped_kind : c.kind;
        if (kind != ToolKind::CompilerDriver || !p->via_exec || under_wrapper(rec, *p)) continue;
        std::vector<std::string> argv =
            client ? std::vector<std::string>(
                         p->argv.begin() +
                             static_cast<long>(std::min(p->argv.size(), c.wrapped_argv_index)),
                         p->argv.end())
                   : p->argv;
        if (std::find(argv.begin(), argv.end(), "-c") == argv.end()) continue;
        argv = without_depfile_options(argv);
        std::string output = output_path(*p).value_or("");
        for (size_t i = 1; i < argv.size(); ++i) {
            if (takes_value(argv[i])) {
                ++i;
                continue;
            }
            if (argv[i].starts_with("-") || !is_source(argv[i])) continue;
            nlohmann::ordered_json e;
            e["directory"] = json_bytes(p->cwd);
            e["file"] = json_bytes(absolute_path(p->cwd, argv[i]));
            e["arguments"] = nlohmann::ordered_json::array();
            for (auto& a : argv) e["arguments"].push_back(json_bytes(a));
            if (!output.empty()) e["output"] = json_bytes(absolute_path(p->cwd, output));
            out.push_back(std::move(e));
        }
    }
    return out.dump(2) + "\n";
}

}  // namespace buildiff
