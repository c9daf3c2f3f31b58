// Blob: a file descriptor or bytes in memory, with a content hash taken once.
#include "base/blob.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include <fmt/core.h>

namespace buildiff {

struct Blob::Impl {
    std::string name;
    int fd = -1;
    std::uint64_t size = 0;
    std::string bytes;
    mutable std::optional<Hash128> hash;
    ~Impl() {
        if (fd >= 0) ::close(fd);
    }
};

Result<Blob> Blob::open(const std::string& path) {
    // O_NONBLOCK: a FIFO without a writer (a recorded path that is one now) must not hang the
    // diff; regular files ignore it.
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) return Error{fmt::format("{}: cannot open: {}", path, std::strerror(errno))};
    struct stat st {};
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return Error{fmt::format("{}: not a regular file", path)};
    }
    Blob b;
    b.m = std::make_shared<Impl>();
    b.m->name = path;
    b.m->fd = fd;
    b.m->size = static_cast<std::uint64_t>(st.st_size);
    return b;
}

Result<Blob> Blob::open_named(const std::string& path, std::uint64_t max_bytes) {
    struct stat st {};
    if (stat(path.c_str(), &st) != 0)
        return Error{fmt::format("{}: cannot open: {}", path, std::strerror(errno))};
    if (S_ISREG(st.st_mode)) return open(path);
    if (S_ISDIR(st.st_mode)) return Error{fmt::format("{}: is a directory", path)};
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return Error{fmt::format("{}: cannot open: {}", path, std::strerror(errno))};
    std::string bytes;
    char chunk[1 << 16];
    for (;;) {
        ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int err = errno;
            ::close(fd);
            return Error{fmt::format("{}: read error: {}", path, std::strerror(err))};
        }
        if (n == 0) break;
        if (bytes.size() + static_cast<std::uint64_t>(n) > max_bytes) {
            ::close(fd);
            return Error{fmt::format("{}: more than {} MiB from a pipe; save it to a file first",
                                     path, max_bytes >> 20)};
        }
        bytes.append(chunk, static_cast<size_t>(n));
    }
    ::close(fd);
    return memory(path, std::move(bytes));
}

Blob Blob::memory(std::string name, std::string bytes) {
    Blob b;
    b.m = std::make_shared<Impl>();
    b.m->name = std::move(name);
    b.m->size = bytes.size();
    b.m->bytes = std::move(bytes);
    return b;
}

const std::string& Blob::name() const {
    return m->name;
}
std::uint64_t Blob::size() const {
    return m->size;
}
bool Blob::in_memory() const {
    return m->fd < 0;
}
int Blob::fd() const {
    return m->fd;
}
std::string_view Blob::memory() const {
    return m->bytes;
}

Hash128 Blob::hash() const {
    if (!m->hash) {
        if (in_memory()) {
            m->hash = hash_bytes(m->bytes);
        } else {
            std::optional<FileHash> h = hash_fd(m->fd);
            // A read error after a successful open leaves a hash no other content has.
            m->hash = h ? h->hash : hash_bytes(m->name + "\0unreadable");
        }
    }
    return *m->hash;
}

Result<std::string> Blob::read(std::uint64_t offset, std::size_t n) const {
    if (offset >= m->size) return std::string();
    n = static_cast<std::size_t>(std::min<std::uint64_t>(n, m->size - offset));
    if (in_memory()) return m->bytes.substr(static_cast<std::size_t>(offset), n);
    std::string out(n, '\0');
    std::size_t done = 0;
    while (done < n) {
        ssize_t r = pread(m->fd, out.data() + done, n - done, static_cast<off_t>(offset + done));
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return Error{fmt::format("{}: read error: {}", m->name, std::strerror(errno))};
        if (r == 0) break;
        done += static_cast<std::size_t>(r);
    }
    out.resize(done);
    return out;
}

}  // namespace buildiff
