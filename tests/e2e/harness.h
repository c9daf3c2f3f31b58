// Helpers for end-to-end tests: run real commands, in scratch copies of the fixtures.
#pragma once

#include <sys/types.h>

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "recording/analysis.h"
#include "recording/recording.h"

namespace buildiff {
// How GoogleTest prints an outcome in a failed expectation.
inline void PrintTo(CacheOutcome outcome, std::ostream* os) {
    *os << (outcome == CacheOutcome::Unknown ? "unknown" : cache_outcome_name(outcome));
}
}  // namespace buildiff

namespace e2e {

struct RunResult {
    int status = -1;  // exit code, or 128+N for signal N
    std::string out, err;
};

struct RunOptions {
    std::string cwd;
    std::vector<std::string> env;  // "NAME=value" added to (or replacing in) the environment
    std::vector<std::string> unset;
};

RunResult run(const std::vector<std::string>& argv, const RunOptions& options = {});
// Starts a command in the background (stdout/stderr to /dev/null); returns its pid.
pid_t spawn(const std::vector<std::string>& argv, const RunOptions& options = {});

std::string buildiff_exe();  // path of the buildiff binary under test
std::string fixture(const std::string& name);
std::string helper(const std::string& name);  // test helper binaries (probe, static_spawn)
// A Debian 12 source package, unpacked (its packaging applied) by scripts/test.sh with
// scripts/debian-source.sh into tests/work/debian-sources/NAME; "" when it is not there.
std::string debian_source(const std::string& name);

class TempDir {
  public:
    TempDir();
    ~TempDir();
    const std::string& path() const { return m_path; }
    std::string operator/(const std::string& name) const { return m_path + "/" + name; }

  private:
    std::string m_path;
};

void copy_tree(const std::string& from, const std::string& to);
std::string read_text(const std::string& path);
// A recording's records as JSON Lines text (decompressed: version 2); other files as they are.
std::string read_records(const std::string& path);
// Writes `text` to `path`, creating its folders.
void write_text(const std::string& path, const std::string& text);
int free_tcp_port();
std::string file_hash(const std::string& path);  // XXH3-128 hex of a file on disk

// Records `make ARGS...` of a fresh copy of the diff fixture (tests/fixtures/diff-c) in
// TMP/DIR (cleaned first if it exists, so two builds can share a directory) into TMP/NAME,
// without SOURCE_DATE_EPOCH, CFLAGS or CC from the test's environment; returns its path.
std::string record_make(const TempDir& tmp, const std::string& dir, const std::string& name,
                        std::vector<std::string> make_args, std::vector<std::string> env = {});

// The diff fixture built with __TIME__ three times in TMP/src, a second apart: plain, then with
// `ccache cc` cold and warm (CCACHE_SLOPPINESS=time_macros, the cache in TMP/cache): the warm
// run's hit replays the cold compile's time. Returns the plain and the warm recordings (the cold
// one is TMP/cold.rec).
std::pair<std::string, std::string> record_stale_ccache_hit(const TempDir& tmp);

// Validates a JSON report against docs/report.schema.json (python3-jsonschema), as a test failure.
void expect_valid_report(const std::string& report_path);

// The recording at `path`, which must be readable.
buildiff::Recording load(const std::string& path);
std::string file_name(const std::string& path);
bool has_arg(const buildiff::ProcessRecord& p, const std::string& arg);
// Records whose argv[0] basename (or tool) is `tool`.
std::vector<const buildiff::ProcessRecord*> by_tool(const buildiff::Recording& rec,
                                                    const std::string& tool);
const buildiff::FileEvent* find_file(const buildiff::ProcessRecord& p, buildiff::FileOp op,
                                     const std::string& path);
// True when a process with this exact command line is alive.
bool process_alive(const std::string& cmdline_with_spaces);

}  // namespace e2e
