// The tracer's hashing thread.
#include "record/hasher.h"

#include <sys/eventfd.h>
#include <unistd.h>

namespace buildiff {

Hasher::Hasher() : m_event_fd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    m_thread = std::thread([this] { run(); });
}

Hasher::~Hasher() {
    {
        std::lock_guard lock(m_mutex);
        m_stop = true;
    }
    m_cv.notify_all();
    m_thread.join();
    for (auto& [id, fd] : m_queue) close(fd);
    close(m_event_fd);
}

std::uint64_t Hasher::submit(int fd) {
    std::uint64_t id;
    {
        std::lock_guard lock(m_mutex);
        id = m_next++;
        m_queue.emplace_back(id, fd);
        ++m_in_flight;
    }
    m_cv.notify_one();
    return id;
}

std::vector<Hasher::Done> Hasher::take() {
    std::uint64_t counter;
    [[maybe_unused]] ssize_t n = read(m_event_fd, &counter, sizeof counter);
    std::lock_guard lock(m_mutex);
    std::vector<Done> out;
    out.swap(m_done);
    m_in_flight -= out.size();
    return out;
}

size_t Hasher::pending() const {
    std::lock_guard lock(m_mutex);
    return m_in_flight;
}

void Hasher::run() {
    for (;;) {
        std::pair<std::uint64_t, int> job;
        {
            std::unique_lock lock(m_mutex);
            m_cv.wait(lock, [this] { return m_stop || !m_queue.empty(); });
            if (m_stop) return;
            job = m_queue.front();
            m_queue.pop_front();
        }
        Done done{job.first, hash_fd(job.second)};
        close(job.second);
        {
            std::lock_guard lock(m_mutex);
            m_done.push_back(std::move(done));
        }
        std::uint64_t one = 1;
        [[maybe_unused]] ssize_t n = write(m_event_fd, &one, sizeof one);
    }
}

}  // namespace buildiff
