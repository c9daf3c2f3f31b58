// The comparator dispatch, archive member matching, bounds and the content-pair cache.
#include "diff/compare.h"

#include <set>

#include <fmt/core.h>

#include "diff/content_compare.h"
#include "diff/deb822.h"
#include "diff/elf_compare.h"
#include "diff/header_fields.h"
#include "diff/elf_read.h"

namespace buildiff {

namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// What a format is compared as.
enum class Family { Elf, Archive, Text, Binary };
Family family(const std::string& format) {
    if (format == "elf") return Family::Elf;
    if (format == "text" || format == "empty") return Family::Text;
    if (format == "binary") return Family::Binary;
    return Family::Archive;
}

// ar's own bookkeeping members: the symbol index and GNU's long-name table.
bool is_symbol_index(const std::string& name) {
    return name == "/" || name == "//" || name == "/SYM64/" || name == "__.SYMDEF" ||
           name == "__.SYMDEF SORTED" || name == "ARFILENAMES/";
}

std::string mode_string(unsigned mode) {
    return fmt::format("{:04o}", mode);
}

}  // namespace

std::string detect_format(const std::string& name, std::string_view head) {
    if (head.empty()) return "empty";
    if (is_elf(head)) return "elf";
    if (head.substr(0, 8) == "!<arch>\n")
        return ends_with(name, ".deb") ? "deb" : ends_with(name, ".rlib") ? "rlib" : "ar";
    if (head.substr(0, 4) == "PK\x03\x04" || head.substr(0, 4) == "PK\x05\x06")
        return ends_with(name, ".whl") ? "whl" : ends_with(name, ".jar") ? "jar" : "zip";
    if (is_archive(head)) return "archive";
    return looks_like_text(head) ? "text" : "binary";
}

namespace {

// Both files read as deb822 and compared field by field; nothing when either is not deb822.
std::optional<std::vector<Difference>> compare_as_deb822(const Blob& left, const Blob& right) {
    Result<std::string> l = left.read(0, left.size()), r = right.read(0, right.size());
    if (!l || !r) return std::nullopt;
    Result<std::vector<Deb822Paragraph>> lp = parse_deb822(*l), rp = parse_deb822(*r);
    if (!lp || !rp) return std::nullopt;
    return compare_deb822(*lp, *rp);
}

}  // namespace

Result<Comparison> Comparer::compare_at(const Blob& left, const Blob& right, int depth) {
    Hash128 lh = left.hash(), rh = right.hash();
    if (lh == rh) {
        Result<std::string> head = right.read(0, 512);
        return Comparison{head ? detect_format(right.name(), *head) : "file", {}};
    }
    auto key = std::make_pair(std::make_pair(lh.high, lh.low), std::make_pair(rh.high, rh.low));
    if (auto it = m_cache.find(key); it != m_cache.end()) {
        ++m_cache_hits;
        return it->second;
    }
    ++m_comparisons;
    Result<Comparison> c = compare_fresh(left, right, depth);
    if (c) m_cache.emplace(key, *c);
    return c;
}

Result<Comparison> Comparer::compare_fresh(const Blob& left, const Blob& right, int depth) {
    Result<std::string> lhead = left.read(0, 512), rhead = right.read(0, 512);
    if (!lhead) return lhead.error();
    if (!rhead) return rhead.error();
    std::string lf = detect_format(left.name(), *lhead), rf = detect_format(right.name(), *rhead);
    Comparison out;
    out.format = rf;
    auto binary = [&]() -> Result<Comparison> {
        Result<Difference> b = compare_binary(left, right, m_limits.max_binary_regions);
        if (!b) return b.error();
        for (Difference& f : header_fields(left, right)) out.differences.push_back(std::move(f));
        out.differences.push_back(std::move(*b));
        return out;
    };
    if (family(lf) != family(rf)) {
        out.differences.push_back(difference("format", "", fmt::format("format {} -> {}", lf, rf)));
        out.differences.back().left = lf;
        out.differences.back().right = rf;
        return binary();
    }
    switch (family(rf)) {
        case Family::Elf: {
            Result<ElfSummary> l = read_elf(left);
            if (!l) return l.error();
            Result<ElfSummary> r = read_elf(right);
            if (!r) return r.error();
            out.differences = compare_elf(*l, *r);
            if (out.differences.empty()) {
                // Equal sections and symbols: the bytes differ in headers or padding.
                Result<Comparison> b = binary();
                if (b) b->differences.back().description.insert(0, "ELF structures equal; ");
                return b;
            }
            return out;
        }
        case Family::Archive: {
            Result<std::vector<Difference>> d = compare_archives(left, right, depth, out.format);
            if (!d) return d.error();
            out.differences = std::move(*d);
            if (out.differences.empty()) {
                // Same members, same metadata: the container itself differs (zip extra
                // fields, compression level, padding).
                Result<Comparison> b = binary();
                if (b)
                    b->differences.back().description.insert(
                        0, "same members; container bytes differ: ");
                return b;
            }
            return out;
        }
        case Family::Text:
            if (left.size() <= m_limits.max_text_bytes && right.size() <= m_limits.max_text_bytes) {
                if (is_deb822_name(right.name())) {  // .buildinfo, .changes: field by field
                    std::optional<std::vector<Difference>> fields = compare_as_deb822(left, right);
                    if (fields && !fields->empty()) {
                        out.format = "deb822";
                        out.differences = std::move(*fields);
                        return out;
                    }
                }
                Result<Difference> t = compare_text(left, right, m_limits.max_diff_lines);
                if (!t) return t.error();
                out.differences.push_back(std::move(*t));
                return out;
            }
            return binary();
        case Family::Binary:
            return binary();
    }
    return binary();
}

Result<std::vector<Difference>> Comparer::compare_archives(const Blob& left, const Blob& right,
                                                           int depth, std::string& format) {
    // The budget bounds what is held at once: what these listings hold is given back when
    // they go.
    struct Restore {
        std::uint64_t& budget;
        std::uint64_t before;
        ~Restore() { budget = before; }
    } restore{m_budget, m_budget};
    Result<ArchiveListing> l = read_archive(left, m_limits.archive, m_budget);
    if (!l) return l.error();
    Result<ArchiveListing> r = read_archive(right, m_limits.archive, m_budget);
    if (!r) return r.error();
    // Refine the format by content: a .deb or .rlib by any name.
    auto has = [&](const char* member) {
        for (auto& m : r->members)
            if (m.name == member) return true;
        return false;
    };
    format = r->format;
    if (format == "ar" && has("debian-binary")) format = "deb";
    if (format == "ar" && has("lib.rmeta")) format = "rlib";
    if (format == "zip" && ends_with(right.name(), ".whl")) format = "whl";
    if (format == "zip" && ends_with(right.name(), ".jar")) format = "jar";
    std::vector<Difference> out;
    if (l->format != r->format)
        out.push_back(
            difference("format", "", fmt::format("archive format {} -> {}", l->format, r->format)));
    std::vector<Difference> members = compare_members(left, *l, right, *r, format, depth);
    out.insert(out.end(), members.begin(), members.end());
    for (auto* listing : {&*l, &*r})
        if (!listing->stopped.empty()) {
            out.push_back(
                difference("limit", "",
                     fmt::format("{} ({}): {}", listing == &*l ? "left" : "right",
                                 listing == &*l ? left.name() : right.name(), listing->stopped)));
        }
    return out;
}

std::vector<Difference> Comparer::compare_members(const Blob& left, const ArchiveListing& l,
                                                  const Blob& right, const ArchiveListing& r,
                                                  std::string_view format, int depth) {
    using Key = std::pair<std::string, int>;
    auto keys = [](const ArchiveListing& a) {
        std::vector<Key> out;
        std::map<std::string, int> seen;
        for (auto& m : a.members) out.emplace_back(m.name, seen[m.name]++);
        return out;
    };
    std::vector<Key> lkeys = keys(l), rkeys = keys(r);
    std::map<Key, const ArchiveMember*> lm, rm;
    for (size_t i = 0; i < lkeys.size(); ++i) lm[lkeys[i]] = &l.members[i];
    for (size_t i = 0; i < rkeys.size(); ++i) rm[rkeys[i]] = &r.members[i];
    std::vector<Difference> out;

    // Names that could escape an extraction directory: reported, never used as paths.
    std::set<std::string> unsafe;
    for (auto* a : {&l, &r})
        for (auto& m : a->members)
            if (m.unsafe_name() && !is_symbol_index(m.name) && unsafe.insert(m.name).second)
                out.push_back(difference("unsafe-name", m.name,
                                   fmt::format("member name {} is absolute or contains `..` "
                                               "(compared in memory, never extracted)",
                                               m.name)));

    // Order of the members both have.
    std::vector<Key> lcommon, rcommon;
    for (auto& k : lkeys)
        if (rm.contains(k)) lcommon.push_back(k);
    for (auto& k : rkeys)
        if (lm.contains(k)) rcommon.push_back(k);
    if (lcommon != rcommon) {
        size_t i = 0;
        while (lcommon[i] == rcommon[i]) ++i;
        Difference d = difference("member-order", lcommon[i].first,
                            fmt::format("member order changed (first at {}: {} -> {})", i + 1,
                                        lcommon[i].first, rcommon[i].first));
        out.push_back(std::move(d));
    }

    for (auto& k : lkeys) {
        const ArchiveMember* a = lm[k];
        auto it = rm.find(k);
        if (it == rm.end()) {
            Difference d =
                difference("member", a->name,
                     fmt::format("member {} removed ({}, {} bytes)", a->name, a->type, a->size));
            d.left = a->hash.hex();
            out.push_back(std::move(d));
            continue;
        }
        if (auto d = compare_member(left, *a, right, *it->second, format, depth))
            out.push_back(std::move(*d));
    }
    for (auto& k : rkeys)
        if (!lm.contains(k)) {
            const ArchiveMember* b = rm[k];
            Difference d =
                difference("member", b->name,
                     fmt::format("member {} added ({}, {} bytes)", b->name, b->type, b->size));
            d.right = b->hash.hex();
            out.push_back(std::move(d));
        }
    return out;
}

std::optional<Difference> Comparer::compare_member(const Blob& left, const ArchiveMember& a,
                                                   const Blob& right, const ArchiveMember& b,
                                                   std::string_view format, int depth) {
    std::vector<std::string> what;
    Difference d = difference("member", a.name, "");
    // A time or an owner that differs is a usual culprit with a usual fix: said on the member.
    auto looks = [&](std::string_view field) {
        std::string l = member_field_looks_like(format, field);
        if (!l.empty()) d.looks_like += (d.looks_like.empty() ? "" : "; ") + l;
    };
    if (a.type != b.type) what.push_back(fmt::format("type {} -> {}", a.type, b.type));
    if (a.link != b.link) what.push_back(fmt::format("link target {} -> {}", a.link, b.link));
    if (a.mode != b.mode)
        what.push_back(fmt::format("mode {} -> {}", mode_string(a.mode), mode_string(b.mode)));
    if (a.owner != b.owner) {
        what.push_back(fmt::format("owner {} -> {}", a.owner, b.owner));
        looks("owner");
    }
    if (a.mtime != b.mtime) {
        what.push_back(fmt::format("mtime {} -> {}", utc_time(a.mtime), utc_time(b.mtime)));
        looks("mtime");
    }
    if (!(a.hash == b.hash) || a.size != b.size) {
        d.left = a.hash.hex();
        d.right = b.hash.hex();
        if (is_symbol_index(a.name)) {
            what.push_back("differs (it lists the members' names, symbols and offsets)");
        } else if (!a.complete || !b.complete) {
            what.push_back("content differs within the compared prefix or beyond the bound");
        } else if (depth + 1 > m_limits.max_depth) {
            what.push_back(
                fmt::format("content differs; nested deeper than {} archives: not compared",
                            m_limits.max_depth));
            d.children.push_back(difference("limit", a.name,
                                      fmt::format("nesting deeper than {} archives is not compared",
                                                  m_limits.max_depth)));
        } else {
            Blob lb = Blob::memory(left.name() + "!" + a.name, a.bytes);
            Blob rb = Blob::memory(right.name() + "!" + b.name, b.bytes);
            Result<Comparison> c = compare_at(lb, rb, depth + 1);
            if (c) {
                what.push_back(fmt::format("content differs ({})", c->format));
                d.children = std::move(c->differences);
            } else {
                what.push_back("content differs; unreadable");
                d.children.push_back(difference("error", a.name, c.error().message));
            }
        }
    }
    if (what.empty()) return std::nullopt;
    d.description = is_symbol_index(a.name) ? fmt::format("ar index {}: ", a.name)
                                            : fmt::format("member {}: ", a.name);
    for (size_t i = 0; i < what.size(); ++i) d.description += (i ? ", " : "") + what[i];
    if (!d.looks_like.empty()) d.description += ": looks like " + d.looks_like;
    return d;
}

}  // namespace buildiff
