#include "diff/code_compare.h"

#include <capstone/capstone.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include <fmt/core.h>

#include "diff/content_compare.h"
#include "diff/demangle.h"
#include "diff/keyed.h"
#include "diff/looks_like.h"

namespace buildiff {

namespace {

std::string header_value(const ElfSummary& e, std::string_view key) {
    for (auto& [k, v] : e.header)
        if (k == key) return v;
    return "";
}

// A function's bytes, where it is disassembled, and its name.
struct Function {
    std::string name;  // its symbol, or its section's name when the section has no function symbol
    const ElfSection* section = nullptr;
    std::uint64_t offset = 0, size = 0;  // in the section
    std::uint64_t address = 0;
    std::string_view bytes() const { return std::string_view(section->bytes).substr(offset, size); }
    // Its relocations (an object file's), by offset in the function.
    std::vector<std::pair<std::uint64_t, std::string>> relocations() const {
        std::vector<std::pair<std::uint64_t, std::string>> out;
        for (const auto& [at, what] : section->relocations)
            if (at >= offset && at < offset + size) out.emplace_back(at - offset, what);
        return out;
    }
};

struct Label {
    std::uint64_t address, size;
    std::string name;
};

// Capstone for one machine: x86-64, i386 and AArch64 (the others: bytes only).
class Disassembler {
  public:
    explicit Disassembler(const std::string& machine) {
        cs_arch arch = CS_ARCH_X86;
        cs_mode mode = CS_MODE_64;
        if (machine == "i386") {
            mode = CS_MODE_32;
        } else if (machine == "AArch64") {
            arch = CS_ARCH_ARM64;
            mode = CS_MODE_ARM;
        } else if (machine != "x86-64") {
            return;
        }
        if (cs_open(arch, mode, &m_handle) != CS_ERR_OK) return;
        cs_option(m_handle, CS_OPT_DETAIL, CS_OPT_ON);
        m_open = true;
        m_x86 = arch == CS_ARCH_X86;
    }
    ~Disassembler() {
        if (m_open) cs_close(&m_handle);
    }
    Disassembler(const Disassembler&) = delete;
    Disassembler& operator=(const Disassembler&) = delete;
    bool usable() const { return m_open; }
    csh handle() const { return m_handle; }
    bool x86() const { return m_x86; }

  private:
    csh m_handle = 0;
    bool m_open = false, m_x86 = false;
};

// One side: its functions, the names of its addresses, and its disassembler.
class CodeView {
  public:
    explicit CodeView(const ElfSummary& e)
        : m_disassembler(header_value(e, "machine")),
          m_relocatable(header_value(e, "type").starts_with("REL")),
          m_pointers64(header_value(e, "class") == "ELF64" &&
                       header_value(e, "data") == "little-endian") {
        // Where each section is disassembled: its address, or in a relocatable object (every
        // section at 0) a made-up layout, one after another.
        std::uint64_t next = 0x10000;
        for (const ElfSection& s : e.sections) {
            std::uint64_t base = s.addr;
            if (m_relocatable) {
                base = next;
                next = (next + s.size + 0x10000) & ~std::uint64_t{0xfff};
            }
            m_base[s.index] = base;
            m_section[s.index] = &s;
            if (s.flags.find('A') != std::string::npos || (m_relocatable && s.code))
                m_sections.push_back({base, s.size, s.name});
        }
        std::map<std::size_t, std::vector<const ElfSymbol*>> code_symbols;
        for (const ElfSymbol& sym : e.symbols) {
            auto base = m_base.find(sym.section_index);
            if (!sym.state.defined || base == m_base.end()) continue;
            std::uint64_t address = m_relocatable ? base->second + sym.value : sym.value;
            m_names.push_back({address, sym.state.size, sym.name});
            if (sym.state.type == "FUNC") code_symbols[sym.section_index].push_back(&sym);
            if ((sym.state.type == "OBJECT" || sym.state.type == "TLS") && sym.state.size > 0)
                add_object(sym, base->second);
        }
        std::stable_sort(m_names.begin(), m_names.end(),
                         [](const Label& a, const Label& b) { return a.address < b.address; });
        for (const ElfSection& s : e.sections) {
            if (!s.code || s.bytes.size() != s.size || s.size == 0) continue;
            std::uint64_t base = m_base[s.index];
            auto it = code_symbols.find(s.index);
            if (it == code_symbols.end()) {
                m_functions.push_back({s.name, &s, 0, s.size, base});
                continue;
            }
            std::vector<const ElfSymbol*>& syms = it->second;
            std::stable_sort(syms.begin(), syms.end(), [](auto* a, auto* b) { return a->value < b->value; });
            for (size_t i = 0; i < syms.size(); ++i) {
                if (!m_relocatable && syms[i]->value < s.addr) continue;
                std::uint64_t start = offset_in(s, *syms[i]);
                if (start >= s.size) continue;
                std::uint64_t size = syms[i]->state.size;
                if (size == 0)  // up to the next function, or the end of the section
                    size = (i + 1 < syms.size() ? offset_in(s, *syms[i + 1]) : s.size) - start;
                size = std::min(size, s.size - start);
                m_functions.push_back({syms[i]->name, &s, start, size, base + start});
            }
        }
    }

    const std::vector<Function>& functions() const { return m_functions; }
    const std::vector<Function>& objects() const { return m_objects; }
    bool pointers64() const { return m_pointers64; }

    // An address as the name other code would see ("<foo+0x8>"); "" when no symbol or section
    // holds it (a number, not an address).
    std::string address_name(std::uint64_t target) const {
        std::string n = name_of(target);
        return n.starts_with("<") ? n : "";
    }

    // The instructions of F, each "mnemonic operands" with its targets named (a byte Capstone
    // cannot decode is a `.byte` line); nullopt when the machine has no disassembler here.
    std::optional<std::vector<std::string>> instructions(const Function& f) const {
        if (!m_disassembler.usable()) return std::nullopt;
        csh h = m_disassembler.handle();
        std::string_view code = f.bytes();
        const auto* p = reinterpret_cast<const std::uint8_t*>(code.data());
        size_t left = code.size();
        std::uint64_t address = f.address;
        cs_insn* insn = cs_malloc(h);
        std::vector<std::string> out;
        std::set<std::uint64_t> targets;  // in the function itself
        while (left > 0) {
            if (!cs_disasm_iter(h, &p, &left, &address, insn)) {
                // Data in code, padding, an instruction Capstone does not know: shown as a byte.
                out.push_back(fmt::format(".byte {:#04x}", *p));
                ++p, --left, ++address;
                continue;
            }
            out.push_back(line(*insn, f, targets));
        }
        cs_free(insn, 1);
        // Targets in the function are labels numbered in address order (.L1, .L2, ...), so that
        // an instruction inserted before one does not change every jump to it.
        std::map<std::uint64_t, size_t> label;
        for (std::uint64_t t : targets) label.emplace(t, label.size() + 1);
        for (std::string& l : out) {
            size_t at;
            while ((at = l.find(kLocal)) != std::string::npos) {
                size_t end = l.find(kLocal, at + 1);
                std::uint64_t t = std::stoull(l.substr(at + 1, end - at - 1));
                l.replace(at, end - at + 1, fmt::format("<.L{}>", label[t]));
            }
        }
        return out;
    }

  private:
    // SYM as a data object, when its section's bytes were kept.
    void add_object(const ElfSymbol& sym, std::uint64_t base) {
        const ElfSection* s = m_section[sym.section_index];
        if (!s || !s->data || s->bytes.size() != s->size) return;
        if (!m_relocatable && sym.value < s->addr) return;
        std::uint64_t start = offset_in(*s, sym);
        if (start >= s->size || sym.state.size > s->size - start) return;
        m_objects.push_back({sym.name, s, start, sym.state.size, base + start});
    }

    // A symbol's value as an offset in its section (a relocatable object's values are already).
    std::uint64_t offset_in(const ElfSection& s, const ElfSymbol& sym) const {
        return m_relocatable ? sym.value : sym.value - s.addr;
    }

    // Marks a target in the function itself until labels are numbered: \x01ADDRESS\x01.
    static constexpr char kLocal = '\x01';

    // The relocation applied within the instruction at ADDRESS (SIZE bytes) of F, if any.
    const std::string* relocation(const Function& f, std::uint64_t address, size_t size) const {
        const auto& relocs = f.section->relocations;
        std::uint64_t from = address - f.address + f.offset;
        auto it = std::lower_bound(relocs.begin(), relocs.end(), from,
                                   [](const auto& r, std::uint64_t o) { return r.first < o; });
        return it != relocs.end() && it->first < from + size ? &it->second : nullptr;
    }

    std::string line(const cs_insn& insn, const Function& f, std::set<std::uint64_t>& targets) const {
        std::string ops = insn.op_str;
        csh h = m_disassembler.handle();
        bool branch = cs_insn_group(h, &insn, CS_GRP_JUMP) || cs_insn_group(h, &insn, CS_GRP_CALL);
        const std::string* reloc = relocation(f, insn.address, insn.size);
        auto target_name = [&](std::uint64_t target) {
            if (reloc) return fmt::format("<{}>", *reloc);  // not linked yet: what it refers to
            if (target >= f.address && target <= f.address + f.size) {
                targets.insert(target);
                return fmt::format("{}{}{}", kLocal, target, kLocal);
            }
            return name_of(target);
        };
        bool named = false;
        if (m_disassembler.x86() && insn.detail) {
            const cs_x86& x = insn.detail->x86;
            if (branch && x.op_count == 1 && x.operands[0].type == X86_OP_IMM) {
                ops = target_name(static_cast<std::uint64_t>(x.operands[0].imm));
                named = true;
            }
            for (int i = 0; i < x.op_count; ++i) {
                const cs_x86_op& op = x.operands[i];
                if (op.type != X86_OP_MEM || op.mem.base != X86_REG_RIP) continue;
                std::uint64_t target =
                    insn.address + insn.size + static_cast<std::uint64_t>(op.mem.disp);
                size_t open = ops.find('['), close = ops.find(']', open);
                if (open != std::string::npos && close != std::string::npos) {
                    ops = ops.substr(0, open + 1) + target_name(target) + ops.substr(close);
                    named = true;
                }
            }
        } else if (insn.detail && branch) {
            const cs_arm64& a = insn.detail->arm64;
            for (int i = 0; i < a.op_count; ++i)
                if (a.operands[i].type == ARM64_OP_IMM && i + 1 == a.op_count) {
                    size_t hash = ops.rfind('#');
                    if (hash != std::string::npos) {
                        ops = ops.substr(0, hash) +
                              target_name(static_cast<std::uint64_t>(a.operands[i].imm));
                        named = true;
                    }
                }
        }
        if (reloc && !named) ops += fmt::format("  ; <{}>", *reloc);
        return ops.empty() ? std::string(insn.mnemonic) : fmt::format("{} {}", insn.mnemonic, ops);
    }

    // An address outside the function as a name: "<foo>", "<foo+0x8>", "<.plt+0x30>".
    std::string name_of(std::uint64_t target) const {
        auto it = std::upper_bound(m_names.begin(), m_names.end(), target,
                                   [](std::uint64_t t, const Label& n) { return t < n.address; });
        if (it != m_names.begin()) {
            const Label& n = *std::prev(it);
            // The first symbol at that address wins (sorted stably, so .symtab's order).
            auto first = std::lower_bound(m_names.begin(), m_names.end(), n.address,
                                          [](const Label& x, std::uint64_t a) { return x.address < a; });
            if (target - n.address < std::max<std::uint64_t>(n.size, 1))
                return target == n.address ? fmt::format("<{}>", first->name)
                                           : fmt::format("<{}+{:#x}>", first->name, target - n.address);
        }
        for (const Label& s : m_sections)
            if (target >= s.address && target < s.address + s.size)
                return fmt::format("<{}+{:#x}>", s.name, target - s.address);
        return fmt::format("{:#x}", target);
    }

    Disassembler m_disassembler;
    bool m_relocatable;
    std::map<std::size_t, std::uint64_t> m_base;  // section index -> where it is disassembled
    std::map<std::size_t, const ElfSection*> m_section;  // section index -> the section
    std::vector<Label> m_names;                    // defined symbols, by address
    std::vector<Label> m_sections;
    std::vector<Function> m_functions;
    std::vector<Function> m_objects;  // data symbols in data sections
    bool m_pointers64 = false;        // ELF64, little-endian: 8-byte words may be addresses
};

std::string size_change(std::uint64_t l, std::uint64_t r) {
    if (l == r) return "same size";
    return r > l ? fmt::format("+{} bytes", r - l) : fmt::format("-{} bytes", l - r);
}

std::string shown_name(const std::string& name) {
    std::string d = demangle(name);
    return d.empty() ? name : d;
}

// BYTES (at most 8) as a little-endian number.
std::uint64_t little_endian(std::string_view bytes) {
    std::uint64_t v = 0;
    for (size_t i = bytes.size(); i-- > 0;) v = v << 8 | static_cast<unsigned char>(bytes[i]);
    return v;
}

// A data object's bytes in words: a string, a number (1, 2, 4 or 8 bytes, little-endian), or hex.
std::string value_words(std::string_view b, bool little) {
    size_t nul = b.find('\0');
    std::string_view text = b.substr(0, nul);
    bool zeros_after = nul != std::string_view::npos &&
                       b.find_first_not_of('\0', nul) == std::string_view::npos;
    bool printable = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        auto u = static_cast<unsigned char>(c);
        return u >= 0x20 && u != 0x7f;
    });
    if (printable && zeros_after && text.size() >= 2) return fmt::format("\"{}\"", text);
    if (little && (b.size() == 1 || b.size() == 2 || b.size() == 4 || b.size() == 8))
        return fmt::format("{}", little_endian(b));
    std::string hex;
    for (size_t i = 0; i < b.size() && i < 32; ++i)
        hex += fmt::format("{}{:02x}", i ? " " : "", static_cast<unsigned char>(b[i]));
    return b.size() > 32 ? hex + " ..." : hex;
}

// Whether two versions of a data object differ only in 8-byte words that are addresses of the
// same symbol on each side (a pointer table whose targets moved).
bool only_addresses_moved(const CodeView& lv, const CodeView& rv, const Function& l,
                          const Function& r) {
    std::string_view a = l.bytes(), b = r.bytes();
    if (a.size() != b.size() || !lv.pointers64() || !rv.pointers64()) return false;
    size_t i = 0;
    while (i < a.size()) {
        bool aligned = (l.address + i) % 8 == 0 && (r.address + i) % 8 == 0 && i + 8 <= a.size();
        size_t n = aligned ? 8 : 1;
        if (a.substr(i, n) != b.substr(i, n)) {
            if (!aligned) return false;
            std::string nx = lv.address_name(little_endian(a.substr(i, 8)));
            if (nx.empty() || nx != rv.address_name(little_endian(b.substr(i, 8)))) return false;
        }
        i += n;
    }
    return true;
}

// Each item of RIGHT with the item of LEFT of the same name and occurrence, in RIGHT's order; an
// item of one side only is left out (the symbol nodes say so).
std::vector<std::pair<const Function*, const Function*>> paired(const std::vector<Function>& left,
                                                                const std::vector<Function>& right) {
    auto lk = keyed(left, [](const Function& f) { return f.name; });
    std::map<std::string, int> seen;
    std::vector<std::pair<const Function*, const Function*>> out;
    for (const Function& r : right)
        if (auto it = lk.find({r.name, seen[r.name]++}); it != lk.end()) out.emplace_back(it->second, &r);
    return out;
}

// "N functions differ: `a` (X), `b` (Y) and 3 more": the first five, each with WHAT of it.
template <typename List, typename What>
std::string summary_line(const List& items, const char* noun, What what) {
    std::string names;
    for (size_t i = 0; i < items.size() && i < 5; ++i)
        names += fmt::format("{}`{}` ({})", i ? ", " : "", shown_name(items[i].second->name),
                             what(items[i]));
    if (items.size() > 5) names += fmt::format(" and {} more", items.size() - 5);
    return fmt::format("{} {}{} differ{}: {}", items.size(), noun, items.size() == 1 ? "" : "s",
                       items.size() == 1 ? "s" : "", names);
}

void compare_functions(const CodeView& lv, const CodeView& rv, const std::string& machine,
                       const CodeLimits& limits, CodeComparison& out) {
    struct Changed {
        const Function *first, *second;  // left, right (as the pairs summary_line takes)
        std::optional<std::vector<std::string>> li, ri;
    };
    std::vector<Changed> changed;
    size_t moved = 0;
    for (auto [lf, rf] : paired(lv.functions(), rv.functions())) {
        if (lf->bytes() == rf->bytes() && lf->relocations() == rf->relocations()) continue;
        out.explained.insert(lf->section->name);
        out.explained.insert(rf->section->name);
        Changed c{lf, rf, lv.instructions(*lf), rv.instructions(*rf)};
        if (c.li && c.ri && *c.li == *c.ri) {
            ++moved;
            continue;
        }
        changed.push_back(std::move(c));
    }
    // The ones that grew or shrank most first (an optimiser's change, not the cold parts and
    // callers it dragged along at the same size), then in address order.
    auto growth = [](const Changed& c) {
        return c.first->size > c.second->size ? c.first->size - c.second->size
                                              : c.second->size - c.first->size;
    };
    std::stable_sort(changed.begin(), changed.end(),
                     [&](const Changed& a, const Changed& b) { return growth(a) > growth(b); });
    if (!changed.empty()) {
        Difference node = difference("functions", "", summary_line(changed, "function", [](auto& p) {
                                         return size_change(p.first->size, p.second->size);
                                     }));
        for (size_t i = 0; i < changed.size() && i < limits.functions; ++i) {
            const Changed& c = changed[i];
            const Function &l = *c.first, &r = *c.second;
            Difference f = difference("function", r.name, "");
            f.demangled = demangle(r.name);
            std::string where = l.section->name == r.section->name
                                    ? r.section->name
                                    : l.section->name + " -> " + r.section->name;
            std::string sizes = l.size == r.size
                                    ? fmt::format("{} bytes", r.size)
                                    : fmt::format("{} -> {} bytes ({})", l.size, r.size,
                                                  size_change(l.size, r.size));
            if (c.li && c.ri) {
                UnifiedDiff u = unified_diff(*c.li, *c.ri, limits.lines, " ");
                f.lines = std::move(u.lines);
                f.description = fmt::format(
                    "function `{}` ({}): {} instruction{} removed, {} added, {}{}",
                    shown_name(r.name), where, u.removed, u.removed == 1 ? "" : "s", u.added,
                    sizes, u.cut ? fmt::format(" (first {} diff lines shown)", limits.lines) : "");
            } else {
                f.description = fmt::format(
                    "function `{}` ({}): bytes differ, {} (not disassembled: {} is not x86-64, "
                    "i386 or AArch64)",
                    shown_name(r.name), where, sizes, machine);
            }
            node.children.push_back(std::move(f));
        }
        if (changed.size() > limits.functions)
            node.children.push_back(difference(
                "limit", "",
                fmt::format("and {} more functions differ (named above; not disassembled here)",
                            changed.size() - limits.functions)));
        out.nodes.push_back(std::move(node));
    }
    if (moved > 0)
        out.nodes.push_back(difference(
            "shift", "",
            fmt::format("{} function{} differ{} only in the addresses {} (the same instructions "
                        "once targets are named)",
                        moved, moved == 1 ? "" : "s", moved == 1 ? "s" : "",
                        moved == 1 ? "it uses" : "they use")));
}

void compare_objects(const CodeView& lv, const CodeView& rv, bool little, const CodeLimits& limits,
                     CodeComparison& out) {
    std::vector<std::pair<const Function*, const Function*>> objects;
    size_t moved = 0;
    for (auto [lo, ro] : paired(lv.objects(), rv.objects())) {
        if (lo->bytes() == ro->bytes()) continue;
        out.explained.insert(lo->section->name);
        out.explained.insert(ro->section->name);
        if (only_addresses_moved(lv, rv, *lo, *ro))
            ++moved;
        else
            objects.emplace_back(lo, ro);
    }
    if (!objects.empty()) {
        Difference node = difference("objects", "", summary_line(objects, "data object", [](auto& p) {
                                         return p.second->section->name;
                                     }));
        for (size_t i = 0; i < objects.size() && i < limits.functions; ++i) {
            const Function &l = *objects[i].first, &r = *objects[i].second;
            std::string lw = value_words(l.bytes(), little), rw = value_words(r.bytes(), little);
            std::string sizes = l.size == r.size ? fmt::format("{} bytes", r.size)
                                                 : fmt::format("{} -> {} bytes", l.size, r.size);
            Difference d = difference("object", r.name, "", lw, rw);
            d.description = fmt::format("object `{}` ({}, {}): {} -> {}", shown_name(r.name),
                                        r.section->name, sizes, lw, rw);
            if (r.size > 32 && l.size == r.size) {
                size_t differing = 0;
                for (size_t k = 0; k < r.size; ++k) differing += l.bytes()[k] != r.bytes()[k];
                d.description +=
                    fmt::format(" ({} byte{} differ)", differing, differing == 1 ? "" : "s");
            }
            if (std::optional<LooksLike> look = looks_like(lw, rw, local_names())) {
                d.looks_like = look->words();
                d.description += ": looks like " + d.looks_like;
            }
            node.children.push_back(std::move(d));
        }
        if (objects.size() > limits.functions)
            node.children.push_back(difference(
                "limit", "", fmt::format("and {} more data objects differ (named above)",
                                         objects.size() - limits.functions)));
        out.nodes.push_back(std::move(node));
    }
    if (moved > 0)
        out.nodes.push_back(difference(
            "shift", "",
            fmt::format("{} data object{} differ{} only in addresses that moved (each pointer "
                        "names the same symbol on both sides)",
                        moved, moved == 1 ? "" : "s", moved == 1 ? "s" : "")));
}

}  // namespace

CodeComparison compare_code(const ElfSummary& left, const ElfSummary& right,
                            const CodeLimits& limits) {
    CodeComparison out;
    CodeView lv(left), rv(right);
    compare_functions(lv, rv, header_value(right, "machine"), limits, out);
    compare_objects(lv, rv, header_value(left, "data") == "little-endian", limits, out);
    return out;
}

}  // namespace buildiff
