// The semantic difference of two command lines of one tool, said in words from the flag tables.
#include "diff/flag_diff.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/core.h>

#include "toolchain/rustc_libs.h"

namespace buildiff {

namespace {

std::string ordered_name(const std::string& key) {
    static const std::map<std::string, std::string, std::less<>> names = {
        {"input", "input"},
        {"-I", "include search path"},
        {"-L", "library search path"},
        {"-l", "library"},
        {"-Wl,", "linker argument"},
        {"-C link-arg", "linker argument"},
        {"-isystem", "system include path"},
        {"--remap-path-prefix", "path remapping"},
    };
    auto it = names.find(key);
    return it != names.end() ? it->second : "`" + key + "`";
}

std::string shown(const ParsedArg& a) {
    return "`" + a.text + "`";
}

std::string spelled(const NativeLib& lib) {
    std::string out;
    for (const std::string& s : lib.spelled) out += (out.empty() ? "`-l " : " -l ") + s;
    return out + "`";
}

// rustc's `-l`: the native libraries compared by what rustc makes of them (toolchain/rustc_libs),
// not by their spelling.
void native_lib_changes(const std::vector<std::string>& left,
                        const std::vector<std::string>& right, std::vector<FlagChange>& out) {
    std::vector<NativeLib> l = rustc_native_libs(left), r = rustc_native_libs(right);
    auto find = [](const std::vector<NativeLib>& libs, const std::string& name) {
        auto it = std::find_if(libs.begin(), libs.end(),
                               [&](const NativeLib& x) { return x.name == name; });
        return it == libs.end() ? nullptr : &*it;
    };
    auto add = [&](const char* change, std::string lv, std::string rv, std::string text) {
        out.push_back(FlagChange{change, "linker", "-l", std::move(lv), std::move(rv),
                                 std::move(text), true});
    };
    bool changed = false;
    for (const NativeLib& a : l) {
        const NativeLib* b = find(r, a.name);
        if (!b) {
            add("removed", describe_native_lib(a), "",
                fmt::format("removed native library `{}`: {} ({}) (linker)", a.name,
                            describe_native_lib(a), spelled(a)));
        } else if (!(a == *b)) {
            add("changed", describe_native_lib(a), describe_native_lib(*b),
                fmt::format("native library `{}`: {} -> {} ({} -> {}) (linker)", a.name,
                            describe_native_lib(a), describe_native_lib(*b), spelled(a),
                            spelled(*b)));
        }
        changed |= !b || !(a == *b);
    }
    for (const NativeLib& b : r)
        if (!find(l, b.name)) {
            add("added", "", describe_native_lib(b),
                fmt::format("added native library `{}`: {} ({}) (linker)", b.name,
                            describe_native_lib(b), spelled(b)));
            changed = true;
        }
    bool same_order = l.size() == r.size() &&
                      std::equal(l.begin(), l.end(), r.begin(), [](auto& x, auto& y) {
                          return x.name == y.name;
                      });
    if (!changed && !same_order) add("reordered", "", "", "native library order changed (linker)");
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
        if (family == FlagFamily::Rustc && key == "-l") {
            native_lib_changes(left, right, changes);
            continue;
        }
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
