// The artifacts' bytes, for the deep comparison and the build-path check: where a file's
// recorded content can be read now (its build tree, evidence kept by an audit or a bundle, or
// nowhere) behind one interface, so that the differ runs as well on files held in memory.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "base/blob.h"
#include "diff/compare.h"
#include "diff/index.h"
#include "diff/model.h"

namespace buildiff {

class ArtifactFiles {
  public:
    virtual ~ArtifactFiles() = default;
    // The file a side's build wrote at PATH (as recorded), when its bytes are still those
    // recorded (content hash RECORDED); nothing when they are not to be had.
    virtual std::optional<Blob> open(Side side, const std::string& path,
                                     const std::string& recorded) const = 0;
};

// The build trees, where they are now (an audit moves each run's tree aside), and failing that
// the evidence kept by content hash. Each file is hashed once: the build-path check and the deep
// comparison ask for the same files. (Blobs are not kept: each holds a descriptor, and a big
// build has thousands of divergent artifacts.)
class TreeFiles : public ArtifactFiles {
  public:
    struct Tree {
        std::string recorded_root;  // the build root as recorded
        std::string now;            // where it is now; empty: where it was recorded
    };
    TreeFiles(Tree left, Tree right,
              std::function<std::optional<Blob>(const std::string& hash)> evidence);
    std::optional<Blob> open(Side side, const std::string& path,
                             const std::string& recorded) const override;

  private:
    enum class Source { None, Tree, Evidence };
    Tree m_left, m_right;
    std::function<std::optional<Blob>(const std::string& hash)> m_evidence;
    mutable std::map<std::pair<bool, std::string>, Source> m_found;
};

// Looks into the two builds' artifacts: compares a divergent artifact's two versions in depth,
// and tells whether a pair's outputs embed their build root.
class ArtifactComparer {
  public:
    ArtifactComparer(const SideView& left, const SideView& right, const ArtifactFiles& files)
        : m_left(left), m_right(right), m_files(files) {}
    // Adds the comparators' findings to a divergent artifact (or says why there are none).
    void deepen(Artifact& a);
    // Whether what a pair wrote holds its own build root (so a difference between two roots is
    // the build path), looked up in the files. Unknown (files gone) counts as yes.
    bool outputs_embed_root(int l, int r) const;
    // The variables the dep-info a pair wrote (rustc's `*.d`) lists as read by the crate at
    // compile time (`# env-dep:NAME=VALUE`, from `env!` or `option_env!`).
    std::set<std::string> dep_info_env(int l, int r) const;

  private:
    std::optional<Blob> bytes(const SideView& s, const std::string& artifact,
                              const std::string& recorded) const;

    const SideView& m_left;
    const SideView& m_right;
    const ArtifactFiles& m_files;
    Comparer m_comparer;
};

}  // namespace buildiff
