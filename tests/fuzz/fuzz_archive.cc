// Fuzz target (tests/fuzz/fuzz_main.cc): the archive reader (libarchive: ar, zip, tar, compressed
// streams) and the recursive member comparison, with small bounds so a bomb costs little.
#include <cstddef>
#include <cstdint>
#include <string>

#include "diff/archive_read.h"
#include "diff/compare.h"

int fuzz_archive(const std::uint8_t* data, std::size_t size) {
    std::string bytes(reinterpret_cast<const char*>(data), size);
    buildiff::Blob blob = buildiff::Blob::memory("input.a", bytes);
    buildiff::CompareLimits limits;
    limits.archive.max_member_bytes = 1 << 20;
    limits.max_expanded_bytes = 8 << 20;
    std::uint64_t budget = limits.max_expanded_bytes;
    (void)buildiff::read_archive(blob, limits.archive, budget);
    if (size > 16) {
        std::string other = bytes;
        other[size - 1] = static_cast<char>(other[size - 1] ^ 0x20);
        buildiff::Comparer comparer(limits);
        (void)comparer.compare(blob, buildiff::Blob::memory("other.a", other));
    }
    return 0;
}
