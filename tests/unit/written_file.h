// A temporary file a recording writer writes to, and what it holds (the recorder's unit tests).
#pragma once

#include <stdio.h>
#include <unistd.h>

#include <string>

struct WrittenFile {
    FILE* file = tmpfile();
    WrittenFile() = default;
    WrittenFile(const WrittenFile&) = delete;
    WrittenFile& operator=(const WrittenFile&) = delete;
    ~WrittenFile() { fclose(file); }
    int fd() const { return fileno(file); }
    std::string text() const {
        std::string out;
        char buf[4096];
        ssize_t n;
        off_t at = 0;
        while ((n = pread(fd(), buf, sizeof buf, at)) > 0) {
            out.append(buf, static_cast<size_t>(n));
            at += n;
        }
        return out;
    }
};
