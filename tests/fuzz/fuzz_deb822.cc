// Fuzz target (tests/fuzz/fuzz_main.cc): the deb822 reader (.buildinfo, .changes) and its
// field-by-field comparison, through the comparator as a .changes file, on arbitrary bytes split
// in two at the first 0x1e byte (or compared against a copy with one byte changed).
#include <cstddef>
#include <cstdint>
#include <string>

#include "diff/compare.h"
#include "diff/deb822.h"

int fuzz_deb822(const std::uint8_t* data, std::size_t size) {
    std::string bytes(reinterpret_cast<const char*>(data), size);
    (void)buildiff::parse_deb822(bytes);
    std::string left = bytes, right = bytes;
    if (size_t split = bytes.find('\x1e'); split != std::string::npos) {
        left = bytes.substr(0, split);
        right = bytes.substr(split + 1);
    } else if (size > 0) {
        right[size / 2] = static_cast<char>(right[size / 2] ^ 0x01);
    }
    buildiff::Comparer comparer;
    (void)comparer.compare(buildiff::Blob::memory("l.changes", left),
                           buildiff::Blob::memory("r.changes", right));
    return 0;
}
