// The bytes a comparator looks at: a file on disk (read with pread, hashed by streaming, never
// loaded whole unless a comparator needs it) or an archive member held in memory.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/hash.h"
#include "base/result.h"

namespace buildiff {

class Blob {
  public:
    // Opens a regular file read-only; anything else (a FIFO, a device) is an error, without
    // waiting for a writer. Errors name the file.
    static Result<Blob> open(const std::string& path);
    // A file the user named: a regular file as open(); a pipe or another stream (`<(cmd)`,
    // /dev/stdin) is read to its end into memory, at most `max_bytes`.
    static Result<Blob> open_named(const std::string& path, std::uint64_t max_bytes = 1ull << 30);
    static Blob memory(std::string name, std::string bytes);

    const std::string& name() const;  // the path, or the member's path inside its archives
    std::uint64_t size() const;
    Hash128 hash() const;  // XXH3-128 of the content, computed once
    bool in_memory() const;
    int fd() const;                   // -1 for a member held in memory
    std::string_view memory() const;  // the bytes of a member held in memory
    // Up to `n` bytes from `offset` (fewer at the end). Errors name the file.
    Result<std::string> read(std::uint64_t offset, std::size_t n) const;

  private:
    struct Impl;
    std::shared_ptr<Impl> m;
};

}  // namespace buildiff
