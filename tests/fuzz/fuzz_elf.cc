// Fuzz target (tests/fuzz/fuzz_main.cc): the ELF reader (libelf, libdw, libdwfl for relocatable
// objects) and the ELF comparison (sections, symbols, strings, functions and data objects). An
// input holding kPairMark is two files, compared with each other (the seeds pair objects whose
// code, strings and data differ, so that the function and string comparisons are reached);
// without one, the input is compared against a copy with one byte changed.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "diff/compare.h"
#include "diff/elf_read.h"

namespace {

constexpr std::string_view kPairMark = "\x1e\x1e" "buildiff-fuzz-pair" "\x1e\x1e";

void compare(const std::string& left, const std::string& right) {
    buildiff::Comparer comparer;
    (void)comparer.compare(buildiff::Blob::memory("left", left),
                           buildiff::Blob::memory("right", right));
}

}  // namespace

int fuzz_elf(const std::uint8_t* data, std::size_t size) {
    std::string bytes(reinterpret_cast<const char*>(data), size);
    if (size_t mark = bytes.find(kPairMark); mark != std::string::npos) {
        compare(bytes.substr(0, mark), bytes.substr(mark + kPairMark.size()));
        return 0;
    }
    buildiff::Blob blob = buildiff::Blob::memory("input", bytes);
    (void)buildiff::read_elf(blob);
    if (size > 64) {
        std::string other = bytes;
        other[size / 2] = static_cast<char>(other[size / 2] ^ 0x01);
        compare(bytes, other);
    }
    return 0;
}
