// Normalisation by literal scanning (no regular expressions: this runs on every argument of
// every invocation of both builds).
#include "diff/normalize.h"

#include <algorithm>
#include <cctype>

namespace buildiff {

namespace {

bool is_alnum(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0;
}
bool is_hex(char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) != 0 &&
           !std::isupper(static_cast<unsigned char>(c));
}

// Temporary names: a literal prefix followed by exactly `n` random characters of the namer's
// alphabet. mkstemp(3) and Rust's tempfile draw from [A-Za-z0-9], Python's tempfile from
// [a-z0-9_].
enum class Alphabet {
    Mkstemp,
    // mkstemp's, and not all lowercase letters: a prefix as short as GNU ar's "st" would
    // otherwise take words ("/standard.c", and "/stdint_h.m4" were taken before the alphabet
    // was checked); a random name is all lowercase once in 200.
    MkstempNotAWord,
    Python,
};
struct TempPattern {
    std::string_view prefix;
    size_t n;
    Alphabet alphabet;
};
constexpr TempPattern kTemps[] = {
    {"/tmp/cc", 6, Alphabet::Mkstemp},       // gcc's temporary .s, .o, .res, .ld files
    {"/tmp/sccache", 6, Alphabet::Mkstemp},  // sccache's preprocessing directories
    {"/tmp/rustc", 6, Alphabet::Mkstemp},    // rustc's temporary directories
    {"/.tmp", 6, Alphabet::Mkstemp},         // Rust's tempfile crate (rustc, cargo)
    {"/st", 6, Alphabet::MkstempNotAWord},   // GNU ar's temporary archive
    // pip's build directories, tempfile.mkdtemp().
    {"/tmp/pip-wheel-", 8, Alphabet::Python},
    {"/tmp/pip-ephem-wheel-cache-", 8, Alphabet::Python},
    {"/tmp/pip-build-env-", 8, Alphabet::Python},
    {"/tmp/pip-req-build-", 8, Alphabet::Python},
    {"/tmp/pip-install-", 8, Alphabet::Python},
    {"/tmp/pip-modern-metadata-", 8, Alphabet::Python},
    {"/tmp/tmp", 8, Alphabet::Python},
};

bool random_name(std::string_view name, Alphabet alphabet) {
    auto lower = [](char c) { return c >= 'a' && c <= 'z'; };
    switch (alphabet) {
        case Alphabet::Mkstemp:
            return true;
        case Alphabet::MkstempNotAWord:
            return !std::all_of(name.begin(), name.end(), lower);
        case Alphabet::Python:
            return std::all_of(name.begin(), name.end(), [&](char c) {
                return lower(c) || (c >= '0' && c <= '9') || c == '_';
            });
    }
    return false;
}

}  // namespace

std::string replace_root(std::string_view text, std::string_view root, std::string_view with) {
    if (root.size() <= 1) return std::string(text);
    std::string out;
    size_t i = 0;
    while (i < text.size()) {
        size_t hit = text.find(root, i);
        if (hit == std::string_view::npos) break;
        size_t end = hit + root.size();
        // A whole path component: "/src/proj" must not match inside "/src/project".
        bool boundary =
            end == text.size() || text[end] == '/' ||
            !(is_alnum(text[end]) || text[end] == '_' || text[end] == '-' || text[end] == '.');
        out.append(text, i, hit - i);
        out.append(boundary ? with : root);
        i = end;
    }
    out.append(text, i, std::string_view::npos);
    return out;
}

std::string normalize_volatile(std::string_view text) {
    std::string out(text);
    for (const TempPattern& t : kTemps) {
        size_t i = 0;
        while ((i = out.find(t.prefix, i)) != std::string::npos) {
            size_t start = i + t.prefix.size(), k = start;
            auto name_char = [&](char c) {
                return is_alnum(c) || (c == '_' && t.alphabet == Alphabet::Python);
            };
            while (k < out.size() && name_char(out[k]) && k - start < t.n + 1) ++k;
            // Exactly n name characters, then the end of the name (a character of a name).
            bool ends = k == out.size() || !(is_alnum(out[k]) || out[k] == '_');
            if (k - start == t.n && ends &&
                random_name(std::string_view(out).substr(start, t.n), t.alphabet))
                out.replace(start, t.n, std::string(t.n, 'X'));
            i = start;
        }
    }
    // GNU build IDs (40 hex digits: a hash of the linked file) where the Debian and Fedora
    // tools put them in names and arguments: debug files at .build-id/2d/99b7....debug, and
    // dpkg-gencontrol's -DBuild-Ids=ID ID. They follow the file's content, compared on its own.
    auto hex_run = [&](size_t at, size_t n) {
        if (at + n > out.size()) return false;
        for (size_t k = at; k < at + n; ++k)
            if (!is_hex(out[k])) return false;
        return at + n == out.size() || !is_alnum(out[at + n]);
    };
    for (size_t i = 0; (i = out.find(".build-id/", i)) != std::string::npos;) {
        i += 10;
        if (i + 3 <= out.size() && is_hex(out[i]) && is_hex(out[i + 1]) && out[i + 2] == '/' &&
            hex_run(i + 3, 38))
            out.replace(i, 41, "HASH");
    }
    for (size_t i = 0; (i = out.find("Build-Ids=", i)) != std::string::npos;) {
        i += 10;
        while (hex_run(i, 40)) {
            out.replace(i, 40, "HASH");
            i += 4;
            if (i < out.size() && out[i] == ' ') ++i;
        }
    }
    // cargo's hashes: "-" or "=" followed by 16 lowercase hex digits ending the word
    // (libfoo-0123456789abcdef.rlib, build/foo-sys-0123456789abcdef/out, metadata=...).
    for (size_t i = 0; i + 17 <= out.size(); ++i) {
        if (out[i] != '-' && out[i] != '=') continue;
        size_t k = i + 1;
        while (k < out.size() && k - i - 1 < 17 && is_hex(out[k])) ++k;
        if (k - i - 1 == 16 && (k == out.size() || !is_alnum(out[k]))) {
            out.replace(i + 1, 16, "HASH");
            i += 4;
        }
    }
    return out;
}

std::string parent_directory(std::string_view root) {
    while (root.size() > 1 && root.back() == '/') root.remove_suffix(1);
    size_t slash = root.rfind('/');
    return slash == std::string_view::npos || slash == 0 ? "" : std::string(root.substr(0, slash));
}

Normalizer::Normalizer(std::string left_root, std::string right_root,
                       std::vector<std::pair<std::string, std::string>> maps, bool private_parents)
    : m_left(std::move(left_root)), m_right(std::move(right_root)), m_maps(std::move(maps)) {
    // Only directories of their own: two builds side by side in /tmp share what they write
    // there, and /tmp's other files are nobody's outputs.
    std::string l = parent_directory(m_left), r = parent_directory(m_right);
    if ((l != r || private_parents) && !l.empty() && !r.empty()) {
        m_left_beside = std::move(l);
        m_right_beside = std::move(r);
    }
}

void Normalizer::set_temporaries(std::vector<std::pair<std::string, std::string>> left,
                                 std::vector<std::pair<std::string, std::string>> right) {
    m_left_temps = std::move(left);
    m_right_temps = std::move(right);
}

namespace {

// NAME where it stands as a whole name (not inside a longer one) replaced by WITH.
std::string replace_name(const std::string& text, const std::string& name, const std::string& with) {
    auto name_char = [](char c) { return is_alnum(c) || c == '_' || c == '-' || c == '.'; };
    std::string out;
    size_t i = 0, hit;
    while ((hit = text.find(name, i)) != std::string::npos) {
        size_t end = hit + name.size();
        bool whole = (hit == 0 || !name_char(text[hit - 1])) &&
                     (end == text.size() || !name_char(text[end]));
        out.append(text, i, hit - i);
        out.append(whole ? with : name);
        i = end;
    }
    out.append(text, i, std::string::npos);
    return out;
}

}  // namespace

std::string Normalizer::places(Side side, std::string_view text) const {
    std::string s(text);
    for (auto& [from, to] : m_maps) s = replace_root(s, from, to);
    s = replace_root(s, root(side), kRootToken);
    const std::string& beside = side == Side::Left ? m_left_beside : m_right_beside;
    if (!beside.empty()) s = replace_root(s, beside, kBesideRootToken);
    return s;
}

std::string Normalizer::operator()(Side side, std::string_view text) const {
    std::string s = places(side, text);
    for (auto& [name, shared] : side == Side::Left ? m_left_temps : m_right_temps)
        if (s.find(name) != std::string::npos) s = replace_name(s, name, shared);
    return normalize_volatile(s);
}

}  // namespace buildiff
