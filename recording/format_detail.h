// What the recording's writer and reader share (private to recording/): the names of file
// operations and end states, and the encodings of bytes and exit statuses.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/names.h"
#include "recording/recording.h"

namespace buildiff::format_detail {

using json = nlohmann::ordered_json;

inline constexpr Named<FileOp> kFileOps[] = {
    {FileOp::Read, "read"}, {FileOp::Write, "write"},   {FileOp::Rename, "rename"},
    {FileOp::Link, "link"}, {FileOp::Unlink, "unlink"},
};
inline constexpr Named<EndState> kEndStates[] = {
    {EndState::Exited, "exited"},
    {EndState::Replaced, "replaced"},
    {EndState::Running, "running"},
    {EndState::Unknown, "unknown"},
};

std::optional<std::string> base64_decode(std::string_view in);
json bytes_array(const std::vector<std::string>& v);
json status_json(const ExitStatus& s);

}  // namespace buildiff::format_detail
