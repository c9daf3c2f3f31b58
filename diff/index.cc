// The differ's index of one build: artifacts, their owners and what each invocation read.
#include "diff/index.h"

#include <algorithm>

namespace buildiff {

namespace {

// Whether a file left outside the build's tree is a cache's storage or the system's: a cache
// server's own files, anything under a cache directory the writer names or has by default
// (ccache, sccache, cargo, pip, XDG), and /dev, /proc, /sys.
bool storage_or_system(const Recording& rec, const ProcessRecord& p, const std::string& path) {
    if (p.classification.role == WrapperRole::Server) return true;
    for (std::string_view system : {"/dev/", "/proc/", "/sys/"})
        if (path.starts_with(system)) return true;
    auto under = [&](const std::string& dir) {
        return !dir.empty() && dir != "/" && path.starts_with(dir) &&
               (path.size() == dir.size() || path[dir.size()] == '/' || dir.back() == '/');
    };
    for (const char* name : {"CCACHE_DIR", "SCCACHE_DIR", "CARGO_HOME", "XDG_CACHE_HOME",
                             "PIP_CACHE_DIR"})
        if (auto dir = env_value(rec, p, name); dir && under(*dir)) return true;
    if (auto home = env_value(rec, p, "HOME"); home && !home->empty())
        for (const char* dir : {"/.cache", "/.ccache", "/.cargo", "/.rustup"})
            if (under(*home + dir)) return true;
    return false;
}

// Processes that run inside one invocation of a tool: their outputs belong to it.
bool runs_tools_internally(const ProcessRecord& p) {
    switch (p.classification.kind) {
        case ToolKind::CompilerDriver:
        case ToolKind::Compiler:
        case ToolKind::Assembler:
        case ToolKind::Linker:
        case ToolKind::Rustc:
            return true;
        case ToolKind::CacheWrapper:
            return is_client(p);
        default:
            return false;
    }
}

}  // namespace

bool is_client(const ProcessRecord& p) {
    return p.classification.kind == ToolKind::CacheWrapper &&
           p.classification.role == WrapperRole::Client;
}

std::vector<std::string> peeled_argv(const ProcessRecord& p) {
    if (!is_client(p)) return p.argv;
    size_t from = std::min(p.argv.size(), p.classification.wrapped_argv_index);
    return {p.argv.begin() + static_cast<long>(from), p.argv.end()};
}
std::string peeled_tool(const ProcessRecord& p) {
    return is_client(p) ? p.classification.wrapped_tool : p.classification.tool;
}
std::string peeled_kind(const ProcessRecord& p) {
    return std::string(
        kind_name(is_client(p) ? p.classification.wrapped_kind : p.classification.kind));
}

namespace {

template <typename Strings>
std::string joined(const Strings& v, std::string_view sep) {
    std::string out;
    for (auto& s : v) {
        if (!out.empty()) out += sep;
        out += std::string_view(s);
    }
    return out;
}

}  // namespace

std::string join(const std::vector<std::string>& v, std::string_view sep) {
    return joined(v, sep);
}

std::string join(const std::vector<Interned>& v, std::string_view sep) {
    return joined(v, sep);
}

SideView::SideView(const Recording& r, Side s, const Normalizer& n, const FinalWrites* final)
    : rec(r), side(s), norm(n), analysis(analyze(r)) {
    link_server_compiles();
    lift_all();
    index_outputs(final ? *final : final_writes(r));
}

// The compiles an sccache server ran, by the client call they were for (recording/analysis).
void SideView::link_server_compiles() {
    for (size_t i = 0; i < analysis.served_by.size(); ++i)
        if (int c = analysis.served_by[i]; c >= 0) {
            client_of[static_cast<int>(i)] = c;
            served[c].push_back(static_cast<int>(i));
        }
}

void SideView::lift_all() {
    lifted.resize(rec.processes.size());
    for (auto& p : rec.processes) {
        int r = p.id;
        for (int guard = 0; guard < 10000; ++guard) {
            if (auto c = client_of.find(r); c != client_of.end()) {
                r = c->second;
                continue;
            }
            const ProcessRecord& cur = at(r);
            if (!cur.via_exec && cur.parent >= 0) {  // a fork shares its parent's image
                r = cur.parent;
                continue;
            }
            // What an sccache server runs for itself (its compiler detection, rustc -vV)
            // belongs to the server, and so to the call that started the server.
            if (cur.parent >= 0 && at(cur.parent).classification.role == WrapperRole::Server &&
                !is_compiling(cur)) {
                r = cur.parent;
                continue;
            }
            if (cur.parent < 0 || !runs_tools_internally(at(cur.parent))) break;
            r = cur.parent;
        }
        lifted[static_cast<size_t>(p.id)] = r;
    }
    for (auto& p : rec.processes)
        if (p.via_exec && lifted[static_cast<size_t>(p.id)] == p.id) top.push_back(p.id);
    std::stable_sort(top.begin(), top.end(),
                     [&](int a, int b) { return at(a).start_ns < at(b).start_ns; });
}

void SideView::index_outputs(const FinalWrites& final) {
    // A file an sccache server wrote (a hit) or renamed into place belongs to the client
    // whose -o named it, not to the call that started the server (where the server itself
    // is lifted).
    std::map<std::string, int> client_output;
    for (auto& p : rec.processes)
        if (is_client(p))
            if (auto out = output_path(p)) client_output[*out] = p.id;
    auto writer = [&](int id, const std::string& path) {
        if (at(id).classification.role == WrapperRole::Server)
            if (auto c = client_output.find(path); c != client_output.end()) return c->second;
        return lifted[static_cast<size_t>(id)];
    };
    // Each path normalised once (the recording's paths are interned: one number each).
    std::unordered_map<Interned, Interned> normalised;
    auto normal = [&](const Interned& path) -> const Interned& {
        auto [it, added] = normalised.try_emplace(path);
        if (added) it->second = norm(side, path);
        return it->second;
    };
    for (auto& p : rec.processes)
        for (auto& f : p.files) {
            if (f.op == FileOp::Write) writers.add(normal(f.path), {f.t_ns, writer(p.id, f.path)});
            if (f.op == FileOp::Rename) writers.add(normal(f.to), {f.t_ns, writer(p.id, f.to)});
            if (f.op == FileOp::Write) produced.insert(normal(f.path));
            // Every write counts, not only the final ones: a file copied into the tree from a
            // temporary that is gone by the end (pip's wheel) still has its writer. A cache
            // server's own files (its cache, its temporaries) are storage, not production.
            bool storage = p.classification.role == WrapperRole::Server &&
                           !client_output.contains(f.path);
            if (f.op == FileOp::Write && !f.hash.empty() && !storage)
                writers_by_hash.add(f.hash, writer(p.id, f.path));
            if (f.op == FileOp::Rename || f.op == FileOp::Link) produced.insert(normal(f.to));
        }
    for (auto& [path, prod] : final) {
        const Interned& n = normal(path);
        int o = writer(prod.producer, path);
        if (!n.starts_with(kRootToken)) {  // not left in the build tree
            if (!storage_or_system(rec, at(prod.producer), path)) outside[n] = {path, prod.hash};
            continue;
        }
        hash.set(n, prod.hash);
        real_path.set(n, path);
        owner.set(n, o);
        owned.add(o, n);
    }
    hash.seal();
    real_path.seal();
    owner.seal();
    produced.seal();
    writers.seal();
    writers_by_hash.seal_unique();
    owned.seal();
    // What a read path is, looked up once per path (a build reads its system headers and
    // libraries millions of times): an artifact's owner and when it was first written, or no
    // owner when it is not an artifact with a writer.
    struct Read {
        Interned artifact;
        int owner = -1;
        std::uint64_t written = 0;
    };
    std::unordered_map<Interned, Read> reads;
    auto read_of = [&](const Interned& path) -> const Read& {
        auto [it, added] = reads.try_emplace(path);
        // Not interned: most of what a build reads is no artifact.
        if (auto o = added ? owner.find(norm(side, path)) : owner.end(); o != owner.end())
            if (auto w = writers.find(o->first); !w.empty())
                it->second = {o->first, o->second,
                              std::min_element(w.begin(), w.end())->second.first};
        return it->second;
    };
    // A cache server reading an object it made, to store it, builds nothing from it.
    for (auto& p : rec.processes)
        for (auto& f : p.files) {
            if (f.op != FileOp::Read || p.classification.role == WrapperRole::Server) continue;
            const Read& r = read_of(f.path);
            if (r.owner >= 0 && r.owner != lifted[static_cast<size_t>(p.id)] && f.t_ns >= r.written)
                consumed.insert(r.artifact);
        }
    consumed.seal();
}

int SideView::effective(int id) const {
    if (!is_client(at(id))) return id;
    auto s = served.find(id);
    if (s != served.end()) {
        for (auto it = s->second.rbegin(); it != s->second.rend(); ++it)
            if (is_compiling(at(*it))) return *it;
        return id;
    }
    // A wrapper that compiles in its own process tree (ccache, a --cache COMMAND wrapper): the
    // last compile among its children.
    const std::vector<int>& children = analysis.children[static_cast<size_t>(id)];
    for (auto it = children.rbegin(); it != children.rend(); ++it)
        if (at(*it).via_exec && is_compiling(at(*it))) return *it;
    return id;
}

std::map<std::string, std::string> SideView::inputs(int id) const {
    std::map<std::string, std::string> out;
    std::vector<int> stack{id};
    if (auto s = served.find(id); s != served.end())
        stack.insert(stack.end(), s->second.begin(), s->second.end());
    while (!stack.empty()) {
        int q = stack.back();
        stack.pop_back();
        for (auto& f : at(q).files)
            if (f.op == FileOp::Read) out.emplace(norm(side, f.path), f.hash);
        for (int ch : analysis.children[static_cast<size_t>(q)])
            if (lifted[static_cast<size_t>(ch)] == id || client_of.count(ch)) stack.push_back(ch);
    }
    return out;
}

std::map<std::string, std::string> SideView::piped_inputs(int id) const {
    std::map<std::string, std::string> out;
    const ProcessRecord& p = at(id);
    std::vector<int> stack = analysis.children[static_cast<size_t>(id)];
    if (p.parent >= 0)
        for (int s : analysis.children[static_cast<size_t>(p.parent)])
            if (s != id && at(s).start_ns < p.end_ns && p.start_ns < at(s).end_ns)
                stack.push_back(s);
    while (!stack.empty()) {
        int q = stack.back();
        stack.pop_back();
        for (auto& f : at(q).files)
            if (f.op == FileOp::Read) out.emplace(norm(side, f.path), f.hash);
        for (int ch : analysis.children[static_cast<size_t>(q)]) stack.push_back(ch);
    }
    return out;
}

InvocationRef SideView::ref(int id) const {
    const ProcessRecord& p = at(id);
    InvocationRef r;
    r.id = id;
    r.tool = peeled_tool(p);
    r.kind = peeled_kind(p);
    r.argv = p.argv;
    r.cwd = p.cwd;
    if (is_client(p)) {
        r.wrapper = p.classification.tool;
        r.cache = analysis.cache[static_cast<size_t>(id)];
    }
    r.crate = analysis.attribution[static_cast<size_t>(id)].crate;
    return r;
}

std::string SideView::command_key(int id) const {
    const ProcessRecord& p = at(id);
    std::vector<std::string> argv = peeled_argv(p);
    std::string key = peeled_tool(p);
    for (size_t i = 1; i < argv.size(); ++i) key += '\0' + norm(side, argv[i]);
    return key + '\0' + norm(side, p.cwd);
}

int SideView::parent_top(int id) const {
    for (int q = at(id).parent; q >= 0; q = at(q).parent)
        if (lifted[static_cast<size_t>(q)] == q && at(q).via_exec) return q;
    return -1;
}

}  // namespace buildiff
