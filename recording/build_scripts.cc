// Build scripts' costs and what became of their outputs (reads the `output` files cargo keeps).
#include "recording/build_scripts.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <utility>

namespace buildiff {

namespace {

std::uint64_t cpu(const ProcessRecord& p) {
    return p.user_ns + p.system_ns;
}

std::uint64_t wall(const ProcessRecord& p) {
    return p.ended && p.end_ns >= p.start_ns ? p.end_ns - p.start_ns : 0;
}

// CPU of a process and everything under it.
std::uint64_t subtree_cpu(const Recording& rec, const Analysis& a, int id) {
    std::uint64_t sum = 0;
    std::vector<int> stack{id};
    while (!stack.empty()) {
        const ProcessRecord& p = rec.processes[static_cast<size_t>(stack.back())];
        stack.pop_back();
        sum += cpu(p);
        for (int c : a.children[static_cast<size_t>(p.id)]) stack.push_back(c);
    }
    return sum;
}

// Whether record ID is record TOP or runs under it.
bool within(const Recording& rec, int id, int top) {
    for (; id >= 0; id = rec.processes[static_cast<size_t>(id)].parent)
        if (id == top) return true;
    return false;
}

using Span = std::pair<std::uint64_t, std::uint64_t>;

// The length of the union of SPANS within [FROM, TO].
std::uint64_t covered(std::vector<Span> spans, std::uint64_t from, std::uint64_t to) {
    std::sort(spans.begin(), spans.end());
    std::uint64_t total = 0, at = from;
    for (auto [s, e] : spans) {
        s = std::max(s, at);
        e = std::min(e, to);
        if (e > s) {
            total += e - s;
            at = e;
        }
    }
    return total;
}

bool is_native_output(const std::string& path) {
    for (const char* ext : {".o", ".obj", ".a", ".lib"})
        if (path.ends_with(ext)) return true;
    return false;
}

bool is_build_script_compile(const ProcessRecord& p) {
    return p.classification.kind == ToolKind::Rustc &&
           arg_value(p.argv, "--crate-name") == "build_script_build";
}

// Whether a rustc call produces something linked (not `--emit=metadata` alone, as check does).
bool rustc_links(const ProcessRecord& p) {
    for (size_t i = 1; i < p.argv.size(); ++i) {
        const std::string& arg = p.argv[i];
        std::string emit = arg.starts_with("--emit=") ? arg.substr(7)
                           : arg == "--emit" && i + 1 < p.argv.size() ? p.argv[i + 1]
                                                                      : "";
        if (!emit.empty()) return emit.find("link") != std::string::npos;
    }
    return true;
}

std::string dir_of(const std::string& path) {
    size_t slash = path.rfind('/');
    return slash == std::string::npos ? "" : path.substr(0, slash);
}

// The build script's `output` file beside OUT_DIR: the lines it printed for cargo.
void read_output(BuildScriptCost& c) {
    if (c.out_dir.empty()) return;
    std::ifstream in(dir_of(c.out_dir) + "/output");
    if (!in) return;
    c.output_read = true;
    for (std::string line; std::getline(in, line);) {
        std::string body = line.starts_with("cargo::") ? line.substr(7)
                           : line.starts_with("cargo:") ? line.substr(6)
                                                         : "";
        size_t eq = body.find('=');
        if (eq == std::string::npos) continue;
        std::string key = body.substr(0, eq), value = body.substr(eq + 1);
        if (key == "rustc-cfg") c.cfgs.push_back(value);
        else if (key == "rustc-env") c.envs.push_back(value);
        else if (key == "rustc-link-lib") c.link_libs.push_back(value);
        else if (key == "rustc-link-search") c.link_searches.push_back(value);
    }
}

std::string upper_ident(const std::string& s) {
    std::string out;
    for (char ch : s) out += ch == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return out;
}

// A TOML array of literal strings.
std::string toml_array(const std::vector<std::string>& values) {
    std::string out = "[";
    for (const std::string& v : values) {
        if (out.size() > 1) out += ", ";
        out += v.find('\'') == std::string::npos ? "'" + v + "'" : "\"" + v + "\"";
    }
    return out + "]";
}

}  // namespace

BuildScripts build_script_costs(const Recording& rec, const Analysis& a, bool read_outputs) {
    BuildScripts out;
    out.wall_ns = rec.duration_ns;
    const size_t n = rec.processes.size();
    // Most builds have none: then nothing below is needed (it indexes every read).
    if (std::none_of(rec.processes.begin(), rec.processes.end(), [](const ProcessRecord& p) {
            return p.classification.kind == ToolKind::BuildScript;
        }))
        return out;
    std::vector<Span> rustc_spans;
    // Who read each path, and whether a link ran outside the build scripts' own compiles.
    std::map<std::string, std::vector<int>> readers;
    std::vector<bool> under_script_compile(n);
    for (const ProcessRecord& p : rec.processes) {
        size_t id = static_cast<size_t>(p.id);
        if (p.parent >= 0 && under_script_compile[static_cast<size_t>(p.parent)])
            under_script_compile[id] = true;
        if (is_build_script_compile(p)) under_script_compile[id] = true;
        if (p.classification.kind == ToolKind::Rustc && p.via_exec && p.ended)
            rustc_spans.push_back({p.start_ns, p.end_ns});
        if (p.classification.kind == ToolKind::Linker && !under_script_compile[id] &&
            a.attribution[id].role != CrateRole::BuildScript)
            out.links_anything = true;
        for (const FileEvent& f : p.files)
            if (f.op == FileOp::Read) readers[f.path].push_back(p.id);
    }
    FinalWrites finals = final_writes(rec);

    for (const ProcessRecord& run : rec.processes) {
        if (run.classification.kind != ToolKind::BuildScript || !run.via_exec) continue;
        BuildScriptCost c;
        c.run = run.id;
        c.crate = a.attribution[static_cast<size_t>(run.id)].crate;
        c.version = env_value(rec, run, "CARGO_PKG_VERSION").value_or("");
        c.links = env_value(rec, run, "CARGO_MANIFEST_LINKS").value_or("");
        c.target = env_value(rec, run, "TARGET").value_or("");
        c.out_dir = a.attribution[static_cast<size_t>(run.id)].out_dir;
        c.run_wall_ns = wall(run);
        c.run_cpu_ns = cpu(run);

        // Its native work: every other process working for this run (its children, and what a
        // cache server ran with its OUT_DIR).
        std::set<int> own{run.id};
        std::vector<Span> native_spans;
        for (const ProcessRecord& q : rec.processes) {
            const Attribution& at = a.attribution[static_cast<size_t>(q.id)];
            if (q.id == run.id || at.role != CrateRole::BuildScript || at.crate != c.crate ||
                at.out_dir != c.out_dir)
                continue;
            own.insert(q.id);
            c.native_cpu_ns += cpu(q);
            if (!q.via_exec) continue;
            ++c.native_processes;
            if (q.ended) native_spans.push_back({q.start_ns, q.end_ns});
        }
        c.native_wall_ns = covered(native_spans, 0, UINT64_MAX);
        c.alone_ns = run.ended ? c.run_wall_ns - covered(rustc_spans, run.start_ns, run.end_ns) : 0;

        // Compiling it: the rustc whose --out-dir holds the program that ran.
        for (const ProcessRecord& q : rec.processes)
            if (is_build_script_compile(q) && arg_value(q.argv, "--out-dir") == dir_of(run.exe)) {
                c.compile_wall_ns = wall(q);
                c.compile_cpu_ns = subtree_cpu(rec, a, q.id);
                // Build-dependencies nothing else read (cc): skipping the script skips them.
                for (const FileEvent& f : q.files) {
                    if (f.op != FileOp::Read || !f.path.ends_with(".rlib")) continue;
                    auto made = finals.find(f.path);
                    if (made == finals.end() || made->second.producer < 0) continue;
                    // The producer may be rustc's linker or rustc itself: the rustc above it.
                    int rustc = made->second.producer;
                    while (rustc >= 0 &&
                           rec.processes[static_cast<size_t>(rustc)].classification.kind !=
                               ToolKind::Rustc)
                        rustc = rec.processes[static_cast<size_t>(rustc)].parent;
                    if (rustc < 0) continue;
                    // Read by nothing but its maker and this compile (with its linker).
                    const std::vector<int>& who = readers[f.path];
                    bool only = std::all_of(who.begin(), who.end(), [&](int r) {
                        return within(rec, r, q.id) || within(rec, r, rustc);
                    });
                    if (!only) continue;
                    c.only_for_it.push_back(a.attribution[static_cast<size_t>(rustc)].crate);
                    c.only_for_it_cpu_ns += subtree_cpu(rec, a, rustc);
                }
            }

        // What it left in OUT_DIR, and who read it outside the run.
        std::set<std::string> generated, native;
        const std::string prefix = c.out_dir + "/";
        for (const auto& [path, produced] : finals) {
            if (c.out_dir.empty() || !path.starts_with(prefix) || !own.contains(produced.producer))
                continue;
            if (is_native_output(path)) c.native_outputs.push_back(path);
            for (int r : readers[path]) {
                if (own.contains(r)) continue;
                const ProcessRecord& q = rec.processes[static_cast<size_t>(r)];
                if (is_native_output(path)) {
                    // rustc --emit=metadata (cargo check) may open an archive without linking it.
                    if (q.classification.kind != ToolKind::Rustc || rustc_links(q)) native.insert(path);
                } else if (q.classification.kind == ToolKind::Rustc) {
                    generated.insert(path);
                }
            }
        }
        c.generated_read.assign(generated.begin(), generated.end());
        c.native_read.assign(native.begin(), native.end());

        // Its `links` metadata, as DEP_<LINKS>_<KEY> in a dependent build script's environment.
        if (!c.links.empty()) {
            std::string dep = "DEP_" + upper_ident(c.links) + "_";
            std::set<std::string> seen;
            for (const ProcessRecord& q : rec.processes) {
                if (q.classification.kind != ToolKind::BuildScript || q.id == run.id || q.env < 0)
                    continue;
                for (const auto& [k, v] : rec.envs[static_cast<size_t>(q.env)])
                    if (k.starts_with(dep)) seen.insert(a.attribution[static_cast<size_t>(q.id)].crate);
            }
            c.metadata_readers.assign(seen.begin(), seen.end());
        }
        if (read_outputs) read_output(c);
        out.crates.push_back(std::move(c));
    }
    std::stable_sort(out.crates.begin(), out.crates.end(),
                     [](const BuildScriptCost& x, const BuildScriptCost& y) { return x.crate < y.crate; });
    return out;
}

std::string override_config_arg(const BuildScriptCost& c) {
    std::string key = "target.'" + c.target + "'." + c.links;
    std::string arg = key + ".rustc-link-lib=" + toml_array(c.link_libs);
    std::string out = "--config \"" + arg + "\"";
    if (!c.link_searches.empty())
        out += " --config \"" + key + ".rustc-link-search=" + toml_array(c.link_searches) + "\"";
    return out;
}

std::string override_config_toml(const BuildScriptCost& c) {
    std::string out = "[target.'" + c.target + "'." + c.links + "]\n";
    out += "rustc-link-lib = " + toml_array(c.link_libs) + "\n";
    if (!c.link_searches.empty()) out += "rustc-link-search = " + toml_array(c.link_searches) + "\n";
    return out;
}

}  // namespace buildiff
