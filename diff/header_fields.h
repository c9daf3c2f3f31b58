// Binary headers whose fields are named rather than shown as hex: a gzip member's MTIME and file
// name, a .pyc's source mtime and size (or its hash); and what an archive member's time or owner
// that differs looks like.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/blob.h"
#include "diff/model.h"

namespace buildiff {

// `header-field` nodes for the fields of a known header that differ between LEFT and RIGHT (both
// of the same kind); empty when neither is a known kind or no field of it differs.
std::vector<Difference> header_fields(const Blob& left, const Blob& right);

// A Unix time as UTC ("2026-12-05 11:28:29 UTC"), and 0 as "0 (none)".
std::string utc_time(std::int64_t t);

// What a difference in an archive member's header looks like, and what stops it, for the
// archive FORMAT ("ar", "deb", "rlib", "tar", "tar.gz", "zip", "whl", ...): FIELD is "mtime" or
// "owner". "" for a format with no usual fix.
std::string member_field_looks_like(std::string_view format, std::string_view field);

}  // namespace buildiff
