// Debian's control-file format (deb822): .buildinfo, .changes, .dsc and a package's control
// file, read as paragraphs of fields and compared field by field. Build-Date, Date and
// Build-Path are named as the fields expected to carry the build's time and path; a checksum
// line is tied to the file it describes.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "diff/model.h"

namespace buildiff {

struct Deb822Field {
    std::string name, value;  // value: continuation lines joined with '\n', leading blank removed
};
using Deb822Paragraph = std::vector<Deb822Field>;

// The paragraphs of TEXT (an OpenPGP clear-signed wrapper is taken off). An error says which
// line is neither a field, a continuation nor a blank line.
Result<std::vector<Deb822Paragraph>> parse_deb822(std::string_view text);

// Whether a file of this name is read as deb822 (.buildinfo, .changes, .dsc, a package's
// control file).
bool is_deb822_name(std::string_view name);

// The differences of two parsed files: a "field" node per field that changed, came or went; a
// multi-line field's lines as its children (a checksum line: "`NAME`: checksum changed").
std::vector<Difference> compare_deb822(const std::vector<Deb822Paragraph>& left,
                                       const std::vector<Deb822Paragraph>& right);

}  // namespace buildiff
