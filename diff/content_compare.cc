// Text and binary comparison.
#include "diff/content_compare.h"

#include <algorithm>
#include <optional>

#include <dtl/dtl.hpp>

#include <fmt/core.h>

#include "base/lines.h"
#include "diff/looks_like.h"
#include "diff/string_sections.h"

namespace buildiff {

namespace {

std::vector<std::string> split_lines(std::string_view s) {
    std::vector<std::string> out;
    for (std::string_view line : lines_of(s)) out.emplace_back(line);
    return out;
}

std::string hex_row(std::string_view bytes) {
    std::string hex, ascii;
    for (unsigned char c : bytes) {
        hex += fmt::format("{:02x} ", c);
        ascii += c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '.';
    }
    return fmt::format("{:<48}|{}|", hex, ascii);
}

// The first changed line of a text diff (a removed line with the added line in its place, or a
// line only added or removed) whose change looks like a usual culprit: named in the description.
void say_what_it_looks_like(Difference& d) {
    std::vector<std::string_view> removed, added;
    auto pairs = [&]() -> std::optional<std::pair<std::string_view, std::string_view>> {
        for (size_t i = 0; i < std::max(removed.size(), added.size()); ++i) {
            std::string_view l = i < removed.size() ? removed[i] : "";
            std::string_view r = i < added.size() ? added[i] : "";
            if (std::optional<LooksLike> look = looks_like(l, r, local_names())) {
                d.looks_like = look->words();
                return std::pair{l, r};
            }
        }
        removed.clear();
        added.clear();
        return std::nullopt;
    };
    std::optional<std::pair<std::string_view, std::string_view>> found;
    for (const std::string& line : d.lines) {
        if (line.empty()) continue;
        if (line[0] == '-') removed.push_back(std::string_view(line).substr(1));
        if (line[0] == '+') added.push_back(std::string_view(line).substr(1));
        if ((line[0] == ' ' || line[0] == '@') && (found = pairs())) break;
    }
    if (!found) found = pairs();
    if (!found) return;
    auto [l, r] = *found;
    d.description += l.empty()   ? fmt::format("; added `{}`", shown_string(r))
                     : r.empty() ? fmt::format("; removed `{}`", shown_string(l))
                                 : fmt::format("; `{}` -> `{}`", shown_string(l), shown_string(r));
    d.description += ": looks like " + d.looks_like;
}

}  // namespace

bool looks_like_text(std::string_view head) {
    for (unsigned char c : head)
        if (c == 0 || (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != '\v' &&
                       c != 0x1b))
            return false;
    return true;
}

UnifiedDiff unified_diff(const std::vector<std::string>& a, const std::vector<std::string>& b,
                         std::size_t max, std::string_view separator) {
    dtl::Diff<std::string> diff(a, b);
    // dtl's "huge" mode reserves its whole path table at once (48 MB), whatever the inputs' size:
    // only for long inputs, where growing it step by step would cost more.
    if (a.size() + b.size() > 100000) diff.onHuge();
    diff.compose();
    diff.composeUnifiedHunks();
    UnifiedDiff out;
    auto emit = [&](char mark, const std::string& line) {
        if (out.lines.size() < max)
            out.lines.push_back(mark + std::string(separator) + line);
        else
            out.cut = true;
    };
    for (const auto& h : diff.getUniHunks()) {
        ++out.hunks;
        if (out.lines.size() < max)
            out.lines.push_back(fmt::format("@@ -{},{} +{},{} @@", h.a, h.b, h.c, h.d));
        else
            out.cut = true;
        for (const auto& e : h.common[0]) emit(' ', e.first);
        for (const auto& e : h.change) {
            char mark = e.second.type == dtl::SES_ADD      ? '+'
                        : e.second.type == dtl::SES_DELETE ? '-'
                                                           : ' ';
            if (mark == '+') ++out.added;
            if (mark == '-') ++out.removed;
            emit(mark, e.first);
        }
        for (const auto& e : h.common[1]) emit(' ', e.first);
    }
    return out;
}

Result<Difference> compare_text(const Blob& left, const Blob& right, std::size_t max_lines) {
    Result<std::string> l = left.read(0, left.size()), r = right.read(0, right.size());
    if (!l) return l.error();
    if (!r) return r.error();
    UnifiedDiff u = unified_diff(split_lines(*l), split_lines(*r), max_lines);
    Difference d;
    d.kind = "text";
    d.lines = std::move(u.lines);
    size_t added = u.added, removed = u.removed, hunks = u.hunks;
    bool truncated = u.cut;
    if (hunks == 0) {
        // Same lines: the difference is in line endings or a final newline.
        d.description = "text differs only in line endings or the final newline";
        return d;
    }
    d.description =
        fmt::format("text: {} line{} removed, {} added, in {} hunk{}{}", removed,
                    removed == 1 ? "" : "s", added, hunks, hunks == 1 ? "" : "s",
                    truncated ? fmt::format(" (first {} diff lines shown)", max_lines) : "");
    say_what_it_looks_like(d);
    return d;
}

Result<Difference> compare_binary(const Blob& left, const Blob& right, std::size_t max_regions) {
    constexpr size_t kChunk = 1 << 16;
    constexpr std::uint64_t kGap = 16;  // equal bytes that end a differing region
    Difference d;
    d.kind = "binary";
    std::uint64_t common = std::min(left.size(), right.size());
    std::uint64_t differing = 0, regions = 0, last_diff = 0;
    bool in_region = false;
    for (std::uint64_t off = 0; off < common; off += kChunk) {
        size_t n = static_cast<size_t>(std::min<std::uint64_t>(kChunk, common - off));
        Result<std::string> l = left.read(off, n), r = right.read(off, n);
        if (!l) return l.error();
        if (!r) return r.error();
        if (*l == *r) {
            in_region = false;
            continue;
        }
        for (size_t i = 0; i < n && i < l->size() && i < r->size(); ++i) {
            if ((*l)[i] == (*r)[i]) {
                if (in_region && off + i - last_diff >= kGap) in_region = false;
                continue;
            }
            ++differing;
            last_diff = off + i;
            if (in_region) continue;
            in_region = true;
            if (regions++ >= max_regions) continue;
            // Context: the 16-byte row holding the first differing byte, and the rows around it.
            std::uint64_t row = (off + i) & ~std::uint64_t(15);
            std::uint64_t from = row >= 16 ? row - 16 : 0;
            size_t len = static_cast<size_t>(row + 32 - from);
            Result<std::string> lc = left.read(from, len), rc = right.read(from, len);
            if (!lc || !rc) continue;
            d.lines.push_back(
                fmt::format("first difference of region {} at offset {:#x}", regions, off + i));
            for (std::uint64_t at = from; at < from + len; at += 16) {
                size_t k = static_cast<size_t>(at - from);
                if (k < lc->size())
                    d.lines.push_back(
                        fmt::format("  left  {:08x}  {}", at, hex_row(lc->substr(k, 16))));
                if (k < rc->size())
                    d.lines.push_back(
                        fmt::format("  right {:08x}  {}", at, hex_row(rc->substr(k, 16))));
            }
        }
    }
    std::string sizes = left.size() == right.size()
                            ? fmt::format("{} bytes each", left.size())
                            : fmt::format("{} -> {} bytes", left.size(), right.size());
    d.left = fmt::format("{}", left.size());
    d.right = fmt::format("{}", right.size());
    if (regions == 0)
        d.description = fmt::format("binary: {}; the common {} bytes are equal", sizes, common);
    else
        d.description = fmt::format(
            "binary: {}; {} byte{} differ{} in {} region{}{}", sizes, differing,
            differing == 1 ? "" : "s", differing == 1 ? "s" : "", regions, regions == 1 ? "" : "s",
            regions > max_regions ? fmt::format(" (first {} shown)", max_regions) : "");
    return d;
}

}  // namespace buildiff
