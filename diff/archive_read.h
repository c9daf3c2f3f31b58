// Reading archives with libarchive: ar (.a, .rlib, .deb), zip (.whl, .jar), tar (plain, gz, xz,
// zst, bz2) and single compressed files. Members are held in memory for the comparators, within
// bounds on their count and expanded size; nothing is ever written to disk.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/blob.h"
#include "base/hash.h"
#include "base/result.h"

namespace buildiff {

struct ArchiveMember {
    std::string name;
    std::string type;  // "file", "dir", "symlink", "hardlink", "other"
    std::string link;  // symlink or hardlink target
    std::uint64_t size = 0;
    unsigned mode = 0;
    std::int64_t mtime = 0, uid = 0, gid = 0;
    std::string owner;  // "uid:gid" or "uname:gname"
    std::string bytes;  // the content (a prefix when `complete` is false)
    bool complete = true;
    Hash128 hash;              // of `bytes`
    bool unsafe_name() const;  // absolute, or with a ".." component
};

struct ArchiveListing {
    std::string format;  // "ar", "zip", "tar", "tar.gz", "gz", ...
    std::vector<ArchiveMember> members;
    std::string stopped;  // why reading stopped before the end (a bound), "" when complete
};

struct ArchiveLimits {
    std::size_t max_members = 100000;
    std::uint64_t max_member_bytes = 256ull << 20;
};

// True when `head` (the first 512 bytes) starts an archive or compressed stream libarchive reads.
bool is_archive(std::string_view head);
// `budget` is the expanded size still allowed across every archive of one comparison; reading
// stops (with `stopped` saying why) when it or a limit is reached. Errors name the blob.
Result<ArchiveListing> read_archive(const Blob& blob, const ArchiveLimits& limits,
                                    std::uint64_t& budget);

}  // namespace buildiff
