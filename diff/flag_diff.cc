// The semantic difference of two command lines of one tool, said in words from the flag tables.
#include "diff/flag_diff.h"

#include <map>
#include <set>

#include <fmt/core.h>

namespace buildiff {

namespace {

std::string ordered_name(const std::string& key) {
    static const std::map<std::string, std::string, std::less<>> names = {
        {"input", "input"},
        {"-I", "include search path"},
        {"-L", "library search path"},
        {"-l", "library"},
        {"-Wl,", "linker argument"},
        {"-isystem", "system include path"},
        {"--remap-path-prefix", "path remapping"},
    };
    auto it = names.find(key);
    return it != names.end() ? it->second : "`" + key + "`";
}

std::string shown(const ParsedArg& a) {
    return "`" + a.text + "`";
}

}  // namespace

std::vector<FlagChange> diff_commands(FlagFamily family, const std::vector<std::string>& left,
                                      const std::vector<std::string>& right) {
    auto lp = parse_command(family, left), rp = parse_command(family, right);
    // Group by key, keeping order of first appearance (left, then right).
    std::vector<std::string> keys;
    std::map<std::string, std::pair<std::vector<const ParsedArg*>, std::vector<const ParsedArg*>>>
        by_key;
    for (auto* side : {&lp, &rp})
        for (const ParsedArg& a : *side) {
            auto [it, inserted] = by_key.try_emplace(a.key);
            if (inserted) keys.push_back(a.key);
            (side == &lp ? it->second.first : it->second.second).push_back(&a);
        }
    std::vector<FlagChange> changes;
    auto add = [&](const char* what, const ParsedArg& ref, std::string l, std::string r,
                   std::string text) {
        changes.push_back(FlagChange{what, std::string(category_name(ref.category)), ref.key,
                                     std::move(l), std::move(r), std::move(text),
                                     affects_output(ref.category)});
    };
    for (const std::string& key : keys) {
        auto& [ls, rs] = by_key[key];
        const ParsedArg& ref = ls.empty() ? *rs.front() : *ls.front();
        std::string cat(category_name(ref.category));
        bool is_define = key.starts_with("-D ") && ref.category == Category::Preprocessor;
        std::string define = is_define ? key.substr(3) : "";
        if (ref.multi == Multi::Ordered) {
            std::vector<std::string> lv, rv;
            for (auto* a : ls) lv.push_back(a->value);
            for (auto* a : rs) rv.push_back(a->value);
            if (lv == rv) continue;
            const std::multiset<std::string> lset(lv.begin(), lv.end()), rset(rv.begin(), rv.end());
            if (lset == rset) {
                add("reordered", ref, "", "",
                    fmt::format("{} order changed ({})", ordered_name(key), cat));
                continue;
            }
            // Each value matched at most once: what the right has beyond the left was added,
            // what the left has beyond the right was removed.
            auto unmatched = [](std::multiset<std::string> pool, const auto& args) {
                std::vector<const ParsedArg*> out;
                for (auto* a : args)
                    if (auto it = pool.find(a->value); it != pool.end())
                        pool.erase(it);
                    else
                        out.push_back(a);
                return out;
            };
            for (auto* a : unmatched(lset, rs))
                add("added", *a, "", a->value, fmt::format("added {} ({})", shown(*a), cat));
            for (auto* a : unmatched(rset, ls))
                add("removed", *a, a->value, "", fmt::format("removed {} ({})", shown(*a), cat));
            continue;
        }
        // Last, ByName, Set: the last occurrence on each side decides.
        const ParsedArg* l = ls.empty() ? nullptr : ls.back();
        const ParsedArg* r = rs.empty() ? nullptr : rs.back();
        if (l && r && l->value == r->value) continue;
        if (l && r) {
            add("changed", ref, l->value, r->value,
                is_define
                    ? fmt::format("define `{}` {} -> {} ({})", define, l->value, r->value, cat)
                    : fmt::format("{} -> {} ({})", shown(*l), shown(*r), cat));
        } else if (r) {
            add("added", *r, "", r->value,
                is_define ? fmt::format("added define `{}`={} ({})", define, r->value, cat)
                          : fmt::format("added {} ({})", shown(*r), cat));
        } else {
            add("removed", *l, l->value, "",
                is_define ? fmt::format("removed define `{}`={} ({})", define, l->value, cat)
                          : fmt::format("removed {} ({})", shown(*l), cat));
        }
    }
    return changes;
}

}  // namespace buildiff
