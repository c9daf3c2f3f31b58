// Comparing two ELF summaries: the causes (a symbol whose binding, export or size changed, a
// section that grew, a DWARF comp_dir that embeds the build path), with address and index shifts
// summarised instead of listed.
#pragma once

#include <vector>

#include "diff/elf_read.h"
#include "diff/model.h"

namespace buildiff {

std::vector<Difference> compare_elf(const ElfSummary& left, const ElfSummary& right);

// "/tmp/a/zstd/lib" vs "/tmp/b/zstd/lib" -> {"/tmp/a", "/tmp/b"}: the differing leading parts
// of two paths with a common tail (whole components). Empty when the paths are equal.
std::pair<std::string, std::string> differing_prefixes(const std::string& left,
                                                       const std::string& right);

}  // namespace buildiff
