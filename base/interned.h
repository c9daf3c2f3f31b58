// A string kept once per process: equal strings share one copy, and the handle is a 32-bit
// number. For the paths and content hashes that a recording repeats millions of times (a system
// header read by every compile): a file event then costs no allocation of its own, and its three
// names take 12 bytes. Reads as a const std::string& wherever one is expected.
#pragma once

#include <atomic>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace buildiff {

namespace interned_detail {
// The strings, in chunks of kChunk that never move: string N is chunks[N / kChunk][N % kChunk].
// String 0 is the empty string.
inline constexpr std::uint32_t kChunkBits = 12, kChunk = 1u << kChunkBits;
inline constexpr size_t kMaxChunks = size_t(1) << (32 - kChunkBits);
extern std::atomic<std::string*> chunks[kMaxChunks];
inline const std::string empty_string;
// String ID (not 0) of the chunks.
inline const std::string& at(std::uint32_t id) {
    return chunks[id >> kChunkBits].load(std::memory_order_acquire)[id & (kChunk - 1)];
}
}  // namespace interned_detail

class Interned {
  public:
    Interned() = default;
    Interned(std::string_view s) : m_id(intern(s)) {}
    Interned(const std::string& s) : m_id(intern(s)) {}
    Interned(const char* s) : m_id(intern(s)) {}
    Interned& operator=(std::string_view s) {
        m_id = intern(s);
        return *this;
    }
    Interned& operator=(const std::string& s) { return *this = std::string_view(s); }
    Interned& operator=(const char* s) { return *this = std::string_view(s); }
    void clear() { m_id = 0; }

    operator const std::string&() const { return str(); }
    operator std::string_view() const { return str(); }
    const std::string& str() const {
        return m_id ? interned_detail::at(m_id) : interned_detail::empty_string;
    }
    // The handle's number: equal strings, equal numbers (for hashing).
    std::uint32_t id() const { return m_id; }

    bool empty() const { return m_id == 0; }
    size_t size() const { return str().size(); }
    const char* c_str() const { return str().c_str(); }
    const char* data() const { return str().data(); }
    bool starts_with(std::string_view p) const { return str().starts_with(p); }
    bool ends_with(std::string_view p) const { return str().ends_with(p); }
    size_t find(std::string_view p, size_t pos = 0) const { return str().find(p, pos); }
    size_t find(char c, size_t pos = 0) const { return str().find(c, pos); }
    size_t rfind(std::string_view p, size_t pos = std::string::npos) const {
        return str().rfind(p, pos);
    }
    size_t rfind(char c, size_t pos = std::string::npos) const { return str().rfind(c, pos); }
    std::string substr(size_t pos, size_t n = std::string::npos) const {
        return str().substr(pos, n);
    }
    char operator[](size_t i) const { return str()[i]; }
    char front() const { return str().front(); }
    char back() const { return str().back(); }
    std::string::const_iterator begin() const { return str().begin(); }
    std::string::const_iterator end() const { return str().end(); }

    // Equal strings are one copy: equality of two handles is equality of their numbers.
    friend bool operator==(const Interned& a, const Interned& b) { return a.m_id == b.m_id; }
    friend bool operator==(const Interned& a, const std::string& b) { return a.str() == b; }
    friend bool operator==(const Interned& a, std::string_view b) { return a.str() == b; }
    friend bool operator==(const Interned& a, const char* b) { return a.str() == b; }
    friend std::strong_ordering operator<=>(const Interned& a, const Interned& b) {
        return a.m_id == b.m_id ? std::strong_ordering::equal : a.str() <=> b.str();
    }
    friend std::strong_ordering operator<=>(const Interned& a, const std::string& b) {
        return a.str() <=> b;
    }
    friend std::strong_ordering operator<=>(const Interned& a, std::string_view b) {
        return std::string_view(a.str()) <=> b;
    }

    // How many distinct strings the process holds (for benchmarks and tests).
    static size_t count();

  private:
    static std::uint32_t intern(std::string_view s);
    std::uint32_t m_id = 0;
};

static_assert(sizeof(Interned) == 4);

inline std::ostream& operator<<(std::ostream& o, const Interned& s) {
    return o << s.str();
}

inline std::string operator+(const Interned& a, std::string_view b) {
    std::string out = a.str();
    out += b;
    return out;
}
inline std::string operator+(std::string_view a, const Interned& b) {
    std::string out(a);
    out += b.str();
    return out;
}

}  // namespace buildiff

template <>
struct std::hash<buildiff::Interned> {
    size_t operator()(const buildiff::Interned& s) const noexcept {
        return std::hash<std::uint32_t>()(s.id());
    }
};

template <>
struct fmt::formatter<buildiff::Interned> : fmt::formatter<std::string_view> {
    template <typename Context>
    auto format(const buildiff::Interned& s, Context& ctx) const {
        return fmt::formatter<std::string_view>::format(std::string_view(s.str()), ctx);
    }
};
