// Reading an ELF file into what the comparator looks at (elfutils libelf and libdw; no readelf
// text): header, sections with content hashes, symbols from .symtab and .dynsym merged by name,
// dynamic entries, notes, .comment, and the DWARF units' producer, comp_dir and file names.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/blob.h"
#include "base/hash.h"
#include "base/result.h"
#include "diff/model.h"

namespace buildiff {

struct ElfSection {
    std::size_t index = 0;          // in the section header table
    std::string name, type, flags;  // flags as readelf letters ("AX", "WA", ...)
    std::uint64_t addr = 0, size = 0;
    bool has_content = false;  // false for NOBITS, and for a section whose content is unreadable
    // Why the content could not be read (beyond the end of the file, libelf refused it); the
    // rest of the file is still read, without this section and the tables that name through it.
    std::string problem;
    Hash128 content;
    // The bytes of a string section (SHF_STRINGS or STRTAB, not compressed, at most
    // kStringSectionLimit), for comparing it string by string, of a code section (SHF_EXECINSTR,
    // at most kCodeSectionLimit), for comparing it function by function, and of a data section
    // (allocated PROGBITS, at most kDataSectionLimit), for comparing it object by object.
    bool strings = false, code = false, data = false;
    std::string bytes;
    // A code section of a relocatable object: where its relocations apply (offset ->
    // "symbol+addend"), sorted by offset; what a call or a load refers to before it is linked.
    std::vector<std::pair<std::uint64_t, std::string>> relocations;
};
inline constexpr std::uint64_t kStringSectionLimit = 16u << 20;
inline constexpr std::uint64_t kCodeSectionLimit = 64u << 20;
inline constexpr std::uint64_t kDataSectionLimit = 16u << 20;

struct ElfSymbol {
    std::string name;  // without any @VERSION suffix (the version is in state.version)
    SymbolState state;
    std::uint64_t value = 0;
    std::size_t section_index = 0;  // of a defined symbol's section (0: none, ABS, COMMON)
};

struct DwarfUnit {
    std::string name, producer, comp_dir;
    std::vector<std::string> files;  // from the line table, as libdw joins them
};

struct ElfSummary {
    std::vector<std::pair<std::string, std::string>> header;  // ("machine", "x86-64"), ...
    std::uint64_t entry = 0;
    std::vector<ElfSection> sections;
    std::vector<ElfSymbol> symbols;  // .symtab order, then .dynsym-only ones
    std::vector<std::pair<std::string, std::string>> dynamic;  // ("NEEDED", "libc.so.6"), ...
    std::vector<std::pair<std::string, std::string>> notes;    // ("build-id", "ab12..."), ...
    std::vector<std::string> comment;                          // .comment strings
    std::vector<DwarfUnit> units;
    std::string dwarf_problem;  // why DWARF could not be read, when it is present but unreadable
};

bool is_elf(std::string_view head);
// Errors name the blob and what is wrong (truncated, section header table or section name table
// beyond the end of the file, ...); one unreadable section is ElfSection::problem instead.
Result<ElfSummary> read_elf(const Blob& blob);

}  // namespace buildiff
