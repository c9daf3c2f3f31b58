#include "base/interned.h"

#include <cstdlib>
#include <mutex>
#include <new>
#include <vector>

#include <xxhash.h>

namespace buildiff {

namespace interned_detail {
std::atomic<std::string*> chunks[kMaxChunks];
}  // namespace interned_detail

namespace {

using namespace interned_detail;

// String 0, the empty string, is interned_detail::empty_string, never in a chunk or a table.

// A shard's table: open addressing over the strings' numbers, each slot with 32 bits of the
// string's hash (compared before the string is, and all a resize needs). At most half full.
struct Slot {
    std::uint32_t hash = 0;
    std::uint32_t id = 0;  // 0: empty (the empty string is never in a table)
};

// Sharded by the string's hash, each shard with its own lock: two recordings read at once intern
// half a million strings each, and one lock and one table made them wait for each other.
struct Shard {
    std::mutex lock;
    std::vector<Slot> slots = std::vector<Slot>(1024);
    size_t used = 0;
};

constexpr size_t kShards = 64;  // a string's shard: the top 6 bits of its hash

struct Pool {
    Shard shards[kShards];
    std::atomic<std::uint32_t> next{1};  // the next string's number
    std::mutex chunk_lock;               // taken only to add a chunk
};

// Never destroyed: handles may be used until the process ends.
Pool& pool() {
    static Pool* p = new Pool;
    return *p;
}

// Where string ID goes: its chunk, made when it is the first there.
std::string* slot_of(Pool& p, std::uint32_t id) {
    std::atomic<std::string*>& chunk = chunks[id >> kChunkBits];
    std::string* c = chunk.load(std::memory_order_acquire);
    if (!c) {
        std::lock_guard<std::mutex> guard(p.chunk_lock);
        c = chunk.load(std::memory_order_acquire);
        if (!c) {
            c = static_cast<std::string*>(::operator new(kChunk * sizeof(std::string)));
            chunk.store(c, std::memory_order_release);
        }
    }
    return c + (id & (kChunk - 1));
}

void grow(Shard& shard) {
    std::vector<Slot> slots(shard.slots.size() * 2);
    size_t mask = slots.size() - 1;
    for (const Slot& s : shard.slots) {
        if (!s.id) continue;
        size_t at = s.hash & mask;
        while (slots[at].id) at = (at + 1) & mask;
        slots[at] = s;
    }
    shard.slots = std::move(slots);
}

}  // namespace

std::uint32_t Interned::intern(std::string_view s) {
    if (s.empty()) return 0;
    Pool& p = pool();
    std::uint64_t h = XXH3_64bits(s.data(), s.size());
    Shard& shard = p.shards[h >> 58];
    auto tag = static_cast<std::uint32_t>(h);
    std::lock_guard<std::mutex> guard(shard.lock);
    size_t mask = shard.slots.size() - 1;
    size_t at = tag & mask;
    for (; shard.slots[at].id; at = (at + 1) & mask) {
        const Slot& slot = shard.slots[at];
        if (slot.hash == tag && interned_detail::at(slot.id) == s) return slot.id;
    }
    std::uint32_t id = p.next.fetch_add(1, std::memory_order_relaxed);
    if (id == 0) std::abort();  // more than 2^32 - 1 distinct strings: the numbers ran out
    new (slot_of(p, id)) std::string(s);
    shard.slots[at] = {tag, id};
    if (++shard.used * 2 > shard.slots.size()) grow(shard);
    return id;
}

size_t Interned::count() {
    return pool().next.load() - 1;
}

}  // namespace buildiff
