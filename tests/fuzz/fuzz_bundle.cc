// Fuzz target (tests/fuzz/fuzz_main.cc): a bundle as `buildiff show BUNDLE` and `buildiff diff
// BUNDLE` read it: the archive, MANIFEST.json, report.json, the evidence index, every run's
// recording, and the diff of its main pair with the text and JSON reports. Bundles come from
// other people's bug reports: untrusted input.
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "audit/build_set.h"
#include "report/diff_render.h"

int fuzz_bundle(const std::uint8_t* data, std::size_t size) {
    static std::FILE* sink = std::fopen("/dev/null", "w");
    // The reader takes a path: the bytes go to a file in memory, named through /proc.
    int fd = memfd_create("bundle", MFD_CLOEXEC);
    if (fd < 0) return 0;
    for (std::size_t done = 0; done < size;) {
        ssize_t n = write(fd, data + done, size - done);
        if (n <= 0) {
            close(fd);
            return 0;
        }
        done += static_cast<std::size_t>(n);
    }
    buildiff::BundleLimits limits;
    limits.max_member_bytes = 4u << 20;
    limits.max_total_bytes = 16u << 20;
    limits.max_members = 1000;
    auto set = buildiff::BuildSet::open("/proc/self/fd/" + std::to_string(fd), limits);
    if (set) {
        std::fputs(buildiff::describe_set(*set).c_str(), sink);
        for (const buildiff::AuditRun& run : set->runs()) (void)set->recording(run.name);
        auto [left, right] = set->main_pair();
        auto result = buildiff::diff_set_pair(*set, left, right, {});
        if (result) {
            buildiff::render_diff_text(*result, sink, false);
            (void)buildiff::render_diff_json(*result);
        }
    }
    close(fd);
    return 0;
}
