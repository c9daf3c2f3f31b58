// Writing an output file whole or not at all, without ever replacing what is not a regular file.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace buildiff {

// A regular file (or a new one) is written under a temporary name beside it and renamed into
// place, so a failure never leaves half a file. Anything else that exists (/dev/null,
// /dev/stdout, a FIFO) is written in place: renaming over it would replace the device. False on
// failure, with errno set.
bool write_file_atomically(const std::string& path, std::string_view content);

// Writes one piece of a file; false when writing failed.
using PieceWriter = std::function<bool(std::string_view)>;
// The same for content made piece by piece (a large report never held whole): WRITE is given
// the function that writes each piece, and says whether it made the whole content.
bool write_file_atomically(const std::string& path,
                           const std::function<bool(const PieceWriter&)>& write);

}  // namespace buildiff
