// The result of comparing two builds: one tree that every renderer presents (text, JSON, and
// later HTML and Markdown). Nothing here is computed by renderers.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/interned.h"
#include "recording/analysis.h"
#include "recording/build_scripts.h"
#include "recording/timeline.h"

namespace buildiff {

// Closed set; the names are part of the JSON schema (docs/report-schema.md).
enum class RootCauseKind {
    Flags,              // the invocation's command line differs
    Env,                // an environment variable that matters differs
    Tool,               // a different compiler or tool binary (or version)
    Source,             // an input not produced by the build differs
    BuildPath,          // same configuration up to the build root; the output embeds the root
    Nondeterministic,   // same configuration and inputs, different output
    Cache,              // served by a cache wrapper, and different from the uncached output
    MissingInvocation,  // only in the left build
    ExtraInvocation,    // only in the right build
};
std::string_view root_cause_kind_name(RootCauseKind kind);
// The kind a schema name names ("build-path"), if any.
std::optional<RootCauseKind> root_cause_kind_named(std::string_view name);

// One side's view of an invocation.
// (Its names interned: a report lists a hundred thousand matched invocations.)
struct InvocationRef {
    int id = -1;  // record id in that side's recording
    Interned tool;
    Interned kind;  // classification kind name
    std::vector<std::string> argv;
    Interned cwd;
    Interned wrapper;  // "sccache", "ccache", ... when run through a cache wrapper
    CacheOutcome cache = CacheOutcome::Unknown;
    Interned crate;  // cargo attribution, when known
};

// A change of the command line, in words: "-O2 -> -O3", "added -fvisibility=hidden".
struct FlagChange {
    std::string change;       // "added", "removed", "changed", "reordered"
    std::string category;     // "codegen", "optimization", "preprocessor", ... (toolchain/flags.h)
    std::string flag;         // "-O", "-D FOO", "-l static=", or "input"
    std::string left, right;  // values (empty when absent)
    std::string text;         // the sentence shown to people
    bool affects_output = true;  // false for diagnostics, dependency files, bookkeeping
};

struct EnvChange {
    std::string name;
    std::optional<std::string> left, right;  // absent = unset
    bool impactful = false;
    bool redacted = false;  // values are salted hashes: shown as "differs"
};

// One side of a symbol difference: what the symbol is in that file (docs/report-schema.md).
struct SymbolState {
    std::string binding;     // "LOCAL", "GLOBAL", "WEAK", ...
    std::string visibility;  // "DEFAULT", "HIDDEN", "PROTECTED", "INTERNAL"
    std::string type;        // "FUNC", "OBJECT", "NOTYPE", "TLS", ...
    std::string section;     // section name, or "UND", "ABS", "COMMON"
    std::string version;     // symbol version from .gnu.version_d/_r, "" when none
    std::uint64_t size = 0;
    bool defined = false;
    bool dynamic = false;  // present in .dynsym (exported when defined, imported when not)
    bool operator==(const SymbolState&) const = default;
};

// A node of an artifact's difference tree, built by the comparators (diff/compare.h): ELF
// headers, sections, symbols, dynamic entries, notes, DWARF; archive members (whose children
// are their own differences); text hunks; binary offsets. Kinds are listed in
// docs/report-schema.md.
struct Difference {
    std::string kind;
    std::string description;  // one line, in words
    std::string left, right;  // values (empty when absent or not applicable)
    std::string name;         // the symbol, section, member or DWARF unit concerned
    std::string demangled;    // symbols: the demangled name when it differs from `name`
    std::optional<SymbolState> left_symbol, right_symbol;  // kind "symbol"
    std::vector<std::string> lines;  // "text": unified diff lines; "binary": hex context
    // What a changed value looks like, with what to do ("a build timestamp (set
    // SOURCE_DATE_EPOCH, ...)"; diff/looks_like.h); "" when nothing known.
    std::string looks_like;
    std::vector<Difference> children;
};

// A node with its kind, name, description and (when they apply) the two values.
inline Difference difference(std::string kind, std::string name, std::string description,
                             std::string left = {}, std::string right = {}) {
    Difference d;
    d.kind = std::move(kind);
    d.name = std::move(name);
    d.description = std::move(description);
    d.left = std::move(left);
    d.right = std::move(right);
    return d;
}

// (Its paths and hashes are interned: a build of a hundred thousand files lists them all, and the
// differ's index holds the same strings.)
struct Artifact {
    Interned path;       // normalised ($ROOT/...)
    std::string status;  // "identical", "different", "only-left", "only-right"
    std::string
        format;  // "elf", "ar", "zip", "tar", "deb", "text", "binary", ... ("file": not examined)
    Interned left_hash, right_hash;
    // Where each build wrote it, as recorded (not in the reports: evidence is found by them).
    Interned left_file, right_file;
    std::vector<Difference> differences;
    int root_cause = -1;          // index of the root cause that accounts for it
    // What the build delivered: a package (toolchain/packages), or a file left at the end that is
    // not bookkeeping and that no later step read; false for intermediates (objects, archives,
    // rlibs, files copied into a package). The verdict is about deliverables (but --strict).
    bool deliverable = true;
    bool is_root_output = false;  // written by the root cause's own invocation
    // The build system whose bookkeeping it is ("cargo": a fingerprint, toolchain/bookkeeping),
    // "" for an artifact the build was asked to make.
    std::string bookkeeping;
};

// What re-running a root cause's step showed (`buildiff confirm`, audit/confirm.h): its two
// configurations run again in a scratch root, the smallest set of their differences that turns
// the left output into the right one, and the reproducer script written for it.
struct Confirmation {
    // "confirmed", "not-reproduced" (the re-runs gave one output), "unconfirmed" (a run failed or
    // ran out of time), "skipped" (not a step that can be re-run, or an input is missing),
    // "refused" (an input changed since it was recorded). Names in docs/report-schema.md.
    std::string status;
    std::string summary;               // one line, in words
    std::vector<std::string> minimal;  // the differences that reproduce it ("`-O2` -> `-O0`")
    std::vector<std::string> irrelevant;  // the differences that do not matter
    std::vector<std::string> details;     // further facts, in words
    int runs = 0;
    double seconds = 0;
    std::string script;  // the reproducer (repro/cause-N.sh), "" when none was written
};

struct RootCause {
    RootCauseKind kind = RootCauseKind::Flags;
    std::string summary;  // one line: what differs
    std::optional<InvocationRef> left, right;
    int invocations = 1;  // how many invocations share this cause (grouped)
    std::vector<FlagChange> flags;
    std::vector<EnvChange> env;
    std::vector<std::string> details;   // further facts, in words
    std::vector<std::string> explains;  // artifact paths, in chain order (not bookkeeping)
    size_t bookkeeping = 0;             // bookkeeping files it explains besides, counted
    std::set<std::string> bookkeeping_systems;  // whose bookkeeping they are ("cmake", ...)
    // What it did to the artifacts it is named for, one telling difference each (a member
    // lost, a symbol now undefined): path, description. At most 6.
    std::vector<std::pair<std::string, std::string>> chain;
    // By position in `explains`: the positions of the explained artifacts it was built from
    // (what its producer read), each earlier; none for the cause's own outputs.
    std::vector<std::vector<int>> explains_from;
    // A divergent deliverable is among what it explains (decide_verdict).
    bool reaches_deliverable = false;
    std::optional<Confirmation> confirmation;  // when it was re-run (buildiff confirm)
};

// Two invocations the matching paired, for the report's drill-down: the right build's as the
// report lists it, and the left one's record id (a build of a hundred thousand steps lists them
// all: one copy of each command, not two).
struct InvocationPair {
    int left = -1;
    InvocationRef right;
    bool outputs_differ = false;  // one of the artifacts it produced is divergent
};

struct DiffSummary {
    size_t left_invocations = 0, right_invocations = 0, paired = 0;
    size_t missing = 0, extra = 0;
    size_t artifacts = 0, divergent_artifacts = 0;
    size_t deliverables = 0, divergent_deliverables = 0;  // of the artifacts, the deliverables
    size_t ignored_artifacts = 0;
    size_t tolerated_causes = 0;    // root causes of kinds an ignore file accepts
    size_t hidden_env_changes = 0;  // known-noise variables that differ
};

// A file a build left outside its root and the directory beside it (not compared: nothing says
// which of the other build's files it is, but the same path).
struct OutsideWrite {
    std::string path;                   // normalised (absolute, temporaries and --map applied)
    std::string left_hash, right_hash;  // "" where that build left nothing there
    // Both builds wrote the very same file on disk (the same recorded path): the later one
    // replaced the earlier one's, so only the recorded hashes can be compared.
    bool shared = false;
};

struct DiffResult {
    std::string left_name, right_name;
    std::string left_root, right_root;
    bool plain = false;  // plain files or directories: no invocation data, no root causes
    // The verdict: a deliverable differs (every file, with `strict`).
    bool divergent = false;
    bool strict = false;
    DiffSummary summary;
    std::vector<RootCause> root_causes;
    std::vector<Artifact> artifacts;    // divergent ones first, then identical, each sorted by path
    std::vector<InvocationPair> pairs;  // matched invocations, in the right build's start order
    std::vector<std::string> notes;     // about the comparison itself (truncated recordings, ...)
    std::vector<OutsideWrite> outside;  // by path
    // Each build over time (left, right); none for plain files or directories.
    std::vector<Timeline> timelines;
    // Each build's cargo build scripts, what they cost and whether their work was used (left,
    // right); none for plain files or directories.
    std::vector<BuildScripts> build_scripts;
};

// Whether a divergent artifact is on the way to a divergent deliverable: one itself, or explained
// by a cause that explains one. The others reached nothing delivered.
inline bool reached_delivery(const DiffResult& r, const Artifact& a) {
    return a.deliverable ||
           (a.root_cause >= 0 && static_cast<size_t>(a.root_cause) < r.root_causes.size() &&
            r.root_causes[static_cast<size_t>(a.root_cause)].reaches_deliverable);
}

// Counts the deliverables among the artifacts (the divergent ones first), marks the causes that
// reach one, and sets the verdict.
inline void decide_verdict(DiffResult& r) {
    DiffSummary& s = r.summary;
    s.deliverables = s.divergent_deliverables = 0;
    for (RootCause& rc : r.root_causes) rc.reaches_deliverable = false;
    for (size_t i = 0; i < r.artifacts.size(); ++i) {
        const Artifact& a = r.artifacts[i];
        if (!a.deliverable) continue;
        ++s.deliverables;
        if (i >= s.divergent_artifacts) continue;
        ++s.divergent_deliverables;
        if (a.root_cause >= 0 && static_cast<size_t>(a.root_cause) < r.root_causes.size())
            r.root_causes[static_cast<size_t>(a.root_cause)].reaches_deliverable = true;
    }
    r.divergent = r.strict ? s.divergent_artifacts > 0 : s.divergent_deliverables > 0;
}

}  // namespace buildiff
