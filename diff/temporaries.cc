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

}  // namespace

std::vector<Temporary> temporary_dirs(const Recording& rec, const FinalWrites& final) {
    // Every directory that holds a file left at the end.
    std::set<std::string> alive;
    for (auto& [path, produced] : final)
        for (std::string d = parent_of(path); d != "/" && alive.insert(d).second;)
            d = parent_of(d);
    std::map<std::string, std::uint64_t> first;  // temporary directory -> first write under it
    for (const ProcessRecord& p : rec.processes)
        for (const FileEvent& f : p.files) {
            if (f.op != FileOp::Write || f.path.empty() || f.path[0] != '/') continue;
            std::string dir = parent_of(f.path);
            if (alive.contains(dir) || dir == "/" || dir == "/tmp") continue;
            while (!alive.contains(parent_of(dir)) && parent_of(dir) != "/" &&
                   parent_of(dir) != "/tmp")
                dir = parent_of(dir);
            auto [it, added] = first.try_emplace(dir, f.t_ns);
            if (!added) it->second = std::min(it->second, f.t_ns);
        }
    std::vector<Temporary> out;
    for (auto& [dir, when] : first) out.push_back({dir, when});
    std::stable_sort(out.begin(), out.end(),
                     [](const Temporary& a, const Temporary& b) { return a.first < b.first; });
    return out;
}

TemporaryNames pair_temporaries(const std::vector<Temporary>& left, const std::string& left_root,
                                const std::vector<Temporary>& right,
                                const std::string& right_root) {
    // (parent with the root as a token, name length) -> the names made there, in order.
    using Place = std::pair<std::string, size_t>;
    auto places = [](const std::vector<Temporary>& temps, const std::string& root) {
        std::map<Place, std::vector<std::string>> out;
        for (const Temporary& t : temps) {
            std::string name = t.path.substr(t.path.rfind('/') + 1);
            out[{replace_root(parent_of(t.path), root, kRootToken), name.size()}].push_back(name);
        }
        return out;
    };
    std::map<Place, std::vector<std::string>> l = places(left, left_root),
                                              r = places(right, right_root);
    TemporaryNames names;
    int n = 0;
    for (auto& [place, left_names] : l) {
        auto it = r.find(place);
        if (it == r.end()) continue;
        for (size_t k = 0; k < left_names.size() && k < it->second.size(); ++k) {
            if (left_names[k] == it->second[k]) continue;
            std::string shared = fmt::format("$TMP{}", ++n);
            names.left.emplace_back(left_names[k], shared);
            names.right.emplace_back(it->second[k], shared);
        }
    }
    return names;
}

}  // namespace buildiff
