// The front process of `buildiff record`. It forks the tracer (which outlives it when daemons
// outlive the build) and the build command (its own child, so the build's parent, job control
// and wait status are as without buildiff), then exits with the build's status.
#include "record/record.h"

#include "base/version.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <fmt/core.h>

#include "record/tracer.h"
#include "recording/redact.h"

namespace buildiff {

namespace {

volatile sig_atomic_t g_build_pid = 0;

// Signals sent to `buildiff record` itself (kill, not the terminal) are passed on to the build;
// terminal-generated ones already reach the build through its process group.
void forward_signal(int sig, siginfo_t* info, void*) {
    if (g_build_pid > 0 && info && info->si_code <= 0) kill(g_build_pid, sig);
}

std::string utc_now() {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    tm t;
    gmtime_r(&ts.tv_sec, &t);
    char buf[64];
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &t);
    return buf;
}

void write_all(int fd, const void* data, size_t size) {
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
        ssize_t n = write(fd, p, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        p += n;
        size -= static_cast<size_t>(n);
    }
}

[[noreturn]] void run_build(const RecordOptions& options, pid_t tracer, int ready_w, int go_r,
                            int execerr_w, int listener_sock) {
    // Under Yama's ptrace_scope=1 only an allowed tracer may attach.
    prctl(PR_SET_PTRACER, tracer, 0, 0, 0);
    pid_t self = getpid();
    write_all(ready_w, &self, sizeof self);
    char go;
    ssize_t n;
    do n = read(go_r, &go, 1);
    while (n < 0 && errno == EINTR);
    if (n != 1) _exit(125);  // the tracer failed; it reports why
    int err = install_seccomp_filter(listener_sock);
    if (listener_sock >= 0) ::close(listener_sock);
    for (const std::string& kv : options.build_env) {
        size_t eq = kv.find('=');
        if (eq != std::string::npos) setenv(kv.substr(0, eq).c_str(), kv.c_str() + eq + 1, 1);
    }
    if (err == 0) {
        std::vector<char*> argv;
        for (auto& a : options.command) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        execvp(argv[0], argv.data());
        err = errno;
    } else {
        err = -err;  // negative: the filter failed, not the exec
    }
    write_all(execerr_w, &err, sizeof err);
    _exit(err == ENOENT ? 127 : err > 0 ? 126 : 125);
}

struct Pipe {
    int r = -1, w = -1;
    bool open() {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) != 0) return false;
        r = fds[0];
        w = fds[1];
        return true;
    }
    void close_both() {
        if (r >= 0) ::close(r);
        if (w >= 0) ::close(w);
        r = w = -1;
    }
};

// Reaps `child` if it exits within `ms` milliseconds: woken by its exit through a pidfd (Linux
// 5.3), else checked every 2 ms.
void reap_within(pid_t child, int ms) {
    int pidfd = static_cast<int>(syscall(SYS_pidfd_open, child, 0));
    if (pidfd < 0) {
        for (int i = 0; i < ms / 2 && waitpid(child, nullptr, WNOHANG) == 0; ++i) usleep(2000);
        return;
    }
    timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long spent = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
        pollfd p{pidfd, POLLIN, 0};
        int n = poll(&p, 1, static_cast<int>(std::max(0L, ms - spent)));
        if (n < 0 && errno == EINTR) continue;  // a signal forwarded to the build
        if (n == 1) waitpid(child, nullptr, 0);
        break;
    }
    ::close(pidfd);
}

// The recording's header and the tracer's configuration.
TracerConfig tracer_config(const RecordOptions& options, int out) {
    TracerConfig config;
    config.output_fd = out;
    config.header.label = options.label;
    config.header.command = options.command;
    std::error_code ec;
    config.header.cwd = std::filesystem::current_path(ec).string();
    config.header.started_at = utc_now();
    config.header.buildiff_version = kBuildiffVersion;
    config.header.redacted = options.redact;
    config.salt = load_or_create_salt();
    config.header.salt_id = Redactor(config.salt).salt_id();
    return config;
}

// The pipes between the front process, the tracer and the build.
struct Channels {
    Pipe status, ready, go, execerr;
    int listener[2] = {-1, -1};  // [0] the tracer's end, [1] the build's
};

// In the tracer process: dies with the front process while the build runs (and then, through
// PTRACE_O_EXITKILL, so does the build); leaves the terminal's process group and stdio.
[[noreturn]] void become_tracer(TracerConfig config, Channels& c, pid_t front) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != front) _exit(1);
    setpgid(0, 0);
    signal(SIGPIPE, SIG_IGN);
    int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (devnull >= 0) {
        dup2(devnull, 0);
        dup2(devnull, 1);
        dup2(devnull, 2);
        ::close(devnull);
    }
    ::close(c.status.r);
    ::close(c.ready.w);
    ::close(c.go.r);
    c.execerr.close_both();
    if (c.listener[1] >= 0) ::close(c.listener[1]);
    config.listener_sock = c.listener[0];
    pid_t root = 0;
    ssize_t n;
    do n = read(c.ready.r, &root, sizeof root);
    while (n < 0 && errno == EINTR);
    ::close(c.ready.r);
    if (n != sizeof root) _exit(1);
    _exit(run_tracer(config, root, c.go.w, c.status.w));
}

// Signals the front process gets go to the build (nohup stays nohup).
void forward_signals(pid_t build) {
    g_build_pid = build;
    struct sigaction sa {};
    sa.sa_sigaction = forward_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    for (int sig : {SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2}) {
        struct sigaction old {};
        sigaction(sig, nullptr, &old);
        if (old.sa_handler != SIG_IGN) sigaction(sig, &sa, nullptr);
    }
}

// What the tracer said: warnings (shown), a fatal error, and "D" when the recording is complete.
struct TracerReport {
    bool done = false, fatal = false;
    std::string summary;  // "<processes> <bytes>"
};

TracerReport read_tracer_messages(int fd) {
    TracerReport r;
    std::string buffer;
    char chunk[4096];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        buffer.append(chunk, static_cast<size_t>(n));
        size_t nl;
        while ((nl = buffer.find('\n')) != std::string::npos) {
            std::string line = buffer.substr(0, nl);
            buffer.erase(0, nl + 1);
            if (line.size() < 2) continue;
            std::string text = line.substr(2);
            if (line[0] == 'W') fmt::print(stderr, "buildiff: warning: {}\n", text);
            if (line[0] == 'E') {
                fmt::print(stderr, "buildiff record: {}\n", text);
                r.fatal = true;
            }
            if (line[0] == 'D') {
                r.done = true;
                r.summary = text;
            }
        }
        if (r.done) break;
    }
    return r;
}

// record's exit status once the build and the tracer are done: the build's own, or buildiff's
// (125), or the exec's failure (126, 127), as env(1).
int record_status(const RecordOptions& options, int wstatus, bool got_exec_error, int exec_error,
                  const TracerReport& tracer) {
    if (got_exec_error && exec_error != 0) {
        if (exec_error < 0) {
            fmt::print(stderr, "buildiff record: cannot install the seccomp filter: {}\n",
                       std::strerror(-exec_error));
            return 125;
        }
        fmt::print(stderr, "buildiff record: {}: {}\n", options.command[0],
                   std::strerror(exec_error));
        return exec_error == ENOENT ? 127 : 126;
    }
    if (tracer.fatal) return 125;
    if (!options.quiet) {
        unsigned long processes = 0, bytes = 0;
        std::sscanf(tracer.summary.c_str(), "%lu %lu", &processes, &bytes);
        fmt::print(stderr, "buildiff: recorded {} process{} in {} ({} KiB)\n", processes,
                   processes == 1 ? "" : "es", options.output, (bytes + 1023) / 1024);
    }
    if (WIFEXITED(wstatus)) return WEXITSTATUS(wstatus);
    if (WIFSIGNALED(wstatus)) return 128 + WTERMSIG(wstatus);
    return 125;
}

int record_failed(const std::string& message) {
    fmt::print(stderr, "buildiff record: {}\n", message);
    return 125;
}

}  // namespace

// The passes: open the recording, fork the tracer and the build, forward signals, wait for the
// build, read what the tracer says until the recording is complete, and exit as the build did.
int run_record(const RecordOptions& options) {
    if (options.command.empty())
        return record_failed(
            "no command given (usage: buildiff record -o FILE -- COMMAND [ARGS...])");
    int out = open(options.output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0)
        return record_failed(
            fmt::format("{}: cannot create: {}", options.output, std::strerror(errno)));
    TracerConfig config = tracer_config(options, out);
    Channels c;
    if (!c.status.open() || !c.ready.open() || !c.go.open() || !c.execerr.open() ||
        (options.notify && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, c.listener) != 0))
        return record_failed(fmt::format("cannot create pipes: {}", std::strerror(errno)));
    std::fflush(nullptr);
    pid_t front = getpid();
    pid_t tracer = fork();
    if (tracer < 0) return record_failed(fmt::format("fork: {}", std::strerror(errno)));
    if (tracer == 0) become_tracer(std::move(config), c, front);
    ::close(out);
    pid_t build = fork();
    if (build < 0) {
        kill(tracer, SIGKILL);
        return record_failed(fmt::format("fork: {}", std::strerror(errno)));
    }
    if (build == 0) {
        ::close(c.status.r);
        ::close(c.ready.r);
        ::close(c.go.w);
        ::close(c.execerr.r);
        if (c.listener[0] >= 0) ::close(c.listener[0]);
        run_build(options, tracer, c.ready.w, c.go.r, c.execerr.w, c.listener[1]);
    }
    ::close(c.status.w);
    c.ready.close_both();
    c.go.close_both();
    ::close(c.execerr.w);
    if (c.listener[0] >= 0) ::close(c.listener[0]);
    if (c.listener[1] >= 0) ::close(c.listener[1]);
    forward_signals(build);

    int wstatus = 0;
    while (waitpid(build, &wstatus, 0) < 0 && errno == EINTR) {
    }
    int exec_error = 0;
    ssize_t got = read(c.execerr.r, &exec_error, sizeof exec_error);
    ::close(c.execerr.r);
    TracerReport report = read_tracer_messages(c.status.r);
    ::close(c.status.r);
    if (!report.done) {
        // The tracer died without finishing: make sure nothing of the build survives it.
        if (!report.fatal)
            fmt::print(stderr,
                       "buildiff record: the tracer stopped unexpectedly; {} is incomplete\n",
                       options.output);
        kill(tracer, SIGKILL);
        waitpid(tracer, nullptr, 0);
        return 125;
    }
    // Reap the tracer when it is about to exit (no daemons outlived the build), so that `time
    // buildiff record ...` accounts for its CPU time too. Never wait long for it.
    reap_within(tracer, 200);
    return record_status(options, wstatus, got == sizeof exec_error, exec_error, report);
}

}  // namespace buildiff
