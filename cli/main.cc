// buildiff's command line: subcommand wiring only; the work lives in audit/, diff/, report/.
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <streambuf>
#include <string_view>

#include <fmt/core.h>

#include "audit/auditor.h"
#include "audit/build_set.h"
#include "audit/evidence.h"
#include "audit/pack.h"
#include "base/atomic_write.h"
#include "base/version.h"
#include "diff/differ.h"
#include "diff/plain_diff.h"
#include "record/record.h"
#include "recording/analysis.h"
#include "recording/recording.h"
#include "report/compdb.h"
#include "report/diff_render.h"
#include "report/show.h"

namespace {

using namespace buildiff;

constexpr const char* kRecordExamples = R"(
Examples:
  buildiff record -o build.rec -- make -j2
  buildiff record -o cached.rec --label sccache -- env RUSTC_WRAPPER=sccache cargo build
  buildiff record -- cmake --build build

Exit status: the build's own (128+N if it died of signal N); 125 if buildiff failed,
126 if COMMAND is not executable, 127 if it was not found.)";

constexpr const char* kShowExamples = R"(
Examples:
  buildiff show build.rec                 # process tree and summary
  buildiff show build.rec --json | jq -c 'select(.kind=="compiler-driver") | .argv'
  buildiff show buildiff-audit            # an audit directory or bundle: runs, pairs, evidence
  buildiff show bug.tar.gz:warm           # one run of a bundle, read without extracting

Exit status: 0, or 2 if the recording cannot be read.)";

constexpr const char* kDiffExamples = R"(
Examples:
  buildiff diff left.rec right.rec                       # text report
  buildiff diff left.rec right.rec --json report.json    # and the JSON report to a file
  buildiff diff left.rec right.rec --json - | jq '.root_causes[].kind'
  buildiff diff left.rec right.rec --html report.html --markdown summary.md
  buildiff diff --baseline nightly-good.rec today.rec --ignore-file .buildiffignore \
      --junit buildiff.xml --summary-to "$GITHUB_STEP_SUMMARY"
  buildiff diff a.rec b.rec --map /home/ci/build=/src --ignore '*.d'
  buildiff diff old/libfoo.so new/libfoo.so              # plain files: symbols, sections, DWARF
  buildiff diff build-a/ build-b/                        # two trees, file by file
  buildiff diff a.whl b.whl                              # archives, members compared recursively
  buildiff diff buildiff-audit                           # an audit's most telling pair, again
  buildiff diff bug.tar.gz                               # the same from its bundle (buildiff pack)
  buildiff diff bug.tar.gz:plain bug.tar.gz:warm         # any pair of runs of a bundle

Exit status: 0 identical, 1 divergent, 2 trouble (as diff(1)).)";

constexpr const char* kAuditExamples = R"(
Runs: plain (no cache wrapper), cold (private empty cache), warm (the same cache, a fresh tree),
each in a fresh copy of the current directory (git-ignored files are not copied), recorded, and
every pair diffed.
Variations (--vary, comma-separated): build-path (default), tz, locale, umask, sde
(SOURCE_DATE_EPOCH), jobs.

Examples:
  buildiff audit -- make -j2
  buildiff audit --cache sccache --out audit-out -- cargo build --release
  buildiff audit --cache none --vary build-path,tz,locale,umask -- make
  buildiff pack buildiff-audit -o bug.tar.gz             # then attach it to a bug report

Exit status: 0 every pair identical, 1 any pair divergent, 2 trouble (a failed build's log is
named).)";

constexpr const char* kExplainExamples = R"(
Examples:
  buildiff explain build.rec target/debug/libfoo.so
  buildiff explain build.rec prog

Exit status: 0, or 2 if the recording cannot be read or PATH was not produced by the build.)";

struct DiffArgs {
    std::vector<std::string> inputs;
    std::string left, right, json, html, markdown, junit, summary_to, baseline, ignore_file;
    bool text = false;
    std::vector<std::string> maps, ignore;
};

bool use_color();

// One side of a diff: a recording, a run of an audit directory or bundle (`SET:RUN`, or a set
// with one run), or a plain file or directory.
struct Input {
    std::string spec;
    bool recording = false;
    std::shared_ptr<const BuildSet> set;
    std::string run;  // in `set`; "" when the set was named without one
    // A pipe (`<(zcat a.rec.gz)`, /dev/stdin): read once, here, to tell what it holds.
    std::optional<Blob> stream;
};

bool is_stream(const std::string& path) {
    struct stat st {};
    return stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

Result<Input> classify_input(const std::string& spec, std::shared_ptr<const BuildSet> reuse) {
    Input in{spec, false, nullptr, "", std::nullopt};
    std::string path = spec;
    if (auto split = split_set_spec(spec)) std::tie(path, in.run) = *split;
    if (access(path.c_str(), R_OK) != 0)
        return Error{fmt::format("{}: {}", path, std::strerror(errno))};
    if (in.run.empty() && is_stream(path)) {
        Result<Blob> bytes = Blob::open_named(path);
        if (!bytes) return bytes.error();
        in.recording = starts_like_recording(bytes->memory());
        in.stream = std::move(*bytes);
        return in;
    }
    if (in.run.empty() && is_recording(path)) {
        in.recording = true;
        return in;
    }
    if (!in.run.empty() || BuildSet::detect(path)) {
        if (reuse && reuse->path() == path) {
            in.set = reuse;
        } else {
            Result<BuildSet> set = BuildSet::open(path);
            if (!set) return set.error();
            in.set = std::make_shared<const BuildSet>(std::move(*set));
        }
        if (!in.run.empty() && !in.set->run(in.run))
            return in.set->recording(in.run).error();  // names the runs there are
    }
    return in;
}

// Reads bytes held elsewhere as a stream, without copying them.
struct ViewBuffer : std::streambuf {
    explicit ViewBuffer(std::string_view bytes) {
        char* begin = const_cast<char*>(bytes.data());
        setg(begin, begin, begin + bytes.size());
    }
};

Result<Recording> recording_of(const Input& in) {
    if (in.set) return in.set->recording(in.run);
    if (!in.stream) return read_recording(in.spec);
    ViewBuffer buffer(in.stream->memory());
    std::istream bytes(&buffer);
    return read_recording(bytes, in.spec);
}

Result<DiffResult> compare_inputs(const std::vector<std::string>& specs, DiffOptions options) {
    Result<Input> l = classify_input(specs[0], nullptr);
    if (!l) return l.error();
    if (specs.size() == 1) {
        // One audit directory or bundle: its most telling pair, as its report.html shows it.
        if (!l->set || !l->run.empty())
            return Error{
                fmt::format("{}: one input must be an audit directory or a bundle; "
                            "otherwise give LEFT and RIGHT",
                            specs[0])};
        if (l->set->runs().size() < 2)
            return Error{
                fmt::format("{} holds one run: compare it with another build "
                            "(buildiff diff {} NEW.rec)",
                            specs[0], specs[0])};
        auto [a, b] = l->set->main_pair();
        return diff_set_pair(*l->set, a, b, options);
    }
    Result<Input> r = classify_input(specs[1], l->set);
    if (!r) return r.error();
    bool lrec = l->recording || l->set, rrec = r->recording || r->set;
    if (lrec != rrec)
        return Error{
            fmt::format("{} is a recording but {} is not: compare recordings with "
                        "recordings, files with files",
                        lrec ? specs[0] : specs[1], lrec ? specs[1] : specs[0])};
    if (!lrec && !l->stream && !r->stream) return diff_plain(specs[0], specs[1], options);
    if (!lrec) {
        for (const Input* in : {&*l, &*r})
            if (!in->stream && std::filesystem::is_directory(in->spec))
                return Error{fmt::format("{}: is a directory, but {} is not", in->spec,
                                         in == &*l ? r->spec : l->spec)};
        Result<Blob> lb = l->stream ? *l->stream : Blob::open_named(specs[0]);
        if (!lb) return lb.error();
        Result<Blob> rb = r->stream ? *r->stream : Blob::open_named(specs[1]);
        if (!rb) return rb.error();
        return diff_plain_files(*lb, *rb);
    }
    for (Input* in : {&*l, &*r})
        if (in->set && in->run.empty()) {
            Result<std::string> only = in->set->only_run();
            if (!only) return only.error();
            in->run = *only;
        }
    if (l->set && l->set == r->set) return diff_set_pair(*l->set, l->run, r->run, options);
    Result<Recording> left = recording_of(*l);
    if (!left) return left.error();
    Result<Recording> right = recording_of(*r);
    if (!right) return right.error();
    std::shared_ptr<const BuildSet> ls = l->set, rs = r->set;
    if (ls || rs)
        options.evidence = [ls, rs](const std::string& hash) {
            std::optional<Blob> b = ls ? ls->evidence_blob(hash) : std::nullopt;
            return b || !rs ? b : rs->evidence_blob(hash);
        };
    return diff_recordings(*left, *right, options);
}

int run_diff(const DiffArgs& args) {
    DiffOptions options;
    for (const std::string& m : args.maps) {
        auto eq = m.find('=');
        if (eq == std::string::npos || eq == 0) {
            fmt::print(stderr, "buildiff diff: --map {}: expected OLD=NEW\n", m);
            return 2;
        }
        options.maps.emplace_back(m.substr(0, eq), m.substr(eq + 1));
    }
    options.ignore = args.ignore;
    std::vector<std::string> inputs = args.inputs;
    if (!args.baseline.empty()) {
        if (args.inputs.size() != 1) {
            fmt::print(stderr, "buildiff diff: with --baseline, give one input (the new build)\n");
            return 2;
        }
        inputs.insert(inputs.begin(), args.baseline);
    }
    // The ignore file: one entry a line, `# comments`; `kind:build-path` tolerates a root-cause
    // kind, anything else is an artifact path glob.
    std::set<std::string> tolerated;
    std::string ignore_file = args.ignore_file;
    if (ignore_file.empty() && access(".buildiffignore", R_OK) == 0)
        ignore_file = ".buildiffignore";
    if (!ignore_file.empty()) {
        std::ifstream in(ignore_file);
        if (!in) {
            fmt::print(stderr, "buildiff: {}: cannot read the ignore file: {}\n", ignore_file,
                       std::strerror(errno));
            return 2;
        }
        std::string line;
        for (int n = 1; std::getline(in, line); ++n) {
            line.erase(0, line.find_first_not_of(" \t"));
            while (!line.empty() &&
                   (line.back() == ' ' || line.back() == '\t' || line.back() == '\r'))
                line.pop_back();
            if (line.empty() || line[0] == '#') continue;
            if (line.starts_with("kind:")) {
                std::string kind = line.substr(5);
                bool known = false;
                for (RootCauseKind k :
                     {RootCauseKind::Flags, RootCauseKind::Env, RootCauseKind::Tool,
                      RootCauseKind::Source, RootCauseKind::BuildPath,
                      RootCauseKind::Nondeterministic, RootCauseKind::Cache,
                      RootCauseKind::MissingInvocation, RootCauseKind::ExtraInvocation})
                    known |= root_cause_kind_name(k) == kind;
                if (!known) {
                    fmt::print(stderr, "buildiff: {}:{}: unknown root-cause kind `{}`\n",
                               ignore_file, n, kind);
                    return 2;
                }
                tolerated.insert(kind);
            } else {
                options.ignore.push_back(line);
            }
        }
    }
    Result<DiffResult> diffed = compare_inputs(inputs, options);
    if (!diffed) {
        fmt::print(stderr, "buildiff: {}\n", diffed.error().message);
        return 2;
    }
    DiffResult& result = *diffed;
    tolerate_kinds(result, tolerated);
    // Reports to files (or - for stdout), each written whole or not at all.
    struct Output {
        const std::string& path;
        const char* what;
        std::string (*render)(const DiffResult&);
    };
    bool stdout_taken = false;
    for (const Output& o :
         {Output{args.json, "JSON", render_diff_json}, Output{args.html, "HTML", render_diff_html},
          Output{args.markdown, "Markdown", render_diff_markdown},
          Output{args.junit, "JUnit", render_diff_junit}}) {
        if (o.path.empty()) continue;
        std::string content = o.render(result);
        if (o.path == "-") {
            fmt::print("{}", content);
            stdout_taken = true;
        } else if (!write_file_atomically(o.path, content)) {
            fmt::print(stderr, "buildiff: {}: cannot write the {} report: {}\n", o.path, o.what,
                       std::strerror(errno));
            return 2;
        }
    }
    if (!args.summary_to.empty()) {
        // Appended, as CI step summaries are: what other steps wrote stays.
        std::ofstream out(args.summary_to, std::ios::app | std::ios::binary);
        if (!(out << render_diff_markdown(result)) || !out.flush()) {
            fmt::print(stderr, "buildiff: {}: cannot append the summary: {}\n", args.summary_to,
                       std::strerror(errno));
            return 2;
        }
    }
    if (!stdout_taken || args.text) render_diff_text(result, stdout, use_color());
    if (std::fflush(stdout) != 0) return 2;
    return result.divergent ? 1 : 0;
}

int run_explain(const std::string& path, const std::string& file) {
    Result<Recording> rec = load_recording(path);
    if (!rec) {
        fmt::print(stderr, "buildiff: {}\n", rec.error().message);
        return 2;
    }
    auto steps = explain_path(*rec, file);
    if (!steps) {
        fmt::print(stderr, "buildiff: {}\n", steps.error().message);
        return 2;
    }
    for (size_t i = 0; i < steps->size(); ++i) {
        const ExplainStep& s = (*steps)[i];
        const InvocationRef& r = s.invocation;
        fmt::print("{}{} was produced by [{}] {}\n", i ? "\n" : "", display_arg(s.path), r.id,
                   describe_invocation(r));
        fmt::print("    {}\n    in {}\n", display_command(r.argv, 4000), display_arg(r.cwd));
        for (auto& input : s.inputs) fmt::print("    from {}\n", display_arg(input));
    }
    return 0;
}

// A size given as 20M, 512k, 1G or bytes; a malformed one is named.
bool size_option(const char* command, const char* option, const std::string& text,
                 std::uint64_t& out) {
    std::optional<std::uint64_t> size = parse_size(text);
    if (!size)
        fmt::print(stderr, "buildiff {}: {} {}: expected a size like 20M, 512k or 1G\n", command,
                   option, text);
    else
        out = *size;
    return size.has_value();
}

bool use_color() {
    const char* no_color = std::getenv("NO_COLOR");
    return isatty(STDOUT_FILENO) && !(no_color && *no_color);
}

int run_show(const std::string& path, bool as_json) {
    // An audit directory or bundle named without a run: what it holds (its run, when one).
    Result<Recording> rec = Error{""};
    if (!split_set_spec(path) && BuildSet::detect(path)) {
        Result<BuildSet> set = BuildSet::open(path);
        if (!set) {
            fmt::print(stderr, "buildiff: {}\n", set.error().message);
            return 2;
        }
        Result<std::string> only = set->only_run();
        if (!only && !as_json) {
            fmt::print("{}", describe_set(*set));
            return std::fflush(stdout) == 0 ? 0 : 2;
        }
        rec = only ? set->recording(*only) : Result<Recording>(only.error());
    } else {
        rec = load_recording(path);
    }
    if (!rec) {
        fmt::print(stderr, "buildiff: {}\n", rec.error().message);
        return 2;
    }
    Analysis analysis = analyze(*rec);
    if (as_json) {
        render_show_json(*rec, analysis, stdout);
    } else {
        render_show_text(*rec, analysis, summarize(*rec, analysis), stdout, use_color());
    }
    return std::fflush(stdout) == 0 ? 0 : 2;
}

// What is wrong with an entry of a config file that CLI11 could not place: "diff.ignor" (an
// unknown key), "nosuch.++" (CLI11's mark for the start of an unknown section), "[diff".
std::string config_entry_problem(const std::string& entry) {
    size_t dot = entry.rfind('.');
    if (entry.starts_with("[") || entry.empty()) return fmt::format("malformed entry `{}`", entry);
    if (dot == std::string::npos)
        return fmt::format(
            "no option `{}` outside a section (options go in a [COMMAND] section, such as [diff])",
            entry);
    std::string section = entry.substr(0, dot), key = entry.substr(dot + 1);
    if (key == "++" || key == "--") return fmt::format("no command [{}]", section);
    return fmt::format("no option `{}` in [{}]", key, section);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"buildiff: why are these two builds different?"};
    app.set_version_flag("--version", std::string("buildiff ") + kBuildiffVersion);
    app.require_subcommand(1);
    // A config file (TOML, or INI): one section per command, its options by their long names;
    // what the command line gives wins. A key that is no option is an error, not ignored.
    app.allow_config_extras(false);
    CLI::Option* config = app.set_config(
        "--config", "",
        "Read options from FILE (TOML: a [diff], [audit], ... section per command; the command "
        "line wins)");
    config->type_name("FILE");
    app.fallthrough();  // --config after the command too
    app.footer("\nRun 'buildiff COMMAND --help' for a command's options and examples.");

    RecordOptions record;
    auto* rec_cmd = app.add_subcommand("record", "Run COMMAND and record every process it starts");
    rec_cmd->add_option("-o,--output", record.output, "Recording file to write")
        ->capture_default_str();
    rec_cmd->add_option("--label", record.label, "A name for this build, shown in reports");
    bool no_redact = false;
    rec_cmd->add_flag("--no-redact", no_redact,
                      "Store secret-looking environment values in clear (default: salted hash)");
    rec_cmd->add_flag("-q,--quiet", record.quiet, "No summary line on stderr");
    bool no_notify = false;
    rec_cmd->add_flag("--no-notify", no_notify,
                      "Stop every traced call under ptrace: no seccomp notification listener "
                      "(slower; for builds that install a seccomp listener of their own)");
    rec_cmd->add_option("command", record.command, "The build command, after --")->required();
    rec_cmd->footer(kRecordExamples);
    rec_cmd->positionals_at_end();

    std::string show_path;
    bool show_json = false;
    auto* show_cmd =
        app.add_subcommand("show", "Print a recording as a process tree with a summary");
    show_cmd
        ->add_option("recording", show_path,
                     "Recording file, audit directory or bundle (SET:RUN names one run)")
        ->required();
    show_cmd->add_flag("--json", show_json, "One JSON object per process (JSON Lines)");
    show_cmd->footer(kShowExamples);

    DiffArgs diff;
    auto* diff_cmd = app.add_subcommand(
        "diff", "Compare two builds (recordings) or two artifacts (files or directories)");
    diff_cmd
        ->add_option("inputs", diff.inputs,
                     "LEFT RIGHT: recordings (or SET:RUN), files or directories; one audit "
                     "directory or bundle; RIGHT only with --baseline")
        ->required()
        ->expected(1, 2);
    diff_cmd->add_option("--baseline", diff.baseline,
                         "Compare RIGHT against this stored recording (CI: the last good build)");
    diff_cmd->add_option("--ignore-file", diff.ignore_file,
                         "Path globs and `kind:KIND` root-cause kinds to tolerate (default: "
                         ".buildiffignore when present)");
    diff_cmd->add_option("--junit", diff.junit, "Write JUnit XML (one test case per root cause)");
    diff_cmd->add_option("--summary-to", diff.summary_to,
                         "Append the Markdown summary to FILE (e.g. \"$GITHUB_STEP_SUMMARY\")");
    diff_cmd->add_flag("--text", diff.text, "Text report on stdout (the default, unless --json -)");
    diff_cmd->add_option("--json", diff.json,
                         "Write the JSON report (buildiff.report/1) to FILE, or - for stdout");
    diff_cmd->add_option(
        "--html", diff.html,
        "Write the HTML report (one self-contained file) to FILE, or - for stdout");
    diff_cmd->add_option("--markdown", diff.markdown,
                         "Write the Markdown report (CI summaries, issue comments) to FILE, or -");
    diff_cmd->add_option("--map", diff.maps,
                         "Treat path prefix OLD as NEW (repeatable), e.g. /ci/build=/src");
    diff_cmd->add_option("--ignore", diff.ignore,
                         "Artifacts matching GLOB are known noise (repeatable)");
    diff_cmd->footer(kDiffExamples);

    AuditOptions audit;
    std::string audit_runs, audit_vary;
    auto* audit_cmd = app.add_subcommand(
        "audit",
        "Build several times (no cache, cold cache, warm cache, variations) and diff the runs");
    audit_cmd->add_option("--cache", audit.cache, "none, ccache, sccache, or a wrapper command")
        ->capture_default_str();
    audit_cmd->add_option("--runs", audit_runs, "Runs, comma-separated (default plain,cold,warm)");
    audit_cmd->add_option("--vary", audit_vary, "Variations, comma-separated (default build-path)");
    audit_cmd->add_option("--out", audit.out, "Output directory")->capture_default_str();
    audit_cmd->add_flag("--keep", audit.keep, "Keep each run's build tree");
    std::string audit_evidence = "64M";
    audit_cmd
        ->add_option("--max-evidence", audit_evidence,
                     "Keep both versions of divergent files, smallest first, up to SIZE")
        ->capture_default_str();
    audit_cmd->add_option("command", audit.command, "The build command, after --")->required();
    audit_cmd->footer(kAuditExamples);
    audit_cmd->positionals_at_end();

    std::string compdb_rec, compdb_out = "-";
    auto* export_cmd = app.add_subcommand("export", "Export a recording in another tool's format");
    export_cmd->require_subcommand(1);
    auto* compdb_cmd = export_cmd->add_subcommand(
        "compdb",
        "compile_commands.json: one entry per C, C++ or assembly source compiled (also by a "
        "compile-and-link command), cache wrappers peeled off");
    compdb_cmd->add_option("recording", compdb_rec, "Recording file (or SET:RUN)")->required();
    compdb_cmd->add_option("-o,--output", compdb_out, "Write to FILE (default: standard output)")
        ->capture_default_str();
    compdb_cmd->footer(R"(
Examples:
  buildiff export compdb build.rec > compile_commands.json
  buildiff export compdb build.rec -o build/compile_commands.json

Exit status: 0, or 2 if the recording cannot be read or the output written.)");

    PackOptions pack;
    std::string pack_max_size = "20M";
    auto* pack_cmd = app.add_subcommand(
        "pack", "One attachable bundle of an audit (or recordings) with its reports and evidence");
    pack_cmd
        ->add_option("inputs", pack.inputs,
                     "An audit directory or a bundle; or recordings, plus reports to attach")
        ->required();
    pack_cmd->add_option("-o,--output", pack.output, "The bundle: .tar.gz, .zip or .tar.zst")
        ->capture_default_str();
    pack_cmd
        ->add_option("--max-size", pack_max_size,
                     "The bundle's size at most (k, M, G); evidence that does not fit is "
                     "left out and listed")
        ->capture_default_str();
    pack_cmd->add_flag("--redact-paths", pack.redact_paths,
                       "Mask home directories and user names (same length, binaries included)");
    pack_cmd->footer(R"(
Examples:
  buildiff pack buildiff-audit -o bug-1234.tar.gz          # an audit directory
  buildiff pack cached.rec uncached.rec -o evidence.zip    # recordings, diffed here
  buildiff pack nightly.rec -o baseline.tar.zst            # a CI baseline
  buildiff pack buildiff-audit --redact-paths --max-size 5M -o bug.tar.gz
Read it back without extracting: buildiff show bug.tar.gz, buildiff diff bug.tar.gz,
buildiff diff bug.tar.gz:plain bug.tar.gz:warm, buildiff diff --baseline baseline.tar.zst new.rec

Exit status: 0, or 2 (one line names the input or output and the problem).)");

    std::string explain_rec, explain_file;
    auto* explain_cmd =
        app.add_subcommand("explain", "Show the chain of invocations that produced PATH");
    explain_cmd->add_option("recording", explain_rec, "Recording file (or SET:RUN)")->required();
    explain_cmd->add_option("path", explain_file, "A file the build produced")->required();
    explain_cmd->footer(kExplainExamples);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        bool unreadable = dynamic_cast<const CLI::FileError*>(&e) != nullptr;
        if (unreadable || dynamic_cast<const CLI::ConfigError*>(&e)) {
            std::string file = config->count() ? config->as<std::string>() : "config";
            std::string problem = e.what();
            constexpr std::string_view kExtra = "INI was not able to parse ";
            if (unreadable)
                problem = fmt::format("cannot read: {}", access(file.c_str(), R_OK) == 0
                                                             ? "not a config file"
                                                             : std::strerror(errno));
            else if (problem.starts_with(kExtra))
                problem = config_entry_problem(problem.substr(kExtra.size()));
            fmt::print(stderr, "buildiff: {}: {}\n", file, problem);
            return rec_cmd->parsed() ? 125 : 2;
        }
        int code = app.exit(e);
        if (code == 0) return 0;
        // Usage errors: `record` reports its own failures as 125 (as env(1)); others as 2.
        return rec_cmd->parsed() ? 125 : 2;
    }
    try {
        if (rec_cmd->parsed()) {
            record.redact = !no_redact;
            record.notify = !no_notify;
            return run_record(record);
        }
        if (show_cmd->parsed()) return run_show(show_path, show_json);
        if (diff_cmd->parsed()) return run_diff(diff);
        if (compdb_cmd->parsed()) {
            Result<Recording> rec = load_recording(compdb_rec);
            if (!rec) {
                fmt::print(stderr, "buildiff: {}\n", rec.error().message);
                return 2;
            }
            std::string text = compile_commands(*rec);
            if (compdb_out == "-") {
                fmt::print("{}", text);
                return std::fflush(stdout) == 0 ? 0 : 2;
            }
            if (!write_file_atomically(compdb_out, text)) {
                fmt::print(stderr, "buildiff: {}: cannot write: {}\n", compdb_out,
                           std::strerror(errno));
                return 2;
            }
            return 0;
        }
        if (audit_cmd->parsed()) {
            auto split = [](const std::string& list) {
                std::vector<std::string> out;
                size_t start = 0;
                while (start <= list.size() && !list.empty()) {
                    size_t end = list.find(',', start);
                    if (end == std::string::npos) end = list.size();
                    if (end > start) out.push_back(list.substr(start, end - start));
                    start = end + 1;
                }
                return out;
            };
            if (!size_option("audit", "--max-evidence", audit_evidence, audit.max_evidence))
                return 2;
            audit.runs = split(audit_runs);
            audit.vary = split(audit_vary);
            char self[4096];
            ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
            audit.self = n > 0 ? std::string(self, static_cast<size_t>(n)) : argv[0];
            return run_audit(audit);
        }
        if (explain_cmd->parsed()) return run_explain(explain_rec, explain_file);
        if (pack_cmd->parsed()) {
            if (!size_option("pack", "--max-size", pack_max_size, pack.max_size)) return 2;
            return run_pack(pack);
        }
    } catch (const std::exception& e) {
        fmt::print(stderr, "buildiff: internal error: {}\n", e.what());
        return rec_cmd->parsed() ? 125 : 2;
    }
    return 2;
}
