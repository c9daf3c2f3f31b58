// Items keyed by name and occurrence, so that two lists pair by name, never by index or address:
// the second `.text.foo` (or static `init`) of one file pairs with the second of the other.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace buildiff {

template <typename T, typename NameOf>
std::map<std::pair<std::string, int>, const T*> keyed(const std::vector<T>& items, NameOf name_of) {
    std::map<std::pair<std::string, int>, const T*> out;
    std::map<std::string, int> seen;
    for (const T& item : items) {
        std::string name = name_of(item);
        out.emplace(std::make_pair(name, seen[name]++), &item);
    }
    return out;
}

}  // namespace buildiff
