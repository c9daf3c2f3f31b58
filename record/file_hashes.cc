// The recorder's file hashes (see file_hashes.h).
#include "record/file_hashes.h"

#include <fcntl.h>

namespace buildiff {

FileHashes::Lookup FileHashes::lookup(const FileKey& key, const std::string& open_path,
                                      const Waiter& waiter, std::optional<FileHash>& known) {
    auto [it, inserted] = m_entries.try_emplace(key);
    Entry& entry = it->second;
    if (entry.done) {
        known = entry.value;
        return Lookup::Known;
    }
    if (!inserted) {
        entry.waiters.push_back(waiter);
        return Lookup::Waiting;
    }
    int fd = open(open_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {  // and so for every later reader of this identity
        entry.done = true;
        known = std::nullopt;
        return Lookup::Known;
    }
    entry.waiters.push_back(waiter);
    m_jobs[m_hasher.submit(fd)] = Job{key, {}, 0};
    return Lookup::Hashing;
}

void FileHashes::hash_written(int fd, const Waiter& waiter, pid_t hold) {
    m_jobs[m_hasher.submit(fd)] = Job{std::nullopt, waiter, hold};
}

std::vector<FileHashes::Finished> FileHashes::take_finished() {
    std::vector<Finished> out;
    if (m_jobs.empty()) return out;
    for (Hasher::Done& done : m_hasher.take()) {
        auto jit = m_jobs.find(done.job);
        if (jit == m_jobs.end()) continue;
        Job job = std::move(jit->second);
        m_jobs.erase(jit);
        Finished f;
        f.value = done.result;
        f.hold = job.hold;
        if (job.key) {
            Entry& entry = m_entries[*job.key];
            entry.done = true;
            entry.value = done.result;
            f.waiters = std::move(entry.waiters);
            entry.waiters.clear();
        } else {
            f.waiters.push_back(job.waiter);
        }
        out.push_back(std::move(f));
    }
    return out;
}

}  // namespace buildiff
