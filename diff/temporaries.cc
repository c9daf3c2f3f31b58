// Temporaries by observation, from the recorded writes and what is left at the end.
#include "diff/temporaries.h"

#include <algorithm>
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

// Whether two names made in one place look like one namer's random names: a stem they share (a
// prefix and a suffix, 3 characters at least: "conf", "TryCompile-", "cmTC_", ".dir") around a
// part of 3 characters or more that differs. Names such as "1" and "2" (a file a step numbered)
// are not given a shared name: it would replace every whole "2" in every argument and value.
bool random_pair(const std::string& a, const std::string& b) {
    if (a.size() != b.size() || a.size() < 6) return false;
    size_t prefix = 0, suffix = 0;
    while (prefix < a.size() && a[prefix] == b[prefix]) ++prefix;
    while (suffix < a.size() - prefix && a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix])
        ++suffix;
    return prefix + suffix >= 3 && a.size() - prefix - suffix >= 3;
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
    // (parent as spelled, name length) -> the names made there, in order of their first write.
    using Place = std::pair<std::string, size_t>;
    auto places = [&](const std::vector<Temporary>& temps, const std::string& root,
                      const Names& names, long level) {
        std::map<Place, std::vector<std::string>> out;
        for (const Temporary& t : temps) {
            if (depth(t.path, root) != level) continue;
            std::string name = t.path.substr(t.path.rfind('/') + 1);
            out[{spelled(parent_of(t.path), root, names), name.size()}].push_back(name);
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
            for (size_t k = 0; k < made_left.size() && k < it->second.size(); ++k) {
                const std::string &a = made_left[k], &b = it->second[k];
                if (a == b || !random_pair(a, b) || left_names.contains(a) ||
                    right_names.contains(b))
                    continue;
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
