// ELF comparison. Sections and symbols are matched by name (and occurrence, for duplicates), never
// by index or address, so one function that grew is one symbol difference plus one line saying
// how many others merely moved.
#include "diff/elf_compare.h"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/core.h>

#include "base/lines.h"
#include "diff/code_compare.h"
#include "diff/demangle.h"
#include "diff/flag_diff.h"
#include "diff/keyed.h"
#include "diff/string_sections.h"

namespace buildiff {

namespace {

std::string signed_delta(std::uint64_t l, std::uint64_t r) {
    return r >= l ? fmt::format("+{}", r - l) : fmt::format("-{}", l - r);
}

void compare_header(const ElfSummary& l, const ElfSummary& r, std::vector<Difference>& out) {
    for (auto& [field, lv] : l.header)
        for (auto& [rfield, rv] : r.header)
            if (field == rfield && lv != rv)
                out.push_back(
                    difference("header", field, fmt::format("ELF {}: {} -> {}", field, lv, rv), lv, rv));
}

// Symbol and section names, and DWARF producers: a string table's change in them is reported as
// the symbol's, the section's or the dwarf-producer node's.
std::set<std::string_view> names_reported_elsewhere(const ElfSummary& l, const ElfSummary& r) {
    std::set<std::string_view> out;
    for (const ElfSummary* s : {&l, &r}) {
        for (const ElfSymbol& sym : s->symbols) {
            out.insert(sym.name);
            if (!sym.state.version.empty())  // .dynstr holds the version names too
                out.insert(sym.state.version);
        }
        for (const ElfSection& sec : s->sections) out.insert(sec.name);
        for (const DwarfUnit& u : s->units) out.insert(u.producer);  // dwarf-producer says it
    }
    return out;
}

// A string section whose bytes changed, string by string; nullopt when that says nothing (only
// the order moved, only names reported elsewhere changed, a section too large to split). A data
// section no data object accounts for (a linked program's .rodata, where the linker merged the
// objects' string sections) is read the way `strings` reads it: its text runs.
std::optional<Difference> strings_changed(const ElfSection& l, const ElfSection& r,
                                          const std::set<std::string_view>& explained) {
    if (l.name == ".comment" || l.bytes.size() != l.size || r.bytes.size() != r.size)
        return std::nullopt;
    if (l.strings && r.strings) return compare_string_section(l.name, l.bytes, r.bytes, explained);
    if (l.data && r.data)
        return compare_string_section(l.name, l.bytes, r.bytes, explained, 20, true);
    return std::nullopt;
}

// A section whose content could not be read: said once per side, first, since it explains
// what is missing below (its symbols, its strings); the rest of the file is still compared.
void unreadable_sections(const ElfSummary& l, const ElfSummary& r, std::vector<Difference>& out) {
    for (auto [side, summary] : {std::pair{"left", &l}, std::pair{"right", &r}})
        for (const ElfSection& sec : summary->sections)
            if (!sec.problem.empty())
                out.push_back(difference(
                    "error", sec.name,
                    fmt::format("section {} of the {} file is malformed: {}; its content is not "
                                "compared",
                                sec.name, side, sec.problem)));
}

// CODE_EXPLAINED: the code sections the function comparison accounts for.
void compare_sections(const ElfSummary& l, const ElfSummary& r,
                      const std::set<std::string>& code_explained, std::vector<Difference>& out) {
    std::set<std::string_view> explained = names_reported_elsewhere(l, r);
    auto name_of = [](const ElfSection& s) { return s.name; };
    auto lk = keyed(l.sections, name_of), rk = keyed(r.sections, name_of);
    size_t shifted = 0;
    std::string first_shift;
    // Sections whose bytes changed but not their size mostly hold addresses or hashes that
    // follow from the other changes (.rela.dyn, .symtab, .eh_frame_hdr, the build-id): one line.
    std::vector<std::string> same_size;
    for (auto& [key, ls] : lk) {
        auto it = rk.find(key);
        if (it == rk.end()) {
            out.push_back(
                difference("section", ls->name,
                     fmt::format("section {} removed ({}, {} bytes)", ls->name, ls->type, ls->size),
                     fmt::format("{} {} bytes", ls->type, ls->size), ""));
            continue;
        }
        const ElfSection* rs = it->second;
        std::vector<std::string> what;
        if (ls->type != rs->type) what.push_back(fmt::format("type {} -> {}", ls->type, rs->type));
        if (ls->flags != rs->flags)
            what.push_back(fmt::format("flags {} -> {}", ls->flags.empty() ? "none" : ls->flags,
                                       rs->flags.empty() ? "none" : rs->flags));
        if (ls->size != rs->size)
            what.push_back(fmt::format("size {} -> {} bytes ({})", ls->size, rs->size,
                                       signed_delta(ls->size, rs->size)));
        if (ls->addr != rs->addr && ++shifted == 1)
            first_shift = fmt::format("{} {:#x} -> {:#x}", ls->name, ls->addr, rs->addr);
        bool content = ls->has_content && rs->has_content && !(ls->content == rs->content);
        std::optional<Difference> strings = content && !code_explained.contains(ls->name)
                                                ? strings_changed(*ls, *rs, explained)
                                                : std::nullopt;
        if (what.empty()) {
            if (strings)
                out.push_back(std::move(*strings));
            else if (content && !code_explained.contains(ls->name))
                same_size.push_back(ls->name);
            continue;
        }
        std::string desc = fmt::format("section {}: ", ls->name);
        for (size_t i = 0; i < what.size(); ++i) desc += (i ? ", " : "") + what[i];
        out.push_back(difference("section", ls->name, desc,
                           fmt::format("{} {} {} bytes", ls->type, ls->flags, ls->size),
                           fmt::format("{} {} {} bytes", rs->type, rs->flags, rs->size)));
        if (strings) out.push_back(std::move(*strings));
    }
    for (auto& [key, rs] : rk)
        if (!lk.contains(key))
            out.push_back(
                difference("section", rs->name,
                     fmt::format("section {} added ({}, {} bytes)", rs->name, rs->type, rs->size),
                     "", fmt::format("{} {} bytes", rs->type, rs->size)));
    if (!same_size.empty()) {
        std::string names;
        for (size_t i = 0; i < same_size.size() && i < 12; ++i)
            names += (i ? ", " : "") + same_size[i];
        if (same_size.size() > 12) names += fmt::format(" and {} more", same_size.size() - 12);
        out.push_back(difference("section-content", "",
                           fmt::format("content differs, size unchanged, in {} section{}: {}",
                                       same_size.size(), same_size.size() == 1 ? "" : "s", names)));
    }
    if (l.entry != r.entry && ++shifted == 1)
        first_shift = fmt::format("entry point {:#x} -> {:#x}", l.entry, r.entry);
    if (shifted)
        out.push_back(difference("shift", "",
                           fmt::format("{} section address{} shifted by the changes above "
                                       "(first: {})",
                                       shifted, shifted == 1 ? "" : "es", first_shift)));
}

std::string describe_symbol(const SymbolState& s) {
    std::string out = fmt::format("{} {} {}", s.binding, s.visibility, s.type);
    out += s.defined ? fmt::format(" defined in {}", s.section) : std::string(" undefined (UND)");
    if (s.size) out += fmt::format(", size {}", s.size);
    if (!s.version.empty()) out += ", version " + s.version;
    if (s.dynamic) out += s.defined ? ", exported (.dynsym)" : ", imported (.dynsym)";
    return out;
}

// The changes between two states of one symbol, in words.
std::vector<std::string> symbol_changes(const SymbolState& l, const SymbolState& r) {
    std::vector<std::string> what;
    if (l.binding != r.binding)
        what.push_back(fmt::format("binding {} -> {}", l.binding, r.binding));
    if (l.visibility != r.visibility)
        what.push_back(fmt::format("visibility {} -> {}", l.visibility, r.visibility));
    if (l.type != r.type) what.push_back(fmt::format("type {} -> {}", l.type, r.type));
    if (l.defined != r.defined)
        what.push_back(l.defined ? fmt::format("defined in {} -> undefined (UND)", l.section)
                                 : fmt::format("undefined -> defined in {}", r.section));
    else if (l.section != r.section)
        what.push_back(fmt::format("section {} -> {}", l.section, r.section));
    if (l.size != r.size)
        what.push_back(
            fmt::format("size {} -> {} ({})", l.size, r.size, signed_delta(l.size, r.size)));
    if (l.version != r.version)
        what.push_back(fmt::format("version {} -> {}", l.version.empty() ? "none" : l.version,
                                   r.version.empty() ? "none" : r.version));
    if (l.dynamic != r.dynamic)
        what.push_back(r.dynamic ? (r.defined ? "now exported (.dynsym)" : "now imported (.dynsym)")
                                 : (l.defined ? "no longer exported (.dynsym)"
                                              : "no longer imported (.dynsym)"));
    return what;
}

void compare_symbols(const ElfSummary& l, const ElfSummary& r, std::vector<Difference>& out) {
    auto name_of = [](const ElfSymbol& s) { return s.name; };
    auto lk = keyed(l.symbols, name_of), rk = keyed(r.symbols, name_of);
    size_t moved = 0;
    auto symbol_node = [](const std::string& name, std::string description) {
        Difference d = difference("symbol", name, std::move(description));
        d.demangled = demangle(name);
        return d;
    };
    for (auto& [key, ls] : lk) {
        auto it = rk.find(key);
        if (it == rk.end()) {
            Difference d = symbol_node(ls->name, fmt::format("symbol `{}` removed (was {})",
                                                             ls->name, describe_symbol(ls->state)));
            d.left_symbol = ls->state;
            out.push_back(std::move(d));
            continue;
        }
        const ElfSymbol* rs = it->second;
        if (ls->state == rs->state) {
            if (ls->value != rs->value) ++moved;
            continue;
        }
        std::vector<std::string> what = symbol_changes(ls->state, rs->state);
        std::string desc = fmt::format("symbol `{}`: ", ls->name);
        for (size_t i = 0; i < what.size(); ++i) desc += (i ? ", " : "") + what[i];
        Difference d = symbol_node(ls->name, desc);
        d.left_symbol = ls->state;
        d.right_symbol = rs->state;
        out.push_back(std::move(d));
    }
    for (auto& [key, rs] : rk)
        if (!lk.contains(key)) {
            Difference d = symbol_node(rs->name, fmt::format("symbol `{}` added ({})", rs->name,
                                                             describe_symbol(rs->state)));
            d.right_symbol = rs->state;
            out.push_back(std::move(d));
        }
    if (moved)
        out.push_back(difference("shift", "",
                           fmt::format("{} symbol{} otherwise unchanged moved to other addresses",
                                       moved, moved == 1 ? "" : "s")));
}

// Entries that may repeat (NEEDED) compared as lists; the rest by tag.
void compare_pairs(const char* kind, const char* what,
                   const std::vector<std::pair<std::string, std::string>>& l,
                   const std::vector<std::pair<std::string, std::string>>& r,
                   std::vector<Difference>& out) {
    std::map<std::string, std::vector<std::string>> lm, rm;
    for (auto& [k, v] : l) lm[k].push_back(v);
    for (auto& [k, v] : r) rm[k].push_back(v);
    std::set<std::string> keys;
    for (auto& [k, v] : lm) keys.insert(k);
    for (auto& [k, v] : rm) keys.insert(k);
    auto join = [](const std::vector<std::string>* v) {
        std::string s;
        if (v)
            for (size_t i = 0; i < v->size(); ++i) s += (i ? ", " : "") + (*v)[i];
        return s;
    };
    for (const std::string& k : keys) {
        auto li = lm.find(k), ri = rm.find(k);
        const std::vector<std::string>* lv = li == lm.end() ? nullptr : &li->second;
        const std::vector<std::string>* rv = ri == rm.end() ? nullptr : &ri->second;
        if (lv && rv && *lv == *rv) continue;
        std::string ls = join(lv), rs = join(rv);
        std::string desc;
        if (lv && rv && std::is_permutation(lv->begin(), lv->end(), rv->begin(), rv->end()))
            desc = fmt::format("{} {}: order changed: {} -> {}", what, k, ls, rs);
        else
            desc = fmt::format("{} {}: {} -> {}", what, k, lv ? ls : "absent", rv ? rs : "absent");
        out.push_back(difference(kind, k, desc, ls, rs));
    }
}

void compare_comment(const ElfSummary& l, const ElfSummary& r, std::vector<Difference>& out) {
    std::set<std::string> ls(l.comment.begin(), l.comment.end()),
        rs(r.comment.begin(), r.comment.end());
    for (auto& s : ls)
        if (!rs.contains(s))
            out.push_back(difference("comment", "", fmt::format(".comment: removed `{}`", s), s, ""));
    for (auto& s : rs)
        if (!ls.contains(s))
            out.push_back(difference("comment", "", fmt::format(".comment: added `{}`", s), "", s));
}

std::vector<std::string> words(const std::string& s) {
    std::vector<std::string_view> w = fields_of(s, ' ');
    return {w.begin(), w.end()};
}

// "GNU C17 12.2.0 -mtune=generic -O2 -g" -> "-O3": the option words added and removed.
std::string producer_change(const std::string& l, const std::string& r) {
    std::vector<std::string> lw = words(l), rw = words(r);
    // GCC's producer is its name and version, then the options that change code: those are
    // diffed with the command lines' flag tables ("-O2 -> -O3", "added `-fno-inline`").
    auto split = [](const std::vector<std::string>& w) {
        std::pair<std::vector<std::string>, std::vector<std::string>> out;
        for (const std::string& x : w) (x.starts_with("-") ? out.second : out.first).push_back(x);
        return out;
    };
    auto [lname, lopts] = split(lw);
    auto [rname, ropts] = split(rw);
    if (lname == rname && !lname.empty() && lname[0] == "GNU") {
        std::string out;
        for (const FlagChange& c : diff_commands(FlagFamily::Gcc, lopts, ropts))
            out += (out.empty() ? "" : ", ") + c.text;
        if (!out.empty()) return out;
    }
    std::multiset<std::string> ls(lw.begin(), lw.end()), rs(rw.begin(), rw.end());
    std::string out;
    for (auto& w : lw)
        if (!rs.contains(w)) out += (out.empty() ? "" : ", ") + std::string("removed `") + w + "`";
    for (auto& w : rw)
        if (!ls.contains(w)) out += (out.empty() ? "" : ", ") + std::string("added `") + w + "`";
    return out.empty() ? "option order changed" : out;
}

std::string replace_prefix(const std::string& path, const std::pair<std::string, std::string>& p) {
    if (!p.first.empty() && path.rfind(p.first, 0) == 0 &&
        (path.size() == p.first.size() || path[p.first.size()] == '/'))
        return p.second + path.substr(p.first.size());
    return path;
}

// Differences that repeat across DWARF units are grouped: one node per distinct change.
struct DwarfTally {
    struct Group {
        size_t units = 0;
        std::string first_unit;
    };
    std::map<std::pair<std::string, std::string>, Group> comp_dirs, producers;
    // Build-path prefixes seen so far: file names equal after replacing them are counted only.
    std::set<std::pair<std::string, std::string>> prefixes;
    size_t path_only_files = 0;
    std::vector<Difference> file_nodes;

    void count(std::map<std::pair<std::string, std::string>, Group>& groups, const std::string& a,
               const std::string& b, const std::string& unit) {
        Group& g = groups[{a, b}];
        if (g.units++ == 0) g.first_unit = unit;
    }

    // A unit both files have.
    void add(const DwarfUnit& lu, const DwarfUnit& ru) {
        if (lu.comp_dir != ru.comp_dir) {
            count(comp_dirs, lu.comp_dir, ru.comp_dir, lu.name);
            auto prefix = differing_prefixes(lu.comp_dir, ru.comp_dir);
            if (!prefix.first.empty()) prefixes.insert(prefix);
        }
        if (lu.producer != ru.producer) count(producers, lu.producer, ru.producer, lu.name);
        if (lu.files == ru.files) return;
        std::set<std::string> rf(ru.files.begin(), ru.files.end()), lf_mapped;
        std::vector<std::string> removed;
        for (const std::string& f : lu.files) {
            std::string mapped = f;
            for (auto& p : prefixes) mapped = replace_prefix(mapped, p);
            lf_mapped.insert(mapped);
            if (rf.contains(mapped)) {
                if (mapped != f) ++path_only_files;
            } else {
                removed.push_back(f);
            }
        }
        for (auto& f : removed)
            file_nodes.push_back(
                difference("dwarf-file", lu.name,
                     fmt::format("DWARF unit {}: file {} no longer used", lu.name, f), f, ""));
        for (const std::string& f : ru.files)
            if (!lf_mapped.contains(f))
                file_nodes.push_back(
                    difference("dwarf-file", lu.name,
                         fmt::format("DWARF unit {}: file {} now used", lu.name, f), "", f));
    }

    // One node per distinct change; files that appear or vanish: a handful is a cause,
    // thousands are a summary.
    void emit(std::vector<Difference>& out) const {
        for (auto& [dirs, g] : comp_dirs) {
            auto prefix = differing_prefixes(dirs.first, dirs.second);
            std::string desc = fmt::format(
                "DW_AT_comp_dir {} -> {} in {} unit{} (first: {}): the build directory is "
                "embedded",
                dirs.first, dirs.second, g.units, g.units == 1 ? "" : "s", g.first_unit);
            if (!prefix.first.empty())
                desc += fmt::format("; build path {} -> {}", prefix.first, prefix.second);
            out.push_back(difference("dwarf-comp-dir", g.first_unit, desc, dirs.first, dirs.second));
        }
        if (path_only_files)
            out.push_back(
                difference("dwarf-build-path", "",
                     fmt::format("{} DWARF file name{} only by the build path", path_only_files,
                                 path_only_files == 1 ? " differs" : "s differ")));
        for (auto& [p, g] : producers)
            out.push_back(difference("dwarf-producer", g.first_unit,
                               fmt::format("DW_AT_producer in {} unit{} (first: {}): {}", g.units,
                                           g.units == 1 ? "" : "s", g.first_unit,
                                           producer_change(p.first, p.second)),
                               p.first, p.second));
        constexpr size_t kListed = 50;
        for (size_t i = 0; i < file_nodes.size() && i < kListed; ++i) out.push_back(file_nodes[i]);
        if (file_nodes.size() > kListed)
            out.push_back(difference("dwarf-file", "",
                               fmt::format("and {} more DWARF file name differences",
                                           file_nodes.size() - kListed)));
    }
};

void compare_dwarf(const ElfSummary& l, const ElfSummary& r, std::vector<Difference>& out) {
    if (l.dwarf_problem != r.dwarf_problem)
        out.push_back(
            difference("dwarf", "", "DWARF readable on one side only", l.dwarf_problem, r.dwarf_problem));
    auto unit_name = [](const DwarfUnit& u) { return u.name; };
    auto lk = keyed(l.units, unit_name), rk = keyed(r.units, unit_name);
    DwarfTally tally;
    for (auto& [key, lu] : lk) {
        auto it = rk.find(key);
        if (it == rk.end())
            out.push_back(difference("dwarf-unit", lu->name,
                               fmt::format("DWARF unit {} only in the left file", lu->name),
                               lu->name, ""));
        else
            tally.add(*lu, *it->second);
    }
    for (auto& [key, ru] : rk)
        if (!lk.contains(key))
            out.push_back(difference("dwarf-unit", ru->name,
                               fmt::format("DWARF unit {} only in the right file", ru->name), "",
                               ru->name));
    tally.emit(out);
}

}  // namespace

std::pair<std::string, std::string> differing_prefixes(const std::string& left,
                                                       const std::string& right) {
    if (left == right) return {};
    size_t l = left.size(), r = right.size();
    // Walk back over the common tail, then forward to a component boundary.
    while (l > 0 && r > 0 && left[l - 1] == right[r - 1]) --l, --r;
    while (l < left.size() && left[l] != '/') ++l, ++r;
    if (l == 0 || r == 0) return {left, right};
    return {left.substr(0, l), right.substr(0, r)};
}

std::vector<Difference> compare_elf(const ElfSummary& l, const ElfSummary& r) {
    std::vector<Difference> out;
    unreadable_sections(l, r, out);
    compare_header(l, r, out);
    compare_pairs("dynamic", "dynamic", l.dynamic, r.dynamic, out);
    compare_symbols(l, r, out);
    CodeComparison code = compare_code(l, r);
    compare_sections(l, r, code.explained, out);
    compare_pairs("note", "note", l.notes, r.notes, out);
    compare_comment(l, r, out);
    compare_dwarf(l, r, out);
    // The functions and data last: the bulkiest nodes, after the one-line facts.
    for (Difference& d : code.nodes) out.push_back(std::move(d));
    return out;
}

}  // namespace buildiff
