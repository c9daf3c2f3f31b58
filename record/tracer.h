// The process tracer: ptrace + a seccomp filter, following every process of a build.
#pragma once

#include <sys/types.h>

#include <string>

#include "recording/recording.h"

namespace buildiff {

struct TracerConfig {
    int output_fd = -1;  // the recording file, opened by the caller
    // A socket on which the build's first process sends the seccomp notification listener
    // (install_seccomp_filter), or -1: then every traced call is a ptrace stop.
    int listener_sock = -1;
    Recording header;  // label, command, cwd, started_at, version, salt_id, redacted
    std::string salt;  // for redacting secret environment values
};

// Runs in the tracer process. `root` has allowed us to trace it and waits for one byte on
// `go_fd`; we seize it, let it go, and record until it exits. Messages for the front process go
// to `status_fd`, one per line: "W <warning>", "E <fatal error>", "D <processes> <bytes>".
// After "D" the recording is complete and closed; the tracer then keeps any processes that
// outlived the build (daemons such as the sccache server) running untouched until they exit.
int run_tracer(const TracerConfig& config, pid_t root, int go_fd, int status_fd);

// Installs the seccomp filter in the calling process (about to exec the build command). With a
// `listener_sock` (the other end of TracerConfig::listener_sock), read-only opens and chdir go
// to a user-notification listener sent there, where the kernel allows it; without one, or on
// older kernels, every traced call is a ptrace stop. Returns 0 or an errno value.
int install_seccomp_filter(int listener_sock);

}  // namespace buildiff
