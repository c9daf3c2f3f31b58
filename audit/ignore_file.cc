// Reading the ignore file.
#include "audit/ignore_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include <fmt/core.h>

#include "diff/model.h"

namespace buildiff {

Result<IgnoreRules> read_ignore_file(const std::string& path) {
    std::ifstream in(path);
    if (!in)
        return Error{
            fmt::format("{}: cannot read the ignore file: {}", path, std::strerror(errno))};
    IgnoreRules rules;
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
        line.erase(0, line.find_first_not_of(" \t"));
        while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r'))
            line.pop_back();
        if (line.empty() || line[0] == '#') continue;
        if (!line.starts_with("kind:")) {
            rules.globs.push_back(line);
            continue;
        }
        std::string kind = line.substr(5);
        if (!root_cause_kind_named(kind))
            return Error{fmt::format("{}:{}: unknown root-cause kind `{}`", path, n, kind)};
        rules.kinds.insert(kind);
    }
    return rules;
}

}  // namespace buildiff
