#include "base/atomic_write.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>

namespace buildiff {

namespace {

bool write_to(const std::string& path, std::string_view content, std::ios::openmode mode) {
    std::ofstream out(path, mode);
    return out && out.write(content.data(), static_cast<std::streamsize>(content.size())) &&
           out.flush();
}

}  // namespace

bool write_file_atomically(const std::string& path, std::string_view content) {
    struct stat st;
    if (stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
        return write_to(path, content, std::ios::binary | std::ios::out);
    std::string tmp = path + ".tmp." + std::to_string(getpid());
    if (!write_to(tmp, content, std::ios::binary | std::ios::trunc)) {
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
