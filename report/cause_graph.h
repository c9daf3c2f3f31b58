// A root cause's producer-to-consumer graph, as the reports draw it: the cause's step first, then
// the artifacts it explains, each after the explained files it was built from (an object into an
// archive, the archive into a program), bookkeeping collapsed into one node with a count, and a
// column of more than a few files folded by directory. Laid out in layers (one per step away from
// the cause) and drawn as an inline SVG that needs no JavaScript; the same nodes and edges are in
// the JSON report.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "diff/model.h"

namespace buildiff {

struct GraphNode {
    std::string kind;    // "step", "artifact", "folder" (files of one directory), "bookkeeping"
    std::string label;   // what the node shows (a file's name, "src/ (12 files)", "cc (flags)")
    std::string path;    // the artifact's path; a folder's directory; "" otherwise
    std::string status;  // an artifact's: different, only-left, only-right; "" otherwise
    std::string badge;   // the telling difference shown below it: "symbol", "member", "section"
    std::size_t count = 1;  // files a folder or the bookkeeping node stands for
    int layer = 0, row = 0;
};

struct CauseGraph {
    std::vector<GraphNode> nodes;                 // nodes[0] is the cause's step
    std::vector<std::pair<std::size_t, std::size_t>> edges;  // producer -> consumer, by index
};

// The report's artifacts by path (an index into r.artifacts), built once for every cause's graph.
using ArtifactIndex = std::unordered_map<std::string_view, std::size_t>;
ArtifactIndex index_artifacts(const DiffResult& r);

// Root cause CAUSE's graph: its first LIMIT explained files, a layer holding more than
// MAX_PER_LAYER files folded by directory (and what is still more into one "more" folder).
CauseGraph cause_graph(const DiffResult& r, std::size_t cause, const ArtifactIndex& artifacts,
                       std::size_t limit = 200, std::size_t max_per_layer = 8);

// The graph as an inline SVG (HTML-escaped text, a <title> per node with its whole path, each
// artifact with a difference below linked to ANCHORS' entry for its path).
std::string cause_graph_svg(const CauseGraph& graph, std::size_t cause,
                            const std::map<std::string, std::string>& anchors);

}  // namespace buildiff
