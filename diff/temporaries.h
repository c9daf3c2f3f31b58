// Temporaries by observation: the directories a build created and removed again (mktemp -d,
// autoconf's confXXXXXX, autopoint's tmpwrkPID). Two builds' temporaries are paired by where they
// were made and in which order, and each pair is given one name, so that a random name never
// makes a flag, input or only-left/only-right difference (docs/differ-design.md).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "recording/analysis.h"
#include "recording/recording.h"

namespace buildiff {

struct Temporary {
    std::string path;          // the directory or file, as recorded
    std::uint64_t first = 0;   // when the build first wrote there
};

// The directories under which the build wrote and where nothing it wrote is left at the end
// (the highest such directory of each, below the last one that holds a file left, or below /
// and /tmp), and every directory and file written under them, in the order of their first
// write. FINAL: the recording's final writes (recording/analysis).
std::vector<Temporary> temporary_dirs(const Recording& rec, const FinalWrites& final);

// The names two builds' temporaries get: an entry of the left and one of the right made in the
// same place (the parent, with each build's root as ROOT_TOKEN and the temporaries above it
// already paired by their shared names) share the name "$TMPn" (CMake's TryCompile-XXXXXX and,
// inside it, cmTC_NNNNN.dir and the program cmTC_NNNNN). A name both builds made there pairs with
// itself and is left alone; each other name of the left, in order, pairs with the first name of
// the right that looks made by the same namer: a stem the two share (a prefix and a suffix of 3
// characters or more in all) around a part of 3 or more that differs, of one length, or of digits
// only (a process id). A file named "2" is never paired: it would rename every whole "2" in every
// argument. Returns (recorded name, shared name) pairs for the left and for the right.
struct TemporaryNames {
    std::vector<std::pair<std::string, std::string>> left, right;
};
TemporaryNames pair_temporaries(const std::vector<Temporary>& left, const std::string& left_root,
                                const std::vector<Temporary>& right,
                                const std::string& right_root);

}  // namespace buildiff
