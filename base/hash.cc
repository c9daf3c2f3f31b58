// XXH3-128 hashing helpers.
#include "base/hash.h"

#include <unistd.h>
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include <cerrno>
#include <vector>

namespace buildiff {

std::string Hash128::hex() const {
    static const char digits[] = "0123456789abcdef";
    std::string out(32, '0');
    for (int i = 0; i < 16; ++i) {
        out[15 - i] = digits[(high >> (4 * i)) & 0xf];
        out[31 - i] = digits[(low >> (4 * i)) & 0xf];
    }
    return out;
}

static Hash128 from_xxh(XXH128_hash_t h) {
    return Hash128{h.high64, h.low64};
}

Hash128 hash_bytes(std::string_view bytes) {
    return from_xxh(XXH3_128bits(bytes.data(), bytes.size()));
}

Hash128 hash_keyed(std::string_view key, std::string_view bytes) {
    // Expand the key into an XXH3 secret (it requires at least XXH3_SECRET_SIZE_MIN bytes).
    unsigned char secret[XXH3_SECRET_DEFAULT_SIZE];
    XXH3_generateSecret(secret, sizeof secret, key.data(), key.size());
    return from_xxh(XXH3_128bits_withSecret(bytes.data(), bytes.size(), secret, sizeof secret));
}

std::optional<FileHash> hash_fd(int fd) {
    XXH3_state_t* state = XXH3_createState();
    if (!state) return std::nullopt;
    XXH3_128bits_reset(state);
    static thread_local std::vector<char> buffer(1 << 20);
    std::uint64_t offset = 0;
    for (;;) {
        ssize_t n = pread(fd, buffer.data(), buffer.size(), static_cast<off_t>(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            XXH3_freeState(state);
            return std::nullopt;
        }
        if (n == 0) break;
        XXH3_128bits_update(state, buffer.data(), static_cast<size_t>(n));
        offset += static_cast<std::uint64_t>(n);
    }
    FileHash result{from_xxh(XXH3_128bits_digest(state)), offset};
    XXH3_freeState(state);
    return result;
}

}  // namespace buildiff
