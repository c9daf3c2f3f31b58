#include "diff/string_sections.h"

#include <algorithm>
#include <map>
#include <unordered_map>

#include <fmt/core.h>

#include "base/lines.h"
#include "diff/looks_like.h"
#include "recording/recording.h"

namespace buildiff {

namespace {


// Two strings are one string changed when what they share at both ends is at least half of the
// longer one ("built at 09:17:28" and "built at 09:17:29"; two build paths of one file).
bool similar(std::string_view a, std::string_view b) {
    size_t n = std::min(a.size(), b.size());
    size_t prefix = 0;
    while (prefix < n && a[prefix] == b[prefix]) ++prefix;
    size_t suffix = 0;
    while (suffix < n - prefix && a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix]) ++suffix;
    return 2 * (prefix + suffix) >= std::max(a.size(), b.size());
}

// The strings of ONE not among OTHER's, counted as a multiset, in ONE's order.
std::vector<std::string_view> unmatched(const std::vector<std::string_view>& one,
                                        const std::vector<std::string_view>& other) {
    std::unordered_map<std::string_view, size_t> count;
    for (std::string_view s : other) ++count[s];
    std::vector<std::string_view> out;
    for (std::string_view s : one) {
        auto it = count.find(s);
        if (it != count.end() && it->second > 0)
            --it->second;
        else
            out.push_back(s);
    }
    return out;
}

}  // namespace

std::string shown_string(std::string_view s) {
    constexpr size_t kMax = 160;
    std::string out;
    bool utf8 = is_valid_utf8(s);
    auto put = [&out, utf8](char c) {
        if (c == '\n')
            out += "\\n";
        else if (c == '\t')
            out += "\\t";
        else if (c == '\r')
            out += "\\r";
        else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f ||
                 (!utf8 && static_cast<unsigned char>(c) >= 0x80))
            out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
        else
            out += c;
    };
    if (s.size() <= kMax) {
        for (char c : s) put(c);
        return out;
    }
    for (char c : s.substr(0, kMax / 2)) put(c);
    out += fmt::format(" [{} more bytes] ", s.size() - kMax);
    for (char c : s.substr(s.size() - kMax / 2)) put(c);
    return out;
}

std::vector<std::string_view> section_strings(std::string_view bytes) {
    return fields_of(bytes, '\0');
}

std::optional<Difference> compare_string_section(const std::string& name, std::string_view left,
                                                 std::string_view right,
                                                 const std::set<std::string_view>& explained,
                                                 size_t limit, bool text_only) {
    auto text = [](std::string_view s) {
        return s.size() >= 4 && is_valid_utf8(s) && std::none_of(s.begin(), s.end(), [](char c) {
                   auto u = static_cast<unsigned char>(c);
                   return (u < 0x20 && c != '\t' && c != '\n') || u == 0x7f;
               });
    };
    auto strings = [&](std::string_view bytes) {
        std::vector<std::string_view> all = section_strings(bytes), out;
        for (std::string_view s : all)
            if (!explained.contains(s) && (!text_only || text(s))) out.push_back(s);
        return out;
    };
    std::vector<std::string_view> ls = strings(left), rs = strings(right);
    std::vector<std::string_view> removed = unmatched(ls, rs), added = unmatched(rs, ls);
    if (removed.empty() && added.empty()) return std::nullopt;

    // Each removed string paired with the first similar added one not yet taken, looking at a
    // bounded number of candidates, so that a section of a million strings stays linear.
    constexpr size_t kWindow = 64;
    std::vector<bool> taken(added.size(), false);
    std::vector<std::pair<std::string_view, std::string_view>> changed;
    std::vector<std::string_view> only_left;
    size_t first_free = 0;
    for (std::string_view r : removed) {
        while (first_free < added.size() && taken[first_free]) ++first_free;
        size_t seen = 0, match = added.size();
        for (size_t j = first_free; j < added.size() && seen < kWindow; ++j) {
            if (taken[j]) continue;
            ++seen;
            if (similar(r, added[j])) {
                match = j;
                break;
            }
        }
        if (match < added.size()) {
            taken[match] = true;
            changed.emplace_back(r, added[match]);
        } else {
            only_left.push_back(r);
        }
    }
    std::vector<std::string_view> only_right;
    for (size_t j = 0; j < added.size(); ++j)
        if (!taken[j]) only_right.push_back(added[j]);

    const std::pair<size_t, const char*> counts[] = {
        {changed.size(), "changed"}, {only_right.size(), "added"}, {only_left.size(), "removed"}};
    size_t parts = 0, done = 0;
    for (auto [n, verb] : counts) parts += n > 0;
    std::string words;  // "1 string changed, 2 added and 3 removed"
    for (auto [n, verb] : counts) {
        if (n == 0) continue;
        words += done == 0 ? "" : done + 1 == parts ? " and " : ", ";
        words += done++ == 0 ? fmt::format("{} {} {}", n, n == 1 ? "string" : "strings", verb)
                             : fmt::format("{} {}", n, verb);
    }
    Difference node = difference("section-strings", name, fmt::format("section {}: {}", name, words));
    // One node per distinct change, with how many times it occurs (a build path in a line
    // table's directory and file entries is one change, twice).
    std::vector<std::pair<std::string_view, std::string_view>> order;  // "" for a side it lacks
    std::map<std::pair<std::string_view, std::string_view>, size_t> times;
    auto note = [&](std::string_view l, std::string_view r) {
        if (times[{l, r}]++ == 0) order.emplace_back(l, r);
    };
    for (auto& [l, r] : changed) note(l, r);
    for (std::string_view r : only_right) note({}, r);
    for (std::string_view l : only_left) note(l, {});
    size_t shown_count = 0;
    for (auto& [l, r] : order) {
        if (shown_count++ >= limit) continue;
        size_t n = times[{l, r}];
        std::string more = n > 1 ? fmt::format(" ({} times)", n) : "";
        std::string words = l.empty()   ? fmt::format("added `{}`", shown_string(r))
                            : r.empty() ? fmt::format("removed `{}`", shown_string(l))
                                        : fmt::format("`{}` -> `{}`", shown_string(l), shown_string(r));
        Difference d = difference("string", name, words + more, std::string(l), std::string(r));
        if (std::optional<LooksLike> look = looks_like(l, r, local_names())) {
            d.looks_like = look->words();
            d.description += ": looks like " + d.looks_like;
        }
        node.children.push_back(std::move(d));
    }
    if (shown_count > limit)
        node.children.push_back(difference(
            "limit", name,
            fmt::format("and {} more string differences in {} (the first {} are shown)",
                        shown_count - limit, name, limit)));
    return node;
}

}  // namespace buildiff
