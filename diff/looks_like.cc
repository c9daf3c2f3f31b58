#include "diff/looks_like.h"

#include <pwd.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <regex>

#include <fmt/core.h>

#include "recording/recording.h"

namespace buildiff {

namespace {

// One side of a change: the part that changed (may be empty: the other side inserted there), in
// a window of the string around it (the changed part's words and two more either side).
struct Part {
    std::string_view window;
    size_t begin = 0, end = 0;  // of the changed part, in `window`
    std::string_view changed() const { return window.substr(begin, end - begin); }
    bool empty() const { return begin == end; }
};

bool space(char c) {
    return std::isspace(static_cast<unsigned char>(c)) != 0;
}

Part part(std::string_view s, size_t prefix, size_t suffix) {
    size_t b = prefix, e = s.size() - suffix;
    size_t wb = b, we = e;
    for (int words = 0; words < 3; ++words) {  // its own word, then two more
        while (wb > 0 && space(s[wb - 1])) --wb;
        while (wb > 0 && !space(s[wb - 1])) --wb;
        while (we < s.size() && space(s[we])) ++we;
        while (we < s.size() && !space(s[we])) ++we;
    }
    return {s.substr(wb, we - wb), b - wb, e - wb};
}

// Whether a match of RE in P's window (one ACCEPT takes) overlaps the part that changed (or, for
// an empty part, contains where it was).
template <typename Accept>
bool found(const std::regex& re, const Part& p, Accept accept) {
    const char* w = p.window.data();
    for (std::cregex_iterator it(w, w + p.window.size(), re), end; it != end; ++it) {
        size_t mb = static_cast<size_t>(it->position()), me = mb + static_cast<size_t>(it->length());
        bool overlaps = p.empty() ? mb <= p.begin && p.begin <= me : mb < p.end && p.begin < me;
        if (overlaps && accept(it->str())) return true;
    }
    return false;
}
bool found(const std::regex& re, const Part& p) {
    return found(re, p, [](const std::string&) { return true; });
}

bool either(const std::regex& re, const Part& l, const Part& r) {
    return found(re, l) || found(re, r);
}

using Test = bool (*)(const Part&, const Part&, const std::vector<std::string>&);

bool temporary(const Part& l, const Part& r, const std::vector<std::string>&) {
    // gcc's /tmp/ccR5ysTF.s, mkstemp names, cc-rs's hashed object names (ef1c2c6ad1c1e4b3-foo.o).
    static const std::regex re(R"((/tmp|/var/tmp)/[A-Za-z0-9._-]*[A-Za-z0-9]{6}[A-Za-z0-9._-]*)"
                               R"(|\b[0-9a-f]{16}-[A-Za-z0-9_.-]+\.o\b)");
    return either(re, l, r);
}

bool epoch_near_now(const Part& p) {
    static const std::regex re(R"(\b1[0-9]{9}\b)");
    auto now = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    return found(re, p, [now](const std::string& m) {
        long long v = std::stoll(m);
        return v > now - 20LL * 365 * 86400 && v < now + 366LL * 86400;
    });
}

bool timestamp(const Part& l, const Part& r, const std::vector<std::string>&) {
    // __TIME__, __DATE__ ("Dec  4 2026"), ISO 8601, and a Unix time within 20 years of now.
    static const std::regex re(
        R"(\b[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\b)"
        R"(|\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ 0-3][0-9] [0-9]{4}\b)"
        R"(|\b[12][0-9]{3}-[01][0-9]-[0-3][0-9]([T ][0-2][0-9]:[0-5][0-9](:[0-6][0-9])?)?)");
    return either(re, l, r) || epoch_near_now(l) || epoch_near_now(r);
}

bool random_value(const Part& l, const Part& r, const std::vector<std::string>&) {
    static const std::regex uuid(
        R"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})");
    static const std::regex hex(R"(\b[0-9a-fA-F]{16,}\b)");
    return either(uuid, l, r) || (found(hex, l) && found(hex, r));
}

// The whitespace-delimited word of P's window that holds the changed part.
std::string_view word(const Part& p) {
    size_t b = p.begin, e = p.end;
    while (b > 0 && !space(p.window[b - 1])) --b;
    while (e < p.window.size() && !space(p.window[e])) ++e;
    return p.window.substr(b, e - b);
}

bool build_path(const Part& l, const Part& r, const std::vector<std::string>&) {
    auto path = [](std::string_view w) {
        return w.find('/') != std::string_view::npos && w.size() > 1;
    };
    return path(word(l)) && path(word(r));
}

bool host_or_user(const Part& l, const Part& r, const std::vector<std::string>& names) {
    for (const std::string& n : names) {
        if (n.size() < 3) continue;
        for (const Part* p : {&l, &r}) {
            std::string_view w = word(*p);
            if (w.find(n) != std::string_view::npos) return true;
        }
    }
    return false;
}

bool locale_text(const Part& l, const Part& r, const std::vector<std::string>&) {
    // Typographic quotes where the C locale has ASCII ones (gcc's and many tools' messages).
    auto quotes = [](std::string_view s) {
        for (std::string_view q : {"\u2018", "\u2019", "\u201c", "\u201d", "\u00ab", "\u00bb"})
            if (s.find(q) != std::string_view::npos) return true;
        return false;
    };
    std::string_view a = l.changed(), b = r.changed();
    if (quotes(a) != quotes(b)) return true;
    // A decimal separator: "3.5" against "3,5".
    auto separator = [](const Part& p) {
        std::string_view c = p.changed();
        return c.size() == 1 && (c[0] == ',' || c[0] == '.') && p.begin > 0 &&
               p.end < p.window.size() &&
               std::isdigit(static_cast<unsigned char>(p.window[p.begin - 1])) &&
               std::isdigit(static_cast<unsigned char>(p.window[p.end]));
    };
    return separator(l) && separator(r);
}

// The table, in the order a change is tried against it: the first row that matches names it.
struct Row {
    std::string_view what, advice;
    Test test;
};
constexpr Row kRows[] = {
    {"a temporary file name",
     "a tool wrote a name it made up for one run: give the file a fixed name", temporary},
    {"a build timestamp", "set SOURCE_DATE_EPOCH, or avoid __DATE__ and __TIME__", timestamp},
    {"a random value",
     "a UUID, seed or hash not derived from the inputs: derive it from them (gcc: -frandom-seed)",
     random_value},
    {"a build path",
     "map it: -ffile-prefix-map=OLD=NEW (C, C++), --remap-path-prefix=OLD=NEW (rustc)",
     build_path},
    {"a host or user name", "the build embeds who or where built it: leave it out, or fix it",
     host_or_user},
    {"locale-dependent text", "build under one locale: LC_ALL=C.UTF-8", locale_text},
};

}  // namespace

std::string LooksLike::words() const {
    return fmt::format("{} ({})", what, advice);
}

std::optional<LooksLike> looks_like(std::string_view left, std::string_view right,
                                    const std::vector<std::string>& names) {
    // Bytes that are not text (a string section's binary junk) look like nothing.
    if (left == right || !is_valid_utf8(left) || !is_valid_utf8(right)) return std::nullopt;
    size_t n = std::min(left.size(), right.size());
    size_t prefix = 0;
    while (prefix < n && left[prefix] == right[prefix]) ++prefix;
    size_t suffix = 0;
    while (suffix < n - prefix && left[left.size() - 1 - suffix] == right[right.size() - 1 - suffix])
        ++suffix;
    // A value added or removed: all of it is the change.
    if (left.empty() || right.empty()) prefix = suffix = 0;
    Part l = part(left, prefix, suffix), r = part(right, prefix, suffix);
    for (const Row& row : kRows)
        if (row.test(l, r, names)) return LooksLike{row.what, row.advice};
    return std::nullopt;
}

const std::vector<std::string>& local_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        struct utsname u {};
        if (uname(&u) == 0 && u.nodename[0]) out.emplace_back(u.nodename);
        if (const passwd* pw = getpwuid(getuid())) out.emplace_back(pw->pw_name);
        return out;
    }();
    return names;
}

}  // namespace buildiff
