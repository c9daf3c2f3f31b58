// Compile commands from a recording: one entry per source a driver compiled, whether the command
// compiled only (-c, -S) or compiled and linked in one go. A compile that a wrapper ran (ccache's
// child compiler, the sccache server's) is the wrapper client's entry, not a second one.
#include "report/compdb.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "recording/analysis.h"

namespace buildiff {

namespace {

enum class Step { None, Compile, CompileAndLink };

// What a driver command does with its sources: preprocess or list dependencies only (no entry),
// compile (-c, -S, -fsyntax-only), or compile and link in one command (`cc -o prog prog.c`, make's
// built-in rule for a one-file program).
Step step_of(const std::vector<std::string>& argv) {
    bool compile = false;
    for (size_t i = 1; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (a == "-E" || a == "-M" || a == "-MM") return Step::None;
        if (a == "-c" || a == "-S" || a == "-fsyntax-only") compile = true;
        if (c_option_takes_value(a)) ++i;
    }
    return compile ? Step::Compile : Step::CompileAndLink;
}

bool under_wrapper(const Recording& rec, const ProcessRecord& p) {
    for (int id = p.parent; id >= 0; id = rec.processes[static_cast<size_t>(id)].parent) {
        const Classification& c = rec.processes[static_cast<size_t>(id)].classification;
        if (c.kind == ToolKind::CacheWrapper) return true;
        if (c.kind == ToolKind::CompilerDriver) return true;  // a driver's own sub-driver
    }
    return false;
}

// The entry's arguments for one source of the command: the other sources left out, and so are
// dependency-file options (they only tell make or ninja what to rebuild; CMake's own
// compile_commands.json leaves them out, and clangd has no use for them). For a compile-and-link
// command, -c is added after the compiler, and the link's options, inputs (objects, archives)
// and output are left out: the entry compiles its source, and run as it is it writes an object,
// never over the linked program.
std::vector<std::string> entry_arguments(const std::vector<std::string>& argv, size_t source,
                                         Step step) {
    std::vector<std::string> out;
    bool link = step == Step::CompileAndLink;
    for (size_t i = 0; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (i == 0) {
            out.push_back(a);
            if (link) out.push_back("-c");
            continue;
        }
        bool depfile = c_dependency_option(a);
        // A link's options (-pthread stays: it also defines _REENTRANT for the compile).
        bool link_part = link && (a.starts_with("-o") || c_link_only_option(a));  // -oprog too
        if (depfile || link_part) {
            if (c_option_takes_value(a)) ++i;
            continue;
        }
        if (c_option_takes_value(a)) {
            out.push_back(a);
            if (i + 1 < argv.size()) out.push_back(argv[++i]);
            continue;
        }
        bool positional = !a.starts_with("-") || a == "-";
        if (positional && i != source && (is_c_source(a) || link)) continue;
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
        Step step = step_of(argv);
        if (step == Step::None) continue;
        std::optional<std::string> output;
        if (step == Step::Compile) output = output_path(*p);
        for (size_t i : c_source_positions(argv, 1)) {
            nlohmann::ordered_json e;
            e["directory"] = json_bytes(p->cwd);
            e["file"] = json_bytes(absolute_path(p->cwd, argv[i]));
            e["arguments"] = nlohmann::ordered_json::array();
            for (auto& a : entry_arguments(argv, i, step)) e["arguments"].push_back(json_bytes(a));
            if (output) e["output"] = json_bytes(*output);
            out.push_back(std::move(e));
        }
    }
    return out.dump(2) + "\n";
}

}  // namespace buildiff
