// One table per enum, read both ways: the value's name for printing, the value a name names for
// parsing. A table lists every value once (tests check the tables).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace buildiff {

template <typename E>
struct Named {
    E value;
    std::string_view name;
};

// The name of VALUE in TABLE ("" when the table lacks it, which a test of the table rules out).
template <typename E, std::size_t N>
constexpr std::string_view name_of(const Named<E> (&table)[N], E value) {
    for (const Named<E>& n : table)
        if (n.value == value) return n.name;
    return "";
}

// The value NAME names in TABLE, if any.
template <typename E, std::size_t N>
constexpr std::optional<E> value_named(const Named<E> (&table)[N], std::string_view name) {
    for (const Named<E>& n : table)
        if (n.name == name) return n.value;
    return std::nullopt;
}

}  // namespace buildiff
