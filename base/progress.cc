#include "base/progress.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include <fmt/format.h>

namespace buildiff {

namespace {

// BUILDIFF_PROGRESS=1 shows progress wherever stderr goes, from the start; 0 never shows it.
const char* forced() {
    const char* v = std::getenv("BUILDIFF_PROGRESS");
    return v && (std::string_view(v) == "0" || std::string_view(v) == "1") ? v : nullptr;
}

}  // namespace

bool Progress::shown() {
    static const bool on = forced() ? *forced() == '1'
                                    : isatty(STDERR_FILENO) == 1 && !std::getenv("NO_COLOR");
    return on;
}

namespace {

// When the first phase began: nothing is drawn in a command's first half second.
std::chrono::steady_clock::time_point first_start() {
    static const auto start = std::chrono::steady_clock::now();
    return start;
}

}  // namespace

Progress::Progress(std::string what, std::string unit)
    : m_what(std::move(what)),
      m_unit(std::move(unit)),
      m_on(shown()),
      m_next(first_start() + std::chrono::milliseconds(forced() ? 0 : 500)) {}

Progress::~Progress() {
    if (m_drawn) std::fputs("\r\033[K", stderr);
}

void Progress::draw(std::uint64_t done, std::uint64_t total) {
    auto now = std::chrono::steady_clock::now();
    if (now < m_next) return;
    m_next = now + std::chrono::milliseconds(100);
    const char* plural = (total ? total : done) == 1 ? "" : "s";
    std::string line = total ? fmt::format("{}: {} of {} {}{}", m_what, done, total, m_unit, plural)
                             : fmt::format("{}: {} {}{}", m_what, done, m_unit, plural);
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    std::fflush(stderr);
    m_drawn = true;
}

}  // namespace buildiff
