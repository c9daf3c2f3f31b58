// Renderers for `buildiff show`: a process tree with a summary, or one JSON object per process.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "recording/analysis.h"
#include "recording/build_scripts.h"
#include "recording/recording.h"

namespace buildiff {

void render_show_text(const Recording& rec, const Analysis& analysis, const Summary& summary,
                      std::FILE* out, bool color);
// JSON Lines: one object per process, fields documented in docs/recording-format.md.
void render_show_json(const Recording& rec, const Analysis& analysis, std::FILE* out);
// `show --html`: one self-contained page (no JavaScript needed): the summary and the build's
// timeline.
std::string render_show_html(const Recording& rec, const Analysis& analysis, const Summary& summary);

// A crate's build script in words: what it cost, what became of its outputs, and (when nothing
// it made was used) how to skip it. The first line names the crate; the text and HTML reports
// show them.
std::vector<std::string> describe_build_script(const BuildScriptCost& cost,
                                               const BuildScripts& all);

// A crate's build script in both builds of a diff, when its native work was used in one and not
// the other, or it ran in one only (a check against a build): a line naming it, then a line per
// side, and the override for a side that made native code for nothing. Empty otherwise.
std::vector<std::string> compare_build_script(const std::string& crate, const BuildScripts& left,
                                              const BuildScripts& right);
// The crates with a build script in either build, by name.
std::vector<std::string> build_script_crates(const BuildScripts& left, const BuildScripts& right);

// Prints describe_build_script's or compare_build_script's lines for a terminal: the first
// indented by 2, the rest by 4, a line's own line breaks (a config block) by 6.
void print_build_script_lines(const std::vector<std::string>& lines, std::FILE* out);

// Its JSON (the `build_script` object of `show --json`, docs/recording-format.md).
nlohmann::ordered_json build_script_json(const BuildScriptCost& cost, const BuildScripts& all);

// Quotes an argument for display in a shell-like command line; control bytes are escaped so a
// hostile name cannot drive the terminal.
std::string display_arg(const std::string& arg);
// Prose for a terminal (descriptions, messages): control bytes but tab escaped, nothing quoted.
std::string display_text(const std::string& text);
// A command line for display: display_arg of each argument, cut after about `limit` bytes.
std::string display_command(const std::vector<std::string>& argv, size_t limit);

}  // namespace buildiff
