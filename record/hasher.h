// A hashing thread for the tracer: jobs are open file descriptors, results come back in
// submission order and are announced on an eventfd the tracer polls.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "base/hash.h"

namespace buildiff {

class Hasher {
  public:
    struct Done {
        std::uint64_t job = 0;
        std::optional<FileHash> result;
    };

    Hasher();
    ~Hasher();
    Hasher(const Hasher&) = delete;
    Hasher& operator=(const Hasher&) = delete;

    // Takes ownership of `fd` (closed after hashing). Returns the job id.
    std::uint64_t submit(int fd);
    int event_fd() const { return m_event_fd; }
    // Results finished since the last call (clears the eventfd).
    std::vector<Done> take();
    size_t pending() const;

  private:
    void run();
    int m_event_fd = -1;
    mutable std::mutex m_mutex;
    std::condition_variable m_cv;
    std::deque<std::pair<std::uint64_t, int>> m_queue;
    std::vector<Done> m_done;
    std::uint64_t m_next = 1;
    size_t m_in_flight = 0;
    bool m_stop = false;
    std::thread m_thread;
};

}  // namespace buildiff
