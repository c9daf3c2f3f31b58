// XXH3-128 content hashes: of byte strings, of open files (streamed), and keyed (for secrets).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace buildiff {

struct Hash128 {
    std::uint64_t high = 0;
    std::uint64_t low = 0;
    bool operator==(const Hash128&) const = default;
    std::string hex() const;  // 32 lowercase hex digits, canonical (big-endian) order
};

Hash128 hash_bytes(std::string_view bytes);
// Keyed hash: XXH3-128 seeded with a secret derived from `key`. Not a cryptographic MAC.
Hash128 hash_keyed(std::string_view key, std::string_view bytes);

struct FileHash {
    Hash128 hash;
    std::uint64_t size = 0;
};
// Streams the file behind `fd` from offset 0 (pread; the fd's offset is untouched).
std::optional<FileHash> hash_fd(int fd);

}  // namespace buildiff
