// Deep comparison of two artifacts: the format is detected from the content, the matching
// comparator builds the difference tree (ELF, archives recursively, text, binary), and the same
// content pair is compared once however often it appears (loose, inside an archive, inside a copy
// of that archive).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/blob.h"
#include "base/result.h"
#include "diff/archive_read.h"
#include "diff/model.h"

namespace buildiff {

struct CompareLimits {
    int max_depth = 16;  // archives inside archives
    ArchiveLimits archive;
    std::uint64_t max_expanded_bytes = 2ull << 30;  // archive content held in memory at once
    std::uint64_t max_text_bytes = 16ull << 20;     // larger text is compared as binary
    std::size_t max_diff_lines = 300;
    std::size_t max_binary_regions = 8;
};

struct Comparison {
    std::string format;  // of the right side ("elf", "ar", "zip", "tar.gz", "text", "binary", ...)
    std::vector<Difference> differences;  // empty when the contents are equal
};

// "elf", "ar", "zip", "tar", "gz", ... (archives are refined after reading: "deb", "rlib",
// "whl", "jar", "tar.xz"), "text", "binary" or "empty", from the first bytes and the name.
std::string detect_format(const std::string& name, std::string_view head);

class Comparer {
  public:
    explicit Comparer(CompareLimits limits = {})
        : m_limits(limits), m_budget(limits.max_expanded_bytes) {}

    // Malformed input (a truncated ELF, a corrupt archive) at the top level is an Error naming
    // the file; inside an archive it is an "error" node of the tree.
    Result<Comparison> compare(const Blob& left, const Blob& right) {
        return compare_at(left, right, 0);
    }

    std::size_t comparisons() const { return m_comparisons; }  // distinct content pairs examined
    std::size_t cache_hits() const { return m_cache_hits; }

  private:
    Result<Comparison> compare_at(const Blob& left, const Blob& right, int depth);
    Result<Comparison> compare_fresh(const Blob& left, const Blob& right, int depth);
    Result<std::vector<Difference>> compare_archives(const Blob& left, const Blob& right, int depth,
                                                     std::string& format);
    // FORMAT: the archives' ("ar", "deb", "tar.gz", "whl", ...), for what a member's time or
    // owner that differs looks like.
    std::vector<Difference> compare_members(const Blob& left, const ArchiveListing& l,
                                            const Blob& right, const ArchiveListing& r,
                                            std::string_view format, int depth);
    // One member both archives have: its metadata and content compared (recursively); none
    // when they are the same.
    std::optional<Difference> compare_member(const Blob& left, const ArchiveMember& a,
                                             const Blob& right, const ArchiveMember& b,
                                             std::string_view format, int depth);

    CompareLimits m_limits;
    std::uint64_t m_budget;
    std::map<
        std::pair<std::pair<std::uint64_t, std::uint64_t>, std::pair<std::uint64_t, std::uint64_t>>,
        Comparison>
        m_cache;
    std::size_t m_comparisons = 0, m_cache_hits = 0;
};

}  // namespace buildiff
