// Facts derived from a recording: which crate a process works for, whether a cache wrapper
// served its result from the cache, the process tree and a summary.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "recording/recording.h"
#include "toolchain/command_line.h"

namespace buildiff {

enum class CrateRole {
    None,
    BuildScript,  // the build script of the crate, or a process it launched (directly, or
                  // through a cache server that ran it with the build script's environment)
    Rustc,        // rustc compiling the crate, or a process rustc launched (its linker)
};
std::string_view crate_role_name(CrateRole role);

struct Attribution {
    CrateRole role = CrateRole::None;
    // (Interned: a hundred thousand steps, few crates.)
    Interned crate;    // CARGO_PKG_NAME of the build script, or rustc's --crate-name
    Interned out_dir;  // the build script's OUT_DIR
};

// What a cache wrapper's client call did.
enum class CacheOutcome {
    Unknown,      // not a client call, or not to be told from the recording
    Hit,          // served from the cache
    Miss,         // compiled, and (by the wrapper's design) stored in the cache
    Uncacheable,  // the wrapper ran the tool itself, outside its cache (a link through ccache;
                  // assembly, a bin or cdylib crate, a build script through sccache)
    Probe,        // compiles nothing (`sccache rustc -vV`, `ccache gcc --version`)
};
// "hit", "miss", "uncacheable", "probe"; "" for Unknown.
std::string_view cache_outcome_name(CacheOutcome outcome);
// Whether the output came from the cache: true for a hit, false for a miss or an uncacheable
// call, none otherwise.
std::optional<bool> served_from_cache(CacheOutcome outcome);
// In words for the reports: "cache hit", "cache miss", "not cacheable", "a probe, compiles
// nothing"; "" for Unknown.
std::string_view cache_outcome_phrase(CacheOutcome outcome);

struct Analysis {
    std::vector<Attribution> attribution;  // by record id
    std::vector<CacheOutcome> cache;       // by record id
    // For a compile an sccache server ran (a compiler driver or rustc it started): the client
    // call it served, matched by the wrapped command line or the output, during the call; -1
    // for every other record.
    std::vector<int> served_by;
    std::vector<std::vector<int>> children;  // by record id, in id order
    std::vector<int> roots;
};

Analysis analyze(const Recording& rec);

// The value of FLAG in a command line ("-o x", "-o=x" is not gcc's but "--crate-name=x" is).
std::optional<std::string> arg_value(const std::vector<std::string>& argv, std::string_view flag);
// PATH made absolute against CWD (lexically; PATH is returned as is when absolute).
std::string absolute_path(const std::string& cwd, const std::string& path);

// The absolute path a command names with -o (-oFILE, --output), if it does.
std::optional<std::string> output_path(const ProcessRecord& p);

// Whether a process compiles: an assembler, or a compiler driver, compiler proper or rustc that
// neither only preprocesses (-E) nor only probes (--version, rustc -vV or --print, rustc
// --emit dep-info alone).
bool is_compiling(const ProcessRecord& p);

// Whether a cache-wrapper client call wraps a compile (not a probe such as `sccache rustc -vV`
// or `ccache gcc --version`, which are neither hits nor misses).
bool wraps_compile(const ProcessRecord& client);

// The value of NAME in the record's environment, if set.
std::optional<std::string> env_value(const Recording& rec, const ProcessRecord& p,
                                     std::string_view name);

// The last content each path was given during the build and which record gave it, following
// renames and links (a file written under a temporary name and renamed keeps its writer).
// Paths deleted by the end of the build are absent.
struct Produced {
    Interned hash;
    int producer = -1;
};
// By path (interned, as the recording's paths are; looked up by any string).
using FinalWrites = std::map<Interned, Produced, std::less<>>;
FinalWrites final_writes(const Recording& rec);

struct Summary {
    size_t processes = 0;
    std::map<std::string, size_t> by_kind;  // kind name -> count
    // crate -> {build-script processes, rustc processes}
    std::map<std::string, std::pair<size_t, size_t>> by_crate;
    size_t files_read = 0, files_written = 0;
    // Cache-wrapper client calls, by outcome.
    size_t cache_hits = 0, cache_misses = 0, cache_uncacheable = 0, cache_unknown = 0,
           cache_probes = 0;
    std::uint64_t wall_ns = 0;
    std::uint64_t cpu_ns = 0;
    size_t failed = 0;  // processes that exited non-zero or died of a signal
};
Summary summarize(const Recording& rec, const Analysis& analysis);

}  // namespace buildiff
