// Matching: pairs the invocations of two builds, in three passes of decreasing certainty.
#include "diff/match.h"

#include <cstdint>
#include <map>

namespace buildiff {

Matching match_invocations(const SideView& left, const SideView& right) {
    Matching m;
    m.left_to_right.assign(left.rec.processes.size(), -1);
    m.right_to_left.assign(right.rec.processes.size(), -1);
    auto pair = [&](int l, int r) {
        m.left_to_right[static_cast<size_t>(l)] = r;
        m.right_to_left[static_cast<size_t>(r)] = l;
        ++m.paired;
    };
    // 1. By the artifacts they own (unique on both sides): their normalised paths' interned
    //    numbers, the same on both sides for the same path.
    using Owners = std::map<std::vector<std::uint32_t>, std::vector<int>>;
    Owners lo, ro;
    for (auto sides : {std::pair{&left, &lo}, std::pair{&right, &ro}}) {
        Owners& out = *sides.second;
        sides.first->owned.for_each_group([&](int id, auto entries) {
            std::vector<std::uint32_t> key;
            for (auto& [owner, path] : entries) key.push_back(path.id());
            out[std::move(key)].push_back(id);
        });
    }
    for (auto& [key, ids] : lo)
        if (auto it = ro.find(key); it != ro.end() && ids.size() == 1 && it->second.size() == 1)
            pair(ids[0], it->second[0]);
    // 2. By tool, normalised command line and cwd, in order of occurrence.
    std::map<std::string, std::vector<int>> rk;
    for (int id : right.top)
        if (m.right_to_left[static_cast<size_t>(id)] < 0) rk[right.command_key(id)].push_back(id);
    std::map<std::string, size_t> used;
    for (int id : left.top) {
        if (m.left_to_right[static_cast<size_t>(id)] >= 0) continue;
        std::string key = left.command_key(id);
        auto it = rk.find(key);
        if (it == rk.end()) continue;
        size_t& n = used[key];
        while (n < it->second.size() && m.right_to_left[static_cast<size_t>(it->second[n])] >= 0)
            ++n;
        if (n < it->second.size()) pair(id, it->second[n++]);
    }
    // 3. What is left (probes, commands whose arguments changed): by tool, in order, among
    //    the children of already paired parents.
    std::map<std::pair<int, std::string>, std::vector<int>> rp;
    for (int id : right.top)
        if (m.right_to_left[static_cast<size_t>(id)] < 0)
            rp[{right.parent_top(id), peeled_tool(right.at(id))}].push_back(id);
    std::map<std::pair<int, std::string>, size_t> next;
    for (int id : left.top) {
        if (m.left_to_right[static_cast<size_t>(id)] >= 0) continue;
        int lp = left.parent_top(id);
        int rparent = lp >= 0 ? m.left_to_right[static_cast<size_t>(lp)] : -1;
        if (lp >= 0 && rparent < 0) continue;
        std::pair<int, std::string> key{rparent, peeled_tool(left.at(id))};
        auto it = rp.find(key);
        if (it == rp.end()) continue;
        size_t& n = next[key];
        while (n < it->second.size() && m.right_to_left[static_cast<size_t>(it->second[n])] >= 0)
            ++n;
        if (n < it->second.size()) pair(id, it->second[n++]);
    }
    for (int id : left.top) m.missing += m.left_to_right[static_cast<size_t>(id)] < 0;
    for (int id : right.top) m.extra += m.right_to_left[static_cast<size_t>(id)] < 0;
    return m;
}

}  // namespace buildiff
