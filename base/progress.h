// The progress of a long phase, for a person at a terminal: "reading left.rec: 12345 records",
// redrawn on stderr at most ten times a second and cleared when the phase ends. Nothing is
// printed when stderr is not a terminal or NO_COLOR is set (CI logs, pipes, tests), nor in a
// command's first half second. BUILDIFF_PROGRESS=1 shows it anyway, at once; =0 never.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace buildiff {

class Progress {
  public:
    // WHAT: the phase ("reading left.rec"); UNIT: what is counted, singular ("record").
    Progress(std::string what, std::string unit);
    ~Progress();
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;
    // DONE of TOTAL (0: unknown); cheap when nothing is shown or it is not yet time to redraw.
    // The first update of a phase is drawn at once (once the command has run for half a
    // second: a quick command draws nothing), then at most ten times a second.
    void update(std::uint64_t done, std::uint64_t total = 0) {
        if (m_on && (++m_calls & 63) == 1) draw(done, total);
    }
    // Whether progress is shown at all in this process.
    static bool shown();

  private:
    void draw(std::uint64_t done, std::uint64_t total);
    std::string m_what, m_unit;
    bool m_on;
    bool m_drawn = false;
    std::uint64_t m_calls = 0;
    std::chrono::steady_clock::time_point m_next;  // the next redraw, at the earliest
};

}  // namespace buildiff
