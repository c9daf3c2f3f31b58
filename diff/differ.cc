// The differ: match -> compare -> explain.
//
// An artifact is a file the build left under its root. Its owner is the invocation the build
// made that produced it: the writing process, lifted through the processes a compiler driver,
// rustc or a cache wrapper runs internally (cc1, as, collect2, ld), and for a file an sccache
// server wrote, the client whose output it is. Only owners (and other top-level processes) are
// matched across the two builds. A divergent artifact is explained by its owner pair when the
// pair's own configuration or behaviour differs, else by the owners of its divergent inputs.
#include "diff/differ.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <unordered_map>

#include <fmt/core.h>

#include "base/hash.h"
#include "diff/compare.h"
#include "diff/env_diff.h"
#include "diff/flag_diff.h"
#include "diff/normalize.h"
#include "recording/analysis.h"
#include "recording/redact.h"

namespace buildiff {

std::string_view root_cause_kind_name(RootCauseKind kind) {
    switch (kind) {
        case RootCauseKind::Flags:
            return "flags";
        case RootCauseKind::Env:
            return "env";
        case RootCauseKind::Tool:
            return "tool";
        case RootCauseKind::Source:
            return "source";
        case RootCauseKind::BuildPath:
            return "build-path";
        case RootCauseKind::Nondeterministic:
            return "nondeterministic";
        case RootCauseKind::Cache:
            return "cache";
        case RootCauseKind::MissingInvocation:
            return "missing-invocation";
        case RootCauseKind::ExtraInvocation:
            return "extra-invocation";
    }
    return "flags";
}

namespace {

bool is_client(const ProcessRecord& p) {
    return p.classification.kind == ToolKind::CacheWrapper &&
           p.classification.role == WrapperRole::Client;
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

std::string join(const std::vector<std::string>& v, std::string_view sep) {
    std::string out;
    for (auto& s : v) {
        if (!out.empty()) out += sep;
        out += s;
    }
    return out;
}

// One build, indexed for the comparison.
struct SideView {
    const Recording& rec;
    Side side;
    const Normalizer& norm;
    Analysis analysis;
    std::unordered_map<int, int> client_of;        // compile run by a cache server -> its client
    std::map<int, std::vector<int>> served;        // client -> compiles the server ran for it
    std::vector<int> lifted;                       // record -> its owner-level invocation
    std::map<std::string, std::string> hash;       // artifact (normalised) -> content hash
    std::map<std::string, int> owner;              // artifact (normalised) -> owner record
    std::map<std::string, std::string> real_path;  // artifact (normalised) -> path on disk
    // Every owner-level invocation that wrote a path, in time order (a file updated in place,
    // as `ar s` or `strip` do, has several).
    std::map<std::string, std::vector<std::pair<std::uint64_t, int>>> writers;
    // Content hash -> the owner-level invocations whose final writes have it, anywhere (a
    // file copied into the tree from a temporary directory has the same hash as its source).
    std::map<std::string, std::vector<int>> writers_by_hash;
    std::map<int, std::vector<std::string>> owned;  // owner record -> its artifacts
    std::set<std::string> produced;                 // every path the build wrote (normalised)
    std::vector<int> top;                           // owner-level invocations, in start order

    SideView(const Recording& r, Side s, const Normalizer& n)
        : rec(r), side(s), norm(n), analysis(analyze(r)) {
        link_server_compiles();
        lift_all();
        index_outputs();
    }

    const ProcessRecord& at(int id) const { return rec.processes[static_cast<size_t>(id)]; }

    // The compiles an sccache server ran, by the client call they were for (audit/analysis).
    void link_server_compiles() {
        for (size_t i = 0; i < analysis.served_by.size(); ++i)
            if (int c = analysis.served_by[i]; c >= 0) {
                client_of[static_cast<int>(i)] = c;
                served[c].push_back(static_cast<int>(i));
            }
    }

    void lift_all() {
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

    void index_outputs() {
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
        for (auto& p : rec.processes)
            for (auto& f : p.files) {
                if (f.op == FileOp::Write)
                    writers[norm(side, f.path)].emplace_back(f.t_ns, writer(p.id, f.path));
                if (f.op == FileOp::Rename)
                    writers[norm(side, f.to)].emplace_back(f.t_ns, writer(p.id, f.to));
                if (f.op == FileOp::Write) produced.insert(norm(side, f.path));
                if (f.op == FileOp::Rename || f.op == FileOp::Link)
                    produced.insert(norm(side, f.to));
            }
        for (auto& [path, prod] : final_writes(rec)) {
            std::string n = norm(side, path);
            int o = writer(prod.producer, path);
            if (!prod.hash.empty()) writers_by_hash[prod.hash].push_back(o);
            if (!n.starts_with(kRootToken)) continue;  // not left in the build tree
            hash[n] = prod.hash;
            real_path[n] = path;
            owner[n] = o;
            owned[o].push_back(n);
        }
    }

    // What an invocation read, with what it ran internally (and what a server ran for it).
    std::map<std::string, std::string> inputs(int id) const {
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
                if (lifted[static_cast<size_t>(ch)] == id || client_of.count(ch))
                    stack.push_back(ch);
        }
        return out;
    }

    InvocationRef ref(int id) const {
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

    std::string command_key(int id) const {
        const ProcessRecord& p = at(id);
        std::vector<std::string> argv = peeled_argv(p);
        std::string key = peeled_tool(p);
        for (size_t i = 1; i < argv.size(); ++i) key += '\0' + norm(side, argv[i]);
        return key + '\0' + norm(side, p.cwd);
    }

    int parent_top(int id) const {
        for (int q = at(id).parent; q >= 0; q = at(q).parent)
            if (lifted[static_cast<size_t>(q)] == q && at(q).via_exec) return q;
        return -1;
    }
};

struct PairAnalysis {
    std::vector<FlagChange> flags;  // those that can change the output
    EnvDiff env;
    bool tool_differs = false;
    std::vector<std::string> sources;   // differing inputs the build did not produce
    std::vector<std::string> upstream;  // differing inputs the build produced
    std::vector<std::string> details;
};

class Differ {
  public:
    Differ(const Recording& l, const Recording& r, const DiffOptions& o)
        : m_options(o),
          m_norm(l.cwd, r.cwd, o.maps),
          m_left(l, Side::Left, m_norm),
          m_right(r, Side::Right, m_norm) {}

    DiffResult run();

  private:
    void match();
    PairAnalysis analyze_pair(int l, int r);
    std::set<int> roots_for_pair(int l, int r);
    std::set<int> roots_for_path(const std::string& path);
    std::set<int> roots_for_input(const std::string& input, int l);
    std::set<int> roots_of_copies(int l, int r);
    int unpaired_root(Side side, int id);
    int add_root(RootCause rc, const std::string& signature);
    bool ignored(const std::string& path) const;
    void deepen(Artifact& a);
    std::optional<Blob> on_disk(const SideView& s, const std::string& artifact,
                                const std::string& recorded) const;
    bool outputs_embed_root(int l, int r) const;

    const DiffOptions& m_options;
    Normalizer m_norm;
    SideView m_left, m_right;
    std::vector<int> m_pair_l, m_pair_r;  // record id -> paired record id on the other side
    DiffResult m_result;
    std::map<std::string, int> m_root_index;    // signature -> root cause index
    std::map<int, std::set<int>> m_pair_roots;  // left id -> root causes (memo)
    // Root cause index -> the invocations (left ids, right ids) whose own cause it is.
    std::map<int, std::pair<std::set<int>, std::set<int>>> m_cause_invocations;
    std::set<int> m_in_progress;
    std::map<std::pair<int, int>, int> m_unpaired_roots;
    Comparer m_comparer;
    // Where each side's artifact was found as recorded: its build tree, the evidence, or nowhere.
    enum class Source { None, Tree, Evidence };
    mutable std::map<std::pair<bool, std::string>, Source> m_on_disk;
};

void Differ::match() {
    m_pair_l.assign(m_left.rec.processes.size(), -1);
    m_pair_r.assign(m_right.rec.processes.size(), -1);
    auto pair = [&](int l, int r) {
        m_pair_l[static_cast<size_t>(l)] = r;
        m_pair_r[static_cast<size_t>(r)] = l;
        ++m_result.summary.paired;
    };
    // 1. By the artifacts they own (unique on both sides).
    std::map<std::string, std::vector<int>> lo, ro;
    for (auto& [id, paths] : m_left.owned) lo[join(paths, "\n")].push_back(id);
    for (auto& [id, paths] : m_right.owned) ro[join(paths, "\n")].push_back(id);
    for (auto& [key, ids] : lo)
        if (auto it = ro.find(key); it != ro.end() && ids.size() == 1 && it->second.size() == 1)
            pair(ids[0], it->second[0]);
    // 2. By tool, normalised command line and cwd, in order of occurrence.
    std::map<std::string, std::vector<int>> rk;
    for (int id : m_right.top)
        if (m_pair_r[static_cast<size_t>(id)] < 0) rk[m_right.command_key(id)].push_back(id);
    std::map<std::string, size_t> used;
    for (int id : m_left.top) {
        if (m_pair_l[static_cast<size_t>(id)] >= 0) continue;
        std::string key = m_left.command_key(id);
        auto it = rk.find(key);
        if (it == rk.end()) continue;
        size_t& n = used[key];
        while (n < it->second.size() && m_pair_r[static_cast<size_t>(it->second[n])] >= 0) ++n;
        if (n < it->second.size()) pair(id, it->second[n++]);
    }
    // 3. What is left (probes, commands whose arguments changed): by tool, in order, among
    //    the children of already paired parents.
    std::map<std::pair<int, std::string>, std::vector<int>> rp;
    for (int id : m_right.top)
        if (m_pair_r[static_cast<size_t>(id)] < 0)
            rp[{m_right.parent_top(id), peeled_tool(m_right.at(id))}].push_back(id);
    std::map<std::pair<int, std::string>, size_t> next;
    for (int id : m_left.top) {
        if (m_pair_l[static_cast<size_t>(id)] >= 0) continue;
        int lp = m_left.parent_top(id);
        int rparent = lp >= 0 ? m_pair_l[static_cast<size_t>(lp)] : -1;
        if (lp >= 0 && rparent < 0) continue;
        std::pair<int, std::string> key{rparent, peeled_tool(m_left.at(id))};
        auto it = rp.find(key);
        if (it == rp.end()) continue;
        size_t& n = next[key];
        while (n < it->second.size() && m_pair_r[static_cast<size_t>(it->second[n])] >= 0) ++n;
        if (n < it->second.size()) pair(id, it->second[n++]);
    }
    m_result.summary.left_invocations = m_left.top.size();
    m_result.summary.right_invocations = m_right.top.size();
    for (int id : m_left.top) m_result.summary.missing += m_pair_l[static_cast<size_t>(id)] < 0;
    for (int id : m_right.top) m_result.summary.extra += m_pair_r[static_cast<size_t>(id)] < 0;
}

PairAnalysis Differ::analyze_pair(int l, int r) {
    const ProcessRecord& L = m_left.at(l);
    const ProcessRecord& R = m_right.at(r);
    PairAnalysis a;
    auto normalized = [&](Side side, const std::vector<std::string>& argv) {
        std::vector<std::string> out;
        for (auto& s : argv) out.push_back(m_norm(side, s));
        return out;
    };
    FlagFamily family = flag_family(peeled_tool(L), peeled_kind(L));
    auto lav = normalized(Side::Left, peeled_argv(L)),
         rav = normalized(Side::Right, peeled_argv(R));
    for (FlagChange& c : diff_commands(family, lav, rav)) {
        // An input that only one side has, because an invocation only that side ran made
        // it, is explained by that invocation, not by this command line.
        if (c.category == "input" && (c.change == "added" || c.change == "removed")) {
            const SideView& s = c.change == "added" ? m_right : m_left;
            std::string path = c.change == "added" ? c.right : c.left;
            std::string cwd = m_norm(s.side, (c.change == "added" ? R : L).cwd);
            auto o = s.owner.find(absolute_path(cwd, path));
            const auto& pairs = c.change == "added" ? m_pair_r : m_pair_l;
            if (o != s.owner.end() && pairs[static_cast<size_t>(o->second)] < 0) {
                a.upstream.push_back(absolute_path(cwd, path));
                continue;
            }
        }
        if (c.affects_output) a.flags.push_back(std::move(c));
    }
    const EnvVars none;
    a.env = diff_env(L.env >= 0 ? m_left.rec.envs[static_cast<size_t>(L.env)] : none,
                     R.env >= 0 ? m_right.rec.envs[static_cast<size_t>(R.env)] : none, m_norm);
    if (!is_client(L) && !is_client(R) && !L.exe_hash.empty() && !R.exe_hash.empty() &&
        L.exe_hash != R.exe_hash) {
        a.tool_differs = true;
        a.details.push_back(fmt::format("executable {} (XXH3 {}) -> {} (XXH3 {})", L.exe,
                                        L.exe_hash, R.exe, R.exe_hash));
    }
    auto li = m_left.inputs(l), ri = m_right.inputs(r);
    for (auto& [path, h] : li) {
        auto it = ri.find(path);
        if (it == ri.end() || it->second == h || h.empty() || it->second.empty()) continue;
        bool built = m_left.produced.count(path) || m_right.produced.count(path);
        (built ? a.upstream : a.sources).push_back(path);
    }
    if (m_norm(Side::Left, L.cwd) != m_norm(Side::Right, R.cwd))
        a.details.push_back(fmt::format("working directory {} -> {}", L.cwd, R.cwd));
    return a;
}

int Differ::add_root(RootCause rc, const std::string& signature) {
    auto note_invocations = [&](int index) {
        auto& [left, right] = m_cause_invocations[index];
        if (rc.left) left.insert(rc.left->id);
        if (rc.right) right.insert(rc.right->id);
    };
    auto it = m_root_index.find(signature);
    if (it != m_root_index.end()) {
        note_invocations(it->second);
        RootCause& existing = m_result.root_causes[static_cast<size_t>(it->second)];
        ++existing.invocations;
        // Show the most specific invocation sharing the cause: a compile, not cargo or make.
        auto rank = [](const RootCause& c) {
            const auto& ref = c.right ? c.right : c.left;
            if (!ref) return 3;
            if (ref->kind == "other" || ref->kind == "cargo") return 2;
            return ref->kind == "build-script" ? 1 : 0;
        };
        if (rank(rc) < rank(existing)) {
            rc.invocations = existing.invocations;
            rc.explains = std::move(existing.explains);
            existing = std::move(rc);
        }
        return it->second;
    }
    int index = static_cast<int>(m_result.root_causes.size());
    note_invocations(index);
    m_result.root_causes.push_back(std::move(rc));
    m_root_index[signature] = index;
    return index;
}

int Differ::unpaired_root(Side side, int id) {
    auto key = std::make_pair(side == Side::Left ? 0 : 1, id);
    if (auto it = m_unpaired_roots.find(key); it != m_unpaired_roots.end()) return it->second;
    const SideView& s = side == Side::Left ? m_left : m_right;
    RootCause rc;
    rc.kind =
        side == Side::Left ? RootCauseKind::MissingInvocation : RootCauseKind::ExtraInvocation;
    (side == Side::Left ? rc.left : rc.right) = s.ref(id);
    std::vector<std::string> argv = s.at(id).argv;
    rc.summary = fmt::format("only in the {} build: {}", side == Side::Left ? "left" : "right",
                             join(argv, " "));
    int index = add_root(std::move(rc), fmt::format("unpaired {} {}", key.first, id));
    m_unpaired_roots[key] = index;
    return index;
}

std::set<int> Differ::roots_for_path(const std::string& path) {
    auto lo = m_left.owner.find(path), ro = m_right.owner.find(path);
    if (lo != m_left.owner.end()) {
        int l = lo->second, r = m_pair_l[static_cast<size_t>(l)];
        if (r >= 0) return roots_for_pair(l, r);
        return {unpaired_root(Side::Left, l)};
    }
    if (ro != m_right.owner.end()) {
        int r = ro->second, l = m_pair_r[static_cast<size_t>(r)];
        if (l >= 0) return roots_for_pair(l, r);
        return {unpaired_root(Side::Right, r)};
    }
    return {};
}

// An input of left invocation `l`: when `l` itself owns it (it updates the file in place, as
// `ar s` does after `ar cq`), the version it read came from the writer before it.
std::set<int> Differ::roots_for_input(const std::string& input, int l) {
    auto o = m_left.owner.find(input);
    if (o == m_left.owner.end() || o->second != l) return roots_for_path(input);
    auto w = m_left.writers.find(input);
    if (w == m_left.writers.end()) return {};
    std::vector<std::pair<std::uint64_t, int>> list = w->second;
    std::sort(list.begin(), list.end());
    int previous = -1;
    for (auto& [t, id] : list)
        if (id != l)
            previous = id;
        else
            break;
    if (previous < 0) return {};
    int r = m_pair_l[static_cast<size_t>(previous)];
    return r >= 0 ? roots_for_pair(previous, r)
                  : std::set<int>{unpaired_root(Side::Left, previous)};
}

// A pair with no divergent input of its own whose outputs are copies of what another invocation
// wrote (pip copies the wheel setup.py built in a temporary directory into dist/): the causes of
// that invocation's divergence are this pair's.
std::set<int> Differ::roots_of_copies(int l, int r) {
    std::set<int> out;
    for (auto [side, id] : {std::pair{&m_left, l}, std::pair{&m_right, r}}) {
        auto owned = side->owned.find(id);
        if (owned == side->owned.end()) continue;
        for (const std::string& artifact : owned->second) {
            auto h = side->hash.find(artifact);
            static const std::string kEmpty = hash_bytes("").hex();  // empty files are not copies
            if (h == side->hash.end() || h->second == kEmpty) continue;
            auto w = side->writers_by_hash.find(h->second);
            if (w == side->writers_by_hash.end()) continue;
            for (int other : w->second) {
                if (other == id) continue;
                int paired = side == &m_left ? m_pair_l[static_cast<size_t>(other)]
                                             : m_pair_r[static_cast<size_t>(other)];
                if (paired < 0) continue;
                auto roots =
                    side == &m_left ? roots_for_pair(other, paired) : roots_for_pair(paired, other);
                out.insert(roots.begin(), roots.end());
            }
        }
    }
    return out;
}

std::set<int> Differ::roots_for_pair(int l, int r) {
    if (auto it = m_pair_roots.find(l); it != m_pair_roots.end()) return it->second;
    if (!m_in_progress.insert(l).second) return {};  // a cycle through renamed files
    PairAnalysis a = analyze_pair(l, r);
    m_result.summary.hidden_env_changes += a.env.hidden;
    RootCause rc;
    rc.left = m_left.ref(l);
    rc.right = m_right.ref(r);
    rc.details = a.details;
    // When a cache wrapper runs on either side, the variables that only configure it are the
    // wrapper itself, not a cause: what it did (a cache hit) is judged below.
    bool wrapped = is_client(m_left.at(l)) || is_client(m_right.at(r));
    std::vector<EnvChange> impactful;
    for (auto& e : a.env.changes)
        if (e.impactful && !(wrapped && is_wrapper_configuration(e)) &&
            !m_options.treatment_env.contains(e.name))
            impactful.push_back(e);
    std::optional<RootCauseKind> kind;
    std::string signature;
    // Divergent inputs the build produced lead to the invocations that produced them.
    std::set<int> upstream_roots;
    for (const std::string& input : a.upstream) {
        auto up = roots_for_input(input, l);
        upstream_roots.insert(up.begin(), up.end());
    }
    auto env_text = [](const EnvChange& e) {
        if (e.redacted) return fmt::format("{} differs (secret)", e.name);
        return fmt::format("{}: {} -> {}", e.name, e.left ? "`" + *e.left + "`" : "unset",
                           e.right ? "`" + *e.right + "`" : "unset");
    };
    // An environment variable is usually set for the whole build: where this invocation's
    // inputs already diverged upstream, the earliest invocation it reached is the cause.
    bool env_explained_upstream =
        !upstream_roots.empty() && a.flags.empty() && !a.tool_differs && a.sources.empty();
    if (!impactful.empty() && !env_explained_upstream) {
        kind = RootCauseKind::Env;
        std::vector<std::string> parts;
        for (auto& e : impactful) parts.push_back(env_text(e));
        rc.summary = "environment differs: " + join(parts, "; ");
        signature = "env " + rc.summary;
    } else if (!a.flags.empty()) {
        kind = RootCauseKind::Flags;
        std::vector<std::string> parts;
        for (auto& f : a.flags) parts.push_back(f.text);
        rc.summary = join(parts, "; ");
        signature = fmt::format("flags {} {}", l, rc.summary);
    } else if (a.tool_differs) {
        kind = RootCauseKind::Tool;
        rc.summary = fmt::format("a different `{}` binary", peeled_tool(m_left.at(l)));
        signature = "tool " + join(a.details, " ");
    } else if (!a.sources.empty()) {
        kind = RootCauseKind::Source;
        rc.summary = "input not produced by the build differs: " + join(a.sources, ", ");
        signature = "source " + join(a.sources, " ");
    }
    rc.flags = a.flags;
    rc.env = a.env.changes;
    std::set<int> roots;
    if (kind) {
        rc.kind = *kind;
        roots.insert(add_root(std::move(rc), signature));
    } else {
        roots = upstream_roots;
        if (roots.empty()) roots = roots_of_copies(l, r);
        if (roots.empty()) {
            // Same configuration and inputs, yet a different output.
            bool lh = m_left.analysis.cache[static_cast<size_t>(l)] == CacheOutcome::Hit;
            bool rh = m_right.analysis.cache[static_cast<size_t>(r)] == CacheOutcome::Hit;
            if (lh || rh) {
                rc.kind = RootCauseKind::Cache;
                const SideView& s = rh ? m_right : m_left;
                rc.summary = fmt::format(
                    "served from the {} cache on the {} and different from "
                    "the other build's output",
                    s.at(s.side == Side::Left ? l : r).classification.tool,
                    s.side == Side::Left ? "left" : "right");
                signature = "cache " + rc.summary;
            } else if (m_norm.root(Side::Left) != m_norm.root(Side::Right) &&
                       outputs_embed_root(l, r)) {
                rc.kind = RootCauseKind::BuildPath;
                rc.summary = fmt::format(
                    "same configuration up to the build root ({} -> {}), "
                    "different output: the output embeds the build path",
                    m_norm.root(Side::Left), m_norm.root(Side::Right));
                signature = "build-path";
            } else {
                rc.kind = RootCauseKind::Nondeterministic;
                rc.summary = "same configuration and inputs, different output";
                signature = "nondeterministic";
            }
            roots.insert(add_root(std::move(rc), signature));
        }
    }
    m_in_progress.erase(l);
    m_pair_roots[l] = roots;
    return roots;
}

// An artifact as it is on disk now, when it is still what was recorded. Each file is hashed
// once: the build-path check and the deep comparison ask for the same files. (Blobs are not kept:
// each holds a descriptor, and a big build has thousands of divergent artifacts.)
std::optional<Blob> Differ::on_disk(const SideView& s, const std::string& artifact,
                                    const std::string& recorded) const {
    auto key = std::make_pair(&s == &m_left, artifact);
    auto known = m_on_disk.find(key);
    if (known != m_on_disk.end() && known->second == Source::None) return std::nullopt;
    // Evidence kept by an audit or a bundle, when the tree is gone or changed.
    auto evidence = [&]() -> std::optional<Blob> {
        return m_options.evidence ? m_options.evidence(recorded) : std::nullopt;
    };
    if (known != m_on_disk.end() && known->second == Source::Evidence) return evidence();
    auto it = s.real_path.find(artifact);
    if (it == s.real_path.end()) return std::nullopt;
    std::string path = it->second;
    const std::string& moved = &s == &m_left ? m_options.left_tree : m_options.right_tree;
    if (!moved.empty() && path.starts_with(s.rec.cwd + "/"))
        path = moved + path.substr(s.rec.cwd.size());
    Result<Blob> b = Blob::open(path);
    if (known != m_on_disk.end() && b) return *b;  // the tree's file, verified before
    if (b && b->hash().hex() == recorded) {
        m_on_disk[key] = Source::Tree;
        return *b;
    }
    std::optional<Blob> kept = evidence();
    m_on_disk[key] = kept ? Source::Evidence : Source::None;
    return kept;
}

// Whether what a pair wrote holds its own build root (so a difference between two roots is the
// build path), looked up in the files on disk. Unknown (files gone) counts as yes.
bool Differ::outputs_embed_root(int l, int r) const {
    constexpr std::uint64_t kMaxScan = 256ull << 20;
    bool checked = false;
    for (auto [side, id] : {std::pair{&m_left, l}, std::pair{&m_right, r}}) {
        auto owned = side->owned.find(id);
        if (owned == side->owned.end()) continue;
        const SideView& other = side == &m_left ? m_right : m_left;
        for (const std::string& artifact : owned->second) {
            auto h = side->hash.find(artifact);
            // The same content on both sides cannot hold two different roots.
            if (auto o = other.hash.find(artifact);
                h != side->hash.end() && o != other.hash.end() && o->second == h->second) {
                checked = true;
                continue;
            }
            std::optional<Blob> b =
                h == side->hash.end() ? std::nullopt : on_disk(*side, artifact, h->second);
            if (!b || b->size() > kMaxScan) return true;
            Result<std::string> bytes = b->read(0, static_cast<std::size_t>(b->size()));
            if (!bytes) return true;
            checked = true;
            if (bytes->find(side->rec.cwd) != std::string::npos) return true;
        }
    }
    return !checked;
}

// The deep comparators look at the files themselves when they are still on disk as recorded.
void Differ::deepen(Artifact& a) {
    Difference content;
    content.kind = "content";
    content.description = "content differs";
    content.left = a.left_hash;
    content.right = a.right_hash;
    std::optional<Blob> l = on_disk(m_left, a.path, a.left_hash),
                        r = on_disk(m_right, a.path, a.right_hash);
    if (!l || !r) {
        content.description +=
            " (not compared in depth: the file is gone or changed since it was recorded)";
        a.differences.push_back(std::move(content));
        return;
    }
    Result<Comparison> c = m_comparer.compare(*l, *r);
    if (!c) {
        content.description += "; " + c.error().message;
        a.differences.push_back(std::move(content));
        return;
    }
    a.format = c->format;
    content.children = std::move(c->differences);
    a.differences.push_back(std::move(content));
}

bool Differ::ignored(const std::string& path) const {
    for (auto& g : m_options.ignore)
        if (glob_match(g, path)) return true;
    return false;
}

DiffResult Differ::run() {
    m_result.left_name = m_left.rec.label.empty() ? m_left.rec.path : m_left.rec.label;
    m_result.right_name = m_right.rec.label.empty() ? m_right.rec.path : m_right.rec.label;
    m_result.left_root = m_left.rec.cwd;
    m_result.right_root = m_right.rec.cwd;
    for (auto* s : {&m_left, &m_right}) {
        if (!s->rec.truncation.empty())
            m_result.notes.push_back(
                fmt::format("{} is incomplete: {}", s->rec.path, s->rec.truncation));
        for (auto& w : s->rec.warnings)
            m_result.notes.push_back(fmt::format("{}: {}", s->rec.path, w.message));
    }
    if (m_left.rec.salt_id != m_right.rec.salt_id)
        m_result.notes.push_back(
            "the recordings redacted secrets with different salts: redacted "
            "values always compare as different (set BUILDIFF_SALT)");
    match();

    std::set<std::string> paths;
    for (auto& [p, h] : m_left.hash) paths.insert(p);
    for (auto& [p, h] : m_right.hash) paths.insert(p);
    std::vector<Artifact> divergent, identical;
    std::map<int, std::vector<std::pair<std::uint64_t, std::string>>> explains;
    for (const std::string& path : paths) {
        Artifact a;
        a.path = path;
        a.format = "file";
        auto lh = m_left.hash.find(path), rh = m_right.hash.find(path);
        if (lh != m_left.hash.end()) a.left_hash = lh->second;
        if (rh != m_right.hash.end()) a.right_hash = rh->second;
        if (auto f = m_left.real_path.find(path); f != m_left.real_path.end())
            a.left_file = f->second;
        if (auto f = m_right.real_path.find(path); f != m_right.real_path.end())
            a.right_file = f->second;
        a.status = lh == m_left.hash.end()       ? "only-right"
                   : rh == m_right.hash.end()    ? "only-left"
                   : a.left_hash == a.right_hash ? "identical"
                                                 : "different";
        ++m_result.summary.artifacts;
        if (a.status == "identical") {
            identical.push_back(std::move(a));
            continue;
        }
        if (ignored(path)) {
            ++m_result.summary.ignored_artifacts;
            continue;
        }
        if (a.status == "different") {
            deepen(a);
        } else {
            Difference d;
            d.kind = "missing";
            d.description =
                a.status == "only-left" ? "only in the left build" : "only in the right build";
            d.left = a.left_hash;
            d.right = a.right_hash;
            a.differences.push_back(std::move(d));
        }
        std::set<int> roots = roots_for_path(path);
        // Of several causes, the artifact names the most specific: a changed flag, variable,
        // tool, source or cache before a build path or nondeterminism that also reached it.
        a.root_cause = -1;
        for (int root : roots) {
            auto generic = [&](int i) {
                RootCauseKind k = m_result.root_causes[static_cast<size_t>(i)].kind;
                return k == RootCauseKind::BuildPath || k == RootCauseKind::Nondeterministic;
            };
            if (a.root_cause < 0 || (generic(a.root_cause) && !generic(root))) a.root_cause = root;
        }
        // Chain order: when the owner finished, on the left if it exists there.
        const SideView& s = lh != m_left.hash.end() ? m_left : m_right;
        std::uint64_t when = s.at(s.owner.at(path)).end_ns;
        for (int root : roots) explains[root].emplace_back(when, path);
        divergent.push_back(std::move(a));
    }
    // Whether a path was written by an invocation whose own cause is ROOT (any of the compiles
    // a build-path cause covers, say), rather than downstream of one.
    auto own_output = [&](int root, const std::string& path) {
        const auto& [left, right] = m_cause_invocations[root];
        auto lo = m_left.owner.find(path), ro = m_right.owner.find(path);
        return (lo != m_left.owner.end() && left.contains(lo->second)) ||
               (ro != m_right.owner.end() && right.contains(ro->second));
    };
    for (auto& [root, list] : explains) {
        std::sort(list.begin(), list.end());
        for (auto& [when, path] : list) {
            RootCause& rc = m_result.root_causes[static_cast<size_t>(root)];
            rc.explains.push_back(path);
            rc.explains_own.push_back(own_output(root, path));
        }
    }
    for (Artifact& a : divergent)
        if (a.root_cause >= 0) a.is_root_output = own_output(a.root_cause, a.path);
    std::set<std::string> divergent_paths;
    for (const Artifact& a : divergent) divergent_paths.insert(a.path);
    for (int r : m_right.top) {
        int l = m_pair_r[static_cast<size_t>(r)];
        if (l < 0) continue;
        InvocationPair pair{m_left.ref(l), m_right.ref(r), false};
        for (auto* side : {&m_left.owned, &m_right.owned})
            if (auto it = side->find(side == &m_left.owned ? l : r); it != side->end())
                for (const std::string& p : it->second)
                    pair.outputs_differ |= divergent_paths.contains(p);
        m_result.pairs.push_back(std::move(pair));
    }
    m_result.summary.divergent_artifacts = divergent.size();
    m_result.artifacts = std::move(divergent);
    m_result.artifacts.insert(m_result.artifacts.end(), identical.begin(), identical.end());
    // The verdict is about what the builds produced: an invocation only one build ran that
    // produced nothing (cargo probing rustc once per target directory) is counted, not judged.
    m_result.divergent = m_result.summary.divergent_artifacts > 0;
    return m_result;
}

}  // namespace

DiffResult diff_recordings(const Recording& left, const Recording& right,
                           const DiffOptions& options) {
    Differ d(left, right, options);
    return d.run();
}

void tolerate_kinds(DiffResult& r, const std::set<std::string>& kinds) {
    if (kinds.empty()) return;
    std::vector<RootCause> kept;
    for (size_t i = 0; i < r.root_causes.size(); ++i) {
        if (kinds.contains(std::string(root_cause_kind_name(r.root_causes[i].kind)))) {
            ++r.summary.tolerated_causes;
            continue;
        }
        kept.push_back(std::move(r.root_causes[i]));
    }
    std::map<std::string, int> explained_by;  // first kept cause listing the artifact
    for (size_t i = kept.size(); i-- > 0;)
        for (auto& p : kept[i].explains) explained_by[p] = static_cast<int>(i);
    std::vector<Artifact> artifacts;
    size_t divergent = 0;
    for (size_t i = 0; i < r.artifacts.size(); ++i) {
        Artifact& a = r.artifacts[i];
        bool is_divergent = i < r.summary.divergent_artifacts;
        if (is_divergent) {
            auto it = explained_by.find(a.path);
            // Plain-file results have no causes: nothing there is tolerated by kind.
            if (it == explained_by.end() && a.root_cause >= 0) {
                ++r.summary.ignored_artifacts;
                continue;
            }
            a.root_cause = it == explained_by.end() ? -1 : it->second;
            ++divergent;
        }
        artifacts.push_back(std::move(a));
    }
    r.root_causes = std::move(kept);
    r.artifacts = std::move(artifacts);
    r.summary.divergent_artifacts = divergent;
    r.divergent = divergent > 0;
    if (r.summary.tolerated_causes)
        r.notes.push_back(
            fmt::format("{} root cause{} of tolerated kinds and the {} artifact{} only "
                        "{} are not counted (ignore file)",
                        r.summary.tolerated_causes, r.summary.tolerated_causes == 1 ? "" : "s",
                        r.summary.ignored_artifacts, r.summary.ignored_artifacts == 1 ? "" : "s",
                        r.summary.tolerated_causes == 1 ? "it explains" : "they explain"));
}

Result<std::vector<ExplainStep>> explain_path(const Recording& rec, const std::string& path) {
    Normalizer norm(rec.cwd, rec.cwd);
    SideView view(rec, Side::Left, norm);
    std::string wanted = absolute_path(rec.cwd, path);
    std::string n = norm(Side::Left, wanted);
    if (!view.owner.contains(n))
        return Error{fmt::format("{}: {} was not written under the build root in this recording",
                                 rec.path, path)};
    std::vector<ExplainStep> steps;
    std::set<int> seen;
    std::vector<std::string> queue{n};
    while (!queue.empty()) {
        std::string p = queue.front();
        queue.erase(queue.begin());
        auto o = view.owner.find(p);
        if (o == view.owner.end() || !seen.insert(o->second).second) continue;
        ExplainStep step;
        step.path = p;
        step.invocation = view.ref(o->second);
        for (auto& [input, h] : view.inputs(o->second))
            if (view.owner.contains(input) && input != p) {
                step.inputs.push_back(input);
                queue.push_back(input);
            }
        steps.push_back(std::move(step));
    }
    return steps;
}

}  // namespace buildiff
