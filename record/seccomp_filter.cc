// The seccomp filter the build's first process installs, and the listener it sends the tracer.
#include "record/tracer_state.h"

namespace buildiff {

namespace {

using namespace tracer_detail;

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
