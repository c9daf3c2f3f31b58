// Renderers of a DiffResult (diff/model.h): text for terminals, JSON (schema buildiff.report/1,
// docs/report-schema.md). They present the model; nothing is computed here.
#pragma once

#include <cstdio>
#include <string>

#include "diff/model.h"

namespace buildiff {

void render_diff_text(const DiffResult& result, std::FILE* out, bool color);
std::string render_diff_json(const DiffResult& result);  // deterministic, ends with '\n'

inline constexpr std::string_view kReportSchema = "buildiff.report/1";

}  // namespace buildiff
