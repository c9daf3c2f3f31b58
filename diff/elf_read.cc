// ELF and DWARF reading with elfutils. Every offset and size in the file is checked against the
// file's size before libelf is asked for data, so a malformed file is an error, not a crash.
#include "diff/elf_read.h"

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <set>

#include <fmt/core.h>

#include "base/lines.h"
#include "base/names.h"

namespace buildiff {

namespace {

// elfutils' messages, which are null when the library recorded no error.
std::string message(const char* m) {
    return m ? m : "unknown error";
}

std::string hex_bytes(const unsigned char* p, size_t n) {
    std::string out;
    for (size_t i = 0; i < n; ++i) out += fmt::format("{:02x}", p[i]);
    return out;
}

// ELF names as readelf prints them (data tables).
constexpr Named<GElf_Word> kSectionTypes[] = {
    {SHT_NULL, "NULL"},
    {SHT_PROGBITS, "PROGBITS"},
    {SHT_SYMTAB, "SYMTAB"},
    {SHT_STRTAB, "STRTAB"},
    {SHT_RELA, "RELA"},
    {SHT_HASH, "HASH"},
    {SHT_DYNAMIC, "DYNAMIC"},
    {SHT_NOTE, "NOTE"},
    {SHT_NOBITS, "NOBITS"},
    {SHT_REL, "REL"},
    {SHT_DYNSYM, "DYNSYM"},
    {SHT_INIT_ARRAY, "INIT_ARRAY"},
    {SHT_FINI_ARRAY, "FINI_ARRAY"},
    {SHT_PREINIT_ARRAY, "PREINIT_ARRAY"},
    {SHT_GROUP, "GROUP"},
    {SHT_SYMTAB_SHNDX, "SYMTAB_SHNDX"},
    {SHT_GNU_HASH, "GNU_HASH"},
    {SHT_GNU_verdef, "VERDEF"},
    {SHT_GNU_verneed, "VERNEED"},
    {SHT_GNU_versym, "VERSYM"},
    {SHT_X86_64_UNWIND, "X86_64_UNWIND"},
};

std::string section_type_name(GElf_Word type) {
    std::string_view n = name_of(kSectionTypes, type);
    return n.empty() ? fmt::format("{:#x}", type) : std::string(n);
}

std::string section_flags(GElf_Xword f) {
    static const std::pair<GElf_Xword, char> letters[] = {
        {SHF_WRITE, 'W'},      {SHF_ALLOC, 'A'},
        {SHF_EXECINSTR, 'X'},  {SHF_MERGE, 'M'},
        {SHF_STRINGS, 'S'},    {SHF_INFO_LINK, 'I'},
        {SHF_LINK_ORDER, 'L'}, {SHF_OS_NONCONFORMING, 'O'},
        {SHF_GROUP, 'G'},      {SHF_TLS, 'T'},
        {SHF_COMPRESSED, 'C'}, {SHF_EXCLUDE, 'E'}};
    std::string out;
    for (auto [bit, c] : letters)
        if (f & bit) out += c;
    return out;
}

constexpr Named<unsigned> kBindings[] = {
    {STB_LOCAL, "LOCAL"},
    {STB_GLOBAL, "GLOBAL"},
    {STB_WEAK, "WEAK"},
    {STB_GNU_UNIQUE, "UNIQUE"},
};

std::string binding_name(unsigned b) {
    std::string_view n = name_of(kBindings, b);
    return n.empty() ? fmt::format("BIND_{}", b) : std::string(n);
}

constexpr Named<unsigned> kSymbolTypes[] = {
    {STT_NOTYPE, "NOTYPE"},
    {STT_OBJECT, "OBJECT"},
    {STT_FUNC, "FUNC"},
    {STT_SECTION, "SECTION"},
    {STT_FILE, "FILE"},
    {STT_COMMON, "COMMON"},
    {STT_TLS, "TLS"},
    {STT_GNU_IFUNC, "IFUNC"},
};

std::string type_name(unsigned t) {
    std::string_view n = name_of(kSymbolTypes, t);
    return n.empty() ? fmt::format("TYPE_{}", t) : std::string(n);
}

std::string visibility_name(unsigned v) {
    static const char* names[] = {"DEFAULT", "INTERNAL", "HIDDEN", "PROTECTED"};
    return names[v & 3];
}

constexpr Named<GElf_Half> kMachines[] = {
    {EM_X86_64, "x86-64"},
    {EM_386, "i386"},
    {EM_AARCH64, "AArch64"},
    {EM_ARM, "ARM"},
    {EM_RISCV, "RISC-V"},
    {EM_PPC64, "PowerPC64"},
    {EM_S390, "S/390"},
};

std::string machine_name(GElf_Half m) {
    std::string_view n = name_of(kMachines, m);
    return n.empty() ? fmt::format("machine {}", m) : std::string(n);
}

constexpr Named<GElf_Half> kElfTypes[] = {
    {ET_REL, "REL (relocatable object)"},
    {ET_EXEC, "EXEC (executable)"},
    {ET_DYN, "DYN (shared object or PIE)"},
    {ET_CORE, "CORE"},
};

std::string elf_type_name(GElf_Half t) {
    std::string_view n = name_of(kElfTypes, t);
    return n.empty() ? fmt::format("type {}", t) : std::string(n);
}

struct ElfCloser {
    void operator()(Elf* e) const { elf_end(e); }
};
using ElfPtr = std::unique_ptr<Elf, ElfCloser>;

class Reader {
  public:
    Reader(const Blob& blob) : m_blob(blob) {}
    Result<ElfSummary> run();

  private:
    Error fail(const std::string& what) const {
        return Error{fmt::format("{}: malformed ELF: {}", m_blob.name(), what)};
    }
    std::string strptr(size_t section, size_t offset) const {
        if (m_unreadable.contains(section)) return "";
        const char* s = elf_strptr(m_elf.get(), section, offset);
        return s ? s : "";
    }
    std::string section_name_of(size_t shndx) const {
        auto it = m_section_names.find(shndx);
        return it == m_section_names.end() ? fmt::format("section {}", shndx) : it->second;
    }
    // A section that can be read, and whose linked section (its names, its symbols) can too.
    bool readable(Elf_Scn* scn, const GElf_Shdr& shdr) const {
        return !m_unreadable.contains(elf_ndxscn(scn)) && !m_unreadable.contains(shdr.sh_link);
    }
    std::optional<Error> read_sections();
    void read_symbols();
    void read_table(Elf_Scn* scn, const GElf_Shdr& shdr, bool dynamic);
    void read_versions();
    void read_dynamic(Elf_Scn* scn, const GElf_Shdr& shdr);
    void read_notes(Elf_Data* data);
    void read_comment(Elf_Data* data);
    void read_relocations(Elf_Scn* scn, const GElf_Shdr& shdr);
    void read_dwarf();
    void read_units(Dwarf* dbg);

    const Blob& m_blob;
    std::string m_copy;  // libelf wants a writable image for members held in memory
    ElfPtr m_elf;
    ElfSummary m_out;
    GElf_Half m_type = ET_NONE;
    std::map<size_t, std::string> m_section_names;
    // Sections whose content lies beyond the end of the file or libelf cannot read: reported
    // on the section, and never read (nor any table that refers to them for its names).
    std::set<size_t> m_unreadable;
    std::map<GElf_Half, std::string> m_version_names;  // verdef/verneed index -> name
    std::vector<GElf_Half> m_versym;
    Elf_Scn* m_symtab = nullptr;
    Elf_Scn* m_dynsym = nullptr;
    bool m_has_debug_info = false;
};

std::optional<Error> Reader::read_sections() {
    size_t shstrndx = 0;
    if (elf_getshdrstrndx(m_elf.get(), &shstrndx) != 0)
        return fail(fmt::format("no section name table ({})", message(elf_errmsg(-1))));
    std::uint64_t file_size = m_blob.size();
    Elf_Scn* scn = nullptr;
    size_t index = 0;
    // Names first: symbols refer to sections by index.
    std::vector<std::pair<Elf_Scn*, GElf_Shdr>> all;
    std::map<size_t, std::string> problems;  // section index -> why its content is unreadable
    while ((scn = elf_nextscn(m_elf.get(), scn)) != nullptr) {
        ++index;
        GElf_Shdr shdr;
        if (!gelf_getshdr(scn, &shdr))
            return fail(
                fmt::format("section {}: unreadable header ({})", index, message(elf_errmsg(-1))));
        if (shdr.sh_type != SHT_NOBITS && shdr.sh_type != SHT_NULL &&
            (shdr.sh_offset > file_size || shdr.sh_size > file_size - shdr.sh_offset)) {
            std::string why = fmt::format(
                "extends beyond the end of the file (offset {:#x}, size {:#x}, file {:#x} bytes)",
                shdr.sh_offset, shdr.sh_size, file_size);
            // Without the section name table nothing else can be named: the file is malformed.
            if (elf_ndxscn(scn) == shstrndx)
                return fail(fmt::format("section {} (the section name table) {}", index, why));
            problems[elf_ndxscn(scn)] = why;
        }
        all.emplace_back(scn, shdr);
    }
    for (auto& [s, shdr] : all)
        if (shdr.sh_type != SHT_NOBITS && shdr.sh_type != SHT_NULL && shdr.sh_size &&
            !problems.contains(elf_ndxscn(s)) && !elf_rawdata(s, nullptr)) {
            if (elf_ndxscn(s) == shstrndx)
                return fail(fmt::format("the section name table is unreadable ({})",
                                        message(elf_errmsg(-1))));
            problems[elf_ndxscn(s)] = fmt::format("unreadable ({})", message(elf_errmsg(-1)));
        }
    for (auto& entry : problems) m_unreadable.insert(entry.first);
    for (auto& [s, shdr] : all) m_section_names[elf_ndxscn(s)] = strptr(shstrndx, shdr.sh_name);
    for (auto& [s, shdr] : all) {
        ElfSection sec;
        sec.index = elf_ndxscn(s);
        sec.name = m_section_names[sec.index];
        sec.type = section_type_name(shdr.sh_type);
        sec.flags = section_flags(shdr.sh_flags);
        sec.addr = shdr.sh_addr;
        sec.size = shdr.sh_size;
        if (auto bad = problems.find(sec.index); bad != problems.end()) {
            sec.problem = bad->second;
            m_out.sections.push_back(std::move(sec));
            continue;
        }
        sec.has_content = shdr.sh_type != SHT_NOBITS && shdr.sh_type != SHT_NULL;
        Elf_Data* raw = nullptr;
        if (sec.has_content) {
            raw = elf_rawdata(s, nullptr);
            std::string_view bytes =
                raw && raw->d_buf ? std::string_view(static_cast<const char*>(raw->d_buf), raw->d_size)
                                  : std::string_view();
            sec.content = hash_bytes(bytes);
            sec.strings = ((shdr.sh_flags & SHF_STRINGS) || shdr.sh_type == SHT_STRTAB) &&
                          !(shdr.sh_flags & SHF_COMPRESSED);
            sec.code = (shdr.sh_flags & SHF_EXECINSTR) && !(shdr.sh_flags & SHF_COMPRESSED);
            sec.data = (shdr.sh_flags & SHF_ALLOC) && !sec.code && !sec.strings &&
                       shdr.sh_type == SHT_PROGBITS && !(shdr.sh_flags & SHF_COMPRESSED);
            if ((sec.strings && bytes.size() <= kStringSectionLimit) ||
                (sec.code && bytes.size() <= kCodeSectionLimit) ||
                (sec.data && bytes.size() <= kDataSectionLimit))
                sec.bytes = bytes;
        }
        if (shdr.sh_type == SHT_SYMTAB && readable(s, shdr)) m_symtab = s;
        if (shdr.sh_type == SHT_DYNSYM && readable(s, shdr)) m_dynsym = s;
        if (shdr.sh_type == SHT_DYNAMIC && readable(s, shdr)) read_dynamic(s, shdr);
        if (shdr.sh_type == SHT_NOTE && !(shdr.sh_flags & SHF_COMPRESSED))
            read_notes(elf_getdata(s, nullptr));
        if (sec.name == ".comment" && !(shdr.sh_flags & SHF_COMPRESSED)) read_comment(raw);
        if (sec.name == ".debug_info" || sec.name == ".zdebug_info") m_has_debug_info = true;
        m_out.sections.push_back(std::move(sec));
    }
    for (const ElfSection& sec : m_out.sections)
        if (!sec.problem.empty() &&
            (sec.name.starts_with(".debug_") || sec.name.starts_with(".zdebug_"))) {
            m_has_debug_info = false;
            m_out.dwarf_problem = fmt::format("not read: section {} is malformed", sec.name);
        }
    for (auto& [s, shdr] : all)
        if ((shdr.sh_type == SHT_RELA || shdr.sh_type == SHT_REL) && readable(s, shdr))
            read_relocations(s, shdr);
    return std::nullopt;
}

void Reader::read_relocations(Elf_Scn* scn, const GElf_Shdr& shdr) {
    auto target = std::find_if(m_out.sections.begin(), m_out.sections.end(),
                               [&](const ElfSection& s) { return s.index == shdr.sh_info; });
    Elf_Scn* symtab = elf_getscn(m_elf.get(), shdr.sh_link);
    GElf_Shdr symtab_shdr;
    if (m_type != ET_REL || target == m_out.sections.end() || !target->code || target->bytes.empty() || !symtab ||
        !gelf_getshdr(symtab, &symtab_shdr) || (shdr.sh_flags & SHF_COMPRESSED))
        return;
    Elf_Data* data = elf_getdata(scn, nullptr);
    Elf_Data* syms = elf_getdata(symtab, nullptr);
    if (!data || !syms || !shdr.sh_entsize) return;
    bool rela = shdr.sh_type == SHT_RELA;
    size_t n = shdr.sh_size / shdr.sh_entsize;
    for (size_t i = 0; i < n; ++i) {
        GElf_Rela r{};
        if (rela) {
            if (!gelf_getrela(data, static_cast<int>(i), &r)) break;
        } else {
            GElf_Rel rel;
            if (!gelf_getrel(data, static_cast<int>(i), &rel)) break;
            r.r_offset = rel.r_offset;
            r.r_info = rel.r_info;
        }
        GElf_Sym sym;
        std::string name;
        if (GELF_R_SYM(r.r_info) != 0 &&
            gelf_getsym(syms, static_cast<int>(GELF_R_SYM(r.r_info)), &sym))
            name = GELF_ST_TYPE(sym.st_info) == STT_SECTION ? section_name_of(sym.st_shndx)
                                                             : strptr(symtab_shdr.sh_link, sym.st_name);
        if (name.empty()) name = "0";
        if (r.r_addend != 0)
            name += r.r_addend > 0 ? fmt::format("+{:#x}", r.r_addend)
                                   : fmt::format("-{:#x}", -static_cast<std::uint64_t>(r.r_addend));
        target->relocations.emplace_back(r.r_offset, std::move(name));
    }
    std::stable_sort(target->relocations.begin(), target->relocations.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
}

void Reader::read_versions() {
    Elf_Scn* scn = nullptr;
    while ((scn = elf_nextscn(m_elf.get(), scn)) != nullptr) {
        GElf_Shdr shdr;
        if (!gelf_getshdr(scn, &shdr) || !readable(scn, shdr)) continue;
        Elf_Data* data = elf_getdata(scn, nullptr);
        if (!data) continue;
        if (shdr.sh_type == SHT_GNU_versym) {
            for (size_t i = 0; i < shdr.sh_size / 2; ++i) {
                GElf_Versym v;
                if (!gelf_getversym(data, static_cast<int>(i), &v)) break;
                m_versym.push_back(v);
            }
        } else if (shdr.sh_type == SHT_GNU_verdef) {
            int off = 0;
            for (size_t n = 0; n < shdr.sh_info && off >= 0; ++n) {
                GElf_Verdef def;
                GElf_Verdaux aux;
                if (!gelf_getverdef(data, off, &def) ||
                    !gelf_getverdaux(data, off + static_cast<int>(def.vd_aux), &aux))
                    break;
                if (!(def.vd_flags & VER_FLG_BASE))
                    m_version_names[def.vd_ndx] = strptr(shdr.sh_link, aux.vda_name);
                if (!def.vd_next) break;
                off += static_cast<int>(def.vd_next);
            }
        } else if (shdr.sh_type == SHT_GNU_verneed) {
            int off = 0;
            for (size_t n = 0; n < shdr.sh_info && off >= 0; ++n) {
                GElf_Verneed need;
                if (!gelf_getverneed(data, off, &need)) break;
                int aoff = off + static_cast<int>(need.vn_aux);
                for (unsigned k = 0; k < need.vn_cnt; ++k) {
                    GElf_Vernaux aux;
                    if (!gelf_getvernaux(data, aoff, &aux)) break;
                    m_version_names[aux.vna_other] = strptr(shdr.sh_link, aux.vna_name);
                    if (!aux.vna_next) break;
                    aoff += static_cast<int>(aux.vna_next);
                }
                if (!need.vn_next) break;
                off += static_cast<int>(need.vn_next);
            }
        }
    }
}

void Reader::read_table(Elf_Scn* scn, const GElf_Shdr& shdr, bool dynamic) {
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (!data || !shdr.sh_entsize) return;
    Elf_Data* xndx_data = nullptr;
    size_t n = shdr.sh_size / shdr.sh_entsize;
    // .symtab entries found in .dynsym are marked; .dynsym-only ones are added.
    std::map<std::pair<std::string, std::string>, size_t> defined_globals;
    if (dynamic)
        for (size_t i = 0; i < m_out.symbols.size(); ++i) {
            const ElfSymbol& s = m_out.symbols[i];
            if (s.state.binding != "LOCAL")
                defined_globals.emplace(std::make_pair(s.name, s.state.version), i);
        }
    for (size_t i = 1; i < n; ++i) {
        GElf_Sym sym;
        GElf_Word xndx = 0;
        if (!gelf_getsymshndx(data, xndx_data, static_cast<int>(i), &sym, &xndx)) break;
        unsigned type = GELF_ST_TYPE(sym.st_info);
        if (type == STT_SECTION || type == STT_FILE) continue;
        ElfSymbol s;
        s.name = strptr(shdr.sh_link, sym.st_name);
        if (s.name.empty()) continue;
        s.value = sym.st_value;
        s.state.binding = binding_name(GELF_ST_BIND(sym.st_info));
        s.state.type = type_name(type);
        s.state.visibility = visibility_name(GELF_ST_VISIBILITY(sym.st_other));
        s.state.size = sym.st_size;
        size_t shndx = sym.st_shndx == SHN_XINDEX ? xndx : sym.st_shndx;
        s.state.defined = sym.st_shndx != SHN_UNDEF;
        if (s.state.defined && sym.st_shndx != SHN_ABS && sym.st_shndx != SHN_COMMON)
            s.section_index = shndx;
        s.state.section = sym.st_shndx == SHN_UNDEF    ? "UND"
                          : sym.st_shndx == SHN_ABS    ? "ABS"
                          : sym.st_shndx == SHN_COMMON ? "COMMON"
                                                       : section_name_of(shndx);
        if (!dynamic) {
            // ld writes versioned names into .symtab as name@VER or name@@VER.
            auto at = s.name.find('@');
            if (at != std::string::npos && at > 0) {
                size_t v = s.name.find_first_not_of('@', at);
                s.state.version = v == std::string::npos ? "" : s.name.substr(v);
                s.name.resize(at);
            }
            m_out.symbols.push_back(std::move(s));
            continue;
        }
        s.state.dynamic = true;
        if (i < m_versym.size()) {
            auto it = m_version_names.find(static_cast<GElf_Half>(m_versym[i] & 0x7fff));
            if (it != m_version_names.end()) s.state.version = it->second;
        }
        auto match = defined_globals.find({s.name, s.state.version});
        if (match == defined_globals.end()) match = defined_globals.find({s.name, ""});
        if (match != defined_globals.end()) {
            m_out.symbols[match->second].state.dynamic = true;
            if (m_out.symbols[match->second].state.version.empty())
                m_out.symbols[match->second].state.version = s.state.version;
            defined_globals.erase(match);
        } else {
            m_out.symbols.push_back(std::move(s));
        }
    }
}

void Reader::read_symbols() {
    read_versions();
    for (auto [scn, dynamic] : {std::pair{m_symtab, false}, std::pair{m_dynsym, true}}) {
        if (!scn) continue;
        GElf_Shdr shdr;
        if (gelf_getshdr(scn, &shdr)) read_table(scn, shdr, dynamic);
    }
}

void Reader::read_dynamic(Elf_Scn* scn, const GElf_Shdr& shdr) {
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (!data || !shdr.sh_entsize) return;
    for (size_t i = 0; i < shdr.sh_size / shdr.sh_entsize; ++i) {
        GElf_Dyn dyn;
        if (!gelf_getdyn(data, static_cast<int>(i), &dyn) || dyn.d_tag == DT_NULL) break;
        auto str = [&] { return strptr(shdr.sh_link, dyn.d_un.d_val); };
        auto hex = [&] { return fmt::format("{:#x}", dyn.d_un.d_val); };
        switch (dyn.d_tag) {
            case DT_NEEDED:
                m_out.dynamic.emplace_back("NEEDED", str());
                break;
            case DT_SONAME:
                m_out.dynamic.emplace_back("SONAME", str());
                break;
            case DT_RPATH:
                m_out.dynamic.emplace_back("RPATH", str());
                break;
            case DT_RUNPATH:
                m_out.dynamic.emplace_back("RUNPATH", str());
                break;
            case DT_FLAGS:
                m_out.dynamic.emplace_back("FLAGS", hex());
                break;
            case DT_FLAGS_1:
                m_out.dynamic.emplace_back("FLAGS_1", hex());
                break;
            case DT_TEXTREL:
                m_out.dynamic.emplace_back("TEXTREL", "");
                break;
            case DT_BIND_NOW:
                m_out.dynamic.emplace_back("BIND_NOW", "");
                break;
            case DT_SYMBOLIC:
                m_out.dynamic.emplace_back("SYMBOLIC", "");
                break;
            default:
                break;
        }
    }
}

void Reader::read_notes(Elf_Data* data) {
    if (!data) return;
    size_t offset = 0, name_off = 0, desc_off = 0;
    GElf_Nhdr nhdr;
    const auto* base = static_cast<const unsigned char*>(data->d_buf);
    while (offset < data->d_size &&
           (offset = gelf_getnote(data, offset, &nhdr, &name_off, &desc_off)) > 0) {
        std::string owner(reinterpret_cast<const char*>(base + name_off),
                          nhdr.n_namesz ? nhdr.n_namesz - 1 : 0);
        const unsigned char* desc = base + desc_off;
        if (owner == "GNU" && nhdr.n_type == NT_GNU_BUILD_ID) {
            m_out.notes.emplace_back("build-id", hex_bytes(desc, nhdr.n_descsz));
        } else if (owner == "GNU" && nhdr.n_type == NT_GNU_ABI_TAG && nhdr.n_descsz >= 16) {
            auto word = [&](int i) {
                std::uint32_t w;
                std::memcpy(&w, desc + 4 * i, 4);
                return w;
            };
            m_out.notes.emplace_back(
                "ABI tag", fmt::format("OS {} {}.{}.{}", word(0), word(1), word(2), word(3)));
        } else {
            m_out.notes.emplace_back(fmt::format("{} note type {:#x}", owner, nhdr.n_type),
                                     hex_bytes(desc, std::min<size_t>(nhdr.n_descsz, 64)));
        }
    }
}

void Reader::read_comment(Elf_Data* data) {
    if (!data || !data->d_buf) return;
    std::string_view all(static_cast<const char*>(data->d_buf), data->d_size);
    std::set<std::string_view> seen;
    for (std::string_view s : fields_of(all, '\0'))
        if (seen.insert(s).second) m_out.comment.emplace_back(s);
}

std::string attr_string(Dwarf_Die* die, unsigned name) {
    Dwarf_Attribute attr;
    const char* s = dwarf_formstring(dwarf_attr(die, name, &attr));
    return s ? s : "";
}

void Reader::read_units(Dwarf* dbg) {
    constexpr size_t kMaxUnits = 100000, kMaxFiles = 20000;
    Dwarf_CU* cu = nullptr;
    Dwarf_Half version;
    std::uint8_t unit_type;
    Dwarf_Die cudie, subdie;
    while (m_out.units.size() < kMaxUnits &&
           dwarf_get_units(dbg, cu, &cu, &version, &unit_type, &cudie, &subdie) == 0) {
        if (unit_type != DW_UT_compile && unit_type != DW_UT_partial && unit_type != DW_UT_skeleton)
            continue;
        DwarfUnit u;
        u.name = attr_string(&cudie, DW_AT_name);
        u.producer = attr_string(&cudie, DW_AT_producer);
        u.comp_dir = attr_string(&cudie, DW_AT_comp_dir);
        Dwarf_Files* files = nullptr;
        size_t nfiles = 0;
        if (dwarf_getsrcfiles(&cudie, &files, &nfiles) == 0) {
            std::set<std::string> seen;
            // Entry 0 is the unit itself in DWARF 5 (a repeat of the primary file).
            for (size_t i = 1; i < nfiles && i < kMaxFiles; ++i) {
                const char* f = dwarf_filesrc(files, i, nullptr, nullptr);
                if (f && seen.insert(f).second) u.files.push_back(f);
            }
        }
        m_out.units.push_back(std::move(u));
    }
}

int no_elf(Dwfl_Module*, void**, const char*, Dwarf_Addr, char**, Elf**) {
    return -1;
}
int no_debuginfo(Dwfl_Module*, void**, const char*, Dwarf_Addr, const char*, const char*, GElf_Word,
                 char**) {
    return -1;
}

void Reader::read_dwarf() {
    if (!m_has_debug_info) return;
    if (m_type != ET_REL) {
        Dwarf* dbg = dwarf_begin_elf(m_elf.get(), DWARF_C_READ, nullptr);
        if (!dbg) {
            m_out.dwarf_problem = message(dwarf_errmsg(-1));
            return;
        }
        read_units(dbg);
        dwarf_end(dbg);
        return;
    }
    // A relocatable object's DWARF refers to its strings through relocations, which libdwfl
    // applies; it needs a file descriptor (an anonymous memory file for an archive member).
    int fd = -1;
    if (m_blob.in_memory()) {
        fd = memfd_create("buildiff-elf", MFD_CLOEXEC);
        std::string_view bytes = m_blob.memory();
        size_t done = 0;
        while (fd >= 0 && done < bytes.size()) {
            ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
            if (n <= 0) {
                close(fd);
                fd = -1;
                break;
            }
            done += static_cast<size_t>(n);
        }
    } else {
        fd = dup(m_blob.fd());
    }
    if (fd < 0) {
        m_out.dwarf_problem = "no file descriptor for libdwfl";
        return;
    }
    static const Dwfl_Callbacks callbacks = {no_elf, no_debuginfo, dwfl_offline_section_address,
                                             nullptr};
    Dwfl* dwfl = dwfl_begin(&callbacks);
    Dwfl_Module* mod = dwfl ? dwfl_report_offline(dwfl, "object", "object", fd) : nullptr;
    if (!mod) {
        m_out.dwarf_problem = message(dwfl_errmsg(-1));
        close(fd);
        if (dwfl) dwfl_end(dwfl);
        return;
    }
    dwfl_report_end(dwfl, nullptr, nullptr);
    Dwarf_Addr bias = 0;
    if (Dwarf* dbg = dwfl_module_getdwarf(mod, &bias))
        read_units(dbg);
    else
        m_out.dwarf_problem = message(dwfl_errmsg(-1));
    dwfl_end(dwfl);
}

Result<ElfSummary> Reader::run() {
    elf_version(EV_CURRENT);
    if (m_blob.in_memory()) {
        m_copy = std::string(m_blob.memory());
        m_elf.reset(elf_memory(m_copy.data(), m_copy.size()));
    } else {
        m_elf.reset(elf_begin(m_blob.fd(), ELF_C_READ_MMAP, nullptr));
    }
    if (!m_elf || elf_kind(m_elf.get()) != ELF_K_ELF) return fail(message(elf_errmsg(-1)));
    GElf_Ehdr ehdr;
    if (!gelf_getehdr(m_elf.get(), &ehdr)) return fail(message(elf_errmsg(-1)));
    std::uint64_t size = m_blob.size();
    size_t shnum = 0;
    if (elf_getshdrnum(m_elf.get(), &shnum) != 0) return fail(message(elf_errmsg(-1)));
    if (ehdr.e_shoff > size ||
        (shnum && ehdr.e_shentsize * std::uint64_t(shnum) > size - ehdr.e_shoff))
        return fail(fmt::format(
            "section header table beyond the end of the file (offset {:#x}, {} entries, file "
            "{:#x} bytes): truncated?",
            ehdr.e_shoff, shnum ? shnum : ehdr.e_shnum, size));
    m_type = ehdr.e_type;
    m_out.entry = ehdr.e_entry;
    m_out.header = {{"class", gelf_getclass(m_elf.get()) == ELFCLASS64 ? "ELF64" : "ELF32"},
                    {"data", ehdr.e_ident[EI_DATA] == ELFDATA2MSB ? "big-endian" : "little-endian"},
                    {"type", elf_type_name(ehdr.e_type)},
                    {"machine", machine_name(ehdr.e_machine)},
                    {"OS/ABI", fmt::format("{}", ehdr.e_ident[EI_OSABI])},
                    {"flags", fmt::format("{:#x}", ehdr.e_flags)}};
    if (auto e = read_sections()) return *e;
    read_symbols();
    read_dwarf();
    return std::move(m_out);
}

}  // namespace

bool is_elf(std::string_view head) {
    return head.size() >= 4 && head.substr(0, 4) ==
                                   "\x7f"
                                   "ELF";
}

Result<ElfSummary> read_elf(const Blob& blob) {
    return Reader(blob).run();
}

}  // namespace buildiff
