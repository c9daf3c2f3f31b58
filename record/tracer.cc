// The tracer's event loop. Process lifecycle comes from ptrace events (fork, clone, exec, exit);
// file activity from a seccomp filter on a handful of system calls: opens for reading and chdir
// reach a user-notification listener answered by a thread of ours (much cheaper than a stop),
// opens for writing, rename, link, unlink and truncate stop under ptrace; content hashes come
// from a separate thread (record/hasher.h). A written file is
// hashed when it matters downstream: when its writer exits or execs (held at that stop), or
// when another process opens, renames or unlinks it (held at that call's entry). close and dup
// are not trapped: most opens are reads, and a stop per close would double the cost.
#include "record/tracer.h"

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

#include "record/hasher.h"
#include "record/procfs.h"
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

namespace buildiff {

namespace {

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

std::uint64_t monotonic_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000ULL +
           static_cast<std::uint64_t>(ts.tv_nsec);
}

bool is_special_path(std::string_view path) {
    return path.starts_with("/proc/") || path.starts_with("/sys/") || path.starts_with("/dev/") ||
           path == "/proc" || path == "/sys" || path == "/dev";
}

std::string fd_path(pid_t tid, long fd) {
    return fmt::format("/proc/{}/fd/{}", tid, fd);
}

struct FileKey {
    dev_t dev;
    ino_t ino;
    off_t size;
    std::int64_t mtime_ns;
    bool operator==(const FileKey&) const = default;
};
struct FileKeyHash {
    size_t operator()(const FileKey& k) const {
        return std::hash<std::uint64_t>()(k.ino * 0x9e3779b97f4a7c15ULL ^ k.dev ^
                                          static_cast<std::uint64_t>(k.mtime_ns) ^
                                          static_cast<std::uint64_t>(k.size) << 1);
    }
};
FileKey key_of(const struct stat& st) {
    return {st.st_dev, st.st_ino, st.st_size,
            static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec};
}

struct Image {
    std::string exe;
    std::vector<std::string> argv;
    int env = -1;
    std::string cwd;
    Classification classification;
};

// Where a finished hash goes: a file event of a record (index), or its executable (-1).
struct Waiter {
    std::uint64_t rec = 0;
    int index = -1;
};

struct CacheEntry {
    bool done = false;
    std::optional<FileHash> value;
    std::vector<Waiter> waiters;
};

struct Job {
    std::optional<FileKey> key;  // read-cache job; otherwise a write job for `waiter`
    Waiter waiter;
    pid_t hold = 0;  // thread held until this job is done
};

// One record of the recording: an exec'd image, or a fork that never exec'd.
struct Rec {
    Rec() { data.id = -1; }
    std::uint64_t serial = 0;
    std::uint64_t parent = 0;  // parent's serial, 0 for the root
    bool pre_exec = false;     // a fork child that has not exec'd (yet)
    std::shared_ptr<const Image> image;
    ProcessRecord data;
    procfs::CpuTimes cpu_start;
    std::unordered_set<std::string> read_paths;
    int pending = 0;
    bool ended = false;
};

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

const PathCall* find_path_call(long nr) {
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
    void end_rec(Rec& rec, EndState state, std::uint64_t now);
    void maybe_emit(std::uint64_t serial);
    int ensure_emitted(std::uint64_t serial);
    int env_id(const std::string& raw_environ);
    void finish();
    void flush_soon();

    const TracerConfig& m_config;
    pid_t m_root;
    int m_status_fd;
    RecordingWriter m_writer;
    Redactor m_redactor;
    Hasher m_hasher;
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
    std::map<std::uint64_t, std::unique_ptr<Rec>> m_recs;
    std::unordered_map<std::uint64_t, int> m_emitted;  // serial -> record id, after drop
    std::uint64_t m_next_serial = 1;
    int m_next_id = 0;
    std::unordered_map<std::string, int> m_envs;  // content hash -> env id
    std::unordered_map<FileKey, CacheEntry, FileKeyHash> m_cache;
    std::unordered_map<std::uint64_t, Job> m_jobs;
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

void Tracer::message(char kind, const std::string& text) {
    std::string line = fmt::format("{} {}\n", kind, text);
    [[maybe_unused]] ssize_t n = write(m_status_fd, line.data(), line.size());
}

void Tracer::resume(pid_t tid, int request, int sig) {
    auto it = m_threads.find(tid);
    bool notified = it != m_threads.end() && it->second.at_notification;
    // A leader whose process wrote through another thread gets its exit stop now.
    if (!notified && !m_exit_stop_wanted.empty() && m_exit_stop_wanted.contains(tid))
        if (auto p = m_procs.find(tid); p != m_procs.end()) want_exit_stop(tid, p->second);
    if (it == m_threads.end()) {
        ptrace(static_cast<__ptrace_request>(request), tid, nullptr,
               reinterpret_cast<void*>(static_cast<long>(sig)));
        return;
    }
    it->second.resume_request = request;
    it->second.resume_signal = sig;
    if (it->second.holds > 0) {
        it->second.held = true;
        return;
    }
    release(tid, it->second);
}

// Lets a thread go on: from its ptrace stop with the request `resume` recorded, or from its
// user notification (the call then runs as the process made it).
void Tracer::release(pid_t tid, Thread& th) {
    if (!th.at_notification) {
        ptrace(static_cast<__ptrace_request>(th.resume_request), tid, nullptr,
               reinterpret_cast<void*>(static_cast<long>(th.resume_signal)));
        return;
    }
    th.at_notification = false;
    auto* reply = reinterpret_cast<seccomp_notif_resp*>(m_reply_buffer.data());
    std::memset(reply, 0, m_reply_buffer.size());
    reply->id = th.notification;
    reply->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    // ENOENT: the call was interrupted (the task was killed) and is no longer waiting.
    ioctl(m_listener, SECCOMP_IOCTL_NOTIF_SEND, reply);
}

int Tracer::env_id(const std::string& raw) {
    std::string key = hash_bytes(raw).hex();
    auto it = m_envs.find(key);
    if (it != m_envs.end()) return it->second;
    EnvVars vars;
    for (const std::string& entry : procfs::split_nul(raw)) {
        auto eq = entry.find('=');
        std::string name = eq == std::string::npos ? entry : entry.substr(0, eq);
        std::string value = eq == std::string::npos ? "" : entry.substr(eq + 1);
        if (m_config.header.redacted) value = m_redactor.value_for(name, value);
        vars.emplace_back(std::move(name), std::move(value));
    }
    int id = static_cast<int>(m_envs.size());
    m_envs.emplace(std::move(key), id);
    m_writer.env(id, vars);
    return id;
}

std::string Tracer::cwd_of(pid_t tid) {
    auto t = m_threads.find(tid);
    Proc* proc = nullptr;
    if (t != m_threads.end())
        if (auto p = m_procs.find(t->second.tgid); p != m_procs.end()) proc = &p->second;
    if (proc && proc->cwd) return *proc->cwd;
    std::string cwd = procfs::read_link(fmt::format("/proc/{}/cwd", tid)).value_or("");
    if (proc) proc->cwd = cwd;
    return cwd;
}

// An absolute path for what the process named, made lexically (".." is only removed when the
// result is the same file: see `canonical`).
std::string Tracer::resolve(pid_t tid, long dirfd, const std::string& path) {
    std::string joined;
    if (!path.empty() && path[0] == '/')
        joined = path;
    else if (dirfd == AT_FDCWD)
        joined = cwd_of(tid) + "/" + path;
    else
        joined = procfs::read_link(fd_path(tid, dirfd)).value_or("") + "/" + path;
    if (joined.find("/..") == std::string::npos) return procfs::normalize(joined);
    // ".." after a symbolic link does not go where a lexical ".." goes: ask the kernel.
    char real[PATH_MAX];
    if (realpath(joined.c_str(), real)) return real;
    return procfs::normalize(joined);
}

// ---------------------------------------------------------------------------------------------
// Records: creation, emission, ending

int Tracer::ensure_emitted(std::uint64_t serial) {
    if (serial == 0) return -1;
    if (auto it = m_emitted.find(serial); it != m_emitted.end()) return it->second;
    Rec& rec = *m_recs.at(serial);
    if (rec.data.id >= 0) return rec.data.id;
    int parent = ensure_emitted(rec.parent);
    ProcessRecord& d = rec.data;
    d.id = m_next_id++;
    d.parent = parent;
    d.exe = rec.image->exe;
    d.argv = rec.image->argv;
    d.env = rec.image->env;
    d.cwd = rec.image->cwd;
    d.classification = rec.image->classification;
    m_writer.process(d);
    return d.id;
}

void Tracer::end_rec(Rec& rec, EndState state, std::uint64_t now) {
    rec.ended = true;
    rec.data.end_state = state;
    rec.data.end_ns = now;
}

void Tracer::maybe_emit(std::uint64_t serial) {
    auto it = m_recs.find(serial);
    if (it == m_recs.end()) return;
    Rec& rec = *it->second;
    if (!rec.ended || rec.pending > 0) return;
    int id = ensure_emitted(serial);
    m_writer.end(rec.data);
    m_emitted[serial] = id;
    m_recs.erase(it);
}

// ---------------------------------------------------------------------------------------------
// Hashing

void Tracer::cache_lookup(const FileKey& key, const std::string& open_path, Waiter waiter,
                          Rec& rec) {
    auto [it, inserted] = m_cache.try_emplace(key);
    CacheEntry& entry = it->second;
    if (entry.done) {
        fill(waiter, entry.value);
        return;
    }
    ++rec.pending;
    entry.waiters.push_back(waiter);
    if (!inserted) return;  // already being hashed
    int fd = open(open_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        entry.done = true;
        auto waiters = std::move(entry.waiters);
        for (auto& w : waiters) {
            fill(w, std::nullopt);
            if (auto r = m_recs.find(w.rec); r != m_recs.end()) --r->second->pending;
        }
        return;
    }
    m_jobs[m_hasher.submit(fd)] = Job{key, {}, 0};
    ++m_stats.hashed_reads;
}

void Tracer::fill(const Waiter& w, const std::optional<FileHash>& value) {
    auto it = m_recs.find(w.rec);
    if (it == m_recs.end()) return;
    ProcessRecord& d = it->second->data;
    if (w.index < 0) {
        if (value) d.exe_hash = value->hash.hex();
        return;
    }
    FileEvent& f = d.files.at(static_cast<size_t>(w.index));
    if (value) {
        f.hash = value->hash.hex();
        f.size = value->size;
    } else {
        f.hash.clear();
    }
}

void Tracer::complete_jobs() {
    if (m_jobs.empty()) return;
    for (Hasher::Done& done : m_hasher.take()) {
        auto jit = m_jobs.find(done.job);
        if (jit == m_jobs.end()) continue;
        Job job = std::move(jit->second);
        m_jobs.erase(jit);
        std::vector<Waiter> waiters;
        if (job.key) {
            CacheEntry& entry = m_cache[*job.key];
            entry.done = true;
            entry.value = done.result;
            waiters = std::move(entry.waiters);
        } else {
            waiters.push_back(job.waiter);
        }
        for (const Waiter& w : waiters) {
            fill(w, done.result);
            if (auto r = m_recs.find(w.rec); r != m_recs.end()) {
                --r->second->pending;
                maybe_emit(w.rec);
            }
        }
        if (job.hold) {
            auto t = m_threads.find(job.hold);
            if (t != m_threads.end() && --t->second.holds == 0 && t->second.held) {
                t->second.held = false;
                release(job.hold, t->second);
            }
        }
    }
}

int Tracer::write_event(Rec& rec, const OpenWrite& w, bool deleted) {
    // One write event per path and record: a file written again updates its event.
    auto& files = rec.data.files;
    for (size_t i = files.size(); i-- > 0;) {
        if (files[i].op == FileOp::Write && files[i].path == w.path) {
            files[i].created |= w.created;
            files[i].deleted = deleted;
            files[i].t_ns = std::max(files[i].t_ns, w.opened_ns);
            return static_cast<int>(i);
        }
    }
    FileEvent f;
    f.t_ns = w.opened_ns;
    f.op = FileOp::Write;
    f.path = w.path;
    f.created = w.created;
    f.deleted = deleted;
    files.push_back(std::move(f));
    return static_cast<int>(files.size() - 1);
}

// Hashes what is at the written file's path now, into the writer's record; `hold` (a thread,
// or 0) stays stopped until the hash is taken.
void Tracer::hash_write(Rec& rec, const OpenWrite& w, pid_t hold) {
    int hfd = open(w.path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    int index = write_event(rec, w, hfd < 0);
    if (hfd < 0) {
        rec.data.files[static_cast<size_t>(index)].hash.clear();
        return;
    }
    auto t = hold ? m_threads.find(hold) : m_threads.end();
    if (t != m_threads.end() && t->second.at_notification) {
        // Held at a notification: hashed here and now. The loop may be blocked in wait4, with
        // no hash job it knows of, and could not let the caller go when the job ends.
        std::optional<FileHash> value = hash_fd(hfd);
        close(hfd);
        fill(Waiter{rec.serial, index}, value);
        ++m_stats.hashed_writes;
        return;
    }
    ++rec.pending;
    if (t != m_threads.end()) ++t->second.holds;
    m_jobs[m_hasher.submit(hfd)] =
        Job{std::nullopt, Waiter{rec.serial, index}, t != m_threads.end() ? hold : 0};
    ++m_stats.hashed_writes;
}

// The writer lets go of everything it wrote (exit, exec).
void Tracer::release_writes(pid_t tgid, Proc& proc, Rec& rec, pid_t hold) {
    for (const OpenWrite& w : proc.writes) {
        hash_write(rec, w, hold);
        auto it = m_live_writes.find(w.path);
        if (it != m_live_writes.end()) {
            std::erase(it->second, tgid);
            if (it->second.empty()) m_live_writes.erase(it);
        }
    }
    proc.writes.clear();
}

// Someone is about to read, rename or unlink `path` while a live process holds it open for
// writing: take the writer's hash now, before the content can change hands. With `forget`
// (the path is going away) the writers stop tracking it.
void Tracer::settle_live_write(const std::string& path, pid_t hold, bool forget) {
    auto it = m_live_writes.find(path);
    if (it == m_live_writes.end()) return;
    std::vector<pid_t> writers = it->second;
    if (forget) m_live_writes.erase(it);
    for (pid_t tgid : writers) {
        auto p = m_procs.find(tgid);
        if (p == m_procs.end()) continue;
        Proc& proc = p->second;
        for (auto w = proc.writes.begin(); w != proc.writes.end();) {
            if (w->path != path) {
                ++w;
                continue;
            }
            hash_write(*m_recs.at(proc.rec), *w, hold);
            w = forget ? proc.writes.erase(w) : w + 1;
        }
    }
}

void Tracer::on_open(pid_t tid, Proc& proc, long dirfd, const std::string& raw,
                     std::uint64_t flags) {
    Thread& th = m_threads.at(tid);
    bool tmpfile = (flags & O_TMPFILE) == O_TMPFILE;  // O_TMPFILE includes O_DIRECTORY
    if (tmpfile || (flags & O_PATH) || (flags & O_DIRECTORY) || raw.empty() ||
        is_special_path(raw)) {
        resume(tid);
        return;
    }
    int access_mode = static_cast<int>(flags & O_ACCMODE);
    bool write = access_mode == O_WRONLY || access_mode == O_RDWR || (flags & (O_CREAT | O_TRUNC));
    std::string path = resolve(tid, dirfd, raw);
    if (is_special_path(path) || (write && th.at_notification)) {  // (the filter sends no writes)
        resume(tid);
        return;
    }
    if (write) {
        // The exit stop tells whether the open succeeded (only then was the file written).
        struct stat st;
        th.pending = Pending::OpenWrite;
        th.path = path;
        th.created = (flags & O_CREAT) && lstat(path.c_str(), &st) != 0 && errno == ENOENT;
        settle_live_write(path, tid, false);
        resume(tid, PTRACE_SYSCALL);
        return;
    }
    // A read is recorded here, at the entry: the file is read if it exists as a regular file
    // (failed probes such as a compiler's include-path search are skipped without another stop).
    // A caller at a notification goes on first, unless it must wait for a live writer's hash:
    // its open then runs while the read is recorded.
    bool released = th.at_notification && !m_live_writes.contains(path);
    if (released) resume(tid);
    Rec& rec = *m_recs.at(proc.rec);
    struct stat st;
    if (!rec.read_paths.contains(path) && stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
        rec.read_paths.insert(path);
        settle_live_write(path, tid, false);
        FileEvent f;
        f.op = FileOp::Read;
        f.path = path;
        f.t_ns = monotonic_ns() - m_t0;
        rec.data.files.push_back(std::move(f));
        cache_lookup(key_of(st), path,
                     Waiter{rec.serial, static_cast<int>(rec.data.files.size() - 1)}, rec);
    }
    if (!released) resume(tid);
}

// ---------------------------------------------------------------------------------------------
// Process lifecycle

void Tracer::on_new_task(pid_t parent_tid, int event) {
    unsigned long msg = 0;
    ptrace(PTRACE_GETEVENTMSG, parent_tid, nullptr, &msg);
    pid_t child = static_cast<pid_t>(msg);
    auto pt = m_threads.find(parent_tid);
    if (pt == m_threads.end() || child <= 0) {
        resume(parent_tid);
        return;
    }
    pid_t parent_tgid = pt->second.tgid;
    bool is_thread = event == PTRACE_EVENT_CLONE &&
                     access(fmt::format("/proc/{}/task/{}", parent_tgid, child).c_str(), F_OK) == 0;
    // The options the child got at the fork (resume may give the parent more).
    auto pp = m_procs.find(parent_tgid);
    bool inherited_exit_stop = pp != m_procs.end() && pp->second.exit_stop;
    // Nothing below needs the parent stopped (the child waits at its attach stop, or what it did
    // since is held in m_early_*).
    resume(parent_tid);
    Thread thread;
    thread.tgid = is_thread ? parent_tgid : child;
    if (is_thread)
        if (auto p = m_procs.find(parent_tgid); p != m_procs.end()) {
            ++p->second.threads;
            p->second.had_threads = true;
        }
    if (!is_thread && m_mode == Mode::Recording && m_procs.contains(parent_tgid)) {
        Proc& parent = m_procs.at(parent_tgid);
        Rec& prec = *m_recs.at(parent.rec);
        auto rec = std::make_unique<Rec>();
        rec->serial = m_next_serial++;
        rec->parent = parent.rec;
        rec->pre_exec = true;
        rec->image = prec.image;
        rec->data.pid = child;
        rec->data.via_exec = false;
        rec->data.start_ns = monotonic_ns() - m_t0;
        if (auto early = m_early_running.find(child); early != m_early_running.end())
            rec->data.start_ns = early->second;  // it has run since then
        Proc proc;
        proc.rec = rec->serial;
        proc.parent = parent_tgid;
        proc.exit_stop = inherited_exit_stop;
        proc.cwd = parent.cwd;
        m_procs[child] = std::move(proc);
        m_recs[rec->serial] = std::move(rec);
    }
    bool early = m_early_running.erase(child) > 0;
    m_threads[child] = thread;
    if (auto dead = m_died_early.find(child); dead != m_died_early.end()) {
        auto [status, usage] = dead->second;
        m_died_early.erase(dead);
        on_death(child, status, usage);
    } else if (auto stop = m_early_stops.find(child); stop != m_early_stops.end()) {
        int status = stop->second;
        m_early_stops.erase(stop);
        dispatch(child, status, rusage{});
    } else if (auto note = m_early_notes.find(child); note != m_early_notes.end()) {
        seccomp_notif req = note->second;
        m_early_notes.erase(note);
        on_notification(req);
    } else if (!early) {
        m_threads[child].expect_initial_stop = true;
    } else if (!is_thread) {
        open_exe_link(child);  // while it runs
    }
}

// The attach stop of a task whose parent's fork event has been seen.
void Tracer::on_initial_stop(pid_t tid) {
    Thread& thread = m_threads.at(tid);
    thread.expect_initial_stop = false;
    ptrace(PTRACE_CONT, tid, nullptr, nullptr);
    if (thread.tgid == tid) open_exe_link(tid);  // while it runs
}

void Tracer::open_exe_link(pid_t tid) {
    if (m_mode != Mode::Recording || m_exe_links.size() >= kExeLinks) return;
    int fd = open(fmt::format("/proc/{}/exe", tid).c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) m_exe_links[tid] = fd;
}

void Tracer::forget_exe_link(pid_t tid) {
    if (auto it = m_exe_links.find(tid); it != m_exe_links.end()) {
        close(it->second);
        m_exe_links.erase(it);
    }
}

void Tracer::on_exec(pid_t tid) {
    auto known = m_procs.find(tid);
    if (known == m_procs.end() || known->second.threads > 1) {
        // Possibly a non-leader thread that exec'd: it now has the leader's tid.
        unsigned long former = 0;
        ptrace(PTRACE_GETEVENTMSG, tid, nullptr, &former);
        if (static_cast<pid_t>(former) != tid) {
            m_threads.erase(static_cast<pid_t>(former));
            forget_exe_link(static_cast<pid_t>(former));
        }
        if (known != m_procs.end()) known->second.threads = 1;
    }
    Thread& thread = m_threads[tid];
    thread.tgid = tid;
    thread.pending = Pending::None;
    if (m_mode != Mode::Recording || !m_procs.contains(tid)) {
        resume(tid);
        return;
    }
    std::uint64_t now = monotonic_ns() - m_t0;
    Proc& proc = m_procs.at(tid);
    Rec* old = m_recs.at(proc.rec).get();

    // Read while the new image is stopped, before any of it has run: what it received and what
    // it runs. The record is made after it is let go, while it runs.
    std::string dir = fmt::format("/proc/{}/", tid);
    auto link = m_exe_links.find(tid);
    std::string exe = (link != m_exe_links.end() ? procfs::read_link_fd(link->second)
                                                 : procfs::read_link(dir + "exe"))
                          .value_or("");
    struct stat exe_st;
    bool exe_known = stat((dir + "exe").c_str(), &exe_st) == 0;
    std::string args, environ;
    __ptrace_syscall_info info{};
    bool from_stack = ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof info, &info) > 0 &&
                      info.arch == kNativeArch &&
                      procfs::read_initial_stack(tid, info.stack_pointer, args, environ);
    // CPU so far: the old image's, or a fork child's before this exec (which the new image's
    // record leaves out). /proc counts in clock ticks, and CPU time cannot outrun the time since
    // the fork in a process with one thread: a fork child that execs within a tick has 0.
    static const std::uint64_t tick_ns =
        1000000000ULL / static_cast<std::uint64_t>(std::max(sysconf(_SC_CLK_TCK), 1L));
    bool cpu_is_zero = old->pre_exec && tid != m_root && !proc.had_threads &&
                       now - std::min(now, old->data.start_ns) + tick_ns / 5 < tick_ns;
    std::optional<procfs::ExecStat> stat;
    if (!from_stack || !cpu_is_zero) stat = procfs::exec_stat(tid);
    if (!from_stack) procfs::read_args_env(tid, stat.value_or(procfs::ExecStat{}), args, environ);
    const procfs::CpuTimes cpu = stat ? stat->cpu : procfs::CpuTimes{};

    Rec* rec = old;
    if (!old->pre_exec) {
        // The old image is done writing; files it still holds open stay tracked for the new one.
        std::vector<OpenWrite> still_open = proc.writes;
        release_writes(tid, proc, *old, tid);
        proc.writes = std::move(still_open);
        for (const OpenWrite& w : proc.writes) m_live_writes[w.path].push_back(tid);
        old->data.user_ns = cpu.user_ns - std::min(cpu.user_ns, old->cpu_start.user_ns);
        old->data.system_ns = cpu.system_ns - std::min(cpu.system_ns, old->cpu_start.system_ns);
        end_rec(*old, EndState::Replaced, now);
        auto fresh = std::make_unique<Rec>();
        fresh->serial = m_next_serial++;
        fresh->parent = old->serial;
        fresh->data.pid = tid;
        rec = fresh.get();
        proc.rec = fresh->serial;
        m_recs[fresh->serial] = std::move(fresh);
        maybe_emit(old->serial);
    }
    rec->pre_exec = false;
    rec->data.via_exec = true;
    rec->data.start_ns = now;
    rec->cpu_start = cpu;
    // The executable's hash: looked up (and its file opened, if it is new) while /proc/PID/exe
    // is still this image.
    if (exe_known) cache_lookup(key_of(exe_st), dir + "exe", Waiter{rec->serial, -1}, *rec);
    resume(tid);

    auto image = std::make_shared<Image>();
    image->exe = std::move(exe);
    image->argv = procfs::split_nul(args);
    image->env = env_id(environ);
    image->cwd = cwd_of(tid);  // exec keeps the cwd: the cache (fork copies it) stays valid
    bool start_server =
        environ.starts_with("SCCACHE_START_SERVER=1") ||
        environ.find(std::string_view("\0SCCACHE_START_SERVER=1", 23)) != std::string::npos;
    image->classification = classify(image->argv, image->exe, start_server);
    const Classification& c = image->classification;
    if (c.kind == ToolKind::CacheWrapper && c.tool == "sccache" && c.role) {
        if (*c.role == WrapperRole::Client) ++m_sccache_clients;
        if (*c.role == WrapperRole::Server) ++m_sccache_servers;
    }
    rec->image = std::move(image);
    ensure_emitted(rec->serial);
}

void Tracer::on_exit_event(pid_t tid) {
    auto t = m_threads.find(tid);
    if (m_mode == Mode::Recording && t != m_threads.end() && t->second.tgid == tid &&
        m_procs.contains(tid)) {
        Proc& proc = m_procs.at(tid);
        proc.cpu_at_exit = procfs::cpu_times(tid);
        release_writes(tid, proc, *m_recs.at(proc.rec), tid);
    }
    resume(tid);
}

// Asks for the exit stop of a process that wrote a file. Options belong to a thread: they are
// set on the leader, now if it is the thread at hand, else at the leader's next stop.
void Tracer::want_exit_stop(pid_t tid, Proc& proc) {
    if (proc.exit_stop) return;
    pid_t leader = m_threads.at(tid).tgid;
    if (tid != leader) {
        m_exit_stop_wanted.insert(leader);  // applied by resume() at the leader's next stop
        return;
    }
    m_exit_stop_wanted.erase(leader);
    if (ptrace(PTRACE_SETOPTIONS, tid, nullptr, reinterpret_cast<void*>(kWriterOptions)) == 0)
        proc.exit_stop = true;
}

void Tracer::on_death(pid_t tid, int status, const rusage& usage) {
    auto t = m_threads.find(tid);
    forget_exe_link(tid);
    if (t == m_threads.end() && !m_procs.contains(tid)) {
        m_early_running.erase(tid);
        m_early_stops.erase(tid);
        m_early_notes.erase(tid);
        m_died_early[tid] = {status, usage};  // its parent's fork event is still to come
        return;
    }
    bool leader = t == m_threads.end() || t->second.tgid == tid;
    if (!leader)
        if (auto p = m_procs.find(t->second.tgid); p != m_procs.end()) --p->second.threads;
    if (t != m_threads.end()) m_threads.erase(t);
    if (!leader) return;
    ExitStatus exit;
    if (WIFEXITED(status)) exit.code = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) exit.signal = WTERMSIG(status);
    if (tid == m_root) {
        m_root_done = true;
        m_root_status = exit;
    }
    auto p = m_procs.find(tid);
    if (p == m_procs.end()) return;
    Proc proc = std::move(p->second);
    m_procs.erase(p);
    m_exit_stop_wanted.erase(tid);
    Rec& rec = *m_recs.at(proc.rec);
    release_writes(tid, proc, rec, 0);  // killed without an exit stop: hash what is there
    // CPU of this image: from the exit stop when there was one, else from wait4's rusage
    // (which covers the process and the children it waited for, less those children).
    auto ns = [](const timeval& tv) {
        return static_cast<std::uint64_t>(tv.tv_sec) * 1000000000ULL +
               static_cast<std::uint64_t>(tv.tv_usec) * 1000ULL;
    };
    procfs::CpuTimes total{ns(usage.ru_utime), ns(usage.ru_stime)};
    procfs::CpuTimes own = proc.cpu_at_exit.value_or(
        procfs::CpuTimes{total.user_ns - std::min(total.user_ns, proc.children.user_ns),
                         total.system_ns - std::min(total.system_ns, proc.children.system_ns)});
    rec.data.user_ns = own.user_ns - std::min(own.user_ns, rec.cpu_start.user_ns);
    rec.data.system_ns = own.system_ns - std::min(own.system_ns, rec.cpu_start.system_ns);
    if (auto parent = m_procs.find(proc.parent); parent != m_procs.end()) {
        parent->second.children.user_ns += total.user_ns;
        parent->second.children.system_ns += total.system_ns;
    }
    rec.data.status = exit;
    end_rec(rec, EndState::Exited, monotonic_ns() - m_t0);
    maybe_emit(rec.serial);
}

// ---------------------------------------------------------------------------------------------
// System calls

void Tracer::on_seccomp(pid_t tid) {
    auto t = m_threads.find(tid);
    if (m_mode != Mode::Recording || t == m_threads.end() || !m_procs.contains(t->second.tgid)) {
        resume(tid);
        return;
    }
    __ptrace_syscall_info info{};
    if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof info, &info) <= 0 ||
        info.op != PTRACE_SYSCALL_INFO_SECCOMP || info.arch != kNativeArch) {
        resume(tid);
        return;
    }
    on_call(tid, static_cast<long>(info.seccomp.nr), info.seccomp.args);
}

// A traced system call at its entry, from a ptrace seccomp stop or a user notification.
void Tracer::on_call(pid_t tid, long nr, const std::uint64_t* a) {
    Thread& th = m_threads.at(tid);
    Proc& proc = m_procs.at(th.tgid);
    auto path_arg = [&](std::uint64_t address) {
        return procfs::read_string(tid, address, 8192).value_or("");
    };
    auto as_fd = [](std::uint64_t v) { return static_cast<long>(static_cast<int>(v)); };
    switch (nr) {
#ifdef SYS_open
        case SYS_open:
            return on_open(tid, proc, AT_FDCWD, path_arg(a[0]), a[1]);
#endif
#ifdef SYS_creat
        case SYS_creat:
            return on_open(tid, proc, AT_FDCWD, path_arg(a[0]), O_CREAT | O_WRONLY | O_TRUNC);
#endif
        case SYS_openat:
            return on_open(tid, proc, as_fd(a[0]), path_arg(a[1]), a[2]);
#ifdef SYS_openat2
        case SYS_openat2: {
            std::uint64_t flags = 0;  // struct open_how starts with the flags
            procfs::read_memory(tid, a[2], &flags, sizeof flags);
            return on_open(tid, proc, as_fd(a[0]), path_arg(a[1]), flags);
        }
#endif
        case SYS_chdir:
        case SYS_fchdir:
            proc.cwd.reset();
            break;
        default:
            if (const PathCall* call = find_path_call(nr)) {
                if (call->nr == SYS_unlinkat && (a[2] & AT_REMOVEDIR)) break;  // rmdir
                auto arg_path = [&](int dirfd_arg, int path_arg_index) {
                    long dirfd = dirfd_arg < 0 ? AT_FDCWD : as_fd(a[dirfd_arg]);
                    return resolve(tid, dirfd, path_arg(a[path_arg_index]));
                };
                th.path = arg_path(call->dirfd, call->path);
                th.to = call->to_path >= 0 ? arg_path(call->to_dirfd, call->to_path) : "";
                th.pending = call->op;
            }
            break;
    }
    if (th.pending == Pending::None || is_special_path(th.path) || th.at_notification) {
        th.pending = Pending::None;
        resume(tid);
        return;
    }
    // A file about to be renamed, linked or unlinked is hashed first if a live process is
    // writing it (the temporary file `ar` renames, the `.s` file gcc deletes).
    settle_live_write(th.path, tid, th.pending != Pending::Link);
    resume(tid, PTRACE_SYSCALL);
}

void Tracer::on_syscall_exit(pid_t tid) {
    auto t = m_threads.find(tid);
    if (t == m_threads.end()) {
        resume(tid);
        return;
    }
    Thread& th = t->second;
    Pending what = th.pending;
    th.pending = Pending::None;
    __ptrace_syscall_info info{};
    bool ok = ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof info, &info) > 0 &&
              info.op == PTRACE_SYSCALL_INFO_EXIT && !info.exit.is_error;
    if (!ok || m_mode != Mode::Recording || !m_procs.contains(th.tgid)) {
        resume(tid);
        return;
    }
    Proc& proc = m_procs.at(th.tgid);
    Rec& rec = *m_recs.at(proc.rec);
    auto event = [&](FileOp op) {
        FileEvent f;
        f.op = op;
        f.path = th.path;
        f.to = th.to;
        f.t_ns = monotonic_ns() - m_t0;
        rec.data.files.push_back(std::move(f));
    };
    switch (what) {
        case Pending::OpenWrite: {
            bool known = false;
            for (auto& w : proc.writes) known |= w.path == th.path;
            if (!known) {
                proc.writes.push_back(OpenWrite{th.path, th.created, monotonic_ns() - m_t0});
                m_live_writes[th.path].push_back(th.tgid);
            }
            want_exit_stop(tid, proc);
            break;
        }
        case Pending::Rename:
            event(FileOp::Rename);
            break;
        case Pending::Link:
            event(FileOp::Link);
            break;
        case Pending::Unlink:
            event(FileOp::Unlink);
            break;
        case Pending::Truncate:
            hash_write(rec, OpenWrite{th.path, false, monotonic_ns() - m_t0}, tid);
            break;
        case Pending::None:
            break;
    }
    resume(tid);
}

// ---------------------------------------------------------------------------------------------
// User notifications

// The build's first process installed the filter and sent its listener (or a byte saying it
// has none: an older kernel, or a listener already installed above us).
void Tracer::take_listener() {
    char byte = 0;
    iovec io{&byte, 1};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &io;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = recvmsg(m_listener_sock, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
    if (cmsghdr* c = n > 0 ? CMSG_FIRSTHDR(&msg) : nullptr;
        c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
        std::memcpy(&m_listener, CMSG_DATA(c), sizeof m_listener);
        seccomp_notif_sizes sizes{};
        syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes);
        m_reply_buffer.assign(
            std::max<size_t>(sizes.seccomp_notif_resp, sizeof(seccomp_notif_resp)), 0);
        // Best effort: Linux 6.6 and later.
        ioctl(m_listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP, 0);
        // The new thread must never take the flush alarm (nor SIGCHLD): it starts with every
        // signal blocked and then lets through only its own wake-up signal.
        sigset_t all, previous;
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, &previous);
        m_notifier = std::thread([this] { notifications(); });
        pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    }
    close(m_listener_sock);
    m_listener_sock = -1;
}

// The notification thread: takes each notification (a read-only open, a chdir) and lets the
// caller go once it is recorded. It ends when no task uses the filter any more, or when asked.
void Tracer::notifications() {
    sigset_t kick;
    sigemptyset(&kick);
    sigaddset(&kick, SIGUSR2);
    pthread_sigmask(SIG_UNBLOCK, &kick, nullptr);
    seccomp_notif_sizes sizes{};
    syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes);
    std::vector<char> buffer(std::max<size_t>(sizes.seccomp_notif, sizeof(seccomp_notif)));
    auto* req = reinterpret_cast<seccomp_notif*>(buffer.data());
    while (!m_notifier_stop) {
        std::memset(req, 0, buffer.size());
        if (ioctl(m_listener, SECCOMP_IOCTL_NOTIF_RECV, req) != 0) {
            if (errno == EINTR) continue;  // SIGUSR2: see m_notifier_stop
            if (errno != ENOENT) break;
            // The caller was interrupted before we took it (it restarts the call), or no task
            // uses the filter any more (the listener then reports a hang-up).
            pollfd p{m_listener, POLLIN, 0};
            if (poll(&p, 1, 0) == 1 && (p.revents & POLLHUP) && !(p.revents & POLLIN)) break;
            continue;
        }
        std::lock_guard lock(m_lock);
        ++m_stats.notifications;
        on_notification(*req);
    }
    m_notifier_done = true;
}

void Tracer::on_notification(const seccomp_notif& req) {
    pid_t tid = static_cast<pid_t>(req.pid);
    auto t = m_threads.find(tid);
    if (t == m_threads.end() && m_early_running.contains(tid)) {
        ++m_stats.held_early;
        m_early_notes[tid] = req;  // handled at its parent's fork event
        return;
    }
    if (t == m_threads.end()) {
        Thread unknown;  // not ours to record (the pid is 0 when it is invisible to us)
        unknown.at_notification = true;
        unknown.notification = req.id;
        release(tid, unknown);
        return;
    }
    t->second.at_notification = true;
    t->second.notification = req.id;
    t->second.resume_request = PTRACE_CONT;
    t->second.resume_signal = 0;
    if (m_mode != Mode::Recording || !m_procs.contains(t->second.tgid) ||
        req.data.arch != kNativeArch) {
        resume(tid);
        return;
    }
    std::uint64_t args[6];
    std::copy(std::begin(req.data.args), std::end(req.data.args), args);
    on_call(tid, static_cast<long>(req.data.nr), args);
}

// A read-only open or a chdir waits for the notification thread in an interruptible sleep until
// that thread takes it. A signal arriving first ends the wait with ERESTARTSYS, which a handler
// without SA_RESTART turns into EINTR: an error these calls never give the build unrecorded
// (an open of a regular file is not interruptible). At the signal's delivery stop, such a call
// is marked to be restarted whatever the handler (the kernel's ERESTARTNOINTR): the handler runs,
// then the call is made again, as if the signal had come just after it.
void Tracer::restart_interrupted_call(pid_t tid) {
#if defined(__x86_64__)
    constexpr long kRestartSys = 512, kRestartNoIntr = 513;  // include/linux/errno.h
    user_regs_struct regs;
    if (ptrace(PTRACE_GETREGS, tid, nullptr, &regs) != 0 ||
        static_cast<long>(regs.rax) != -kRestartSys)
        return;
    long nr = static_cast<long>(regs.orig_rax);
    long dirfd = AT_FDCWD;
    std::uint64_t path = 0, flags = 0;
    if (nr == SYS_open) {
        path = regs.rdi;
        flags = regs.rsi;
    } else if (nr == SYS_openat) {
        dirfd = static_cast<int>(regs.rdi);
        path = regs.rsi;
        flags = regs.rdx;
    } else if (nr != SYS_chdir && nr != SYS_fchdir) {
        return;
    }
    if (path) {
        if (flags & (O_ACCMODE | O_CREAT | O_TRUNC)) return;  // a ptrace stop, not a notification
        // A FIFO or a device can interrupt an open by itself: that EINTR is the build's own.
        std::string name = resolve(tid, dirfd, procfs::read_string(tid, path, 8192).value_or(""));
        struct stat st;
        if (stat(name.c_str(), &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) return;
    }
    regs.rax = static_cast<unsigned long long>(-kRestartNoIntr);
    ptrace(PTRACE_SETREGS, tid, nullptr, &regs);
#else
    (void)tid;  // the listener is used on x86_64 only (install_seccomp_filter)
#endif
}

// Ends the notification thread at run's end (every traced task is gone). Its ioctl returns by
// itself when the filter loses its last task; SIGUSR2 interrupts it where that is not so.
void Tracer::stop_notifications() {
    if (!m_notifier.joinable()) return;
    m_notifier_stop = true;
    for (int i = 0; i < 1000 && !m_notifier_done; ++i) {
        pthread_kill(m_notifier.native_handle(), SIGUSR2);
        usleep(1000);
    }
    if (m_notifier_done)
        m_notifier.join();
    else
        m_notifier.detach();
}

// ---------------------------------------------------------------------------------------------
// The loop

void Tracer::handle(pid_t tid, int status, const rusage& usage) {
    if (WIFSTOPPED(status)) {
        int sig = WSTOPSIG(status);
        int event = status >> 16;
        ++(sig == (SIGTRAP | 0x80)         ? m_stats.stops_syscall_exit
           : event == PTRACE_EVENT_SECCOMP ? m_stats.stops_seccomp
           : event != 0                    ? m_stats.stops_event
                                           : m_stats.stops_signal);
    }
    dispatch(tid, status, usage);
}

void Tracer::dispatch(pid_t tid, int status, const rusage& usage) {
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
        on_death(tid, status, usage);
        return;
    }
    if (!WIFSTOPPED(status)) return;
    int sig = WSTOPSIG(status);
    int event = status >> 16;
    if (auto t = m_threads.find(tid); t != m_threads.end()) t->second.at_notification = false;
    if (sig == (SIGTRAP | 0x80)) {
        on_syscall_exit(tid);
        return;
    }
    if (!m_threads.contains(tid)) {
        if (event == PTRACE_EVENT_STOP && !m_early_running.contains(tid) &&
            !m_early_stops.contains(tid)) {
            // A new task's attach stop before its parent's fork event: nothing is needed of it
            // until it does something, so it goes on now.
            m_early_running[tid] = monotonic_ns() - m_t0;
            ++m_stats.early_starts;
            ptrace(PTRACE_CONT, tid, nullptr, nullptr);
        } else {
            ++m_stats.held_early;
            m_early_stops[tid] = status;  // no longer waiting in a notification, if it was
            m_early_notes.erase(tid);
        }
        return;
    }
    switch (event) {
        case PTRACE_EVENT_FORK:
        case PTRACE_EVENT_VFORK:
        case PTRACE_EVENT_CLONE:
            on_new_task(tid, event);
            return;
        case PTRACE_EVENT_EXEC:
            on_exec(tid);
            return;
        case PTRACE_EVENT_EXIT:
            on_exit_event(tid);
            return;
        case PTRACE_EVENT_SECCOMP:
            on_seccomp(tid);
            return;
        case PTRACE_EVENT_STOP: {
            auto it = m_threads.find(tid);
            if (it->second.expect_initial_stop) {
                on_initial_stop(tid);
            } else if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU) {
                ptrace(PTRACE_LISTEN, tid, nullptr, nullptr);  // group-stop: stay stopped
            } else {
                resume(tid);
            }
            return;
        }
        default:
            break;
    }
    // Signal-delivery stop: deliver the signal unchanged.
    if (m_listener >= 0) restart_interrupted_call(tid);
    resume(tid, PTRACE_CONT, sig == SIGTRAP && event ? 0 : sig);
}

// Records reach the file within 50 ms: a one-shot SIGALRM interrupts a blocking wait4, so a
// recorder killed while the build is quiet has still written everything up to then.
void Tracer::flush_soon() {
    if (!m_writer.has_pending()) return;
    if (!m_flush_armed) {
        itimerval t{};
        t.it_value.tv_usec = 50000;
        setitimer(ITIMER_REAL, &t, nullptr);
        m_flush_armed = true;
        m_flush_due = monotonic_ns() + 50000000ULL;
        return;
    }
    if (monotonic_ns() >= m_flush_due) {
        m_writer.flush();
        m_flush_armed = false;
    }
}

void Tracer::finish() {
    std::uint64_t now = monotonic_ns() - m_t0;
    Recording trailer;
    // Processes that outlived the build's root process: named, ended as "running".
    std::vector<std::uint64_t> live;
    for (auto& [tgid, proc] : m_procs) live.push_back(proc.rec);
    std::sort(live.begin(), live.end());
    std::string lingering_names;
    for (auto& [tgid, proc] : m_procs) {
        // What a still-running process has written so far: hashed here, as it is now (the
        // hashing thread is idle at this point and nothing waits on the tracer).
        Rec& rec = *m_recs.at(proc.rec);
        for (const OpenWrite& w : proc.writes) {
            int fd = open(w.path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
            auto hash = fd >= 0 ? hash_fd(fd) : std::nullopt;
            if (fd >= 0) close(fd);
            FileEvent& f = rec.data.files[static_cast<size_t>(write_event(rec, w, !hash))];
            if (hash) {
                f.hash = hash->hash.hex();
                f.size = hash->size;
            }
        }
    }
    for (std::uint64_t serial : live) {
        Rec& rec = *m_recs.at(serial);
        int id = ensure_emitted(serial);
        if (!lingering_names.empty()) lingering_names += ", ";
        lingering_names += fmt::format("pid {} ({})", rec.data.pid, rec.image->classification.tool);
        if (rec.image->classification.role == WrapperRole::Server) lingering_names += " server";
        trailer.lingering.push_back(id);
        end_rec(rec, EndState::Running, now);
        rec.pending = 0;
        maybe_emit(serial);
    }
    if (m_sccache_clients > 0 && m_sccache_servers == 0) {
        Warning w{"sccache-server-outside-recording",
                  fmt::format("{} sccache client call{} ran but no sccache server was started "
                              "inside the recording: an sccache server started earlier served "
                              "{}, so the real compiles are not recorded. Stop that server "
                              "(`sccache --stop-server`) or give the build a private port "
                              "(SCCACHE_SERVER_PORT) and record again.",
                              m_sccache_clients, m_sccache_clients == 1 ? "" : "s",
                              m_sccache_clients == 1 ? "it" : "them")};
        m_writer.warning(w);
        message('W', w.message);
    }
    if (!lingering_names.empty())
        message('W',
                fmt::format("{} process{} outlived the build and {} left running, not "
                            "waited for: {}",
                            trailer.lingering.size(), trailer.lingering.size() == 1 ? "" : "es",
                            trailer.lingering.size() == 1 ? "was" : "were", lingering_names));
    trailer.root_status = m_root_status;
    trailer.recorder_stats = {{"stops_seccomp", m_stats.stops_seccomp},
                              {"stops_syscall_exit", m_stats.stops_syscall_exit},
                              {"stops_event", m_stats.stops_event},
                              {"stops_signal", m_stats.stops_signal},
                              {"notifications", m_stats.notifications},
                              {"early_starts", m_stats.early_starts},
                              {"held_early", m_stats.held_early},
                              {"hashed_reads", m_stats.hashed_reads},
                              {"hashed_writes", m_stats.hashed_writes}};
    if (auto cpu = procfs::cpu_times(getpid())) {
        trailer.recorder_stats["cpu_user_ms"] = cpu->user_ns / 1000000;
        trailer.recorder_stats["cpu_system_ms"] = cpu->system_ns / 1000000;
    }
    if (auto status = procfs::read_file("/proc/self/status")) {
        auto pos = status->find("VmHWM:");
        if (pos != std::string::npos)
            trailer.recorder_peak_rss_kb = std::strtoull(status->c_str() + pos + 6, nullptr, 10);
    }
    trailer.duration_ns = now;
    m_writer.trailer(trailer, static_cast<size_t>(m_next_id));
    bool ok = m_writer.flush();
    if (ok && fsync(m_config.output_fd) != 0 && errno != EINVAL) ok = false;
    close(m_config.output_fd);
    if (!ok) message('E', fmt::format("cannot write the recording: {}", std::strerror(errno)));
    prctl(PR_SET_PDEATHSIG, 0);
    message('D', fmt::format("{} {}", m_next_id, m_writer.bytes_written()));
    close(m_status_fd);
    m_mode = Mode::Shepherd;
    // From here on the remaining tracees are only kept running; nothing is recorded.
    m_procs.clear();
    for (auto& [tid, fd] : m_exe_links) close(fd);
    m_exe_links.clear();
}

int Tracer::run(int go_fd) {
    if (ptrace(PTRACE_SEIZE, m_root, nullptr, reinterpret_cast<void*>(kPtraceOptions)) != 0) {
        message('E', fmt::format("cannot trace the build: ptrace: {}{}", std::strerror(errno),
                                 errno == EPERM ? " (is ptrace allowed here? containers need "
                                                  "CAP_SYS_PTRACE or seccomp=unconfined)"
                                                : ""));
        return 1;
    }
    // The root process: its record starts as a pre-exec fork that exec's the build command.
    auto root_rec = std::make_unique<Rec>();
    root_rec->serial = m_next_serial++;
    root_rec->pre_exec = true;
    auto image = std::make_shared<Image>();
    image->argv = m_config.header.command;
    image->cwd = m_config.header.cwd;
    root_rec->image = image;
    root_rec->data.pid = m_root;
    root_rec->data.via_exec = false;
    m_procs[m_root].rec = root_rec->serial;
    m_procs[m_root].cwd = m_config.header.cwd;
    m_recs[root_rec->serial] = std::move(root_rec);
    m_threads[m_root].tgid = m_root;
    open_exe_link(m_root);

    m_writer.header(m_config.header);
    m_writer.flush();

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    char go = 'g';
    if (write(go_fd, &go, 1) != 1) return 1;
    close(go_fd);

    pollfd fds[2] = {{sfd, POLLIN, 0}, {m_hasher.event_fd(), POLLIN, 0}};
    m_listener_sock = m_config.listener_sock;
    std::unique_lock lock(m_lock);  // let go of only while blocked
    for (;;) {
        if (m_listener_sock >= 0) take_listener();
        // With no hash job outstanding only a tracee can need us: block in waitpid, one system
        // call per stop. While jobs are outstanding, poll the SIGCHLD signalfd and the hasher's
        // eventfd, and drain waitpid without blocking.
        bool blocking = m_hasher.pending() == 0 && !(m_mode == Mode::Recording && m_root_done) &&
                        !(m_mode == Mode::Shepherd && tracing_nothing());
        if (blocking) {
            int status;
            rusage usage;
            lock.unlock();
            pid_t tid = wait4(-1, &status, __WALL, &usage);  // EINTR: the flush alarm
            lock.lock();
            if (tid > 0) handle(tid, status, usage);
            if (tid < 0 && errno == ECHILD)
                m_threads.clear(), m_early_stops.clear(), m_early_running.clear(),
                    m_early_notes.clear();
        } else {
            for (;;) {
                int status;
                rusage usage;
                pid_t tid = wait4(-1, &status, __WALL | WNOHANG, &usage);
                if (tid <= 0) break;
                handle(tid, status, usage);
            }
        }
        complete_jobs();
        if (m_mode == Mode::Recording && m_root_done && m_hasher.pending() == 0) finish();
        if (m_mode == Mode::Shepherd && tracing_nothing()) break;
        if (m_mode == Mode::Recording) flush_soon();
        if (blocking || m_hasher.pending() == 0) continue;
        lock.unlock();
        int polled = poll(fds, 2, 1000);
        lock.lock();
        if (polled < 0 && errno != EINTR) break;
        signalfd_siginfo si;
        while (read(sfd, &si, sizeof si) > 0) {
        }
    }
    lock.unlock();
    close(sfd);
    stop_notifications();
    return 0;
}

}  // namespace

int run_tracer(const TracerConfig& config, pid_t root, int go_fd, int status_fd) {
    // SIGCHLD is read through a signalfd: it must be blocked before the hashing thread starts,
    // or that thread would take (and discard) it.
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGALRM);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, nullptr);
    // SIGALRM (the flush timer) must interrupt the main thread's wait4: a handler without
    // SA_RESTART, unblocked in this thread only, after the hashing thread has started.
    struct sigaction sa {};
    sa.sa_handler = [](int) {};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, nullptr);
    sigaction(SIGUSR2, &sa, nullptr);  // wakes the notification thread (stop_notifications)
    Tracer tracer(config, root, status_fd);
    sigset_t alarm_only;
    sigemptyset(&alarm_only);
    sigaddset(&alarm_only, SIGALRM);
    pthread_sigmask(SIG_UNBLOCK, &alarm_only, nullptr);
    return tracer.run(go_fd);
}

namespace {

#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
#ifndef SECCOMP_FILTER_FLAG_SPEC_ALLOW
#define SECCOMP_FILTER_FLAG_SPEC_ALLOW (1UL << 2)
#endif

// The filter. With `notify`, the calls that need nothing but a look at their arguments go to
// the user-notification listener instead of a ptrace stop: opens for reading only (no write
// access, no O_CREAT, no O_TRUNC) and chdir. Everything else of the traced set stops under
// ptrace. The rules of the two actions never overlap: a read-only open matches
// (flags & (O_ACCMODE|O_CREAT|O_TRUNC)) == 0, a traced one has one of those bits.
scmp_filter_ctx build_filter(bool notify) {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx) return nullptr;
    seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ALLOW);
    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
    // Kernels that force the speculative store bypass mitigation on seccomp-filtered tasks would
    // slow the build down (and change what it observes): opt out, as the build had no filter.
    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_SSB, 1);
    const std::uint32_t trace = SCMP_ACT_TRACE(0);
    const std::uint32_t look = notify ? SCMP_ACT_NOTIFY : trace;
    int rc = 0;
    auto add = [&](std::uint32_t action, long nr, std::vector<scmp_arg_cmp> cmp) {
        if (rc == 0)
            rc = seccomp_rule_add_array(ctx, action, static_cast<int>(nr),
                                        static_cast<unsigned>(cmp.size()), cmp.data());
    };
    auto open_rules = [&](long nr, unsigned flags_arg) {
        if (!notify) return add(trace, nr, {});
        auto masked = [&](std::uint64_t mask, std::uint64_t value) {
            return scmp_arg_cmp{flags_arg, SCMP_CMP_MASKED_EQ, mask, value};
        };
        add(look, nr, {masked(O_ACCMODE | O_CREAT | O_TRUNC, 0)});
        for (std::uint64_t mode : {1, 2, 3}) add(trace, nr, {masked(O_ACCMODE, mode)});
        add(trace, nr, {masked(O_CREAT, O_CREAT)});
        add(trace, nr, {masked(O_TRUNC, O_TRUNC)});
    };
#ifdef SYS_open
    open_rules(SYS_open, 1);
#endif
    open_rules(SYS_openat, 2);
#ifdef SYS_creat
    add(trace, SYS_creat, {});
#endif
    add(trace, SYS_openat2, {});  // the flags are behind a pointer
    add(look, SYS_chdir, {});
    add(look, SYS_fchdir, {});
    for (const PathCall& call : kPathCalls) add(trace, call.nr, {});
    if (rc != 0) {
        seccomp_release(ctx);
        return nullptr;
    }
    return ctx;
}

// Loads a filter with a listener: libseccomp (2.5) cannot ask for WAIT_KILLABLE_RECV, so its
// program is exported and loaded here. Returns the listener or -errno.
int load_with_listener(scmp_filter_ctx ctx) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return -errno;
    int rc = seccomp_export_bpf(ctx, p[1]);
    close(p[1]);
    std::vector<sock_filter> program;
    if (rc == 0) {
        std::string bytes;
        char buf[4096];
        ssize_t n;
        while ((n = read(p[0], buf, sizeof buf)) > 0) bytes.append(buf, static_cast<size_t>(n));
        program.resize(bytes.size() / sizeof(sock_filter));
        if (program.empty() || bytes.size() % sizeof(sock_filter) != 0)
            rc = -EINVAL;
        else
            std::memcpy(program.data(), bytes.data(), bytes.size());
    }
    close(p[0]);
    if (rc != 0) return rc;
    sock_fprog prog{static_cast<unsigned short>(program.size()), program.data()};
    // After the listener has taken a notification, only a fatal signal may interrupt the call
    // (WAIT_KILLABLE_RECV, Linux 5.19): a build's own signal never turns an open into EINTR.
    unsigned long flags = SECCOMP_FILTER_FLAG_NEW_LISTENER |
                          SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV | SECCOMP_FILTER_FLAG_SPEC_ALLOW;
    long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
    if (fd < 0 && errno == EACCES) {
        // Unprivileged: the kernel requires no_new_privs for a seccomp filter.
        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
    }
    return fd < 0 ? -errno : static_cast<int>(fd);
}

void send_listener(int sock, int listener) {
    char byte = listener >= 0 ? 'L' : 'N';
    iovec io{&byte, 1};
    msghdr msg{};
    msg.msg_iov = &io;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    if (listener >= 0) {
        msg.msg_control = control;
        msg.msg_controllen = sizeof control;
        cmsghdr* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(c), &listener, sizeof listener);
    }
    while (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 && errno == EINTR) {
    }
}

}  // namespace

int install_seccomp_filter(int listener_sock) {
    // The listener's file descriptor is O_CLOEXEC: it goes to the tracer through the socket,
    // and the build never sees it. x86_64 only: elsewhere the tracer cannot make an interrupted
    // call restart (restart_interrupted_call), so every call stops under ptrace there.
    bool notify = listener_sock >= 0;
#if !defined(__x86_64__)
    notify = false;
#endif
    if (notify) {
        if (scmp_filter_ctx ctx = build_filter(true)) {
            int listener = load_with_listener(ctx);
            seccomp_release(ctx);
            if (listener >= 0) {
                send_listener(listener_sock, listener);
                close(listener);
                return 0;
            }
            // EINVAL: a kernel without user notification or WAIT_KILLABLE_RECV (before 5.19);
            // EBUSY: a filter with a listener is already installed. ptrace stops only, then.
            if (listener != -EINVAL && listener != -EBUSY) return -listener;
        }
        send_listener(listener_sock, -1);
    }
    scmp_filter_ctx ctx = build_filter(false);
    if (!ctx) return ENOMEM;
    int rc = seccomp_load(ctx);
    if (rc == -EACCES) {
        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        rc = seccomp_load(ctx);
    }
    seccomp_release(ctx);
    return rc < 0 ? -rc : rc;
}

}  // namespace buildiff
