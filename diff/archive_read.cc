// libarchive reading. Archives are read front to back once; when a member breaks a bound the rest
// of the archive is left unread, since skipping over a compressed member means inflating it.
#include "diff/archive_read.h"

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <memory>

#include <fmt/core.h>

namespace buildiff {

namespace {

struct ArchiveCloser {
    void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveCloser>;

bool starts(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

bool is_compressed(std::string_view head) {
    return starts(head, "\x1f\x8b") ||
           starts(head,
                  "\xfd"
                  "7zXZ") ||
           starts(head, "\x28\xb5\x2f\xfd") || starts(head, "BZh");
}

ArchivePtr open_reader(const Blob& blob, bool raw) {
    ArchivePtr a(archive_read_new());
    archive_read_support_filter_gzip(a.get());
    archive_read_support_filter_xz(a.get());
    archive_read_support_filter_zstd(a.get());
    archive_read_support_filter_bzip2(a.get());
    if (raw) {
        archive_read_support_format_raw(a.get());
    } else {
        archive_read_support_format_ar(a.get());
        archive_read_support_format_zip_streamable(a.get());
        archive_read_support_format_tar(a.get());
        archive_read_support_format_gnutar(a.get());
    }
    int rc;
    if (blob.in_memory()) {
        rc = archive_read_open_memory(a.get(), blob.memory().data(), blob.memory().size());
    } else {
        lseek(blob.fd(), 0, SEEK_SET);
        rc = archive_read_open_fd(a.get(), blob.fd(), 1 << 16);
    }
    if (rc != ARCHIVE_OK) return nullptr;
    return a;
}

std::string entry_type(archive_entry* e) {
    if (archive_entry_hardlink(e)) return "hardlink";
    switch (archive_entry_filetype(e)) {
        case AE_IFREG:
            return "file";
        case AE_IFDIR:
            return "dir";
        case AE_IFLNK:
            return "symlink";
        case 0:
            return "file";  // ar headers carry permission bits only
        default:
            return "other";
    }
}

std::string format_name(archive* a, bool raw) {
    std::string filter;
    if (archive_filter_count(a) > 1) {
        switch (archive_filter_code(a, 0)) {
            case ARCHIVE_FILTER_GZIP:
                filter = "gz";
                break;
            case ARCHIVE_FILTER_XZ:
                filter = "xz";
                break;
            case ARCHIVE_FILTER_ZSTD:
                filter = "zst";
                break;
            case ARCHIVE_FILTER_BZIP2:
                filter = "bz2";
                break;
            default:
                filter = archive_filter_name(a, 0);
                break;
        }
    }
    if (raw) return filter;
    std::string base;
    switch (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) {
        case ARCHIVE_FORMAT_AR:
            base = "ar";
            break;
        case ARCHIVE_FORMAT_ZIP:
            base = "zip";
            break;
        case ARCHIVE_FORMAT_TAR:
            base = "tar";
            break;
        default:
            base = archive_format_name(a) ? archive_format_name(a) : "archive";
            break;
    }
    return filter.empty() ? base : base + "." + filter;
}

// A member's name and metadata, as its header gives them (`raw`: the one member of a compressed
// file that is not an archive).
ArchiveMember member_of(archive_entry* entry, bool raw) {
    ArchiveMember m;
    const char* name = archive_entry_pathname(entry);
    m.name = raw ? "(decompressed content)" : name ? name : "(unnamed)";
    m.type = entry_type(entry);
    if (const char* l = archive_entry_hardlink(entry)) m.link = l;
    if (const char* l = archive_entry_symlink(entry)) m.link = l;
    m.mode = archive_entry_perm(entry);
    m.mtime = archive_entry_mtime(entry);
    m.uid = archive_entry_uid(entry);
    m.gid = archive_entry_gid(entry);
    const char* un = archive_entry_uname(entry);
    const char* gn = archive_entry_gname(entry);
    m.owner = un || gn ? fmt::format("{}:{}", un ? un : "", gn ? gn : "")
                       : fmt::format("{}:{}", m.uid, m.gid);
    return m;
}

}  // namespace

bool ArchiveMember::unsafe_name() const {
    if (name.starts_with('/')) return true;
    size_t start = 0;
    while (start <= name.size()) {
        size_t end = name.find('/', start);
        if (end == std::string::npos) end = name.size();
        if (name.compare(start, end - start, "..") == 0 && end - start == 2) return true;
        start = end + 1;
    }
    return false;
}

bool is_archive(std::string_view head) {
    return starts(head, "!<arch>\n") || starts(head, "PK\x03\x04") || starts(head, "PK\x05\x06") ||
           (head.size() >= 262 && head.substr(257, 5) == "ustar") || is_compressed(head);
}

Result<ArchiveListing> read_archive(const Blob& blob, const ArchiveLimits& limits,
                                    std::uint64_t& budget) {
    Result<std::string> head = blob.read(0, 512);
    if (!head) return head.error();
    // A compressed file that is not a tar is one member: the decompressed content.
    bool raw = false;
    ArchivePtr a = open_reader(blob, false);
    archive_entry* entry = nullptr;
    int rc = a ? archive_read_next_header(a.get(), &entry) : ARCHIVE_FATAL;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN && rc != ARCHIVE_EOF && is_compressed(*head)) {
        raw = true;
        a = open_reader(blob, true);
        rc = a ? archive_read_next_header(a.get(), &entry) : ARCHIVE_FATAL;
    }
    auto fail = [&](const char* what) {
        const char* msg = a ? archive_error_string(a.get()) : nullptr;
        return Error{fmt::format("{}: {}: {}", blob.name(), what, msg ? msg : "unrecognised data")};
    };
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN && rc != ARCHIVE_EOF)
        return fail("unreadable archive");
    ArchiveListing out;
    out.format = format_name(a.get(), raw);
    std::vector<char> buffer(1 << 16);
    for (; rc != ARCHIVE_EOF; rc = archive_read_next_header(a.get(), &entry)) {
        if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) return fail("corrupt archive");
        if (out.members.size() >= limits.max_members) {
            out.stopped =
                fmt::format("more than {} members: the rest were not compared", limits.max_members);
            break;
        }
        ArchiveMember m = member_of(entry, raw);
        std::uint64_t declared = archive_entry_size_is_set(entry)
                                     ? static_cast<std::uint64_t>(archive_entry_size(entry))
                                     : 0;
        if (declared && declared <= limits.max_member_bytes && declared <= budget)
            m.bytes.reserve(static_cast<size_t>(declared));
        for (;;) {
            la_ssize_t n = archive_read_data(a.get(), buffer.data(), buffer.size());
            if (n == 0) break;
            if (n < 0) return fail(fmt::format("member {}: corrupt data", m.name).c_str());
            std::uint64_t room =
                std::min<std::uint64_t>(limits.max_member_bytes - m.bytes.size(), budget);
            if (static_cast<std::uint64_t>(n) > room) {
                m.bytes.append(buffer.data(), static_cast<size_t>(room));
                budget -= room;
                m.complete = false;
                break;
            }
            m.bytes.append(buffer.data(), static_cast<size_t>(n));
            budget -= static_cast<std::uint64_t>(n);
        }
        m.size = m.complete ? m.bytes.size() : std::max<std::uint64_t>(declared, m.bytes.size());
        m.hash = hash_bytes(m.bytes);
        bool complete = m.complete;
        out.members.push_back(std::move(m));
        if (!complete) {
            out.stopped = fmt::format(
                "member {} expands beyond {} MiB (the bound on what is compared in depth): "
                "it and the members after it were not compared",
                out.members.back().name,
                std::min<std::uint64_t>(limits.max_member_bytes, out.members.back().bytes.size()) >>
                    20);
            break;
        }
    }
    // libarchive ends an ar archive quietly at a header too short to be one.
    if (out.members.empty() && out.format == "ar" && blob.size() > 8)
        return Error{
            fmt::format("{}: corrupt ar archive: no member header after the magic", blob.name())};
    return out;
}

}  // namespace buildiff
