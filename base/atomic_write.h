// Writing an output file whole or not at all, without ever replacing what is not a regular file.
#pragma once

#include <string>
#include <string_view>

namespace buildiff {

// A regular file (or a new one) is written under a temporary name beside it and renamed into
// place, so a failure never leaves half a file. Anything else that exists (/dev/null,
// /dev/stdout, a FIFO) is written in place: renaming over it would replace the device. False on
// failure, with errno set.
bool write_file_atomically(const std::string& path, std::string_view content);

}  // namespace buildiff
