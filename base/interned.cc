#include "base/interned.h"

#include <mutex>
#include <unordered_set>

namespace buildiff {

namespace {

struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view>()(s);
    }
};

// Sharded by the string's hash, each shard with its own lock: two recordings read at once intern
// half a million strings each, and one lock and one table made them wait for each other.
struct Shard {
    std::mutex lock;
    std::unordered_set<std::string, Hash, std::equal_to<>> strings;
};

constexpr size_t kShards = 64;

struct Pool {
    Shard shards[kShards];
};

// Never destroyed: handles may be used until the process ends.
Pool& pool() {
    static Pool* p = new Pool;
    return *p;
}

}  // namespace

const std::string& Interned::empty_string() {
    static const std::string* empty = new std::string;
    return *empty;
}

const std::string* Interned::intern(std::string_view s) {
    if (s.empty()) return &empty_string();
    size_t h = Hash()(s);
    Shard& shard = pool().shards[(h >> 7) % kShards];
    std::lock_guard<std::mutex> guard(shard.lock);
    auto it = shard.strings.find(s);
    if (it == shard.strings.end()) it = shard.strings.emplace(s).first;
    return &*it;
}

size_t Interned::count() {
    size_t n = 0;
    for (Shard& shard : pool().shards) {
        std::lock_guard<std::mutex> guard(shard.lock);
        n += shard.strings.size();
    }
    return n;
}

}  // namespace buildiff
