#include "base/progress.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

namespace buildiff {

bool Progress::shown() {
    static const bool on = isatty(STDERR_FILENO) == 1 && !std::getenv("NO_COLOR");
    return on;
}

Progress::Progress(std::string what, std::string unit)
    : m_what(std::move(what)),
      m_unit(std::move(unit)),
      m_on(shown()),
      // A phase that ends within half a second is never drawn.
      m_next(std::chrono::steady_clock::now() + std::chrono::milliseconds(500)) {}

Progress::~Progress() {
    if (m_drawn) std::fputs("\r\033[K", stderr);
}

void Progress::draw(std::uint64_t done, std::uint64_t total) {
    auto now = std::chrono::steady_clock::now();
    if (now < m_next) return;
    m_next = now + std::chrono::milliseconds(100);
    std::string line = total ? fmt::format("{}: {} of {} {}", m_what, done, total, m_unit)
                             : fmt::format("{}: {} {}", m_what, done, m_unit);
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    std::fflush(stderr);
    m_drawn = true;
}

}  // namespace buildiff
