// A temporary file a recording writer writes to, and what it holds (the recorder's unit tests).
#pragma once

#include <stdio.h>
#include <unistd.h>

#include <sstream>
#include <string>

#include "recording/recording.h"

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
    // The records as JSON Lines (a version-2 recording decompressed).
    std::string records() const {
        std::istringstream in(text());
        auto lines = buildiff::recording_text(in, "written");
        return lines ? *lines : "";
    }
};
