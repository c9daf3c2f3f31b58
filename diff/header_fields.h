// Binary headers whose fields are named rather than shown as hex: a gzip member's MTIME and file
// name, a .pyc's source mtime and size (or its hash).
#pragma once

#include <vector>

#include "base/blob.h"
#include "diff/model.h"

namespace buildiff {

// `header-field` nodes for the fields of a known header that differ between LEFT and RIGHT (both
// of the same kind); empty when neither is a known kind or no field of it differs.
std::vector<Difference> header_fields(const Blob& left, const Blob& right);

}  // namespace buildiff
