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

struct Pool {
    std::mutex lock;
    std::unordered_set<std::string, Hash, std::equal_to<>> strings;
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
    Pool& p = pool();
    std::lock_guard<std::mutex> guard(p.lock);
    auto it = p.strings.find(s);
    if (it == p.strings.end()) it = p.strings.emplace(s).first;
    return &*it;
}

size_t Interned::count() {
    Pool& p = pool();
    std::lock_guard<std::mutex> guard(p.lock);
    return p.strings.size();
}

}  // namespace buildiff
