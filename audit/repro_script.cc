#include "audit/repro_script.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <fmt/core.h>

#include "base/atomic_write.h"
#include "diff/normalize.h"

namespace buildiff {

namespace {

// TEXT as one shell word: single-quoted, with the build root (a whole path component) spelled
// "$VAR" so that it expands to the script's own directory.
std::string shell_word(const std::string& text, const std::string& root, const char* var) {
    std::string marked = replace_root(text, root, "\x01");
    std::string out = "'";
    for (char ch : marked) {
        if (ch == '\x01')
            out += fmt::format("'\"${}\"'", var);
        else if (ch == '\'')
            out += "'\\''";
        else
            out += ch;
    }
    out += "'";
    // An empty quote beside an expansion is noise: ''"$root"'/x' -> "$root"'/x'.
    if (out.size() > 2 && out.starts_with("''")) out.erase(0, 2);
    if (out.size() > 2 && out.ends_with("''")) out.erase(out.size() - 2);
    return out;
}

// A comment line's text: no newline can end the comment early.
std::string comment(std::string text) {
    for (char& ch : text)
        if (ch == '\n' || ch == '\r') ch = ' ';
    return text;
}

void configuration(std::string& s, const char* side, const std::string& dir, const StepConfig& c,
                   const std::vector<ReproInput>& inputs, const std::set<std::string>& outputs,
                   bool ccache) {
    s += fmt::format("\n# The {} configuration.\n", side);
    s += fmt::format("root=\"$work/{}/root\"  # stands for the recorded build root {}\n", dir,
                     comment(c.root));
    s += "rm -rf \"$work/left/root\" \"$work/right/root\" \"$work/both/root\"\n";
    for (const ReproInput& in : inputs)
        s += fmt::format("stage {0} {1} \"$root\"/{2} {2}\n", shell_word(in.from, "", "root"),
                         in.sha256, shell_word(in.rel, "", "root"));
    std::set<std::string> dirs;
    for (const std::string& o : outputs)
        dirs.insert(std::filesystem::path(o).parent_path().string());
    for (const std::string& d : dirs)
        if (!d.empty()) s += fmt::format("mkdir -p \"$root\"/{}\n", shell_word(d, "", "root"));
    s += fmt::format("mkdir -p {}\n", shell_word(c.cwd, c.root, "root"));
    s += fmt::format("(cd {} && env -i \\\n", shell_word(c.cwd, c.root, "root"));
    for (const auto& [k, v] : c.env)
        s += fmt::format("    {} \\\n", shell_word(k + "=" + v, c.root, "root"));
    if (ccache) s += "    CCACHE_DISABLE=1 \\\n";
    std::string line = "   ";
    for (const std::string& a : c.argv) {
        std::string w = shell_word(a, c.root, "root");
        if (line.size() + w.size() > 96) {
            s += line + " \\\n";
            line = "   ";
        }
        line += " " + w;
    }
    s += line + fmt::format(") >\"$work/{0}.log\" 2>&1 ||\n  {{ cat \"$work/{0}.log\" >&2; "
                            "fail \"the {0} configuration failed\"; }}\n",
                            side);
    s += fmt::format("sums \"$root\" > \"$work/{}.sums\"\n", side);
}

}  // namespace

std::string repro_script(const ReproCase& c) {
    std::string s = "#!/bin/sh\n";
    s += fmt::format("# Reproduces root cause {} ({}) of a buildiff report: {}\n", c.number, c.kind,
                     comment(c.summary));
    s += "# Written by `buildiff confirm`. It runs the step that buildiff re-ran, as the build\n"
         "# ran it, twice: with the left build's configuration and with the right one's, each in\n"
         "# a fresh directory made of the recorded inputs (each checked with sha256sum), and\n"
         "# prints the sha256 of each output.\n";
    if (!c.minimal.empty())
        s += fmt::format("# The smallest difference that reproduces it: {}.\n",
                         comment([&] {
                             std::string j;
                             for (const std::string& m : c.minimal) j += (j.empty() ? "" : ", ") + m;
                             return j;
                         }()));
    s += "# Exit status: 0 the outputs differ (the divergence reproduces), 1 they are the same,\n"
         "# 2 trouble (an input missing or changed, a run failing).\n"
         "set -eu\n"
         "fail() { echo \"repro: $1\" >&2; exit 2; }\n"
         "work=$(mktemp -d \"${TMPDIR:-/tmp}/buildiff-repro.XXXXXX\") || exit 2\n"
         "trap 'rm -rf \"$work\"' EXIT\n"
         "# Where an audit directory or an unpacked bundle keeps the files the step read, for\n"
         "# when the build trees are gone: evidence/RUN/PATH, beside this script's directory.\n"
         "evidence=\"$(dirname \"$0\")/../evidence\"\n"
         "sha() { sha256sum < \"$1\" | cut -d' ' -f1; }\n"
         "# stage FROM SHA256 TO PATH: copy a recorded input (PATH under the root), checked\n"
         "stage() {\n"
         "  from=$1\n"
         "  if [ ! -f \"$from\" ]; then\n"
         "    for kept in \"$evidence\"/*/\"$4\"; do\n"
         "      if [ -f \"$kept\" ] && [ \"$(sha \"$kept\")\" = \"$2\" ]; then from=$kept; fi\n"
         "    done\n"
         "  fi\n"
         "  [ -f \"$from\" ] || fail \"$1: missing (and not in $evidence)\"\n"
         "  [ \"$(sha \"$from\")\" = \"$2\" ] || fail \"$from: changed since it was recorded\"\n"
         "  mkdir -p \"$(dirname \"$3\")\" && cp -p \"$from\" \"$3\"\n"
         "}\n"
         "# sums ROOT: the sha256 of each output of the step (or \"absent\")\n"
         "sums() {\n";
    s += "  for f in";
    for (const std::string& o : c.outputs) s += " " + shell_word(o, "", "root");
    s += "; do\n"
         "    if [ -f \"$1/$f\" ]; then h=$(sha256sum < \"$1/$f\" | cut -d' ' -f1); "
         "else h=absent; fi\n"
         "    printf '%s  $ROOT/%s\\n' \"$h\" \"$f\"\n"
         "  done\n"
         "}\n";
    // Both runs in one directory unless the build root is part of the difference.
    configuration(s, "left", c.separate_roots ? "left" : "both", c.left, c.left_inputs, c.outputs,
                  c.ccache);
    if (c.pause) s += "sleep 1  # a clock read to the second moves\n";
    configuration(s, "right", c.separate_roots ? "right" : "both", c.right, c.right_inputs,
                  c.outputs, c.ccache);
    s += "\necho \"left:\"; sed 's/^/  /' \"$work/left.sums\"\n"
         "echo \"right:\"; sed 's/^/  /' \"$work/right.sums\"\n"
         "if cmp -s \"$work/left.sums\" \"$work/right.sums\"; then\n"
         "  echo \"not reproduced: both configurations give the same output\"; exit 1\n"
         "fi\n"
         "echo \"reproduced: the two configurations give different outputs\"\n";
    return s;
}

Result<std::string> write_repro_script(const std::string& dir, const ReproCase& c) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    std::string path = fmt::format("{}/cause-{}.sh", dir, c.number);
    if (ec || !write_file_atomically(path, repro_script(c)))
        return Error{fmt::format("{}: cannot write the reproducer: {}", path,
                                 ec ? ec.message() : std::strerror(errno))};
    ::chmod(path.c_str(), 0755);
    return path;
}

}  // namespace buildiff
