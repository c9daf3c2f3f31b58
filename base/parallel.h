// Two independent pieces of work at once: the two builds of a diff are read, indexed and
// rendered side by side, one on each core.
#pragma once

#include <exception>
#include <optional>
#include <thread>
#include <utility>

namespace buildiff {

// Runs FIRST here and SECOND on a thread of its own, and returns both results. They must share
// nothing they change. An exception in either is rethrown here once both have ended (the first's
// when both threw).
template <class First, class Second>
auto in_parallel(First&& first, Second&& second)
    -> std::pair<decltype(first()), decltype(second())> {
    std::optional<decltype(second())> b;
    std::exception_ptr b_failed;
    std::thread other([&] {
        try {
            b.emplace(second());
        } catch (...) {
            b_failed = std::current_exception();
        }
    });
    std::optional<decltype(first())> a;
    std::exception_ptr a_failed;
    try {
        a.emplace(first());
    } catch (...) {
        a_failed = std::current_exception();
    }
    other.join();
    if (a_failed) std::rethrow_exception(a_failed);
    if (b_failed) std::rethrow_exception(b_failed);
    return {std::move(*a), std::move(*b)};
}

}  // namespace buildiff
