// `buildiff pack`: one attachable file for a bug report or a CI baseline. The bundle is an audit
// directory's content (report.json, report.html, a page per pair, summary.md, the recordings,
// evidence/) in a .tar.gz, .zip or .tar.zst, with MANIFEST.json as its first member.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace buildiff {

struct PackOptions {
    // An audit directory or a bundle; or recordings, with report files to attach.
    std::vector<std::string> inputs;
    std::string output = "buildiff-bundle.tar.gz";
    std::uint64_t max_size = 20ull << 20;  // the bundle's size on disk, at most
    bool redact_paths = false;             // mask home directories and user names
};

// Exit status: 0, or 2 with one line naming the input or output and the problem.
int run_pack(const PackOptions& options);

// Masks home directories (anywhere), user names (as path components and whole values) and
// secret values found in clear (anywhere) with `x`s of the same length, so binaries keep their
// layout and both builds stay comparable.
class PathRedactor {
  public:
    PathRedactor(std::vector<std::string> homes, std::vector<std::string> users,
                 std::vector<std::string> secrets = {});
    std::string apply(std::string_view text) const;
    std::size_t count() const { return m_count; }  // replacements made so far

  private:
    std::vector<std::string> m_homes, m_users, m_secrets;
    mutable std::size_t m_count = 0;
};

}  // namespace buildiff
