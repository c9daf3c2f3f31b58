// Text cut into lines (each '\n' ends one; a last line without it counts), or into the non-empty
// fields between separators; nothing is copied.
#pragma once

#include <string_view>
#include <vector>

namespace buildiff {

inline std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> out;
    size_t start = 0;
    while (start < text.size()) {
        size_t nl = text.find('\n', start);
        if (nl == std::string_view::npos) nl = text.size();
        out.push_back(text.substr(start, nl - start));
        start = nl + 1;
    }
    return out;
}

// The non-empty runs between SEPARATORs: words (' '), the strings of a string table ('\0').
inline std::vector<std::string_view> fields_of(std::string_view text, char separator) {
    std::vector<std::string_view> out;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find(separator, start);
        if (end == std::string_view::npos) end = text.size();
        if (end > start) out.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

}  // namespace buildiff
