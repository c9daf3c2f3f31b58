// Temporaries by observation, from the recorded writes and what is left at the end.
#include "diff/temporaries.h"

#include <algorithm>
#include <string_view>
#include <map>
#include <set>
#include <tuple>

#include <fmt/core.h>

#include "diff/normalize.h"

namespace buildiff {

namespace {

// The directory holding PATH, "/" for the file system's root (parent_directory says "").
std::string parent_of(const std::string& path) {
    std::string p = parent_directory(path);
    return p.empty() ? "/" : p;
}

// Whether two names made in one place look like one namer's: a stem they share (a prefix and a
// suffix, 3 characters at least: "conf", "TryCompile-", "cmTC_", ".dir") around a part of 3
// characters or more that differs, of one length (mktemp's XXXXXX), or of digits only (a process
// id: autopoint's tmpwrk5903 and tmpwrk12401). Names such as "1" and "2" (CMake's
// CMakeFiles/Progress/2) are never given a shared name: it would replace every whole "2" in every
// argument and value.
bool random_pair(const std::string& a, const std::string& b) {
    size_t shorter = std::min(a.size(), b.size());
    size_t prefix = 0, suffix = 0;
    while (prefix < shorter && a[prefix] == b[prefix]) ++prefix;
    while (suffix < shorter - prefix && a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix])
        ++suffix;
    std::string_view ma = std::string_view(a).substr(prefix, a.size() - prefix - suffix),
                     mb = std::string_view(b).substr(prefix, b.size() - prefix - suffix);
    if (prefix + suffix < 3 || ma.size() < 3 || mb.size() < 3) return false;
    auto digits = [](std::string_view s) {
        return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    return a.size() == b.size() || (digits(ma) && digits(mb));
}

}  // namespace

std::vector<Temporary> temporary_dirs(const Recording& rec, const FinalWrites& final) {
    // Every directory that holds a file left at the end.
    std::set<std::string> alive;
    for (auto& [path, produced] : final)
        for (std::string d = parent_of(path); d != "/" && alive.insert(d).second;)
            d = parent_of(d);
    // A temporary, and each directory and file written under it -> the first write there.
    std::map<std::string, std::uint64_t> first;
    auto note = [&](const std::string& path, std::uint64_t t) {
        auto [it, added] = first.try_emplace(path, t);
        if (!added) it->second = std::min(it->second, t);
    };
    for (const ProcessRecord& p : rec.processes)
        for (const FileEvent& f : p.files) {
            if (f.op != FileOp::Write || f.path.empty() || f.path[0] != '/') continue;
            std::string dir = parent_of(f.path);
            if (alive.contains(dir) || dir == "/" || dir == "/tmp") continue;
            note(f.path, f.t_ns);
            note(dir, f.t_ns);
            while (!alive.contains(parent_of(dir)) && parent_of(dir) != "/" &&
                   parent_of(dir) != "/tmp") {
                dir = parent_of(dir);
                note(dir, f.t_ns);
            }
        }
    std::vector<Temporary> out;
    for (auto& [path, when] : first) out.push_back({path, when});
    std::stable_sort(out.begin(), out.end(),
                     [](const Temporary& a, const Temporary& b) { return a.first < b.first; });
    return out;
}

TemporaryNames pair_temporaries(const std::vector<Temporary>& left, const std::string& left_root,
                                const std::vector<Temporary>& right,
                                const std::string& right_root) {
    // A parent directory as both builds spell it: the root as ROOT_TOKEN, and each component
    // that was paired already (a shallower temporary) as its shared name.
    using Names = std::map<std::string, std::string>;
    Names left_names, right_names;
    auto spelled = [](const std::string& dir, const std::string& root, const Names& names) {
        std::string d = replace_root(dir, root, kRootToken), out;
        size_t i = 0;
        while (i <= d.size()) {
            size_t slash = d.find('/', i);
            if (slash == std::string::npos) slash = d.size();
            std::string part = d.substr(i, slash - i);
            auto it = names.find(part);
            out += (i ? "/" : "") + (it == names.end() ? part : it->second);
            i = slash + 1;
        }
        return out;
    };
    // Depth below the root where there is one (the roots' own depths may differ).
    auto depth = [](const std::string& path, const std::string& root) {
        std::string p = replace_root(path, root, kRootToken);
        return std::count(p.begin(), p.end(), '/');
    };
    // Parent as spelled -> the names made there, in order of their first write.
    auto places = [&](const std::vector<Temporary>& temps, const std::string& root,
                      const Names& names, long level) {
        std::map<std::string, std::vector<std::string>> out;
        for (const Temporary& t : temps) {
            if (depth(t.path, root) != level) continue;
            out[spelled(parent_of(t.path), root, names)].push_back(
                t.path.substr(t.path.rfind('/') + 1));
        }
        return out;
    };
    long deepest = 0;
    for (const Temporary& t : left) deepest = std::max<long>(deepest, depth(t.path, left_root));
    for (const Temporary& t : right) deepest = std::max<long>(deepest, depth(t.path, right_root));
    TemporaryNames pairs;
    int n = 0;
    // Shallower first: a directory's pairing spells its children's parents alike.
    for (long level = 1; level <= deepest; ++level) {
        auto l = places(left, left_root, left_names, level);
        auto r = places(right, right_root, right_names, level);
        for (auto& [place, made_left] : l) {
            auto it = r.find(place);
            if (it == r.end()) continue;
            // A name both builds made there is its own pair; each other name of the left pairs
            // with the first of the right, in order, that looks made by the same namer.
            std::set<std::string> in_left(made_left.begin(), made_left.end()), both;
            for (const std::string& b : it->second)
                if (in_left.contains(b)) both.insert(b);
            std::vector<std::string> only_left, only_right;
            for (const std::string& a : made_left)
                if (!both.contains(a)) only_left.push_back(a);
            for (const std::string& b : it->second)
                if (!both.contains(b)) only_right.push_back(b);
            std::vector<bool> taken(only_right.size());
            for (const std::string& a : only_left) {
                if (left_names.contains(a)) continue;
                size_t k = 0;
                while (k < only_right.size() &&
                       (taken[k] || right_names.contains(only_right[k]) ||
                        !random_pair(a, only_right[k])))
                    ++k;
                if (k == only_right.size()) continue;
                taken[k] = true;
                const std::string& b = only_right[k];
                std::string shared = fmt::format("$TMP{}", ++n);
                left_names[a] = right_names[b] = shared;
                pairs.left.emplace_back(a, shared);
                pairs.right.emplace_back(b, shared);
            }
        }
    }
    return pairs;
}

}  // namespace buildiff
