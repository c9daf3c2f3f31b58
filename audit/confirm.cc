// Confirmation by re-running: gather each side's step -> list the differences between them ->
// stage the inputs -> run both configurations (and one twice) -> ddmin -> verdict -> reproducer.
#include "audit/confirm.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include <fmt/core.h>
#include <fmt/ranges.h>

#include "audit/repro_script.h"
#include "audit/rerun.h"
#include "base/atomic_write.h"
#include "base/hash.h"
#include "base/sha256.h"
#include "diff/index.h"
#include "diff/normalize.h"
#include "diff/plain_diff.h"
#include "diff/rewrite.h"
#include "toolchain/bookkeeping.h"

namespace buildiff {

namespace fs = std::filesystem;

bool can_rerun(std::string_view kind) {
    for (std::string_view k :
         {"compiler-driver", "compiler", "assembler", "archiver", "linker", "rustc"})
        if (kind == k) return true;
    return false;
}

namespace {

using Clock = std::chrono::steady_clock;

// PATH relative to ROOT ("src/a.c"), or nullopt when it is not under it.
std::optional<std::string> relative_to(const std::string& path, const std::string& root) {
    if (root.size() <= 1 || !path.starts_with(root)) return std::nullopt;
    if (path.size() == root.size()) return std::string(".");
    if (path[root.size()] != '/') return std::nullopt;
    // Recordings from a bundle are untrusted: a name that leaves the root ("x/../../etc") or
    // reads as absolute ("//etc") is not under it, and nothing is ever staged or made there.
    size_t from = root.size();
    while (from < path.size() && path[from] == '/') ++from;
    fs::path rel = fs::path(path.substr(from)).lexically_normal();
    std::string text = rel.string();
    if (text.empty() || text == "." || text == ".." || text.starts_with("../") ||
        rel.is_absolute())
        return std::nullopt;
    if (text.ends_with("/")) text.pop_back();
    return text;
}

bool kernel_file(const std::string& path) {
    for (std::string_view d : {"/proc/", "/sys/", "/dev/"})
        if (path.starts_with(d)) return true;
    return false;
}

// A file's XXH3-128 as the recorder writes it (Blob's streamed hash); "" when it cannot be read.
std::string hash_of_file(const std::string& path) {
    Result<Blob> b = Blob::open(path);
    return b ? b->hash().hex() : "";
}

// One side's step, as the build ran it; paths under the root spelled with $ROOT.
struct Step {
    std::vector<std::string> argv;  // what ran (for a wrapper: what it ran, not what it was asked)
    std::vector<std::string> asked;  // a wrapper's call, when what it ran is another command
    EnvVars env;
    std::string cwd;
    std::string root;  // recorded
    std::string tree;  // where the root's files are now
    std::string wrapper;
    bool served = false;  // its output came from the cache
    std::map<std::string, std::string> inputs;   // relative path -> recorded hash
    std::map<std::string, std::string> outside;  // absolute path -> recorded hash
    std::map<std::string, std::string> outputs;  // relative path -> recorded hash
    std::set<std::string> built;  // the inputs an earlier step of the build wrote
};

// The processes whose files are the step's: the invocation, what it ran, and what a cache
// server ran for it.
std::vector<int> step_processes(const SideView& v, int id) {
    std::vector<int> out, stack{id};
    if (auto s = v.served.find(id); s != v.served.end())
        stack.insert(stack.end(), s->second.begin(), s->second.end());
    std::set<int> seen;
    while (!stack.empty()) {
        int q = stack.back();
        stack.pop_back();
        if (!seen.insert(q).second) continue;
        out.push_back(q);
        for (int ch : v.analysis.children[static_cast<size_t>(q)]) stack.push_back(ch);
    }
    return out;
}

void collect_files(const SideView& v, int id, Step& s) {
    struct Event {
        const FileEvent* f;
        bool wrapper;
    };
    std::vector<Event> events;
    for (int q : step_processes(v, id))
        for (const FileEvent& f : v.at(q).files)
            events.push_back({&f, v.at(q).classification.kind == ToolKind::CacheWrapper});
    std::stable_sort(events.begin(), events.end(),
                     [](const Event& a, const Event& b) { return a.f->t_ns < b.f->t_ns; });
    std::set<std::string> written;
    for (const Event& e : events) {
        const FileEvent& f = *e.f;
        std::optional<std::string> rel = relative_to(f.path, s.root);
        switch (f.op) {
            case FileOp::Read:
                if (written.count(f.path) || f.hash.empty()) break;
                if (rel) {
                    s.inputs.emplace(*rel, f.hash);
                    if (v.produced.count(v.norm(v.side, f.path))) s.built.insert(*rel);
                } else if (!e.wrapper && !kernel_file(f.path)) {
                    // A cache's own storage is not the step's input: the wrapper reads it.
                    s.outside.emplace(f.path, f.hash);
                }
                break;
            case FileOp::Write:
                written.insert(f.path);
                if (rel && !f.deleted) s.outputs[*rel] = f.hash;
                break;
            case FileOp::Rename:
            case FileOp::Link: {
                written.insert(f.to);
                std::optional<std::string> to = relative_to(f.to, s.root);
                if (!to) break;
                auto it = rel ? s.outputs.find(*rel) : s.outputs.end();
                if (it != s.outputs.end()) {
                    s.outputs[*to] = it->second;
                    if (f.op == FileOp::Rename) s.outputs.erase(*rel);
                } else if (!f.hash.empty()) {
                    s.outputs[*to] = f.hash;
                }
                break;
            }
            case FileOp::Unlink:
                if (rel) s.outputs.erase(*rel);
                break;
        }
    }
}

Step gather_step(const SideView& v, int id, const std::string& tree) {
    Step s;
    s.root = v.rec.cwd;
    s.tree = tree.empty() ? s.root : tree;
    const ProcessRecord& p = v.at(id);
    int ran = id;
    if (is_client(p)) {
        s.wrapper = p.classification.tool;
        s.served = served_from_cache(v.analysis.cache[static_cast<size_t>(id)]).value_or(false);
        // What the wrapper ran, when it means another command than it was asked (by the flag
        // tables, as the differ tells a rewrite); else the call asked is the step (ccache runs
        // the compiler to names of its own).
        int effective = v.effective(id);
        const ProcessRecord& e = v.at(effective);
        if (effective != id &&
            !meaningful_rewrite(flag_family(peeled_tool(p), peeled_kind(p)), peeled_argv(p),
                                p.cwd, e.argv, e.cwd)
                 .empty()) {
            ran = effective;
            s.asked = peeled_argv(p);
        }
    }
    const ProcessRecord& r = v.at(ran);
    s.argv = ran == id ? peeled_argv(p) : r.argv;
    s.cwd = r.cwd;
    if (r.env >= 0 && static_cast<size_t>(r.env) < v.rec.envs.size())
        s.env = v.rec.envs[static_cast<size_t>(r.env)];
    collect_files(v, id, s);
    return s;
}

std::string with_token(const std::string& text, const std::string& root) {
    return replace_root(text, root, kRootToken);
}
std::string with_root(const std::string& text, const std::string& root) {
    return replace_root(text, kRootToken, root);
}

// A difference between the two configurations, one of the set ddmin works on.
struct Element {
    enum Kind { Root, Argv, Env, Cwd, Input } kind = Argv;
    std::string words;  // as the report says it
    size_t left_begin = 0, left_end = 0, right_begin = 0, right_end = 0;  // Argv: the hunk
    std::string name;  // Env: the variable; Input: the relative path
    bool built = false;  // Input: an earlier step of the build wrote it
};

Element element(Element::Kind kind, std::string words, std::string name = {}) {
    Element e;
    e.kind = kind;
    e.words = std::move(words);
    e.name = std::move(name);
    return e;
}

std::string quoted(const std::vector<std::string>& tokens, size_t b, size_t e) {
    std::vector<std::string> part(tokens.begin() + static_cast<long>(b),
                                  tokens.begin() + static_cast<long>(e));
    return fmt::format("`{}`", fmt::join(part, " "));
}

// The argument hunks: runs of tokens where the two command lines part (longest common
// subsequence of whole tokens, $ROOT spelled alike).
void argv_elements(const std::vector<std::string>& l, const std::vector<std::string>& r,
                   std::vector<Element>& out) {
    size_t n = l.size(), m = r.size();
    std::vector<std::vector<unsigned>> lcs(n + 1, std::vector<unsigned>(m + 1, 0));
    for (size_t i = n; i-- > 0;)
        for (size_t j = m; j-- > 0;)
            lcs[i][j] = l[i] == r[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    size_t i = 0, j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && l[i] == r[j]) {
            ++i, ++j;
            continue;
        }
        Element e;
        e.kind = Element::Argv;
        e.left_begin = i;
        e.right_begin = j;
        while ((i < n || j < m) && !(i < n && j < m && l[i] == r[j])) {
            if (j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]))
                ++j;
            else
                ++i;
        }
        e.left_end = i;
        e.right_end = j;
        // A value changed after a flag both share: said with its flag (`-l proofs`).
        size_t lb = e.left_begin, rb = e.right_begin;
        if (lb > 0 && rb > 0 && lb < e.left_end && rb < e.right_end && l[lb - 1] == r[rb - 1] &&
            l[lb - 1].size() <= 3 && l[lb - 1].starts_with("-"))
            --lb, --rb;
        e.words = e.left_begin == e.left_end   ? "added " + quoted(r, e.right_begin, e.right_end)
                  : e.right_begin == e.right_end ? "removed " + quoted(l, e.left_begin, e.left_end)
                                                 : quoted(l, lb, e.left_end) + " -> " +
                                                       quoted(r, rb, e.right_end);
        out.push_back(e);
    }
}

std::map<std::string, std::string> env_map(const EnvVars& env, const std::string& root) {
    std::map<std::string, std::string> out;
    for (const auto& [k, v] : env) out[k] = with_token(v, root);
    return out;
}

// Variables a re-run sets the same on both sides, whatever the build had: its temporary
// directory (the only writable place but the root) and, for ccache, no cache.
bool set_by_rerun(const std::string& name) {
    return name == "TMPDIR" || name == "CCACHE_DISABLE";
}

std::vector<Element> differences(const Step& l, const Step& r) {
    std::vector<Element> out;
    if (l.root != r.root)
        out.push_back(element(Element::Root, fmt::format("the build root (`{}` -> `{}`)", l.root,
                                                         r.root)));
    std::vector<std::string> la, ra;
    for (const std::string& a : l.argv) la.push_back(with_token(a, l.root));
    for (const std::string& a : r.argv) ra.push_back(with_token(a, r.root));
    argv_elements(la, ra, out);
    auto le = env_map(l.env, l.root), re = env_map(r.env, r.root);
    std::set<std::string> names;
    for (auto& [k, v] : le) names.insert(k);
    for (auto& [k, v] : re) names.insert(k);
    for (const std::string& k : names) {
        auto a = le.find(k), b = re.find(k);
        if (set_by_rerun(k)) continue;
        if (a != le.end() && b != re.end() && a->second == b->second) continue;
        Element e = element(Element::Env, "", k);
        e.words = a == le.end()   ? fmt::format("`{}` set", k)
                  : b == re.end() ? fmt::format("`{}` unset", k)
                                  : fmt::format("`{}`", k);
        out.push_back(e);
    }
    if (with_token(l.cwd, l.root) != with_token(r.cwd, r.root))
        out.push_back(element(Element::Cwd, "the working directory"));
    std::set<std::string> paths;
    for (auto& [p, h] : l.inputs) paths.insert(p);
    for (auto& [p, h] : r.inputs) paths.insert(p);
    for (const std::string& p : paths) {
        auto a = l.inputs.find(p), b = r.inputs.find(p);
        if (a != l.inputs.end() && b != r.inputs.end() && a->second == b->second) continue;
        out.push_back(element(Element::Input, fmt::format("the input `$ROOT/{}`", p), p));
        out.back().built = l.built.count(p) || r.built.count(p);
    }
    return out;
}

// A configuration to run: the left one with the chosen differences of the right one.
using RunConfig = StepConfig;

RunConfig configure(const Step& l, const Step& r, const std::vector<Element>& elements,
                    const std::vector<bool>& chosen) {
    auto on = [&](Element::Kind kind, const std::string& name = {}) {
        for (size_t i = 0; i < elements.size(); ++i)
            if (chosen[i] && elements[i].kind == kind && elements[i].name == name) return true;
        return false;
    };
    RunConfig c;
    c.root = on(Element::Root) ? r.root : l.root;
    std::vector<std::string> la, ra;
    for (const std::string& a : l.argv) la.push_back(with_token(a, l.root));
    for (const std::string& a : r.argv) ra.push_back(with_token(a, r.root));
    size_t i = 0;
    for (size_t k = 0; k < elements.size(); ++k) {
        const Element& e = elements[k];
        if (e.kind != Element::Argv) continue;
        for (; i < e.left_begin; ++i) c.argv.push_back(la[i]);
        if (chosen[k])
            for (size_t j = e.right_begin; j < e.right_end; ++j) c.argv.push_back(ra[j]);
        else
            for (size_t j = e.left_begin; j < e.left_end; ++j) c.argv.push_back(la[j]);
        i = e.left_end;
    }
    for (; i < la.size(); ++i) c.argv.push_back(la[i]);
    for (std::string& a : c.argv) a = with_root(a, c.root);
    auto le = env_map(l.env, l.root), re = env_map(r.env, r.root);
    for (auto& [k, v] : re)
        if (on(Element::Env, k)) le[k] = v;
    for (auto it = le.begin(); it != le.end();)
        it = on(Element::Env, it->first) && !re.count(it->first) ? le.erase(it) : std::next(it);
    for (auto& [k, v] : le) c.env.emplace_back(k, with_root(v, c.root));
    c.cwd = with_root(with_token(on(Element::Cwd) ? r.cwd : l.cwd,
                                 on(Element::Cwd) ? r.root : l.root),
                      c.root);
    for (auto& [p, h] : l.inputs) c.inputs[p] = false;
    for (auto& [p, h] : r.inputs) {
        bool chosen_right = on(Element::Input, p);
        if (!l.inputs.count(p) && !chosen_right) continue;  // only the right build had it
        c.inputs[p] = chosen_right;
    }
    for (auto& [p, h] : l.inputs)
        if (!r.inputs.count(p) && on(Element::Input, p)) c.inputs.erase(p);  // only the left's
    return c;
}

// What a run produced: the step's recorded outputs, each hashed ("" : not there).
struct RunOutput {
    bool ok = false;
    bool out_of_budget = false;  // not run: the budget was spent
    std::string failure;         // in words, when not ok
    std::map<std::string, std::string> outputs;
    std::vector<std::string> unseen_reads;  // files the recording did not see the step read
    std::string image;                      // the scratch root, kept until the next run
};

// The staged inputs: each side's versions, copied once out of its tree (or the evidence) and
// checked against the recorded hash; each run's root is made of hard links to them.
class Stage {
  public:
    Stage(std::string dir, const ConfirmOptions& o) : m_dir(std::move(dir)), m_options(o) {}

    // "" when staged; else why not (`refused` set when a file changed since it was recorded).
    std::string add(const Step& s, const char* side, bool& refused) {
        for (auto& [rel, hash] : s.inputs) {
            std::string to = fmt::format("{}/{}/{}", m_dir, side, rel);
            std::string now = s.tree + "/" + rel;
            std::error_code ec;
            fs::create_directories(fs::path(to).parent_path(), ec);
            std::string got = fs::is_regular_file(now, ec) ? hash_of_file(now) : "";
            ec.clear();  // a file not in the tree is looked for in the evidence
            if (!got.empty() && got != hash) {
                refused = true;
                return fmt::format("{}: changed since it was recorded (the step read {}, it is "
                                   "now {})",
                                   now, hash.substr(0, 12), got.substr(0, 12));
            }
            if (!got.empty()) {
                fs::copy_file(now, to, fs::copy_options::overwrite_existing, ec);
            } else if (std::optional<Blob> b =
                           m_options.evidence ? m_options.evidence(hash) : std::nullopt) {
                Result<std::string> bytes = b->read(0, static_cast<size_t>(b->size()));
                if (bytes) write_file_atomically(to, *bytes);
                if (hash_of_file(to) != hash) ec = std::make_error_code(std::errc::io_error);
            } else {
                return fmt::format("the input $ROOT/{} is neither in {} nor in the evidence", rel,
                                   s.tree);
            }
            if (ec) return fmt::format("{}: cannot stage: {}", to, ec.message());
            struct stat st {};
            if (::stat(now.c_str(), &st) == 0) ::chmod(to.c_str(), st.st_mode & 07777);
        }
        for (auto& [path, hash] : s.outside) {
            if (m_checked.count(path)) continue;
            std::string got = hash_of_file(path);
            if (got.empty())
                return fmt::format("{} (read outside the build root) is gone", path);
            if (got != hash) {
                refused = true;
                return fmt::format("{}: changed since it was recorded (outside the build root)",
                                   path);
            }
            m_checked.insert(path);
        }
        return "";
    }
    std::string file(bool right, const std::string& rel) const {
        return fmt::format("{}/{}/{}", m_dir, right ? "right" : "left", rel);
    }

  private:
    std::string m_dir;
    const ConfirmOptions& m_options;
    std::set<std::string> m_checked;
};

// Runs configurations, each in a fresh scratch root, within the budget.
class Runner {
  public:
    Runner(std::string scratch, const Stage& stage, const ConfirmOptions& o, const Step& l,
           const Step& r, Clock::time_point deadline)
        : m_scratch(std::move(scratch)), m_stage(stage), m_o(o), m_l(l), m_r(r),
          m_deadline(deadline) {
        for (const Step* s : {&l, &r})
            for (auto& [p, h] : s->outputs) {
                m_outputs.insert(p);
                if (!bookkeeping_of("/" + p)) m_compared.insert(p);
            }
        for (const Step* s : {&l, &r}) {
            for (auto& [p, h] : s->inputs) m_known.insert(s->root + "/" + p);
            for (auto& [p, h] : s->outside) m_known.insert(p);
        }
    }
    int runs() const { return m_runs; }

    RunOutput run(const RunConfig& c) {
        RunOutput out;
        double left = std::chrono::duration<double>(m_deadline - Clock::now()).count();
        if (left <= 0.05) {
            out.failure = "the budget ran out";
            out.out_of_budget = true;
            return out;
        }
        std::error_code ec;
        std::string dir = fmt::format("{}/run-{}", m_scratch, ++m_runs);
        out.image = dir + "/root";
        fs::create_directories(dir + "/tmp", ec);
        fs::create_directories(out.image, ec);
        for (auto& [rel, right] : c.inputs) {
            fs::path to = fs::path(out.image) / rel;
            fs::create_directories(to.parent_path(), ec);
            // The step may write a file it read (ar updating an archive): a copy, not a link.
            if (m_outputs.count(rel))
                fs::copy_file(m_stage.file(right, rel), to, ec);
            else
                fs::create_hard_link(m_stage.file(right, rel), to, ec);
            if (ec) {
                out.failure = fmt::format("{}: cannot set up: {}", to.string(), ec.message());
                return out;
            }
        }
        for (const std::string& rel : m_outputs)
            fs::create_directories((fs::path(out.image) / rel).parent_path(), ec);
        if (auto cwd = relative_to(c.cwd, c.root)) fs::create_directories(out.image + "/" + *cwd, ec);
        RerunSpec spec;
        spec.argv = c.argv;
        spec.env = c.env;
        std::erase_if(spec.env, [](auto& kv) { return set_by_rerun(kv.first); });
        spec.env.emplace_back("TMPDIR", dir + "/tmp");
        if (m_l.wrapper == "ccache" || m_r.wrapper == "ccache")
            spec.env.emplace_back("CCACHE_DISABLE", "1");
        spec.cwd = c.cwd;
        spec.root = c.root;
        spec.image = out.image;
        spec.scratch = m_scratch;
        spec.recording = dir + "/step.rec";
        spec.self = m_o.self;
        spec.limit_seconds = std::min(m_o.run_limit_seconds, left);
        RerunOutcome r = rerun_isolated(spec);
        if (m_o.progress)
            m_o.progress(fmt::format("confirm: re-run {}: {} ({:.2f} s)", m_runs,
                                     r.timed_out ? "killed at its time limit"
                                     : !r.ran    ? r.error
                                                 : fmt::format("exit status {}", r.status),
                                     r.seconds));
        if (!r.ran) {
            out.failure = r.error;
            return out;
        }
        if (r.timed_out) {
            out.failure = fmt::format("the re-run did not finish in {:.0f} s and was killed",
                                      spec.limit_seconds);
            return out;
        }
        if (r.status != 0) {
            out.failure = fmt::format("the re-run exited with status {} (`{}` in {})", r.status,
                                      fmt::join(c.argv, " "), c.cwd);
            return out;
        }
        out.ok = true;
        for (const std::string& rel : m_compared) {
            std::string p = out.image + "/" + rel;
            out.outputs[rel] = fs::is_regular_file(p, ec) ? hash_of_file(p) : "";
        }
        note_unseen_reads(spec, c.root, out);
        return out;
    }

  private:
    void note_unseen_reads(const RerunSpec& spec, const std::string& root, RunOutput& out) {
        Result<Recording> rec = read_recording(spec.recording);
        if (!rec) return;
        std::set<std::string> written, unseen;
        for (const ProcessRecord& p : rec->processes)
            for (const FileEvent& f : p.files) {
                if (f.op != FileOp::Read) {
                    written.insert(f.op == FileOp::Write ? f.path : f.to);
                    continue;
                }
                if (written.count(f.path) || kernel_file(f.path) ||
                    f.path.starts_with(m_scratch + "/"))
                    continue;
                std::string as_left = f.path;
                if (auto rel = relative_to(f.path, root)) {
                    if (m_outputs.count(*rel)) continue;
                    if (m_known.count(m_l.root + "/" + *rel) || m_known.count(m_r.root + "/" + *rel))
                        continue;
                } else if (m_known.count(f.path)) {
                    continue;
                }
                unseen.insert(f.path);
            }
        out.unseen_reads.assign(unseen.begin(), unseen.end());
    }

    std::string m_scratch;
    const Stage& m_stage;
    const ConfirmOptions& m_o;
    const Step &m_l, &m_r;
    Clock::time_point m_deadline;
    // What the step writes (each run makes room for it), and of it what is compared: not a build
    // system's bookkeeping (rustc's dep-info lists absolute paths).
    std::set<std::string> m_outputs, m_compared, m_known;
    int m_runs = 0;
};

// Waits until the wall clock is in a second later than `since` (a clock read at one-second
// resolution, __TIME__, then moves).
void wait_for_next_second(time_t since) {
    for (;;) {
        timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        if (now.tv_sec > since) return;
        std::this_thread::sleep_for(std::chrono::nanoseconds(1000000000L - now.tv_nsec + 1000000));
    }
}

bool printable(char c) {
    return c >= 0x20 && c < 0x7f;
}

// The printable run of bytes around OFFSET.
std::string printable_run(std::string_view bytes, size_t offset) {
    size_t b = offset, e = offset;
    while (b > 0 && printable(bytes[b - 1]) && offset - b < 64) --b;
    while (e < bytes.size() && printable(bytes[e]) && e - offset < 64) ++e;
    return std::string(bytes.substr(b, e - b));
}

bool time_shaped(std::string_view s) {
    for (size_t i = 0; i + 8 <= s.size(); ++i) {
        auto d = [&](size_t k) { return s[i + k] >= '0' && s[i + k] <= '9'; };
        if (d(0) && d(1) && s[i + 2] == ':' && d(3) && d(4) && s[i + 5] == ':' && d(6) && d(7))
            return true;
    }
    return false;
}

bool date_shaped(std::string_view s) {
    for (std::string_view m : {"Jan ", "Feb ", "Mar ", "Apr ", "May ", "Jun ", "Jul ", "Aug ",
                               "Sep ", "Oct ", "Nov ", "Dec "})
        if (size_t at = s.find(m); at != std::string_view::npos && at + 11 <= s.size() &&
                                   s[at + 6] == ' ' && std::isdigit(s[at + 7]))
            return true;
    return false;
}

// What the first differing bytes of two versions of a file look like: "a `__TIME__`-shaped
// string (`00:31:27` -> `00:31:28`)".
std::string look_of_change(const Blob& x, const Blob& y) {
    constexpr size_t kMax = 64u << 20;
    Result<std::string> l = x.read(0, kMax), r = y.read(0, kMax);
    if (!l || !r) return "";
    size_t i = 0;
    while (i < l->size() && i < r->size() && (*l)[i] == (*r)[i]) ++i;
    if (i == l->size() && i == r->size()) return "";
    std::string ls = i < l->size() ? printable_run(*l, i) : "";
    std::string rs = i < r->size() ? printable_run(*r, i) : "";
    const char* shape = time_shaped(ls) && time_shaped(rs)   ? "a `__TIME__`-shaped string"
                        : date_shaped(ls) && date_shaped(rs) ? "a `__DATE__`-shaped string"
                        : ls.size() >= 4 && rs.size() >= 4   ? "a string"
                                                             : nullptr;
    if (!shape) return fmt::format("bytes from offset {:#x}", i);
    return fmt::format("{} (`{}` -> `{}`) at offset {:#x}", shape, ls, rs, i);
}

// What differs between two runs' outputs, in words: the first output that differs, what its
// first differing bytes look like, and what the comparators say of it.
std::string what_moved(const RunOutput& a, const RunOutput& b) {
    for (auto& [rel, h] : a.outputs) {
        auto it = b.outputs.find(rel);
        if (it == b.outputs.end() || it->second == h) continue;
        std::string words = fmt::format("`$ROOT/{}`", rel);
        Result<Blob> x = Blob::open(a.image + "/" + rel), y = Blob::open(b.image + "/" + rel);
        if (!x || !y) return words;
        if (std::string look = look_of_change(*x, *y); !look.empty()) words += ": " + look;
        Result<DiffResult> d = diff_plain_files(*x, *y);
        if (!d || d->artifacts.empty() || d->artifacts[0].differences.empty()) return words;
        const Difference* node = &d->artifacts[0].differences[0];
        while (!node->children.empty()) node = &node->children[0];
        return fmt::format("{}; {}", words, node->description);
    }
    return "";
}

// ddmin (Zeller and Hildebrandt): a smallest subset of CANDIDATES (1-minimal) for which
// `reproduces` holds, given that it holds for all of them.
std::vector<size_t> ddmin(std::vector<size_t> c,
                          const std::function<std::optional<bool>(const std::vector<size_t>&)>&
                              reproduces,
                          bool& cut_short) {
    size_t n = 2;
    while (c.size() >= 2) {
        size_t chunk = (c.size() + n - 1) / n;
        std::vector<std::vector<size_t>> parts;
        for (size_t i = 0; i < c.size(); i += chunk)
            parts.emplace_back(c.begin() + static_cast<long>(i),
                               c.begin() + static_cast<long>(std::min(c.size(), i + chunk)));
        bool reduced = false;
        for (const auto& part : parts) {
            std::optional<bool> r = reproduces(part);
            if (!r) return cut_short = true, c;
            if (*r) {
                c = part;
                n = 2;
                reduced = true;
                break;
            }
        }
        if (!reduced && parts.size() > 2) {
            for (size_t k = 0; k < parts.size(); ++k) {
                std::vector<size_t> rest;
                for (size_t j = 0; j < parts.size(); ++j)
                    if (j != k) rest.insert(rest.end(), parts[j].begin(), parts[j].end());
                std::optional<bool> r = reproduces(rest);
                if (!r) return cut_short = true, c;
                if (*r) {
                    c = rest;
                    n = std::max<size_t>(n - 1, 2);
                    reduced = true;
                    break;
                }
            }
        }
        if (reduced) continue;
        if (n >= c.size()) break;
        n = std::min(n * 2, c.size());
    }
    return c;
}

// Adds the path-remapping option the tool knows to a configuration: the build root written as
// "." in what it emits.
bool add_prefix_map(RunConfig& c, std::string_view tool_kind) {
    if (c.argv.empty()) return false;
    std::string flag = tool_kind == "rustc"
                           ? fmt::format("--remap-path-prefix={}=.", c.root)
                           : fmt::format("-ffile-prefix-map={}=.", c.root);
    if (tool_kind != "rustc" && tool_kind != "compiler-driver") return false;
    c.argv.insert(c.argv.begin() + 1, flag);
    return true;
}

// The whole confirmation of one cause.
class CauseConfirmer {
  public:
    CauseConfirmer(const RootCause& rc, size_t number, const Step& l, const Step& r,
                   const ConfirmOptions& o, Clock::time_point deadline, std::string scratch)
        : m_rc(rc), m_number(number), m_l(l), m_r(r), m_o(o), m_deadline(deadline),
          m_scratch(std::move(scratch)), m_stage(m_scratch + "/inputs", o) {}

    Confirmation run(bool& refused) {
        auto start = Clock::now();
        Confirmation c;
        std::string why = m_stage.add(m_l, "left", refused);
        if (why.empty()) why = m_stage.add(m_r, "right", refused);
        if (!why.empty()) {
            c.status = refused ? "refused" : "skipped";
            c.summary = (refused ? "refused: " : "not re-run: ") + why;
            return c;
        }
        m_elements = differences(m_l, m_r);
        Runner runner(m_scratch, m_stage, m_o, m_l, m_r, m_deadline);
        decide(runner, c);
        c.runs = runner.runs();
        c.seconds = std::chrono::duration<double>(Clock::now() - start).count();
        if (c.status == "confirmed" || c.status == "not-reproduced") c.script = write_script();
        return c;
    }

  private:
    std::vector<bool> none() const { return std::vector<bool>(m_elements.size(), false); }
    std::vector<bool> all() const { return std::vector<bool>(m_elements.size(), true); }

    void fidelity(const RunOutput& out, const Step& s, const char* side, Confirmation& c) {
        size_t same = 0, total = 0;
        for (auto& [rel, h] : s.outputs) {
            if (!out.outputs.count(rel)) continue;  // not compared
            ++total;
            auto it = out.outputs.find(rel);
            if (it != out.outputs.end() && it->second == h) ++same;
        }
        if (total == 0 || s.served) return;
        c.details.push_back(
            same == total
                ? fmt::format("the {} configuration, re-run, gives its recorded output byte for "
                              "byte",
                              side)
                : fmt::format("the {} configuration, re-run, gives {} of its {} recorded outputs "
                              "byte for byte",
                              side, same, total));
    }

    void note_unseen(const RunOutput& out, Confirmation& c) {
        if (out.unseen_reads.empty() || m_unseen_noted) return;
        m_unseen_noted = true;
        std::vector<std::string> first(out.unseen_reads.begin(),
                                       out.unseen_reads.begin() +
                                           static_cast<long>(std::min<size_t>(
                                               3, out.unseen_reads.size())));
        c.details.push_back(fmt::format("the re-run read {} file(s) the recording did not see "
                                        "the step read: {}",
                                        out.unseen_reads.size(), fmt::join(first, ", ")));
    }

    bool failed(const RunOutput& out, Confirmation& c) {
        if (out.ok) return false;
        c.status = "unconfirmed";
        c.summary = "not confirmed: " + out.failure;
        return true;
    }

    void decide(Runner& runner, Confirmation& c) {
        RunConfig left = configure(m_l, m_r, m_elements, none());
        RunConfig right = configure(m_l, m_r, m_elements, all());
        RunOutput l1 = runner.run(left);
        // Read when the first run has ended: a clock it read at one-second resolution may have
        // moved to this second while it ran (CI saw a run that began at .9 s read the next).
        timespec ended;
        clock_gettime(CLOCK_REALTIME, &ended);
        if (failed(l1, c)) return;
        note_unseen(l1, c);
        RunOutput r1 = runner.run(right);
        if (failed(r1, c)) return;
        note_unseen(r1, c);
        if (!m_r.asked.empty() || !m_l.asked.empty()) compare_asked(runner, l1, c);
        // The same configuration again, a second later: a step that reads the clock moves.
        wait_for_next_second(ended.tv_sec);
        RunOutput l2 = runner.run(left);
        if (failed(l2, c)) return;
        bool moves = l2.outputs != l1.outputs;
        std::string moved = moves ? what_moved(l1, l2) : "";
        if (!moves) {  // a step that moves cannot give its recorded output again
            fidelity(l1, m_l, "left", c);
            fidelity(r1, m_r, "right", c);
        }
        if (m_rc.kind == RootCauseKind::Nondeterministic) {
            c.status = moves ? "confirmed" : "not-reproduced";
            c.summary = moves ? fmt::format("confirmed: one configuration run twice gives two "
                                            "outputs ({})",
                                            moved)
                              : "not reproduced: one configuration run twice, a second apart, "
                                "gives one output";
            return;
        }
        if (m_l.served || m_r.served) return decide_served(l1, r1, moves, moved, c);
        if (moves) {
            c.status = "unconfirmed";
            c.summary = fmt::format("not confirmed: the step gives another output each time it "
                                    "runs ({}), so its configurations cannot be told apart",
                                    moved);
            return;
        }
        if (l1.outputs == r1.outputs) {
            c.status = "not-reproduced";
            c.summary = "not reproduced: both configurations, re-run, give the same output";
            return;
        }
        minimise(runner, r1, c);
    }

    // A cache's hit: the served side's command run without the cache against what was served.
    void decide_served(const RunOutput& l1, const RunOutput& r1, bool moves,
                       const std::string& moved, Confirmation& c) {
        const Step& s = m_r.served ? m_r : m_l;
        const RunOutput& fresh = m_r.served ? r1 : l1;
        const Step& other = m_r.served ? m_l : m_r;
        bool same_as_served = true, same_as_other = true;
        for (auto& [rel, h] : s.outputs) {
            auto it = fresh.outputs.find(rel);
            if (it == fresh.outputs.end()) continue;  // not compared
            if (it->second != h) same_as_served = false;
            auto o = other.outputs.find(rel);
            if (o == other.outputs.end() || o->second != it->second) same_as_other = false;
        }
        if (same_as_served) {
            c.status = "not-reproduced";
            c.summary = fmt::format("not reproduced: the command {} served, re-run without the "
                                    "cache, gives the bytes it served",
                                    s.wrapper);
            return;
        }
        c.status = "confirmed";
        c.summary = fmt::format(
            "confirmed: {} served bytes its command does not produce: re-run without the cache, "
            "the command gives {}",
            s.wrapper,
            same_as_other ? "the other build's output"
            : moves ? fmt::format("another output each time ({})", moved)
                    : "an output that is not the served one");
    }

    // For a wrapper that ran another command than it was asked: what the asked one gives.
    void compare_asked(Runner& runner, const RunOutput& l1, Confirmation& c) {
        if (m_r.asked.empty()) return;
        Step asked = m_r;
        asked.argv = m_r.asked;
        std::vector<Element> e = differences(m_l, asked);
        // The right build's configuration, but the inputs it never read (what it was asked to
        // compile, when it compiled something else) from the left build.
        std::vector<bool> chosen(e.size(), true);
        for (size_t i = 0; i < e.size(); ++i)
            if (e[i].kind == Element::Input && !m_r.inputs.count(e[i].name)) chosen[i] = false;
        RunOutput a = runner.run(configure(m_l, asked, e, chosen));
        if (!a.ok) return;
        c.details.push_back(
            a.outputs == l1.outputs
                ? fmt::format("the command {} was asked to run gives the left output; the "
                              "command it ran does not",
                              m_r.wrapper)
                : fmt::format("the command {} was asked to run does not give the left output "
                              "either",
                              m_r.wrapper));
    }

    void minimise(Runner& runner, const RunOutput& r1, Confirmation& c) {
        std::map<std::vector<size_t>, RunOutput> memo;
        auto outputs_of = [&](std::vector<size_t> key) -> const RunOutput& {
            std::sort(key.begin(), key.end());
            if (auto it = memo.find(key); it != memo.end()) return it->second;
            std::vector<bool> chosen = none();
            for (size_t i : key) chosen[i] = true;
            return memo[key] = runner.run(configure(m_l, m_r, m_elements, chosen));
        };
        // Held at the right build's: the root and the inputs earlier steps built, which differ
        // by causes of their own (a build path, an upstream crate), unless they alone make the
        // whole difference. The rest is minimised.
        std::vector<size_t> pinned, candidates;
        for (size_t i = 0; i < m_elements.size(); ++i) {
            const Element& e = m_elements[i];
            bool upstream = (e.kind == Element::Root && m_rc.kind != RootCauseKind::BuildPath) ||
                            (e.kind == Element::Input && e.built);
            (upstream ? pinned : candidates).push_back(i);
        }
        if (!pinned.empty() && !candidates.empty()) {
            const RunOutput& alone = outputs_of(pinned);
            if (alone.out_of_budget) return budget_spent(c);
            if (alone.ok && alone.outputs == r1.outputs) {
                candidates.insert(candidates.end(), pinned.begin(), pinned.end());
                std::sort(candidates.begin(), candidates.end());
                pinned.clear();
            } else {
                std::vector<std::string> words;
                for (size_t i : pinned) words.push_back(m_elements[i].words);
                c.details.push_back(fmt::format(
                    "held at the right build's while the rest was minimised (each differs by "
                    "a cause of its own): {}",
                    fmt::join(words, ", ")));
            }
        }
        auto reproduces = [&](const std::vector<size_t>& subset) -> std::optional<bool> {
            std::vector<size_t> key = subset;
            key.insert(key.end(), pinned.begin(), pinned.end());
            const RunOutput& out = outputs_of(key);
            if (out.out_of_budget) return std::nullopt;
            // A configuration that fails (a mix of two spellings) does not reproduce it.
            return out.ok && out.outputs == r1.outputs;
        };
        bool cut_short = false;
        std::vector<size_t> minimal = ddmin(candidates, reproduces, cut_short);
        std::set<size_t> in(minimal.begin(), minimal.end());
        for (size_t i : candidates)
            (in.count(i) ? c.minimal : c.irrelevant).push_back(m_elements[i].words);
        m_minimal = minimal;
        c.status = "confirmed";
        c.summary = fmt::format(
            "confirmed: {} {} the divergence{}", fmt::join(c.minimal, " and "),
            c.minimal.size() == 1 ? "alone reproduces" : "together reproduce",
            cut_short ? " (the budget ran out before the set was proved minimal)" : "");
        if (!c.irrelevant.empty())
            c.details.push_back(fmt::format("{} {} not matter", fmt::join(c.irrelevant, ", "),
                                            c.irrelevant.size() == 1 ? "does" : "do"));
        if (minimal.size() == 1 && m_elements[minimal[0]].kind == Element::Root)
            try_prefix_map(runner, c);
    }

    void budget_spent(Confirmation& c) {
        c.status = "unconfirmed";
        c.summary = fmt::format("not confirmed: the budget of {:.0f} s ran out",
                                m_o.budget_seconds);
    }

    // A build-path cause: the fix, tried. Both configurations with the build root remapped.
    void try_prefix_map(Runner& runner, Confirmation& c) {
        RunConfig left = configure(m_l, m_r, m_elements, none());
        RunConfig right = configure(m_l, m_r, m_elements, all());
        std::string_view kind = m_rc.left ? std::string_view(m_rc.left->kind) : "";
        if (!add_prefix_map(left, kind) || !add_prefix_map(right, kind)) return;
        RunOutput a = runner.run(left), b = runner.run(right);
        if (!a.ok || !b.ok) return;
        std::string flag = kind == "rustc" ? "--remap-path-prefix=$ROOT=." : "-ffile-prefix-map=$ROOT=.";
        c.details.push_back(a.outputs == b.outputs
                                ? fmt::format("with `{}` added to both, the outputs are "
                                              "identical: the fix",
                                              flag)
                                : fmt::format("with `{}` added to both, the outputs still "
                                              "differ",
                                              flag));
    }

    std::string write_script() {
        if (m_o.repro_dir.empty()) return "";
        ReproCase rc;
        rc.number = m_number;
        rc.kind = std::string(root_cause_kind_name(m_rc.kind));
        rc.summary = m_rc.summary;
        rc.left = configure(m_l, m_r, m_elements, none());
        rc.right = configure(m_l, m_r, m_elements, all());
        for (const StepConfig* c : {&rc.left, &rc.right})
            for (const auto& [rel, right] : c->inputs) {
                const Step& s = right ? m_r : m_l;
                (c == &rc.left ? rc.left_inputs : rc.right_inputs)
                    .push_back({rel, s.tree + "/" + rel, sha256_file(m_stage.file(right, rel))});
            }
        for (auto& [p, h] : m_l.outputs) rc.outputs.insert(p);
        for (auto& [p, h] : m_r.outputs) rc.outputs.insert(p);
        for (size_t i : m_minimal) {
            rc.minimal.push_back(m_elements[i].words);
            if (m_elements[i].kind == Element::Root) rc.separate_roots = true;
        }
        if (m_rc.kind == RootCauseKind::BuildPath || m_rc.kind == RootCauseKind::Nondeterministic)
            rc.separate_roots = m_l.root != m_r.root;
        rc.ccache = m_l.wrapper == "ccache" || m_r.wrapper == "ccache";
        rc.pause = m_rc.kind == RootCauseKind::Nondeterministic;
        Result<std::string> path = write_repro_script(m_o.repro_dir, rc);
        return path ? *path : "";
    }

    const RootCause& m_rc;
    size_t m_number;
    const Step &m_l, &m_r;
    const ConfirmOptions& m_o;
    Clock::time_point m_deadline;
    std::string m_scratch;
    Stage m_stage;
    std::vector<Element> m_elements;
    std::vector<size_t> m_minimal;
    bool m_unseen_noted = false;
};

std::string make_scratch(const ConfirmOptions& o) {
    std::string parent = o.scratch_parent;
    if (parent.empty()) {
        const char* t = std::getenv("TMPDIR");
        parent = t && *t ? t : "/tmp";
    }
    std::string templ = parent + "/buildiff-confirm-XXXXXX";
    if (!mkdtemp(templ.data())) return "";
    return fs::absolute(templ).lexically_normal().string();
}

}  // namespace

std::vector<std::string> confirm_causes(const Recording& left, const Recording& right,
                                        DiffResult& result, const ConfirmOptions& options) {
    std::vector<std::string> refusals;
    Normalizer norm(left.cwd, right.cwd);
    SideView lv(left, Side::Left, norm), rv(right, Side::Right, norm);
    auto deadline = Clock::now() + std::chrono::milliseconds(
                                       static_cast<long>(options.budget_seconds * 1000));
    for (size_t i = 0; i < result.root_causes.size(); ++i) {
        if (!options.causes.empty() &&
            std::find(options.causes.begin(), options.causes.end(), static_cast<int>(i + 1)) ==
                options.causes.end())
            continue;
        RootCause& rc = result.root_causes[i];
        Confirmation c;
        if (!rc.left || !rc.right || rc.left->id < 0 || rc.right->id < 0) {
            c.status = "skipped";
            c.summary = "not re-run: the step ran in one build only";
        } else if (!can_rerun(rc.left->kind) || !can_rerun(rc.right->kind)) {
            c.status = "skipped";
            c.summary = fmt::format("not re-run: {} is not a compile, assembly, archive or link "
                                    "step",
                                    rc.right->tool);
        } else if (Clock::now() >= deadline) {
            c.status = "unconfirmed";
            c.summary = fmt::format("not confirmed: the budget of {:.0f} s was spent on the "
                                    "causes before it",
                                    options.budget_seconds);
        } else {
            std::string scratch = make_scratch(options);
            if (scratch.empty()) {
                c.status = "unconfirmed";
                c.summary = "not confirmed: cannot make a scratch directory";
            } else {
                Step l = gather_step(lv, rc.left->id, options.left_tree);
                Step r = gather_step(rv, rc.right->id, options.right_tree);
                bool refused = false;
                c = CauseConfirmer(rc, i + 1, l, r, options, deadline, scratch).run(refused);
                if (refused) refusals.push_back(fmt::format("cause {}: {}", i + 1, c.summary));
                std::error_code ec;
                fs::remove_all(scratch, ec);
            }
        }
        rc.confirmation = std::move(c);
    }
    return refusals;
}

StepInputs rerun_inputs(const Recording& left, const Recording& right, const DiffResult& result) {
    StepInputs out;
    Normalizer norm(left.cwd, right.cwd);
    SideView lv(left, Side::Left, norm), rv(right, Side::Right, norm);
    for (const RootCause& rc : result.root_causes) {
        if (!rc.left || !rc.right || rc.left->id < 0 || rc.right->id < 0 ||
            !can_rerun(rc.left->kind) || !can_rerun(rc.right->kind))
            continue;
        out.left.merge(gather_step(lv, rc.left->id, "").inputs);
        out.right.merge(gather_step(rv, rc.right->id, "").inputs);
    }
    return out;
}

}  // namespace buildiff
