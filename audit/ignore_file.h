// The ignore file of CI runs (.buildiffignore): one entry a line, `# comments`; `kind:KIND`
// tolerates a root-cause kind (a name of the JSON schema: build-path, nondeterministic, ...),
// anything else is a path glob of artifacts whose divergence is known noise.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "base/result.h"

namespace buildiff {

struct IgnoreRules {
    std::vector<std::string> globs;
    std::set<std::string> kinds;  // tolerated root-cause kinds, by name
};

// Errors name the file (and the line): unreadable, or an unknown kind.
Result<IgnoreRules> read_ignore_file(const std::string& path);

}  // namespace buildiff
