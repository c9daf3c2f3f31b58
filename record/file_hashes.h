// The recorder's file hashes, taken off the tracing thread: a read file is hashed once per
// identity (device, inode, size, mtime), however many processes read it, and a written file once
// per hand-over, for the one event that waits for it. Jobs go to the hashing thread; results come
// back with every waiter of each job. No ptrace here: unit-tested on its own.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/hash.h"
#include "record/hasher.h"

namespace buildiff {

// What a read file's hash is cached by.
struct FileKey {
    dev_t dev;
    ino_t ino;
    off_t size;
    std::int64_t mtime_ns;
    bool operator==(const FileKey&) const = default;
};
struct FileKeyHash {
    size_t operator()(const FileKey& k) const {
        return std::hash<std::uint64_t>()(k.ino * 0x9e3779b97f4a7c15ULL ^ k.dev ^
                                          static_cast<std::uint64_t>(k.mtime_ns) ^
                                          static_cast<std::uint64_t>(k.size) << 1);
    }
};
inline FileKey key_of(const struct stat& st) {
    return {st.st_dev, st.st_ino, st.st_size,
            static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec};
}

// Where a finished hash goes: a file event of a record (index), or its executable (-1).
struct Waiter {
    std::uint64_t rec = 0;
    int index = -1;
};

class FileHashes {
  public:
    enum class Lookup {
        Known,    // `known` holds the hash (none: the file could not be opened)
        Hashing,  // a new job: the waiter is told when it ends
        Waiting,  // the file is being hashed already: the waiter is told with the others
    };
    // The hash of the file with identity KEY, opened through OPEN_PATH when it is new.
    Lookup lookup(const FileKey& key, const std::string& open_path, const Waiter& waiter,
                  std::optional<FileHash>& known);
    // A written file's content, from FD (taken over), for its one waiter; HOLD (a thread, or 0)
    // is handed back when the job ends.
    void hash_written(int fd, const Waiter& waiter, pid_t hold);

    // A job that ended: its value for every waiter, and the thread it held (or 0).
    struct Finished {
        std::vector<Waiter> waiters;
        std::optional<FileHash> value;
        pid_t hold = 0;
    };
    // The jobs that ended since the last call, in the order they ended.
    std::vector<Finished> take_finished();

    // Becomes readable when a job ends.
    int event_fd() const { return m_hasher.event_fd(); }
    size_t pending() const { return m_hasher.pending(); }

  private:
    struct Entry {
        bool done = false;
        std::optional<FileHash> value;
        std::vector<Waiter> waiters;
    };
    struct Job {
        std::optional<FileKey> key;  // a read file's job; otherwise a written file's, for `waiter`
        Waiter waiter;
        pid_t hold = 0;
    };
    Hasher m_hasher;
    std::unordered_map<FileKey, Entry, FileKeyHash> m_entries;
    std::unordered_map<std::uint64_t, Job> m_jobs;
};

}  // namespace buildiff
