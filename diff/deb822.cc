// deb822 by lines: no regular expressions, bounded by the input.
#include "diff/deb822.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/core.h>

#include "base/lines.h"

namespace buildiff {

namespace {

// Fields that carry the build's time or path by design (dpkg-genbuildinfo, dpkg-genchanges).
constexpr std::pair<std::string_view, std::string_view> kExpected[] = {
    {"Build-Date", "carries the build's time"},
    {"Date", "carries the time the package was made"},
    {"Build-Path", "carries the build's path"},
};

// Lines without a CR that ends them (a file written on another system).
std::vector<std::string_view> deb822_lines(std::string_view text) {
    std::vector<std::string_view> out = lines_of(text);
    for (std::string_view& line : out)
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// The file a checksum line names: its last word ("HASH SIZE NAME", "MD5 SIZE SECTION PRIO NAME").
std::string checksum_file(std::string_view line) {
    line = trim(line);
    size_t space = line.rfind(' ');
    return space == std::string_view::npos ? "" : std::string(line.substr(space + 1));
}

bool is_checksums(std::string_view field) {
    return field.starts_with("Checksums-") || field == "Files";
}

// A multi-line field's lines compared: a checksum line by the file it names, others as lines.
std::vector<Difference> line_changes(const std::string& field, const std::string& l,
                                     const std::string& r) {
    std::vector<Difference> out;
    auto split = [](const std::string& v) {
        std::vector<std::string> lines;
        for (std::string_view x : deb822_lines(v))
            if (!trim(x).empty()) lines.emplace_back(trim(x));
        return lines;
    };
    std::vector<std::string> ll = split(l), rl = split(r);
    if (is_checksums(field)) {
        std::map<std::string, std::string> lf, rf;
        for (auto& x : ll) lf[checksum_file(x)] = x;
        for (auto& x : rl) rf[checksum_file(x)] = x;
        std::set<std::string> names;
        for (auto& [n, x] : lf) names.insert(n);
        for (auto& [n, x] : rf) names.insert(n);
        for (const std::string& n : names) {
            auto a = lf.find(n), b = rf.find(n);
            if (a != lf.end() && b != rf.end() && a->second == b->second) continue;
            std::string what = a == lf.end()   ? "listed only on the right"
                               : b == rf.end() ? "listed only on the left"
                                               : "checksum changed: the file differs";
            out.push_back(difference("checksum", n, fmt::format("`{}`: {}", n, what),
                                     a == lf.end() ? "" : a->second,
                                     b == rf.end() ? "" : b->second));
        }
        return out;
    }
    std::multiset<std::string> ls(ll.begin(), ll.end()), rs(rl.begin(), rl.end());
    for (auto& x : ll)
        if (auto it = rs.find(x); it != rs.end()) rs.erase(it);
        else out.push_back(difference("line", field, fmt::format("removed: {}", x), x, ""));
    for (auto& x : rl)
        if (auto it = ls.find(x); it != ls.end()) ls.erase(it);
        else out.push_back(difference("line", field, fmt::format("added: {}", x), "", x));
    if (out.empty()) out.push_back(difference("line", field, "the same lines in another order"));
    return out;
}

}  // namespace

Result<std::vector<Deb822Paragraph>> parse_deb822(std::string_view text) {
    std::vector<std::string_view> lines = deb822_lines(text);
    size_t first = 0, end = lines.size();
    if (!lines.empty() && lines[0] == "-----BEGIN PGP SIGNED MESSAGE-----") {
        first = 1;
        while (first < lines.size() && !lines[first].empty()) ++first;  // the armor headers
        for (size_t i = first; i < lines.size(); ++i)
            if (lines[i] == "-----BEGIN PGP SIGNATURE-----") {
                end = i;
                break;
            }
    }
    std::vector<Deb822Paragraph> out;
    bool in_paragraph = false;
    for (size_t i = first; i < end; ++i) {
        std::string_view line = lines[i];
        if (trim(line).empty()) {
            in_paragraph = false;
            continue;
        }
        if (line[0] == '#') continue;  // comments (control files)
        if (line[0] == ' ' || line[0] == '\t') {
            if (!in_paragraph)
                return Error{fmt::format("line {}: a continuation line outside a field", i + 1)};
            std::string& v = out.back().back().value;
            std::string_view rest = line.substr(1);
            v += '\n';
            v += rest == "." ? "" : std::string(rest);
            continue;
        }
        size_t colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0)
            return Error{fmt::format("line {}: neither a field, a continuation nor a blank line",
                                     i + 1)};
        if (!in_paragraph) out.emplace_back();
        in_paragraph = true;
        out.back().push_back({std::string(trim(line.substr(0, colon))),
                              std::string(trim(line.substr(colon + 1)))});
    }
    return out;
}

bool is_deb822_name(std::string_view name) {
    size_t slash = name.rfind('/');
    std::string_view base = slash == std::string_view::npos ? name : name.substr(slash + 1);
    return base.ends_with(".buildinfo") || base.ends_with(".changes") || base.ends_with(".dsc") ||
           base == "control";
}

std::vector<Difference> compare_deb822(const std::vector<Deb822Paragraph>& left,
                                       const std::vector<Deb822Paragraph>& right) {
    std::vector<Difference> out;
    if (left.size() != right.size())
        out.push_back(difference("paragraphs", "",
                                 fmt::format("{} -> {} paragraphs", left.size(), right.size())));
    for (size_t p = 0; p < std::min(left.size(), right.size()); ++p) {
        std::vector<std::string> order;
        std::map<std::string, std::pair<const Deb822Field*, const Deb822Field*>> fields;
        for (const Deb822Field& f : left[p]) {
            auto [it, added] = fields.try_emplace(f.name);
            if (!added) continue;  // a field given twice: the first counts
            order.push_back(f.name);
            it->second.first = &f;
        }
        for (const Deb822Field& f : right[p]) {
            auto [it, added] = fields.try_emplace(f.name);
            if (added) order.push_back(f.name);
            if (!it->second.second) it->second.second = &f;
        }
        for (const std::string& name : order) {
            auto [l, r] = fields[name];
            if (l && r && l->value == r->value) continue;
            std::string lv = l ? l->value : "", rv = r ? r->value : "";
            bool lines = lv.find('\n') != std::string::npos || rv.find('\n') != std::string::npos;
            std::string note;
            for (auto& [field, why] : kExpected)
                if (field == name) note = fmt::format(" ({})", why);
            std::string what = !l   ? fmt::format("field {} added{}", name, note)
                               : !r ? fmt::format("field {} removed{}", name, note)
                               : lines
                                   ? fmt::format("field {} changed{}", name, note)
                                   : fmt::format("field {}: {} -> {}{}", name, lv, rv, note);
            Difference d = difference("field", name, what, lines ? "" : lv, lines ? "" : rv);
            if (l && r && lines) d.children = line_changes(name, lv, rv);
            out.push_back(std::move(d));
        }
    }
    return out;
}

}  // namespace buildiff
