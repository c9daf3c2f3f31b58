// The tracer's state and its class, shared by the files that implement it (private to record/):
// tracer.cc (the lifecycle loop), syscalls.cc (decoding the traced calls), notifier.cc (the
// seccomp user-notification listener), hash_cache.cc (hashing what was read and written),
// emitter.cc (records: creation, environments, emission, the trailer) and seccomp_filter.cc.
#pragma once

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <fmt/core.h>

#include "record/env_store.h"
#include "record/file_hashes.h"
#include "record/procfs.h"
#include "record/records.h"
#include "record/tracer.h"
#include "recording/redact.h"

#ifndef PTRACE_EVENT_STOP
#define PTRACE_EVENT_STOP 128
#endif
// Linux 6.6: the listener and the notifying task hand over on one CPU (no cross-CPU wake-up).
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

namespace buildiff::tracer_detail {

constexpr long kPtraceOptions = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                                PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_TRACESECCOMP |
                                PTRACE_O_EXITKILL;
// The exit stop is turned on only for processes that wrote files (they are held there while
// their files are hashed): one stop less for every other process.
constexpr long kWriterOptions = kPtraceOptions | PTRACE_O_TRACEEXIT;

#if defined(__x86_64__)
constexpr std::uint32_t kNativeArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr std::uint32_t kNativeArch = AUDIT_ARCH_AARCH64;
#else
#error "buildiff's tracer supports x86_64 and aarch64"
#endif

inline std::uint64_t monotonic_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ULL +
           static_cast<std::uint64_t>(ts.tv_nsec);
}

inline bool is_special_path(std::string_view path) {
    return path.starts_with("/proc/") || path.starts_with("/sys/") || path.starts_with("/dev/") ||
           path == "/proc" || path == "/sys" || path == "/dev";
}

inline std::string fd_path(pid_t tid, long fd) {
    return fmt::format("/proc/{}/fd/{}", tid, fd);
}

struct OpenWrite {
    std::string path;
    bool created = false;
    std::uint64_t opened_ns = 0;  // the write event's time: when the writer opened the file
};

struct Proc {
    std::uint64_t rec = 0;
    pid_t parent = 0;        // the forking process (thread-group id)
    bool exit_stop = false;  // kWriterOptions set on the leader
    int threads = 1;
    bool had_threads = false;       // more than one thread at some point
    procfs::CpuTimes children;      // CPU of child processes that ended, for own = total - children
    std::vector<OpenWrite> writes;  // files this process opened for writing, not yet released
    std::optional<std::string> cwd;  // cached; invalidated by chdir/fchdir
    std::optional<procfs::CpuTimes> cpu_at_exit;
};

enum class Pending { None, OpenWrite, Rename, Link, Unlink, Truncate };

struct Thread {
    pid_t tgid = 0;
    bool expect_initial_stop = false;
    Pending pending = Pending::None;
    std::string path, to;
    bool created = false;
    int holds = 0;
    bool held = false;
    bool at_notification = false;    // blocked in a seccomp user notification, not a ptrace stop
    std::uint64_t notification = 0;  // its id
    int resume_request = PTRACE_CONT;
    int resume_signal = 0;
};

// Counters for the trailer's recorder_stats (plain integers: they are bumped at every stop).
struct Stats {
    std::uint64_t stops_seccomp = 0, stops_syscall_exit = 0, stops_event = 0, stops_signal = 0;
    std::uint64_t notifications = 0;
    std::uint64_t early_starts = 0, held_early = 0;  // see Tracer::m_early_running
    std::uint64_t hashed_reads = 0, hashed_writes = 0;
};

enum class Mode { Recording, Shepherd };

// System calls that name files by path, and which of their arguments hold the directory
// descriptor (-1: relative to the cwd) and the path, and for rename and link the new name.
struct PathCall {
    long nr;
    Pending op;
    int dirfd, path, to_dirfd, to_path;
};
constexpr PathCall kPathCalls[] = {
#ifdef SYS_rename
    {SYS_rename, Pending::Rename, -1, 0, -1, 1},
#endif
#ifdef SYS_link
    {SYS_link, Pending::Link, -1, 0, -1, 1},
#endif
#ifdef SYS_unlink
    {SYS_unlink, Pending::Unlink, -1, 0, -1, -1},
#endif
    {SYS_renameat, Pending::Rename, 0, 1, 2, 3},      {SYS_renameat2, Pending::Rename, 0, 1, 2, 3},
    {SYS_linkat, Pending::Link, 0, 1, 2, 3},          {SYS_unlinkat, Pending::Unlink, 0, 1, -1, -1},
    {SYS_truncate, Pending::Truncate, -1, 0, -1, -1},
};

inline const PathCall* find_path_call(long nr) {
    for (const PathCall& call : kPathCalls)
        if (call.nr == nr) return &call;
    return nullptr;
}

class Tracer {
  public:
    Tracer(const TracerConfig& config, pid_t root, int status_fd)
        : m_config(config),
          m_root(root),
          m_status_fd(status_fd),
          m_writer(config.output_fd),
          m_redactor(config.salt) {}

    int run(int go_fd);

  private:
    void message(char kind, const std::string& text);
    void handle(pid_t tid, int status, const rusage& usage);
    void dispatch(pid_t tid, int status, const rusage& usage);
    bool tracing_nothing() const {
        return m_threads.empty() && m_early_stops.empty() && m_early_running.empty();
    }
    void on_new_task(pid_t parent_tid, int event);
    void on_initial_stop(pid_t tid);
    void open_exe_link(pid_t tid);
    void forget_exe_link(pid_t tid);
    void on_exec(pid_t tid);
    Rec* next_image_rec(pid_t tid, Proc& proc, Rec& old, const procfs::CpuTimes& cpu,
                        std::uint64_t now);
    std::shared_ptr<const Image> make_image(pid_t tid, std::string exe, const std::string& args,
                                            const std::string& environ);
    void on_exit_event(pid_t tid);
    void on_death(pid_t tid, int status, const rusage& usage);
    void want_exit_stop(pid_t tid, Proc& proc);
    void on_seccomp(pid_t tid);
    void on_call(pid_t tid, long nr, const std::uint64_t* args);
    void on_syscall_exit(pid_t tid);
    void resume(pid_t tid, int request = PTRACE_CONT, int sig = 0);
    void release(pid_t tid, Thread& th);
    void take_listener();
    void notifications();
    void adopt_root();
    void on_notification(const seccomp_notif& req);
    void stop_notifications();
    void restart_interrupted_call(pid_t tid);

    std::string cwd_of(pid_t tid);
    std::string resolve(pid_t tid, long dirfd, const std::string& path);
    void on_open(pid_t tid, Proc& proc, long dirfd, const std::string& path, std::uint64_t flags);
    int write_event(Rec& rec, const OpenWrite& w, bool deleted);
    void hash_write(Rec& rec, const OpenWrite& w, pid_t hold);
    void release_writes(pid_t tgid, Proc& proc, Rec& rec, pid_t hold);
    void settle_live_write(const std::string& path, pid_t hold, bool forget);
    void cache_lookup(const FileKey& key, const std::string& open_path, Waiter waiter, Rec& rec);
    void complete_jobs();
    void fill(const Waiter& w, const std::optional<FileHash>& value);
    void finish();
    std::string end_lingering(Recording& trailer, std::uint64_t now);
    void fill_recorder_stats(Recording& trailer) const;
    void flush_soon();

    const TracerConfig& m_config;
    pid_t m_root;
    int m_status_fd;
    RecordingWriter m_writer;
    Redactor m_redactor;
    FileHashes m_hashes;
    Mode m_mode = Mode::Recording;
    bool m_root_done = false;
    ExitStatus m_root_status;
    std::uint64_t m_t0 = monotonic_ns();
    bool m_flush_armed = false;
    std::uint64_t m_flush_due = 0;

    std::unordered_map<pid_t, Thread> m_threads;
    // A new task is let go at its attach stop even when its parent's fork event (which makes it
    // known) is still to come. Until that event, its stops (status) and its notification are
    // held here, then handled as if they had just arrived.
    std::unordered_map<pid_t, std::uint64_t> m_early_running;  // -> when it was let go
    std::unordered_map<pid_t, int> m_early_stops;
    std::unordered_map<pid_t, seccomp_notif> m_early_notes;
    // An O_PATH descriptor of each live task's /proc/TID/exe link, opened while the task runs:
    // /proc makes a task's entries on their first lookup (about 15 µs here), and the exec stop,
    // where the task waits, then finds them made. At most kExeLinks at once.
    std::unordered_map<pid_t, int> m_exe_links;
    static constexpr size_t kExeLinks = 256;
    std::unordered_map<pid_t, Proc> m_procs;  // by thread-group id
    Records m_records{m_writer};
    EnvStore m_envs{m_writer, m_redactor, m_config.header.redacted};
    // Files open for writing by a live process: path -> writer (thread-group id).
    std::unordered_map<std::string, std::vector<pid_t>> m_live_writes;
    size_t m_sccache_clients = 0, m_sccache_servers = 0;
    Stats m_stats;
    // Tasks that died before their parent's fork event was seen: status and usage.
    std::unordered_map<pid_t, std::pair<int, rusage>> m_died_early;
    std::unordered_set<pid_t> m_exit_stop_wanted;  // leaders to give the exit stop (want_exit_stop)
    // The seccomp user-notification listener (read-only opens, chdir), once the build's first
    // process has sent it through `m_listener_sock`; -1 without one (ptrace stops only).
    int m_listener_sock = -1;
    int m_listener = -1;
    std::vector<char> m_reply_buffer;
    // Notifications are taken by their own thread, blocked in the listener's ioctl, so that the
    // kernel hands over to it on the notifying task's CPU; this thread blocks in wait4, which
    // ptrace stops wake the same way. `m_lock` is held by either while it touches any state.
    std::mutex m_lock;
    std::thread m_notifier;
    std::atomic<bool> m_notifier_stop{false}, m_notifier_done{false};
};

}  // namespace buildiff::tracer_detail
