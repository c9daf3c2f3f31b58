// The differ: index -> match -> causes -> artifacts.
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
#include <tuple>

#include <fmt/core.h>

#include "base/hash.h"
#include "base/names.h"
#include "base/parallel.h"
#include "base/progress.h"
#include "diff/artifacts.h"
#include "diff/causes.h"
#include "diff/env_diff.h"
#include "diff/flag_diff.h"
#include "diff/index.h"
#include "diff/match.h"
#include "diff/normalize.h"
#include "diff/rewrite.h"
#include "diff/temporaries.h"
#include "recording/analysis.h"
#include "recording/redact.h"
#include "toolchain/bookkeeping.h"
#include "toolchain/env_readers.h"
#include "toolchain/packages.h"
#include "toolchain/rustc_libs.h"

namespace buildiff {

namespace {

// Whether a variable's value holds a changed flag: RUSTFLAGS="-C opt-level=3" carries
// `opt-level=3`, CFLAGS="-O0" carries `-O0`, UTIL_CFLAGS="-DFOO=2" carries `FOO`.
bool carries_flags(const EnvChange& e, const std::vector<FlagChange>& flags) {
    for (const FlagChange& f : flags) {
        std::string name = f.flag.substr(f.flag.rfind(' ') == std::string::npos
                                             ? 0
                                             : f.flag.rfind(' ') + 1);
        std::vector<std::string> parts = {f.right, f.left, name};
        for (const std::string* v : {&f.right, &f.left})
            if (!v->empty()) parts.push_back(f.flag + *v);
        for (const std::string& part : parts) {
            if (part.size() < 2) continue;
            for (const std::optional<std::string>& v : {e.left, e.right})
                if (v && v->find(part) != std::string::npos) return true;
        }
    }
    return false;
}

// The kinds and their schema names: one table, read both ways.
constexpr Named<RootCauseKind> kKindNames[] = {
    {RootCauseKind::Flags, "flags"},
    {RootCauseKind::Env, "env"},
    {RootCauseKind::Tool, "tool"},
    {RootCauseKind::Source, "source"},
    {RootCauseKind::BuildPath, "build-path"},
    {RootCauseKind::Nondeterministic, "nondeterministic"},
    {RootCauseKind::Cache, "cache"},
    {RootCauseKind::MissingInvocation, "missing-invocation"},
    {RootCauseKind::ExtraInvocation, "extra-invocation"},
};

}  // namespace

std::string_view root_cause_kind_name(RootCauseKind kind) {
    return name_of(kKindNames, kind);
}

std::optional<RootCauseKind> root_cause_kind_named(std::string_view name) {
    return value_named(kKindNames, name);
}

namespace {

// The two builds' spellings made one: roots, --map, the directories beside the roots when they
// are each build's own, and the temporaries the builds made and removed, paired.
Normalizer normalizer(const Recording& l, const Recording& r, const DiffOptions& o,
                      const FinalWrites& left_final, const FinalWrites& right_final) {
    Normalizer n(l.cwd, r.cwd, o.maps, o.private_parents);
    TemporaryNames t = pair_temporaries(temporary_dirs(l, left_final), l.cwd,
                                        temporary_dirs(r, right_final), r.cwd);
    n.set_temporaries(std::move(t.left), std::move(t.right));
    return n;
}

class Differ {
  public:
    Differ(const Recording& l, const Recording& r, const DiffOptions& o)
        : m_options(o),
          m_finals(in_parallel([&] { return final_writes(l); }, [&] { return final_writes(r); })),
          m_norm(normalizer(l, r, o, m_finals.first, m_finals.second)),
          m_sides(in_parallel([&] { return SideView(l, Side::Left, m_norm, &m_finals.first); },
                              [&] { return SideView(r, Side::Right, m_norm, &m_finals.second); })),
          m_tree_files({l.cwd, o.left_tree}, {r.cwd, o.right_tree}, o.evidence),
          m_artifacts(m_left, m_right, o.files ? *o.files : m_tree_files) {}

    // The passes: what the inputs are, matching, every artifact compared and explained, the
    // causes' explained files, the pairs.
    DiffResult run() {
        describe_inputs();
        match();
        compare_artifacts();
        list_explained();
        order_causes();
        list_chains();
        list_pairs();
        m_result.timelines = {build_timeline(m_left.rec, m_left.analysis),
                              build_timeline(m_right.rec, m_right.analysis)};
        m_result.build_scripts = {build_script_costs(m_left.rec, m_left.analysis, false),
                                  build_script_costs(m_right.rec, m_right.analysis, false)};
        return std::move(m_result);
    }

  private:
    void describe_inputs();
    void match();
    void compare_artifacts();
    void collect_outside();
    Artifact compare_artifact(const std::string& path);
    void explain(Artifact& a);
    void list_explained();
    void order_causes();
    void list_chains();
    void list_pairs();
    bool own_output(int root, const std::string& path);

    // HIDDEN: also what may have reached the pair where the recording cannot see (pipes, a
    // parent's arguments), asked only of a pair that would otherwise be nondeterministic.
    PairAnalysis analyze_pair(int l, int r, bool hidden = false);
    PairFacts pair_facts(int l, int r, std::set<int>& upstream_roots, std::set<int>& copy_roots,
                         bool hidden = false);
    std::vector<FlagChange> rewrite_of(const SideView& s, int id) const;
    void find_rewrite(int l, int r, PairFacts& f) const;
    std::string linker_fact(const SideView& s, int id) const;
    std::vector<std::string> link_order_facts(int l, int r,
                                              const std::vector<std::string>& names) const;
    std::set<int> roots_for_pair(int l, int r);
    std::set<int> roots_for_path(const std::string& path);
    std::set<int> roots_for_input(const std::string& input, int l);
    std::set<int> roots_of_copies(int l, int r);
    int unpaired_root(Side side, int id);
    int add_root(RootCause rc, const std::string& signature);
    bool ignored(const std::string& path) const;

    const DiffOptions& m_options;
    // Each build's final writes (left, right): replayed once, read by the temporaries and index.
    std::pair<FinalWrites, FinalWrites> m_finals;
    Normalizer m_norm;
    // The two builds, indexed at once (each side's work is its own).
    std::pair<SideView, SideView> m_sides;
    SideView& m_left = m_sides.first;
    SideView& m_right = m_sides.second;
    TreeFiles m_tree_files;
    ArtifactComparer m_artifacts;
    Matching m_match;
    DiffResult m_result;
    std::map<std::string, int> m_root_index;    // signature -> root cause index
    std::map<int, std::set<int>> m_pair_roots;  // left id -> root causes (memo)
    // Root cause index -> the invocations (left ids, right ids) whose own cause it is.
    std::map<int, std::pair<std::set<int>, std::set<int>>> m_cause_invocations;
    std::set<int> m_in_progress;
    std::map<std::pair<int, int>, int> m_unpaired_roots;
    // compare_artifacts' results: divergent and identical artifacts; for each root cause, the
    // divergent artifacts it explains, by when their owner finished.
    std::vector<Artifact> m_divergent, m_identical;
    std::map<int, std::vector<std::pair<std::uint64_t, std::string>>> m_explains;
};

void Differ::describe_inputs() {
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
}

void Differ::match() {
    Progress progress("matching", "invocation");
    progress.update(m_left.top.size() + m_right.top.size());
    m_match = match_invocations(m_left, m_right);
    m_result.summary.paired = m_match.paired;
    m_result.summary.left_invocations = m_left.top.size();
    m_result.summary.right_invocations = m_right.top.size();
    m_result.summary.missing = m_match.missing;
    m_result.summary.extra = m_match.extra;
}

void Differ::compare_artifacts() {
    std::set<Interned, std::less<>> paths;
    for (auto& [p, h] : m_left.hash) paths.insert(p);
    for (auto& [p, h] : m_right.hash) paths.insert(p);
    m_identical.reserve(paths.size());
    Progress progress("comparing", "file");
    for (const std::string& path : paths) {
        progress.update(m_result.summary.artifacts, paths.size());
        Artifact a = compare_artifact(path);
        ++m_result.summary.artifacts;
        if (a.status == "identical") {
            m_identical.push_back(std::move(a));
            continue;
        }
        if (ignored(path)) {
            ++m_result.summary.ignored_artifacts;
            continue;
        }
        if (const BookkeepingRule* b = bookkeeping_of(path)) a.bookkeeping = b->system;
        if (a.status == "different") {
            m_artifacts.deepen(a);
        } else {
            Difference d;
            d.kind = "missing";
            d.description =
                a.status == "only-left" ? "only in the left build" : "only in the right build";
            d.left = a.left_hash;
            d.right = a.right_hash;
            a.differences.push_back(std::move(d));
        }
        explain(a);
        m_divergent.push_back(std::move(a));
    }
    // A build that made packages ships them: what else it left (a test program, the library
    // a package holds a copy of) is what the packages were made from, compared inside them.
    auto packaged = [](const Artifact& a) { return a.deliverable && is_package(a.path); };
    if (std::any_of(m_divergent.begin(), m_divergent.end(), packaged) ||
        std::any_of(m_identical.begin(), m_identical.end(), packaged))
        for (std::vector<Artifact>* list : {&m_divergent, &m_identical})
            for (Artifact& a : *list) a.deliverable = is_package(a.path);
}

// What the builds left outside their roots, by path: named, not compared.
void Differ::collect_outside() {
    std::map<std::string, OutsideWrite> by_path;
    for (auto& [n, where] : m_left.outside) {
        by_path[n].path = n;
        by_path[n].left_hash = where.second;
    }
    for (auto& [n, where] : m_right.outside) {
        OutsideWrite& o = by_path[n];
        o.path = n;
        o.right_hash = where.second;
        auto l = m_left.outside.find(n);
        o.shared = l != m_left.outside.end() && l->second.first == where.first;
    }
    for (auto& [n, o] : by_path) m_result.outside.push_back(std::move(o));
}

Artifact Differ::compare_artifact(const std::string& path) {
    Artifact a;
    a.path = path;
    a.format = "file";
    auto lh = m_left.hash.find(path), rh = m_right.hash.find(path);
    if (lh != m_left.hash.end()) a.left_hash = lh->second;
    if (rh != m_right.hash.end()) a.right_hash = rh->second;
    if (auto f = m_left.real_path.find(path); f != m_left.real_path.end()) a.left_file = f->second;
    if (auto f = m_right.real_path.find(path); f != m_right.real_path.end())
        a.right_file = f->second;
    // A package is delivered whoever reads it; else what one side left and nothing read, but a
    // package's metadata (.buildinfo, .changes: how and when it was built).
    a.deliverable = is_package(path) ||
                    (!bookkeeping_of(path) && !is_package_metadata(path) &&
                     ((lh != m_left.hash.end() && !m_left.consumed.contains(path)) ||
                      (rh != m_right.hash.end() && !m_right.consumed.contains(path))));
    a.status = lh == m_left.hash.end()       ? "only-right"
               : rh == m_right.hash.end()    ? "only-left"
               : a.left_hash == a.right_hash ? "identical"
                                             : "different";
    return a;
}

// A divergent artifact's root causes. Of several, it names the most specific: a changed flag,
// variable, tool, source or cache before a build path or nondeterminism that also reached it.
void Differ::explain(Artifact& a) {
    std::set<int> roots = roots_for_path(a.path);
    a.root_cause = -1;
    // Of several causes, the artifact names the most specific (cause_rank).
    auto rank = [&](int i) { return cause_rank(m_result.root_causes[static_cast<size_t>(i)].kind); };
    for (int root : roots)
        if (a.root_cause < 0 || rank(root) < rank(a.root_cause)) a.root_cause = root;
    // Chain order: when the owner finished, on the left if it exists there.
    const SideView& s = m_left.hash.contains(a.path) ? m_left : m_right;
    std::uint64_t when = s.at(s.owner.at(a.path)).end_ns;
    for (int root : roots) {
        if (a.bookkeeping.empty())
            m_explains[root].emplace_back(when, a.path);
        else {
            RootCause& rc = m_result.root_causes[static_cast<size_t>(root)];
            ++rc.bookkeeping;
            rc.bookkeeping_systems.insert(a.bookkeeping);
        }
    }
}

// Whether a path was written by an invocation whose own cause is ROOT (any of the compiles a
// build-path cause covers, say), rather than downstream of one.
bool Differ::own_output(int root, const std::string& path) {
    const auto& [left, right] = m_cause_invocations[root];
    auto lo = m_left.owner.find(path), ro = m_right.owner.find(path);
    return (lo != m_left.owner.end() && left.contains(lo->second)) ||
           (ro != m_right.owner.end() && right.contains(ro->second));
}

// Each cause's explained artifacts in the order their owners finished, each with the explained
// artifacts its owner read (what it was built from): the producer-to-consumer tree.
void Differ::list_explained() {
    std::map<int, std::map<std::string, std::string>> inputs_of;  // owner -> what it read
    auto inputs = [&](const SideView& s, int owner) -> const std::map<std::string, std::string>& {
        int key = s.side == Side::Left ? owner : -2 - owner;
        auto it = inputs_of.find(key);
        if (it == inputs_of.end()) it = inputs_of.emplace(key, s.inputs(owner)).first;
        return it->second;
    };
    for (auto& [root, list] : m_explains) {
        std::sort(list.begin(), list.end());
        RootCause& rc = m_result.root_causes[static_cast<size_t>(root)];
        std::map<std::string, int> position;
        for (auto& [when, path] : list) {
            const SideView& s = m_left.hash.contains(path) ? m_left : m_right;
            std::vector<int> from;
            for (auto& [input, hash] : inputs(s, s.owner.at(path)))
                if (auto it = position.find(input); it != position.end()) from.push_back(it->second);
            std::sort(from.begin(), from.end());
            position.emplace(path, static_cast<int>(rc.explains.size()));
            rc.explains.push_back(path);
            rc.explains_from.push_back(std::move(from));
        }
    }
    for (Artifact& a : m_divergent)
        if (a.root_cause >= 0) a.is_root_output = own_output(a.root_cause, a.path);
}

// The most specific causes first (cause_rank), each in the order it was found; the divergent
// artifacts by their cause in that order, then by path, bookkeeping last.
void Differ::order_causes() {
    std::vector<size_t> order(m_result.root_causes.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return cause_rank(m_result.root_causes[a].kind) < cause_rank(m_result.root_causes[b].kind);
    });
    std::vector<int> new_index(order.size());
    std::vector<RootCause> causes;
    for (size_t k = 0; k < order.size(); ++k) {
        new_index[order[k]] = static_cast<int>(k);
        causes.push_back(std::move(m_result.root_causes[order[k]]));
    }
    m_result.root_causes = std::move(causes);
    for (Artifact& a : m_divergent)
        if (a.root_cause >= 0) a.root_cause = new_index[static_cast<size_t>(a.root_cause)];
    std::stable_sort(m_divergent.begin(), m_divergent.end(), [](const Artifact& a, const Artifact& b) {
        auto key = [](const Artifact& x) {
            return std::make_tuple(!x.bookkeeping.empty(), x.root_cause < 0 ? 1 << 30 : x.root_cause);
        };
        return key(a) < key(b);
    });
}

// The difference that tells most of what happened to an artifact: a symbol that became
// undefined or defined, else a member that came or went, else a symbol; none otherwise.
const Difference* telling(const std::vector<Difference>& list) {
    const Difference* best = nullptr;
    int best_score = 0;
    std::vector<const Difference*> stack;
    for (auto it = list.rbegin(); it != list.rend(); ++it) stack.push_back(&*it);
    while (!stack.empty()) {
        const Difference* d = stack.back();
        stack.pop_back();
        int score = 0;
        if (d->kind == "symbol")
            score = d->left_symbol && d->right_symbol &&
                            d->left_symbol->defined != d->right_symbol->defined
                        ? 3
                        : 1;
        if (d->kind == "member" && (d->left.empty() || d->right.empty())) score = 2;
        if (score > best_score) {
            best = d;
            best_score = score;
        }
        for (auto it = d->children.rbegin(); it != d->children.rend(); ++it) stack.push_back(&*it);
    }
    return best;
}

// What the changed values in PATH's difference tree look like (a build timestamp, a build path):
// a fact each, for the first three distinct culprits of a cause (SEEN holds those already said).
void add_looks_like_facts(const std::string& path, const std::vector<Difference>& differences,
                          std::set<std::string>& seen, std::vector<std::string>& facts) {
    std::vector<const Difference*> stack;
    for (const Difference& d : differences) stack.push_back(&d);
    while (!stack.empty() && seen.size() < 3) {
        const Difference* d = stack.back();
        stack.pop_back();
        if (!d->looks_like.empty() && seen.insert(d->looks_like).second)
            facts.push_back(fmt::format("{}: {}", path, d->description));
        for (const Difference& c : d->children) stack.push_back(&c);
    }
}

// Each cause's chain: what it did to the artifacts it is named for, in its explains order (the
// reports show it on the first screen: the member lost, the symbol now undefined).
void Differ::list_chains() {
    std::map<std::string, const Artifact*> by_path;
    for (const Artifact& a : m_divergent) by_path[a.path] = &a;
    for (size_t i = 0; i < m_result.root_causes.size(); ++i) {
        RootCause& rc = m_result.root_causes[i];
        std::set<std::string> looks;  // a fact per distinct culprit, at the first artifact it is in
        for (const std::string& path : rc.explains) {
            auto a = by_path.find(path);
            if (a == by_path.end() || a->second->root_cause != static_cast<int>(i)) continue;
            if (rc.chain.size() < 6)
                if (const Difference* d = telling(a->second->differences))
                    rc.chain.emplace_back(path, d->description);
            add_looks_like_facts(path, a->second->differences, looks, rc.details);
        }
    }
}

void Differ::list_pairs() {
    std::set<std::string, std::less<>> divergent_paths;
    for (const Artifact& a : m_divergent) divergent_paths.insert(a.path);
    m_result.pairs.reserve(m_match.paired);
    for (int r : m_right.top) {
        int l = m_match.right_to_left[static_cast<size_t>(r)];
        if (l < 0) continue;
        InvocationPair pair{l, m_right.ref(r), false};
        for (auto* side : {&m_left.owned, &m_right.owned})
            for (const Interned& p : side->values(side == &m_left.owned ? l : r))
                pair.outputs_differ |= divergent_paths.contains(std::string_view(p));
        m_result.pairs.push_back(std::move(pair));
    }
    m_result.summary.divergent_artifacts = m_divergent.size();
    // The divergent artifacts first, then the identical ones, in the identical ones' buffer
    // (reserved for every artifact: no second copy of a hundred thousand of them).
    m_identical.insert(m_identical.begin(), std::make_move_iterator(m_divergent.begin()),
                       std::make_move_iterator(m_divergent.end()));
    m_divergent.clear();
    m_result.artifacts = std::move(m_identical);
    m_identical.clear();
    collect_outside();
    // The verdict is about what the builds delivered: an invocation only one build ran that
    // produced nothing (cargo probing rustc once per target directory) is counted, not judged,
    // and so is an intermediate file that reached nothing delivered (but --strict).
    m_result.strict = m_options.strict;
    decide_verdict(m_result);
}

namespace {

// What the parent of P read before it started P (normalised path -> hash).
std::map<std::string, std::string> parent_reads(const SideView& s, const ProcessRecord& p) {
    std::map<std::string, std::string> out;
    if (p.parent < 0) return out;
    for (const FileEvent& f : s.at(p.parent).files)
        if (f.op == FileOp::Read && f.t_ns <= p.start_ns) out.emplace(s.norm(s.side, f.path), f.hash);
    return out;
}

}  // namespace

PairAnalysis Differ::analyze_pair(int l, int r, bool hidden) {
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
            const auto& pairs = c.change == "added" ? m_match.right_to_left : m_match.left_to_right;
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
    auto compare_inputs = [&](const std::map<std::string, std::string>& li,
                              const std::map<std::string, std::string>& ri) {
        for (auto& [path, h] : li) {
            auto it = ri.find(path);
            if (it == ri.end() || it->second == h || h.empty() || it->second.empty()) continue;
            bool built = m_left.produced.count(path) || m_right.produced.count(path);
            (built ? a.upstream : a.sources).push_back(path);
        }
    };
    compare_inputs(m_left.inputs(l), m_right.inputs(r));
    // Read nothing that differs itself: what reached it through pipes may have.
    if (hidden && a.upstream.empty() && a.sources.empty())
        compare_inputs(m_left.piped_inputs(l), m_right.piped_inputs(r));
    // Its command lines differ only in names that follow content or chance (a build ID, a
    // temporary): its parent chose them, from what the parent read before starting it
    // (dh_gencontrol reads the build IDs dh_strip noted and hands them to dpkg-gencontrol).
    if (hidden && a.upstream.empty() && a.sources.empty() && lav == rav) {
        auto places = [&](Side side, const std::vector<std::string>& argv) {
            std::vector<std::string> out;
            for (auto& s : argv) out.push_back(m_norm.places(side, s));
            return out;
        };
        if (places(Side::Left, L.argv) != places(Side::Right, R.argv))
            compare_inputs(parent_reads(m_left, L), parent_reads(m_right, R));
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
        int l = lo->second, r = m_match.left_to_right[static_cast<size_t>(l)];
        if (r >= 0) return roots_for_pair(l, r);
        return {unpaired_root(Side::Left, l)};
    }
    if (ro != m_right.owner.end()) {
        int r = ro->second, l = m_match.right_to_left[static_cast<size_t>(r)];
        if (l >= 0) return roots_for_pair(l, r);
        return {unpaired_root(Side::Right, r)};
    }
    return {};
}

// An input of left invocation `l`: the version it read came from the last writer that let go
// of the file before `l` started, which is not always its owner at the end: `l` may update it
// in place itself (`ar s` after `ar cq`), or a later step may (dh_strip's objcopy rewrites the
// library that its own `objcopy --only-keep-debug` read).
std::set<int> Differ::roots_for_input(const std::string& input, int l) {
    // Only what is left in the tree is compared; a name many steps write in turn (gcc's
    // /tmp/ccXXXXXX.s, once normalised) leads nowhere.
    auto o = m_left.owner.find(input);
    if (o == m_left.owner.end() || !m_left.writers.contains(o->first)) return roots_for_path(input);
    std::vector<std::pair<std::uint64_t, int>> list;
    for (auto& write : m_left.writers.values(o->first)) list.push_back(write);
    std::sort(list.begin(), list.end());
    std::uint64_t start = m_left.at(l).start_ns;
    int previous = -1;
    for (auto& [t, id] : list)
        if (id != l && t <= start) previous = id;
    if (previous < 0) return o->second != l ? roots_for_path(input) : std::set<int>{};
    int r = m_match.left_to_right[static_cast<size_t>(previous)];
    return r >= 0 ? roots_for_pair(previous, r)
                  : std::set<int>{unpaired_root(Side::Left, previous)};
}

// A pair with no divergent input of its own whose outputs are copies of what another invocation
// wrote (pip copies the wheel setup.py built in a temporary directory into dist/): the causes of
// that invocation's divergence are this pair's.
std::set<int> Differ::roots_of_copies(int l, int r) {
    std::set<int> out;
    for (auto [side, id] : {std::pair{&m_left, l}, std::pair{&m_right, r}}) {
        const SideView& other_side = side == &m_left ? m_right : m_left;
        for (const Interned& artifact : side->owned.values(id)) {
            auto h = side->hash.find(artifact);
            static const std::string kEmpty = hash_bytes("").hex();  // empty files are not copies
            if (h == side->hash.end() || h->second == kEmpty) continue;
            // Only what diverges is explained by where it was copied from.
            if (auto o = other_side.hash.find(artifact); o != other_side.hash.end() &&
                                                          o->second == h->second)
                continue;
            for (int other : side->writers_by_hash.values(h->second)) {
                if (other == id) continue;
                int paired = side == &m_left ? m_match.left_to_right[static_cast<size_t>(other)]
                                             : m_match.right_to_left[static_cast<size_t>(other)];
                if (paired < 0) continue;
                auto roots =
                    side == &m_left ? roots_for_pair(other, paired) : roots_for_pair(paired, other);
                out.insert(roots.begin(), roots.end());
            }
        }
    }
    return out;
}

// What a client call's wrapper ran (the compile a cache server ran for it) against what it was
// asked, by meaning; nothing for any other invocation.
std::vector<FlagChange> Differ::rewrite_of(const SideView& s, int id) const {
    int ran = s.effective(id);
    if (ran == id) return {};
    const ProcessRecord& asked = s.at(id);
    return meaningful_rewrite(flag_family(peeled_tool(asked), peeled_kind(asked)),
                              peeled_argv(asked), asked.cwd, s.at(ran).argv, s.at(ran).cwd);
}

// A wrapper that ran something other than it was asked, on one side and not the same way on
// the other: the changes, the cause in words, and both command lines as facts.
void Differ::find_rewrite(int l, int r, PairFacts& f) const {
    std::vector<FlagChange> lw = rewrite_of(m_left, l), rw = rewrite_of(m_right, r);
    auto texts = [&](Side side, const std::vector<FlagChange>& changes) {
        std::set<std::string> out;
        for (const FlagChange& c : changes) out.insert(m_norm(side, c.text));
        return out;
    };
    if (texts(Side::Left, lw) == texts(Side::Right, rw)) return;
    bool right = !rw.empty();
    const SideView& s = right ? m_right : m_left;
    int id = right ? r : l;
    const ProcessRecord& asked = s.at(id);
    const ProcessRecord& ran = s.at(s.effective(id));
    std::string asker = asked.parent >= 0 ? s.at(asked.parent).classification.tool : "the build";
    std::string wrapper = asked.classification.tool;
    f.rewrite = right ? std::move(rw) : std::move(lw);
    f.rewrite_summary = rewrite_in_words(
        flag_family(peeled_tool(asked), peeled_kind(asked)), f.rewrite, peeled_argv(asked),
        ran.argv, {wrapper, peeled_tool(asked), asker});
    f.rewrite_facts = {
        fmt::format("{} asked {} ({}) for: {}", asker, wrapper, right ? "right" : "left",
                    join(peeled_argv(asked), " ")),
        fmt::format("{} ran (process {}): {}", wrapper, ran.pid, join(ran.argv, " "))};
    bool libraries = std::any_of(f.rewrite.begin(), f.rewrite.end(),
                                 [](const FlagChange& c) { return c.flag == "-l"; });
    if (std::string linker = libraries ? linker_fact(s, id) : ""; !linker.empty())
        f.rewrite_facts.push_back(linker);
    // The native libraries the rewrite changed, by name.
    std::vector<std::string> names;
    if (libraries) {
        std::vector<NativeLib> before = rustc_native_libs(peeled_argv(asked)),
                               after = rustc_native_libs(ran.argv);
        for (const NativeLib& lib : after) {
            auto was = std::find_if(before.begin(), before.end(),
                                    [&](const NativeLib& b) { return b.name == lib.name; });
            if (was == before.end() || !(*was == lib)) names.push_back(lib.name);
        }
    }
    for (std::string& fact : link_order_facts(l, r, names)) f.rewrite_facts.push_back(std::move(fact));
}

namespace {

// The last linker that read one of invocation ID's outputs, once per link (collect2 runs ld;
// gcc-ld/ld.lld runs rust-lld: the innermost is the one that resolves symbols).
std::vector<const ProcessRecord*> links_reading(const SideView& s, int id) {
    std::set<std::string> outputs;
    for (const Interned& n : s.owned.values(id))
        if (auto p = s.real_path.find(n); p != s.real_path.end()) outputs.insert(p->second);
    std::vector<const ProcessRecord*> out;
    for (const ProcessRecord& p : s.rec.processes) {
        if (p.classification.kind != ToolKind::Linker) continue;
        bool leaf = true;
        for (int c : s.analysis.children[static_cast<size_t>(p.id)])
            leaf &= s.at(c).classification.kind != ToolKind::Linker;
        if (!leaf) continue;
        for (const FileEvent& f : p.files)
            if (f.op == FileOp::Read && outputs.contains(f.path)) {
                out.push_back(&p);
                break;
            }
    }
    return out;
}

std::string base_name(const std::string& path) {
    size_t slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

// Where each native library of NAMES stands on the command line of the links that read what the
// pair built (the cdylib link): after every rlib, as rustc appends a dylib-kind `-l`, or nowhere
// (its objects are inside the rlib). With GNU ld, a library named after the archives whose
// objects need it is where the symbols stay undefined.
std::vector<std::string> Differ::link_order_facts(int l, int r,
                                                  const std::vector<std::string>& names) const {
    std::vector<std::string> out;
    for (auto [s, id, side] :
         {std::tuple{&m_left, l, "left"}, std::tuple{&m_right, r, "right"}}) {
        for (const ProcessRecord* link : links_reading(*s, id)) {
            const std::vector<std::string>& argv = link->argv;
            std::string output = "its output";
            size_t rlibs = 0, last_rlib = 0;
            for (size_t i = 0; i < argv.size(); ++i) {
                if (argv[i] == "-o" && i + 1 < argv.size()) output = base_name(argv[i + 1]);
                if (argv[i].ends_with(".rlib")) ++rlibs, last_rlib = i + 1;
            }
            for (const std::string& name : names) {
                size_t at = 0;
                for (size_t i = 0; i < argv.size(); ++i)
                    if (argv[i] == "-l" + name || argv[i] == "-l:lib" + name + ".a" ||
                        base_name(argv[i]) == "lib" + name + ".a")
                        at = i + 1;
                std::string where = fmt::format("{}: the link of {} ({})", side, output,
                                                link->classification.tool);
                if (at == 0)
                    out.push_back(fmt::format("{} names no `{}`: its objects are linked from "
                                              "inside the rlib",
                                              where, name));
                else if (rlibs && at > last_rlib)
                    out.push_back(fmt::format("{} names `{}` at argument {} of {}, after all {} "
                                              "rlib{} (the last at {}): an order-sensitive "
                                              "linker has passed the objects that need it",
                                              where, argv[at - 1], at, argv.size(), rlibs,
                                              rlibs == 1 ? "" : "s", last_rlib));
                else
                    out.push_back(fmt::format("{} names `{}` at argument {} of {}", where,
                                              argv[at - 1], at, argv.size()));
            }
        }
    }
    return out;
}

// Which linker read what invocation ID (a rewritten rustc) produced, and what that means for a
// native library moved to the end of the link: GNU ld and gold resolve in command-line order (a
// library named after the archives that need it can leave their symbols undefined); lld and mold
// do not, and so hide the symptom while the rlib still differs.
std::string Differ::linker_fact(const SideView& s, int id) const {
    std::set<std::string> linkers;
    for (const ProcessRecord* p : links_reading(s, id)) linkers.insert(p->classification.tool);
    if (linkers.empty()) return "";
    bool ordered = false, unordered = false;
    for (const std::string& l : linkers) {
        bool lld = l.find("lld") != std::string::npos || l.find("mold") != std::string::npos;
        (lld ? unordered : ordered) = true;
    }
    std::string names = join(std::vector<std::string>(linkers.begin(), linkers.end()), ", ");
    if (ordered)
        return fmt::format("the link that read its output ran {} (GNU ld or gold: symbols resolve "
                           "in command-line order, so a native library moved to the end of the "
                           "link can leave what it needs undefined)",
                           names);
    return fmt::format("the link that read its output ran {} (lld or mold: symbols resolve in any "
                       "order, so the linker masks the symptom; the rlib still differs)",
                       names);
}

// The facts the cause rules look at for a pair. Divergent inputs the build produced lead to the
// invocations that produced them (UPSTREAM_ROOTS, found here); the roots of copied outputs
// (COPY_ROOTS) are looked for only when a rule asks.
PairFacts Differ::pair_facts(int l, int r, std::set<int>& upstream_roots,
                             std::set<int>& copy_roots, bool hidden) {
    PairFacts f;
    f.analysis = analyze_pair(l, r, hidden);
    // When a cache wrapper runs on either side, the variables that only configure it are the
    // wrapper itself, not a cause: what it did (a cache hit) is judged by the rules.
    bool wrapped = is_client(m_left.at(l)) || is_client(m_right.at(r));
    // A variable can be the cause only where the tool (or what it starts) reads it
    // (toolchain/env_readers), or where the command line changed too and the variable carries
    // the changed flags: the build tool that read it set them (RUSTFLAGS through cargo, CFLAGS
    // through make). Where the command changed otherwise, a variable set for the whole build
    // (a TZ the tool reads too) is a difference beside the cause, not the cause.
    const ProcessRecord& L = m_left.at(l);
    ToolKind kind = is_client(L) ? L.classification.wrapped_kind : L.classification.kind;
    bool flags_changed = !f.analysis.flags.empty();
    // A crate reads what its `env!` names (rustc's dep-info lists it), whatever the name.
    std::set<std::string> crate_reads;
    if (kind == ToolKind::Rustc && !f.analysis.env.changes.empty())
        crate_reads = m_artifacts.dep_info_env(l, r);
    for (auto& e : f.analysis.env.changes) {
        if ((wrapped && is_wrapper_configuration(e)) || m_options.treatment_env.contains(e.name))
            continue;
        if (crate_reads.contains(e.name) ||
            (e.impactful && (flags_changed ? carries_flags(e, f.analysis.flags)
                                           : tool_reads_env(kind, e.name))))
            f.impactful_env.push_back(e);
    }
    for (const std::string& input : f.analysis.upstream) {
        auto up = roots_for_input(input, l);
        upstream_roots.insert(up.begin(), up.end());
    }
    f.upstream_diverged = !upstream_roots.empty();
    f.copies_diverged = [this, l, r, &copy_roots] {
        copy_roots = roots_of_copies(l, r);
        return !copy_roots.empty();
    };
    find_rewrite(l, r, f);
    f.cache_hit = m_left.analysis.cache[static_cast<size_t>(l)] == CacheOutcome::Hit ||
                  m_right.analysis.cache[static_cast<size_t>(r)] == CacheOutcome::Hit;
    f.roots_differ = m_norm.root(Side::Left) != m_norm.root(Side::Right);
    f.outputs_embed_root = [this, l, r] { return m_artifacts.outputs_embed_root(l, r); };
    return f;
}

std::set<int> Differ::roots_for_pair(int l, int r) {
    if (auto it = m_pair_roots.find(l); it != m_pair_roots.end()) return it->second;
    if (!m_in_progress.insert(l).second) return {};  // a cycle through renamed files
    std::set<int> upstream_roots, copy_roots;
    PairFacts facts = pair_facts(l, r, upstream_roots, copy_roots);
    const CauseRule* decided = &decide_cause(facts);
    // Nothing the recording saw explains it: look where it cannot see before calling it chance.
    if (decided->verdict == CauseVerdict::Own &&
        decided->kind == RootCauseKind::Nondeterministic) {
        upstream_roots.clear();
        copy_roots.clear();
        facts = pair_facts(l, r, upstream_roots, copy_roots, true);
        decided = &decide_cause(facts);
    }
    m_result.summary.hidden_env_changes += facts.analysis.env.hidden;
    const CauseRule& rule = *decided;
    std::set<int> roots;
    if (rule.verdict == CauseVerdict::FollowUpstream) {
        roots = upstream_roots;
    } else if (rule.verdict == CauseVerdict::FollowCopies) {
        roots = copy_roots;
    } else {
        bool right_hit = m_right.analysis.cache[static_cast<size_t>(r)] == CacheOutcome::Hit;
        CauseContext context{l,
                             peeled_tool(m_left.at(l)),
                             (right_hit ? m_right.at(r) : m_left.at(l)).classification.tool,
                             right_hit ? "right" : "left",
                             m_norm.root(Side::Left),
                             m_norm.root(Side::Right)};
        CauseText text = describe_cause(rule.kind, facts, context);
        RootCause rc;
        rc.kind = rule.kind;
        rc.left = m_left.ref(l);
        rc.right = m_right.ref(r);
        rc.details = facts.analysis.details;
        rc.summary = std::move(text.summary);
        rc.flags = facts.analysis.flags;
        if (rule.name == "rewrite") {
            rc.flags = facts.rewrite;
            rc.details.insert(rc.details.end(), facts.rewrite_facts.begin(),
                              facts.rewrite_facts.end());
        }
        rc.env = facts.analysis.env.changes;
        roots.insert(add_root(std::move(rc), text.signature));
    }
    m_in_progress.erase(l);
    m_pair_roots[l] = roots;
    return roots;
}

bool Differ::ignored(const std::string& path) const {
    for (auto& g : m_options.ignore)
        if (glob_match(g, path)) return true;
    return false;
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
    decide_verdict(r);
    if (r.summary.tolerated_causes)
        r.notes.push_back(
            fmt::format("{} root cause{} of tolerated kinds and the {} artifact{} only "
                        "{} are not counted (ignore file)",
                        r.summary.tolerated_causes, r.summary.tolerated_causes == 1 ? "" : "s",
                        r.summary.ignored_artifacts, r.summary.ignored_artifacts == 1 ? "" : "s",
                        r.summary.tolerated_causes == 1 ? "it explains" : "they explain"));
}

Result<std::vector<ExplainStep>> explain_path(const Recording& rec, const std::string& path) {
    // What the build wrote beside its tree (dpkg-buildpackage's ../*.deb) is explained too.
    Normalizer norm(rec.cwd, rec.cwd, {}, true);
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
