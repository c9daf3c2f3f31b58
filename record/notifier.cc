// The seccomp user-notification listener: read-only opens and chdir, answered by a thread.
#include "record/tracer_state.h"

namespace buildiff::tracer_detail {

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

}  // namespace buildiff::tracer_detail
