// Renderers of a DiffResult (diff/model.h): text for terminals, JSON (schema buildiff.report/1,
// docs/report-schema.md). They present the model; nothing is computed here.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "base/atomic_write.h"
#include "diff/model.h"

namespace buildiff {

void render_diff_text(const DiffResult& result, std::FILE* out, bool color);
// A root cause's first LIMIT explained files as the lines of their producer-to-consumer tree.
// A line is groups of positions in `explains`: the files of a group side by side, each group
// built from the one before it ("a.o, b.o -> lib.a -> prog"). The first line starts with what
// was built from nothing else explained (the cause's own outputs); a later line starts with the
// explained files its first group was built from.
using ExplainGroup = std::vector<size_t>;
std::vector<std::vector<ExplainGroup>> explain_lines(const RootCause& rc, size_t limit);
// Root cause CAUSE's bookkeeping files in words, naming their build systems: "2 bookkeeping
// files (autotools, debhelper)"; "" when it explains none.
std::string bookkeeping_words(const DiffResult& r, size_t cause);
// What re-running the cause's step showed, in one line: its summary, the re-runs and seconds it
// took ("confirmed: `-O0` alone reproduces the divergence (5 re-runs, 1.3 s)").
std::string confirmation_words(const Confirmation& c);

// A file left outside the build roots, in words: which builds left it, whether it was the very
// same file on disk (the later build's replaced the earlier's) and whether the recorded contents
// agree.
std::string outside_words(const OutsideWrite& o);
inline constexpr std::string_view kOutsideHeading =
    "written outside the build roots (not compared)";
// An invocation in words, for a terminal: "compiler-driver gcc via sccache (cache hit), crate
// foo-sys".
std::string describe_invocation(const InvocationRef& r);
std::string render_diff_json(const DiffResult& result);  // deterministic, ends with '\n'
// The same text piece by piece to SINK, never held whole (a 100,000-step build's report is
// 70 MB); false when SINK failed.
bool write_diff_json(const DiffResult& result, const PieceWriter& sink);
// One self-contained HTML page (report/templates/report.html.mustache): no network, inline CSS
// and a little JavaScript for the filter; usable without it.
std::string render_diff_html(const DiffResult& result);
// JUnit XML: one test case per root cause.
std::string render_diff_junit(const DiffResult& result);
// GitHub-flavoured Markdown for CI summaries and issue comments, at most 64 KiB.
std::string render_diff_markdown(const DiffResult& result);

inline constexpr std::string_view kReportSchema = "buildiff.report/1";

}  // namespace buildiff
