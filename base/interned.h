// A string kept once per process: equal strings share one copy, and the handle is a pointer. For
// the paths and content hashes that a recording repeats millions of times (a system header read
// by every compile): a file event then costs no allocation of its own. Reads as a const
// std::string& wherever one is expected.
#pragma once

#include <compare>
#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace buildiff {

class Interned {
  public:
    Interned() : m_s(&empty_string()) {}
    Interned(std::string_view s) : m_s(intern(s)) {}
    Interned(const std::string& s) : m_s(intern(s)) {}
    Interned(const char* s) : m_s(intern(s)) {}
    Interned& operator=(std::string_view s) {
        m_s = intern(s);
        return *this;
    }
    Interned& operator=(const std::string& s) { return *this = std::string_view(s); }
    Interned& operator=(const char* s) { return *this = std::string_view(s); }
    void clear() { m_s = &empty_string(); }

    operator const std::string&() const { return *m_s; }
    operator std::string_view() const { return *m_s; }
    const std::string& str() const { return *m_s; }
    const std::string* operator->() const { return m_s; }

    bool empty() const { return m_s->empty(); }
    size_t size() const { return m_s->size(); }
    const char* c_str() const { return m_s->c_str(); }
    const char* data() const { return m_s->data(); }
    bool starts_with(std::string_view p) const { return m_s->starts_with(p); }
    bool ends_with(std::string_view p) const { return m_s->ends_with(p); }
    size_t find(std::string_view p, size_t pos = 0) const { return m_s->find(p, pos); }
    size_t find(char c, size_t pos = 0) const { return m_s->find(c, pos); }
    size_t rfind(std::string_view p, size_t pos = std::string::npos) const {
        return m_s->rfind(p, pos);
    }
    size_t rfind(char c, size_t pos = std::string::npos) const { return m_s->rfind(c, pos); }
    std::string substr(size_t pos, size_t n = std::string::npos) const {
        return m_s->substr(pos, n);
    }
    char operator[](size_t i) const { return (*m_s)[i]; }
    char front() const { return m_s->front(); }
    char back() const { return m_s->back(); }
    std::string::const_iterator begin() const { return m_s->begin(); }
    std::string::const_iterator end() const { return m_s->end(); }

    // Equal strings are one copy: equality of two handles is equality of the pointers.
    friend bool operator==(const Interned& a, const Interned& b) { return a.m_s == b.m_s; }
    friend bool operator==(const Interned& a, const std::string& b) { return *a.m_s == b; }
    friend bool operator==(const Interned& a, std::string_view b) { return *a.m_s == b; }
    friend bool operator==(const Interned& a, const char* b) { return *a.m_s == b; }
    friend std::strong_ordering operator<=>(const Interned& a, const Interned& b) {
        return a.m_s == b.m_s ? std::strong_ordering::equal : *a.m_s <=> *b.m_s;
    }
    friend std::strong_ordering operator<=>(const Interned& a, const std::string& b) {
        return *a.m_s <=> b;
    }
    friend std::strong_ordering operator<=>(const Interned& a, std::string_view b) {
        return std::string_view(*a.m_s) <=> b;
    }

    // How many distinct strings the process holds, and their bytes (for benchmarks).
    static size_t count();

  private:
    static const std::string& empty_string();
    static const std::string* intern(std::string_view s);
    const std::string* m_s;
};

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
        return std::hash<const std::string*>()(s.operator->());
    }
};

template <>
struct fmt::formatter<buildiff::Interned> : fmt::formatter<std::string_view> {
    template <typename Context>
    auto format(const buildiff::Interned& s, Context& ctx) const {
        return fmt::formatter<std::string_view>::format(std::string_view(s.str()), ctx);
    }
};
