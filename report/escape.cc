#include "report/escape.h"

#include <fmt/core.h>

namespace buildiff {

std::string clean_text(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    size_t i = 0;
    while (i < s.size()) {
        auto c = static_cast<unsigned char>(s[i]);
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        bool ok = len > 0 && i + len <= s.size();
        for (size_t k = 1; ok && k < len; ++k)
            ok = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
        if (!ok || (len == 1 && ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f))) {
            out += fmt::format("\\x{:02x}", c);
            ++i;
            continue;
        }
        out.append(s, i, len);
        i += len;
    }
    return out;
}

std::string svg_escape(std::string_view text) {
    std::string s = clean_text(text), out;
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default:
                // A newline (clean_text keeps it) would break a title's one line.
                if (static_cast<unsigned char>(c) < 0x20 && c != '\t')
                    out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
                else
                    out += c;
        }
    }
    return out;
}

std::string shorten_middle(const std::string& s, size_t n) {
    auto points = [](std::string_view v) {
        size_t k = 0;
        for (unsigned char c : v) k += (c & 0xc0) != 0x80;
        return k;
    };
    if (points(s) <= n) return s;
    auto prefix = [&](size_t count) {  // bytes of the first COUNT code points
        size_t seen = 0, i = 0;
        for (; i < s.size(); ++i)
            if ((static_cast<unsigned char>(s[i]) & 0xc0) != 0x80 && seen++ == count) break;
        return i;
    };
    size_t head = (n - 1) / 2, tail = n - 1 - head;
    size_t cut = prefix(points(s) - tail);
    return s.substr(0, prefix(head)) + "…" + s.substr(cut);
}

}  // namespace buildiff
