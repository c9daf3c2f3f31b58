// Derived facts over a recording (no I/O).
#include "audit/analysis.h"

#include <algorithm>
#include <set>

namespace buildiff {

std::string_view crate_role_name(CrateRole role) {
    switch (role) {
        case CrateRole::None: return "none";
        case CrateRole::BuildScript: return "build-script";
        case CrateRole::Rustc: return "rustc";
    }
    return "none";
}

std::optional<std::string> env_value(const Recording& rec, const ProcessRecord& p,
                                     std::string_view name) {
    if (p.env < 0 || p.env >= static_cast<int>(rec.envs.size())) return std::nullopt;
    for (auto& [k, v] : rec.envs[static_cast<size_t>(p.env)])
        if (k == name) return v;
    return std::nullopt;
}

namespace {

std::optional<std::string> arg_value(const std::vector<std::string>& argv, std::string_view flag) {
    for (size_t i = 0; i + 1 < argv.size(); ++i)
        if (argv[i] == flag) return argv[i + 1];
    for (auto& a : argv)
        if (a.size() > flag.size() + 1 && a.starts_with(flag) && a[flag.size()] == '=')
            return a.substr(flag.size() + 1);
    return std::nullopt;
}

bool is_compiling(const ProcessRecord& p) {
    ToolKind k = p.classification.kind;
    if (k == ToolKind::Compiler || k == ToolKind::Assembler || k == ToolKind::Rustc) return true;
    if (k != ToolKind::CompilerDriver) return false;
    // A driver that only preprocesses (ccache's and sccache's `-E` runs) does not compile.
    return std::find(p.argv.begin(), p.argv.end(), "-E") == p.argv.end();
}

std::string join_path(const std::string& cwd, const std::string& path) {
    if (!path.empty() && path[0] == '/') return path;
    return cwd + "/" + path;
}

}  // namespace

Analysis analyze(const Recording& rec) {
    Analysis a;
    size_t n = rec.processes.size();
    a.attribution.resize(n);
    a.cache_hit.resize(n);
    a.children.resize(n);
    for (const ProcessRecord& p : rec.processes) {
        if (p.parent >= 0)
            a.children[static_cast<size_t>(p.parent)].push_back(p.id);
        else
            a.roots.push_back(p.id);
    }
    // Attribution flows from parents to children (parents have smaller ids).
    for (const ProcessRecord& p : rec.processes) {
        Attribution& at = a.attribution[static_cast<size_t>(p.id)];
        const Attribution* parent =
            p.parent >= 0 ? &a.attribution[static_cast<size_t>(p.parent)] : nullptr;
        const ProcessRecord* pp = p.parent >= 0 ? &rec.processes[static_cast<size_t>(p.parent)] : nullptr;
        if (p.classification.kind == ToolKind::BuildScript) {
            at.role = CrateRole::BuildScript;
            at.crate = env_value(rec, p, "CARGO_PKG_NAME").value_or("");
            at.out_dir = env_value(rec, p, "OUT_DIR").value_or("");
        } else if (p.classification.kind == ToolKind::Rustc && p.via_exec) {
            // cargo sets CARGO_PKG_NAME for every rustc it runs (also when compiling the
            // package's build script); rustc's own --crate-name is the fallback. Cargo's
            // probes (`--crate-name ___`) belong to no crate.
            auto name = env_value(rec, p, "CARGO_PKG_NAME");
            if (!name) name = arg_value(p.argv, "--crate-name");
            if (name && *name != "___") {
                at.role = CrateRole::Rustc;
                at.crate = *name;
            }
        } else if (parent && parent->role != CrateRole::None) {
            at = *parent;
        } else if (pp && pp->classification.role == WrapperRole::Server &&
                   p.classification.kind != ToolKind::CacheWrapper) {
            // A cache server runs a client's compile with the client's environment: a build
            // script's OUT_DIR and CARGO_PKG_NAME identify it.
            auto out_dir = env_value(rec, p, "OUT_DIR");
            auto crate = env_value(rec, p, "CARGO_PKG_NAME");
            if (out_dir && crate && p.classification.kind != ToolKind::Rustc) {
                at.role = CrateRole::BuildScript;
                at.crate = *crate;
                at.out_dir = *out_dir;
            }
        }
    }
    // Cache hits.
    std::vector<int> server_descendants;
    for (const ProcessRecord& p : rec.processes) {
        bool under_server = false;
        for (int q = p.parent; q >= 0; q = rec.processes[static_cast<size_t>(q)].parent)
            if (rec.processes[static_cast<size_t>(q)].classification.role == WrapperRole::Server) {
                under_server = true;
                break;
            }
        if (under_server) server_descendants.push_back(p.id);
    }
    for (const ProcessRecord& p : rec.processes) {
        const Classification& c = p.classification;
        if (c.kind != ToolKind::CacheWrapper || c.role != WrapperRole::Client || !p.ended) continue;
        auto& hit = a.cache_hit[static_cast<size_t>(p.id)];
        if (c.tool == "ccache") {
            // ccache runs the compiler itself on a miss, never on a hit (it may preprocess).
            bool compiled = false;
            std::vector<int> stack = a.children[static_cast<size_t>(p.id)];
            while (!stack.empty() && !compiled) {
                int q = stack.back();
                stack.pop_back();
                compiled = is_compiling(rec.processes[static_cast<size_t>(q)]);
                for (int ch : a.children[static_cast<size_t>(q)]) stack.push_back(ch);
            }
            hit = !compiled;
        } else if (c.tool == "sccache") {
            // The server does the work: a compile it ran during this client call, with this
            // call's command line, is a miss; none at all while the server wrote files is a hit.
            std::vector<std::string> wrapped(p.argv.begin() + std::min(p.argv.size(), c.wrapped_argv_index + 1),
                                             p.argv.end());
            auto output = arg_value(p.argv, "-o");
            std::string out_path = output ? join_path(p.cwd, *output) : "";
            bool miss = false, server_wrote = false;
            for (int q : server_descendants) {
                const ProcessRecord& s = rec.processes[static_cast<size_t>(q)];
                if (s.start_ns < p.start_ns || s.start_ns > p.end_ns) continue;
                if (is_compiling(s)) {
                    std::vector<std::string> tail(s.argv.begin() + std::min<size_t>(1, s.argv.size()),
                                                  s.argv.end());
                    bool writes_output = false;
                    for (auto& f : s.files)
                        if (f.op == FileOp::Write && f.path == out_path) writes_output = true;
                    if (tail == wrapped || writes_output) miss = true;
                }
                if (s.classification.role == WrapperRole::Server)
                    for (auto& f : s.files)
                        if (f.op == FileOp::Write && (out_path.empty() || f.path == out_path))
                            server_wrote = true;
            }
            if (miss)
                hit = false;
            else if (server_wrote)
                hit = true;
        }
    }
    return a;
}

Summary summarize(const Recording& rec, const Analysis& a) {
    Summary s;
    s.processes = rec.processes.size();
    std::set<std::string> read, written;
    for (const ProcessRecord& p : rec.processes) {
        ++s.by_kind[std::string(kind_name(p.classification.kind))];
        const Attribution& at = a.attribution[static_cast<size_t>(p.id)];
        if (at.role == CrateRole::BuildScript) ++s.by_crate[at.crate].first;
        if (at.role == CrateRole::Rustc) ++s.by_crate[at.crate].second;
        for (auto& f : p.files) {
            if (f.op == FileOp::Read) read.insert(f.path);
            if (f.op == FileOp::Write) written.insert(f.path);
        }
        s.cpu_ns += p.user_ns + p.system_ns;
        if (p.ended && p.end_state == EndState::Exited &&
            ((p.status.code && *p.status.code != 0) || p.status.signal))
            ++s.failed;
        if (p.classification.role == WrapperRole::Client) {
            auto& hit = a.cache_hit[static_cast<size_t>(p.id)];
            if (!hit)
                ++s.cache_unknown;
            else if (*hit)
                ++s.cache_hits;
            else
                ++s.cache_misses;
        }
    }
    s.files_read = read.size();
    s.files_written = written.size();
    s.wall_ns = rec.duration_ns;
    return s;
}

}  // namespace buildiff
