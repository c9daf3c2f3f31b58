// The artifacts' bytes: the build trees, the evidence, and the comparisons that read them.
#include "diff/artifacts.h"

#include "base/lines.h"

namespace buildiff {

TreeFiles::TreeFiles(Tree left, Tree right,
                     std::function<std::optional<Blob>(const std::string& hash)> evidence)
    : m_left(std::move(left)), m_right(std::move(right)), m_evidence(std::move(evidence)) {}

std::optional<Blob> TreeFiles::open(Side side, const std::string& recorded_path,
                                    const std::string& recorded) const {
    auto key = std::make_pair(side == Side::Left, recorded_path);
    auto known = m_found.find(key);
    if (known != m_found.end() && known->second == Source::None) return std::nullopt;
    // Evidence kept by an audit or a bundle, when the tree is gone or changed.
    auto evidence = [&]() -> std::optional<Blob> {
        return m_evidence ? m_evidence(recorded) : std::nullopt;
    };
    if (known != m_found.end() && known->second == Source::Evidence) return evidence();
    const Tree& tree = side == Side::Left ? m_left : m_right;
    std::string path = recorded_path;
    std::string beside = parent_directory(tree.recorded_root);
    if (!tree.now.empty() && path.starts_with(tree.recorded_root + "/"))
        path = tree.now + path.substr(tree.recorded_root.size());
    else if (!tree.now.empty() && !beside.empty() && path.starts_with(beside + "/"))
        path = parent_directory(tree.now) + path.substr(beside.size());  // written beside it
    Result<Blob> b = Blob::open(path);
    if (known != m_found.end() && b) return *b;  // the tree's file, verified before
    if (b && b->hash().hex() == recorded) {
        m_found[key] = Source::Tree;
        return *b;
    }
    std::optional<Blob> kept = evidence();
    m_found[key] = kept ? Source::Evidence : Source::None;
    return kept;
}

std::optional<Blob> ArtifactComparer::bytes(const SideView& s, const std::string& artifact,
                                            const std::string& recorded) const {
    auto it = s.real_path.find(artifact);
    if (it == s.real_path.end()) return std::nullopt;
    return m_files.open(s.side, it->second, recorded);
}

bool ArtifactComparer::outputs_embed_root(int l, int r) const {
    constexpr std::uint64_t kMaxScan = 256ull << 20;
    bool checked = false;
    for (auto [side, id] : {std::pair{&m_left, l}, std::pair{&m_right, r}}) {
        const SideView& other = side == &m_left ? m_right : m_left;
        for (const Interned& artifact : side->owned.values(id)) {
            auto h = side->hash.find(artifact);
            // The same content on both sides cannot hold two different roots.
            if (auto o = other.hash.find(artifact);
                h != side->hash.end() && o != other.hash.end() && o->second == h->second) {
                checked = true;
                continue;
            }
            std::optional<Blob> b =
                h == side->hash.end() ? std::nullopt : bytes(*side, artifact, h->second);
            if (!b || b->size() > kMaxScan) return true;
            Result<std::string> bytes = b->read(0, static_cast<std::size_t>(b->size()));
            if (!bytes) return true;
            checked = true;
            if (bytes->find(side->rec.cwd) != std::string::npos) return true;
        }
    }
    return !checked;
}

std::set<std::string> ArtifactComparer::dep_info_env(int l, int r) const {
    constexpr std::uint64_t kMaxDepInfo = 16ull << 20;
    constexpr std::string_view kMark = "# env-dep:";
    std::set<std::string> out;
    for (auto [side, id] : {std::pair{&m_left, l}, std::pair{&m_right, r}}) {
        for (const Interned& artifact : side->owned.values(id)) {
            auto h = side->hash.find(artifact);
            if (!artifact.ends_with(".d") || h == side->hash.end()) continue;
            std::optional<Blob> b = bytes(*side, artifact, h->second);
            if (!b || b->size() > kMaxDepInfo) continue;
            Result<std::string> text = b->read(0, static_cast<std::size_t>(b->size()));
            if (!text) continue;
            for (std::string_view line : lines_of(*text))
                if (line.starts_with(kMark)) {
                    line.remove_prefix(kMark.size());
                    out.emplace(line.substr(0, line.find('=')));
                }
        }
    }
    return out;
}

void ArtifactComparer::deepen(Artifact& a) {
    Difference content;
    content.kind = "content";
    content.description = "content differs";
    content.left = a.left_hash;
    content.right = a.right_hash;
    std::optional<Blob> l = bytes(m_left, a.path, a.left_hash),
                        r = bytes(m_right, a.path, a.right_hash);
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

}  // namespace buildiff
