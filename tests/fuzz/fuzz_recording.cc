// Fuzz target (tests/fuzz/fuzz_main.cc): the recording reader and everything that reads a
// recording: the process tree and summary of `show` (text, JSON and the HTML page with its
// timeline), attribution, `explain`, and the diff of two recordings with its text, JSON and HTML
// reports. A line holding only the byte 0x1e
// splits an input into a left and a right recording; without one the recording is diffed against
// itself.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <sstream>
#include <string>
#include <string_view>

#include "diff/differ.h"
#include "recording/analysis.h"
#include "recording/recording.h"
#include "report/diff_render.h"
#include "report/show.h"

namespace {

buildiff::Result<buildiff::Recording> parse(std::string_view bytes, const char* name) {
    std::istringstream in{std::string(bytes)};
    return buildiff::read_recording(in, name);
}

void show(const buildiff::Recording& rec, std::FILE* sink) {
    buildiff::Analysis analysis = buildiff::analyze(rec);
    buildiff::render_show_text(rec, analysis, buildiff::summarize(rec, analysis), sink, true);
    buildiff::render_show_json(rec, analysis, sink);
    (void)buildiff::render_show_html(rec, analysis, buildiff::summarize(rec, analysis));
    int explained = 0;
    for (const auto& [path, produced] : buildiff::final_writes(rec)) {
        (void)buildiff::explain_path(rec, path);
        if (++explained == 4) break;
    }
}

}  // namespace

int fuzz_recording(const std::uint8_t* data, std::size_t size) {
    static std::FILE* sink = std::fopen("/dev/null", "w");
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    size_t split = bytes.find("\n\x1e\n");
    std::string_view left_bytes = bytes.substr(0, split);
    std::string_view right_bytes =
        split == std::string_view::npos ? left_bytes : bytes.substr(split + 3);
    auto left = parse(left_bytes, "left.rec");
    if (!left) return 0;
    show(*left, sink);
    auto right = parse(right_bytes, "right.rec");
    if (!right) return 0;
    buildiff::DiffOptions options;
    // Files under the build roots are looked for where nothing is; others (a compiler, a
    // system header) may be read, never written.
    options.left_tree = "/nonexistent/left";
    options.right_tree = "/nonexistent/right";
    buildiff::DiffResult result = buildiff::diff_recordings(*left, *right, options);
    buildiff::render_diff_text(result, sink, false);
    (void)buildiff::render_diff_json(result);
    (void)buildiff::render_diff_html(result);
    return 0;
}
