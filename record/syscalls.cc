// The traced system calls: where a path leads, opens, renames, links, unlinks and truncates at
// their entry and exit.
#include "record/tracer_state.h"

namespace buildiff::tracer_detail {

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
    Rec& rec = m_records.at(proc.rec);
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
    Rec& rec = m_records.at(proc.rec);
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

}  // namespace buildiff::tracer_detail
