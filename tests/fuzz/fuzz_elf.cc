// Fuzz target (tests/fuzz/fuzz_main.cc): the ELF reader (libelf, libdw, libdwfl for relocatable
// objects) and the ELF comparison, on arbitrary bytes compared against a copy with one byte
// changed.
#include <cstddef>
#include <cstdint>
#include <string>

#include "diff/compare.h"
#include "diff/elf_read.h"

int fuzz_elf(const std::uint8_t* data, std::size_t size) {
    std::string bytes(reinterpret_cast<const char*>(data), size);
    buildiff::Blob blob = buildiff::Blob::memory("input", bytes);
    (void)buildiff::read_elf(blob);
    if (size > 64) {
        std::string other = bytes;
        other[size / 2] = static_cast<char>(other[size / 2] ^ 0x01);
        buildiff::Comparer comparer;
        (void)comparer.compare(blob, buildiff::Blob::memory("other", other));
    }
    return 0;
}
