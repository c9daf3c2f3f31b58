// The differ's index of one build: each artifact (a file the build left under its root) and its
// owner, the invocation the build made that produced it. The writing process is lifted through
// the processes a compiler driver, rustc or a cache wrapper runs internally (cc1, as, collect2,
// ld); a file an sccache server wrote belongs to the client whose output it is.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/interned.h"
#include "diff/grouped.h"
#include "diff/model.h"
#include "diff/normalize.h"
#include "recording/analysis.h"
#include "recording/recording.h"

namespace buildiff {

// A cache wrapper's client call (ccache gcc ..., sccache rustc ...).
bool is_client(const ProcessRecord& p);
// The command a client call wraps (argv from the wrapped tool on), its tool and kind; for any
// other process its own.
std::vector<std::string> peeled_argv(const ProcessRecord& p);
std::string peeled_tool(const ProcessRecord& p);
std::string peeled_kind(const ProcessRecord& p);
std::string join(const std::vector<std::string>& v, std::string_view sep);
std::string join(const std::vector<Interned>& v, std::string_view sep);

// One build, indexed for the comparison.
struct SideView {
    const Recording& rec;
    Side side;
    const Normalizer& norm;
    Analysis analysis;
    std::unordered_map<int, int> client_of;        // compile run by a cache server -> its client
    std::map<int, std::vector<int>> served;        // client -> compiles the server ran for it
    std::vector<int> lifted;                       // record -> its owner-level invocation
    // Paths and hashes are interned (one copy each, however many tables name them), and looked
    // up by any string.
    FlatMap<Interned, Interned> hash;       // artifact (normalised) -> content hash
    FlatMap<Interned, int> owner;           // artifact (normalised) -> owner record
    FlatMap<Interned, Interned> real_path;  // artifact (normalised) -> path on disk
    // Path (normalised) -> when each owner-level invocation that wrote it did, and which, in
    // record order (a file updated in place, as `ar s` or `strip` do, has several).
    Grouped<Interned, std::pair<std::uint64_t, int>> writers;
    // Content hash -> the owner-level invocations that wrote it, anywhere, even to a file gone
    // by the end (a file copied into the tree from a temporary directory has the same hash as
    // its source); each once.
    Grouped<Interned, int> writers_by_hash;
    Grouped<int, Interned> owned;                // owner record -> its artifacts, in path order
    FlatSet<Interned> produced;                  // every path the build wrote (normalised)
    // Artifacts an invocation other than their owner read after they were written: what the
    // build made to build something else from (objects, archives, rlibs), not what it delivered.
    FlatSet<Interned> consumed;
    std::vector<int> top;                           // owner-level invocations, in start order
    // Files the build left outside its root and the directory beside it (normalised) -> where
    // (as recorded) and their content hash. Not a cache's storage (a cache server's own files,
    // what lies under a cache directory the writer names: CCACHE_DIR, SCCACHE_DIR, CARGO_HOME,
    // ~/.cache, ...), nor /dev, /proc or /sys.
    std::map<std::string, std::pair<std::string, std::string>> outside;

    // FINAL: the recording's final writes when the caller has them already (replayed once).
    SideView(const Recording& r, Side s, const Normalizer& n, const FinalWrites* final = nullptr);

    const ProcessRecord& at(int id) const { return rec.processes[static_cast<size_t>(id)]; }
    // What an invocation read, with what it ran internally (and what a server ran for it).
    std::map<std::string, std::string> inputs(int id) const;
    // What may have reached invocation ID through pipes, which the recording does not see: what
    // the processes it started read (dpkg-deb writes what its tar child read), and what the
    // processes beside it in a pipeline read, those with its parent that ran while it did, with
    // everything they started (`find | xargs md5sum | perl > md5sums`).
    std::map<std::string, std::string> piped_inputs(int id) const;
    InvocationRef ref(int id) const;
    // Tool, normalised command line and cwd: what pairs an invocation by its command.
    std::string command_key(int id) const;
    // The nearest owner-level invocation above this one, or -1.
    int parent_top(int id) const;
    // The command that really ran for invocation ID: for a client call, the compile a cache
    // server ran for it (the last that compiles: not its preprocessing, its `--emit dep-info`
    // pass or its probes), or the last compile among the wrapper's own children; ID itself
    // otherwise (and for a client call served from the cache).
    int effective(int id) const;

  private:
    void link_server_compiles();
    void lift_all();
    void index_outputs(const FinalWrites& final);
};

}  // namespace buildiff
