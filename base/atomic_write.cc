#include "base/atomic_write.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>

namespace buildiff {

namespace {

bool write_to(const std::string& path, const std::function<bool(const PieceWriter&)>& write,
              std::ios::openmode mode) {
    std::ofstream out(path, mode);
    if (!out) return false;
    bool made = write([&out](std::string_view piece) {
        return static_cast<bool>(
            out.write(piece.data(), static_cast<std::streamsize>(piece.size())));
    });
    if (!made && errno == 0) errno = EIO;
    return made && out.flush();
}

}  // namespace

bool write_file_atomically(const std::string& path, std::string_view content) {
    return write_file_atomically(path,
                                 [content](const PieceWriter& piece) { return piece(content); });
}

bool write_file_atomically(const std::string& path,
                           const std::function<bool(const PieceWriter&)>& write) {
    struct stat st;
    if (stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
        return write_to(path, write, std::ios::binary | std::ios::out);
    std::string tmp = path + ".tmp." + std::to_string(getpid());
    if (!write_to(tmp, write, std::ios::binary | std::ios::trunc)) {
        int saved = errno;
        std::remove(tmp.c_str());
        errno = saved;
        return false;
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        int saved = errno;
        std::remove(tmp.c_str());
        errno = saved;
        return false;
    }
    return true;
}

}  // namespace buildiff
