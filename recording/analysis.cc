// Derived facts over a recording (no I/O).
#include "recording/analysis.h"

#include "base/names.h"

#include <algorithm>
#include <set>
#include <span>

namespace buildiff {

namespace {

constexpr Named<CrateRole> kCrateRoles[] = {
    {CrateRole::None, "none"},
    {CrateRole::BuildScript, "build-script"},
    {CrateRole::Rustc, "rustc"},
};

}  // namespace

std::string_view crate_role_name(CrateRole role) {
    return name_of(kCrateRoles, role);
}

namespace {

// By CacheOutcome: its JSON name and its phrase in the reports.
struct OutcomeText {
    CacheOutcome outcome;
    std::string_view name, phrase;
};
constexpr OutcomeText kOutcomeText[] = {
    {CacheOutcome::Unknown, "", ""},
    {CacheOutcome::Hit, "hit", "cache hit"},
    {CacheOutcome::Miss, "miss", "cache miss"},
    {CacheOutcome::Uncacheable, "uncacheable", "not cacheable"},
    {CacheOutcome::Probe, "probe", "a probe, compiles nothing"},
};

const OutcomeText& text_of(CacheOutcome outcome) {
    for (const OutcomeText& t : kOutcomeText)
        if (t.outcome == outcome) return t;
    return kOutcomeText[0];
}

}  // namespace

std::string_view cache_outcome_name(CacheOutcome outcome) {
    return text_of(outcome).name;
}

std::string_view cache_outcome_phrase(CacheOutcome outcome) {
    return text_of(outcome).phrase;
}

std::optional<bool> served_from_cache(CacheOutcome outcome) {
    if (outcome == CacheOutcome::Hit) return true;
    if (outcome == CacheOutcome::Miss || outcome == CacheOutcome::Uncacheable) return false;
    return std::nullopt;
}

std::optional<std::string> arg_value(const std::vector<std::string>& argv, std::string_view flag) {
    for (size_t i = 0; i + 1 < argv.size(); ++i)
        if (argv[i] == flag) return argv[i + 1];
    for (auto& a : argv)
        if (a.size() > flag.size() + 1 && a.starts_with(flag) && a[flag.size()] == '=')
            return a.substr(flag.size() + 1);
    return std::nullopt;
}

std::string absolute_path(const std::string& cwd, const std::string& path) {
    if (!path.empty() && path[0] == '/') return path;
    return cwd + "/" + path;
}

std::optional<std::string> output_path(const ProcessRecord& p) {
    // gcc, as, ld and rustc take "-o FILE" and "-oFILE" alike (sccache's server rewrites the
    // second into the first); gcc and ld also "--output FILE" and "--output=FILE". The last wins.
    std::optional<std::string> out;
    const std::vector<std::string>& argv = p.argv;
    for (size_t i = 1; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if ((a == "-o" || a == "--output") && i + 1 < argv.size())
            out = argv[++i];
        else if (a.starts_with("--output="))
            out = a.substr(9);
        else if (a.size() > 2 && a.starts_with("-o") && !a.starts_with("--"))
            out = a.substr(2);
    }
    if (!out || out->empty()) return std::nullopt;
    return absolute_path(p.cwd, *out);
}

std::optional<std::string> env_value(const Recording& rec, const ProcessRecord& p,
                                     std::string_view name) {
    if (p.env < 0 || p.env >= static_cast<int>(rec.envs.size())) return std::nullopt;
    for (auto& [k, v] : rec.envs[static_cast<size_t>(p.env)])
        if (k == name) return v;
    return std::nullopt;
}

namespace {

// Whether a command line of a tool of kind K compiles (ARGS: its arguments after the program).
bool is_compiling(ToolKind k, std::span<const std::string> args) {
    if (k == ToolKind::Assembler) return true;
    if (k != ToolKind::Rustc && k != ToolKind::CompilerDriver && k != ToolKind::Compiler)
        return false;
    bool only_dep_info = false;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        // Probes compile nothing: rustc -vV and --print=... (cargo's), gcc --version and
        // -print-file-name=... .
        if (a == "-vV" || a == "-V" || a == "--version" || a.starts_with("--print") ||
            a == "-dumpversion" || a == "-dumpmachine" || a.starts_with("-print-"))
            return false;
        // A driver that only preprocesses (ccache's and sccache's `-E` runs) does not compile,
        // nor does the `cc1 -E` it runs.
        if (a == "-E" && k != ToolKind::Rustc) return false;
        // Nor does rustc emitting only its dependency list (sccache's hashing of a crate).
        if (k == ToolKind::Rustc && (a == "--emit" || a.starts_with("--emit="))) {
            std::string kinds =
                a == "--emit" ? (i + 1 < args.size() ? args[i + 1] : "") : a.substr(7);
            only_dep_info = kinds == "dep-info" || kinds.starts_with("dep-info=");
        }
    }
    return !only_dep_info;
}

}  // namespace

bool is_compiling(const ProcessRecord& p) {
    std::span<const std::string> args(p.argv);
    return is_compiling(p.classification.kind, args.subspan(std::min<size_t>(1, args.size())));
}

namespace {

// Whether a compile ran under the client itself: ccache on a miss (never on a hit, where it
// may only preprocess); sccache for what it does not cache (assembly, "unknown source
// language"), which it runs locally. The sccache server the first client call starts is its
// child too, but what the server runs is for whichever call asked (`link_served`).
bool compiled_locally(const Recording& rec, const Analysis& a, const ProcessRecord& client) {
    std::vector<int> stack = a.children[static_cast<size_t>(client.id)];
    while (!stack.empty()) {
        const ProcessRecord& q = rec.processes[static_cast<size_t>(stack.back())];
        stack.pop_back();
        if (q.classification.role == WrapperRole::Server) continue;
        if (is_compiling(q)) return true;
        for (int ch : a.children[static_cast<size_t>(q.id)]) stack.push_back(ch);
    }
    return false;
}

std::vector<std::string> wrapped_tail(const ProcessRecord& client) {
    size_t from = std::min(client.argv.size(), client.classification.wrapped_argv_index + 1);
    return {client.argv.begin() + static_cast<long>(from), client.argv.end()};
}

}  // namespace

bool wraps_compile(const ProcessRecord& client) {
    std::span<const std::string> args(client.argv);
    size_t from = std::min(args.size(), client.classification.wrapped_argv_index + 1);
    return is_compiling(client.classification.wrapped_kind, args.subspan(from));
}

namespace {

// A rustc compile's identity: its crate name and `-C metadata=` hash (sccache rewrites the rest
// of the command line: `--error-format json`, `--emit` split, `--out-dir` to a temporary).
std::string rustc_identity(const std::vector<std::string>& argv) {
    std::string crate, metadata;
    for (size_t i = 0; i + 1 < argv.size(); ++i) {
        if (argv[i] == "--crate-name") crate = argv[i + 1];
        if (argv[i] == "-C" && argv[i + 1].starts_with("metadata=")) metadata = argv[i + 1];
    }
    return crate.empty() || metadata.empty() ? "" : crate + " " + metadata;
}

// The sources a C command line names, made absolute against CWD.
std::set<std::string> c_sources(const std::vector<std::string>& args, const std::string& cwd) {
    std::set<std::string> out;
    for (size_t i : c_source_positions(args, 0)) out.insert(absolute_path(cwd, args[i]));
    return out;
}

bool intersect(const std::set<std::string>& a, const std::set<std::string>& b) {
    for (const std::string& x : a)
        if (b.contains(x)) return true;
    return false;
}

// Which sccache client call each compile the server started was for (the preprocessing it ran
// to hash a C call included: `gcc -x c -E -P main.c`, matched by the source).
std::vector<int> link_served(const Recording& rec) {
    std::vector<int> served_by(rec.processes.size(), -1);
    std::vector<const ProcessRecord*> clients;
    std::vector<std::set<std::string>> client_sources;  // by position in `clients`
    for (const ProcessRecord& p : rec.processes)
        if (p.classification.role == WrapperRole::Client && p.classification.tool == "sccache") {
            clients.push_back(&p);
            client_sources.push_back(c_sources(wrapped_tail(p), p.cwd));
        }
    for (const ProcessRecord& s : rec.processes) {
        bool compile = s.classification.kind == ToolKind::CompilerDriver ||
                       s.classification.kind == ToolKind::Rustc;
        if (!s.via_exec || !compile || s.parent < 0 ||
            rec.processes[static_cast<size_t>(s.parent)].classification.role != WrapperRole::Server)
            continue;
        std::vector<std::string> tail(s.argv.begin() + std::min<size_t>(1, s.argv.size()),
                                      s.argv.end());
        auto out = output_path(s);
        bool rustc = s.classification.kind == ToolKind::Rustc;
        std::string id = rustc ? rustc_identity(tail) : "";
        std::set<std::string> sources = rustc ? std::set<std::string>{} : c_sources(tail, s.cwd);
        for (size_t k = 0; k < clients.size(); ++k) {
            const ProcessRecord* c = clients[k];
            if (s.start_ns < c->start_ns || (c->ended && s.start_ns > c->end_ns)) continue;
            if (wrapped_tail(*c) == tail || (out && output_path(*c) == out) ||
                (!id.empty() && rustc_identity(wrapped_tail(*c)) == id) ||
                (!sources.empty() && intersect(sources, client_sources[k]))) {
                served_by[static_cast<size_t>(s.id)] = c->id;
                break;
            }
        }
    }
    return served_by;
}

// sccache's server does the work. A miss: the server ran a compile for this client call. A hit:
// the server process itself wrote (or renamed onto) the client's output during the call.
// Otherwise unknown.
std::optional<bool> sccache_hit(const Recording& rec, const std::vector<int>& servers,
                                bool server_compiled, const ProcessRecord& client) {
    if (server_compiled) return false;
    auto out = output_path(client);
    auto during = [&](std::uint64_t t) { return t >= client.start_ns && t <= client.end_ns; };
    for (int id : servers)
        for (auto& f : rec.processes[static_cast<size_t>(id)].files) {
            bool onto_output = !out || (f.op == FileOp::Write && f.path == *out) ||
                               (f.op == FileOp::Rename && f.to == *out);
            if ((f.op == FileOp::Write || f.op == FileOp::Rename) && during(f.t_ns) && onto_output)
                return true;
        }
    return std::nullopt;
}

}  // namespace

Analysis analyze(const Recording& rec) {
    Analysis a;
    size_t n = rec.processes.size();
    a.attribution.resize(n);
    a.cache.resize(n);
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
        const ProcessRecord* pp =
            p.parent >= 0 ? &rec.processes[static_cast<size_t>(p.parent)] : nullptr;
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
    a.served_by = link_served(rec);
    std::vector<int> servers;  // the sccache server's records (it writes the outputs of hits)
    for (const ProcessRecord& p : rec.processes)
        if (p.classification.role == WrapperRole::Server) servers.push_back(p.id);
    std::vector<bool> server_compiled(n);  // client calls a server compiled something for
    for (size_t i = 0; i < n; ++i)
        if (a.served_by[i] >= 0 && is_compiling(rec.processes[i]))
            server_compiled[static_cast<size_t>(a.served_by[i])] = true;
    for (const ProcessRecord& p : rec.processes) {
        const Classification& c = p.classification;
        if (c.role != WrapperRole::Client || !p.ended) continue;
        CacheOutcome& outcome = a.cache[static_cast<size_t>(p.id)];
        if (!wraps_compile(p)) {
            outcome = CacheOutcome::Probe;
        } else if (c.tool == "ccache") {
            // What ccache does not cache (a link, several sources) it hands over by exec.
            if (p.end_state == EndState::Replaced)
                outcome = CacheOutcome::Uncacheable;
            else
                outcome = compiled_locally(rec, a, p) ? CacheOutcome::Miss : CacheOutcome::Hit;
        } else if (c.tool == "sccache") {
            // The client runs the tool itself only for what the server does not cache.
            if (compiled_locally(rec, a, p))
                outcome = CacheOutcome::Uncacheable;
            else if (auto hit =
                         sccache_hit(rec, servers, server_compiled[static_cast<size_t>(p.id)], p))
                outcome = *hit ? CacheOutcome::Hit : CacheOutcome::Miss;
        }
    }
    return a;
}

namespace {

// Moves every path under FROM/ to the same place under TO/ (a renamed directory); what was
// under TO/ is gone (rename(2) replaces only an empty directory).
void move_directory(FinalWrites& state, const std::string& from, const std::string& to) {
    auto under = [&](const std::string& dir) {
        std::string prefix = dir + "/";
        auto first = state.lower_bound(prefix);
        auto last = first;
        while (last != state.end() && last->first.starts_with(prefix)) ++last;
        return std::pair{first, last};
    };
    auto [to_first, to_last] = under(to);
    state.erase(to_first, to_last);
    auto [first, last] = under(from);
    std::vector<std::pair<std::string, Produced>> moved;
    for (auto it = first; it != last; ++it)
        moved.emplace_back(to + it->first.substr(from.size()), std::move(it->second));
    state.erase(first, last);
    for (auto& [path, produced] : moved) state[path] = std::move(produced);
}

}  // namespace

FinalWrites final_writes(const Recording& rec) {
    // Events are replayed in time order (ties: record order, then syscall order).
    std::vector<std::pair<const ProcessRecord*, const FileEvent*>> events;
    for (const ProcessRecord& p : rec.processes)
        for (const FileEvent& f : p.files)
            if (f.op != FileOp::Read) events.emplace_back(&p, &f);
    std::stable_sort(events.begin(), events.end(),
                     [](auto& x, auto& y) { return x.second->t_ns < y.second->t_ns; });
    FinalWrites state;
    for (auto [p, fp] : events) {
        const FileEvent& f = *fp;
        {
            switch (f.op) {
                case FileOp::Write:
                    if (f.deleted)
                        state.erase(f.path);
                    else
                        state[f.path] = Produced{f.hash, p->id};
                    break;
                case FileOp::Rename:
                    if (auto it = state.find(f.path); it != state.end()) {
                        Produced moved = it->second;
                        state.erase(it);
                        state[f.to] = moved;
                    } else {
                        // A directory (autopoint's `mv tmpwrk/gettext-0.18.1 tmpwrk/archive`):
                        // what was written under it moves with it.
                        state.erase(f.to);
                        move_directory(state, f.path, f.to);
                    }
                    break;
                case FileOp::Link:
                    if (auto it = state.find(f.path); it != state.end()) state[f.to] = it->second;
                    break;
                case FileOp::Unlink:
                    state.erase(f.path);
                    break;
                case FileOp::Read:
                    break;
            }
        }
    }
    return state;
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
            switch (a.cache[static_cast<size_t>(p.id)]) {
                case CacheOutcome::Unknown:
                    ++s.cache_unknown;
                    break;
                case CacheOutcome::Hit:
                    ++s.cache_hits;
                    break;
                case CacheOutcome::Miss:
                    ++s.cache_misses;
                    break;
                case CacheOutcome::Uncacheable:
                    ++s.cache_uncacheable;
                    break;
                case CacheOutcome::Probe:
                    ++s.cache_probes;
                    break;
            }
        }
    }
    s.files_read = read.size();
    s.files_written = written.size();
    s.wall_ns = rec.duration_ns;
    return s;
}

}  // namespace buildiff
