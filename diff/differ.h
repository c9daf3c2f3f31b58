// Comparing two recordings: match invocations, compare them and their artifacts, and explain
// every divergent artifact by the earliest invocations whose own configuration or behaviour
// diverged (the root causes).
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/blob.h"
#include "diff/model.h"
#include "recording/recording.h"

namespace buildiff {

class ArtifactFiles;

struct DiffOptions {
    std::vector<std::pair<std::string, std::string>> maps;  // --map OLD=NEW
    std::vector<std::string> ignore;  // --ignore GLOB: artifacts whose divergence is known noise
    // Where each build's root is on disk now, when it was moved after recording (audit runs in
    // one directory and moves each tree aside); empty: where it was recorded.
    std::string left_tree, right_tree;
    // Variables the caller changed on purpose between the two builds (an audit's cache set-up:
    // CC, RUSTC_WRAPPER, CCACHE_DIR, ...): shown, never a cause; what the cache did is judged.
    std::set<std::string> treatment_env;
    // Recorded files kept elsewhere, by their recorded content hash (an audit's or a bundle's
    // evidence), for when a build tree is gone: returns the content, or nothing.
    std::function<std::optional<Blob>(const std::string& hash)> evidence;
    // Where the artifacts' bytes are read from; null: the build trees (left_tree, right_tree),
    // then the evidence. Tests give files held in memory.
    const ArtifactFiles* files = nullptr;
    // The directories holding the two roots were each build's own, even under one name (an
    // audit's runs, each in trees/RUN/SRC or moved there): what was written beside is compared.
    bool private_parents = false;
    // Every divergent file decides the verdict, not only the deliverables (--strict).
    bool strict = false;
};

DiffResult diff_recordings(const Recording& left, const Recording& right,
                           const DiffOptions& options);

// CI tolerances: root causes of these kinds (names as in the schema: "build-path", ...) are
// known and accepted. They leave the result, and so do the divergent artifacts that only they
// explain (counted in summary.ignored_artifacts; summary.tolerated_causes counts the causes).
void tolerate_kinds(DiffResult& result, const std::set<std::string>& kinds);

// `buildiff explain`: the invocations that produced PATH, from the last back to the sources:
// each with its argv and the build-produced inputs that led to the next.
struct ExplainStep {
    std::string path;  // the file this invocation produced
    InvocationRef invocation;
    std::vector<std::string> inputs;  // inputs it read that the build produced
};
Result<std::vector<ExplainStep>> explain_path(const Recording& rec, const std::string& path);

}  // namespace buildiff
