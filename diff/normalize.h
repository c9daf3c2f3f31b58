// Normalisation: what differs between two builds without mattering (build roots, temporary
// names, cargo's hash-bearing names) is rewritten to one spelling before comparing.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace buildiff {

enum class Side { Left, Right };

class Normalizer {
  public:
    // `maps`: the user's --map OLD=NEW, applied to both sides (before the roots).
    // `private_parents`: the directories holding the roots were each build's own even where
    // they had one name (an audit that builds every run in trees/build and moves it aside).
    Normalizer(std::string left_root, std::string right_root,
               std::vector<std::pair<std::string, std::string>> maps = {},
               bool private_parents = false);
    // Any string: a path, an argument, an environment value.
    std::string operator()(Side side, std::string_view text) const;
    // Only the places: --map, the root and the directory beside it; names that follow content
    // or chance (temporaries, build IDs, cargo's hashes) are left as they are.
    std::string places(Side side, std::string_view text) const;
    const std::string& root(Side side) const { return side == Side::Left ? m_left : m_right; }
    // Each side's temporary directories' names and the name each pair shares
    // (diff/temporaries.h), replaced wherever they stand as a whole name.
    void set_temporaries(std::vector<std::pair<std::string, std::string>> left,
                         std::vector<std::pair<std::string, std::string>> right);

  private:
    std::string m_left, m_right;
    // The directories holding the roots, when they differ (/ci/a/src, /ci/b/src): what a build
    // wrote beside its tree is "$ROOT/../NAME", and compared as the tree's own files are.
    std::string m_left_beside, m_right_beside;
    std::vector<std::pair<std::string, std::string>> m_maps;
    std::vector<std::pair<std::string, std::string>> m_left_temps, m_right_temps;
};

// The rewriting steps on their own (exposed for tests).
std::string replace_root(std::string_view text, std::string_view root, std::string_view with);
std::string normalize_volatile(std::string_view text);  // temp names, cargo hashes

inline constexpr std::string_view kRootToken = "$ROOT";
inline constexpr std::string_view kBesideRootToken = "$ROOT/..";

// The directory holding ROOT, or "" for the file system's root.
std::string parent_directory(std::string_view root);

}  // namespace buildiff
