// The tracer's event loop. Process lifecycle comes from ptrace events (fork, clone, exec, exit);
// file activity from a seccomp filter on a handful of system calls: opens for reading and chdir
// reach a user-notification listener answered by a thread of ours (much cheaper than a stop),
// opens for writing, rename, link, unlink and truncate stop under ptrace; content hashes come
// from a separate thread (record/hasher.h). A written file is
// hashed when it matters downstream: when its writer exits or execs (held at that stop), or
// when another process opens, renames or unlinks it (held at that call's entry). close and dup
// are not trapped: most opens are reads, and a stop per close would double the cost.
#include "record/tracer.h"

#include "record/tracer_state.h"

namespace buildiff {

namespace tracer_detail {

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
        Rec& prec = m_records.at(parent.rec);
        Rec* rec = &m_records.add(std::make_unique<Rec>());
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
    Rec* old = &m_records.at(proc.rec);

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

    Rec* rec = old->pre_exec ? old : next_image_rec(tid, proc, *old, cpu, now);
    rec->pre_exec = false;
    rec->data.via_exec = true;
    rec->data.start_ns = now;
    rec->cpu_start = cpu;
    // The executable's hash: looked up (and its file opened, if it is new) while /proc/PID/exe
    // is still this image.
    if (exe_known) cache_lookup(key_of(exe_st), dir + "exe", Waiter{rec->serial, -1}, *rec);
    resume(tid);

    rec->image = make_image(tid, std::move(exe), args, environ);
    m_records.ensure_emitted(rec->serial);
}

// The old image of a process that execs again is done writing: its record ends (replaced), and
// the new image gets a record of its own. Files it still holds open stay tracked for the new one.
Rec* Tracer::next_image_rec(pid_t tid, Proc& proc, Rec& old, const procfs::CpuTimes& cpu,
                            std::uint64_t now) {
    std::vector<OpenWrite> still_open = proc.writes;
    release_writes(tid, proc, old, tid);
    proc.writes = std::move(still_open);
    for (const OpenWrite& w : proc.writes) m_live_writes[w.path].push_back(tid);
    old.data.user_ns = cpu.user_ns - std::min(cpu.user_ns, old.cpu_start.user_ns);
    old.data.system_ns = cpu.system_ns - std::min(cpu.system_ns, old.cpu_start.system_ns);
    m_records.end(old, EndState::Replaced, now);
    Rec* rec = &m_records.add(std::make_unique<Rec>());
    rec->parent = old.serial;
    rec->data.pid = tid;
    proc.rec = rec->serial;
    m_records.maybe_emit(old.serial);
    return rec;
}

// What the new image is: its executable, arguments, environment (stored once), cwd and
// classification; sccache's clients and servers are counted.
std::shared_ptr<const Image> Tracer::make_image(pid_t tid, std::string exe, const std::string& args,
                                                const std::string& environ) {
    auto image = std::make_shared<Image>();
    image->exe = std::move(exe);
    image->argv = procfs::split_nul(args);
    image->env = m_envs.id(environ);
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
    return image;
}

void Tracer::on_exit_event(pid_t tid) {
    auto t = m_threads.find(tid);
    if (m_mode == Mode::Recording && t != m_threads.end() && t->second.tgid == tid &&
        m_procs.contains(tid)) {
        Proc& proc = m_procs.at(tid);
        proc.cpu_at_exit = procfs::cpu_times(tid);
        release_writes(tid, proc, m_records.at(proc.rec), tid);
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
    Rec& rec = m_records.at(proc.rec);
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
    m_records.end(rec, EndState::Exited, monotonic_ns() - m_t0);
    m_records.maybe_emit(rec.serial);
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

// The root process: its record starts as a pre-exec fork that exec's the build command.
void Tracer::adopt_root() {
    Rec* root_rec = &m_records.add(std::make_unique<Rec>());
    root_rec->pre_exec = true;
    auto image = std::make_shared<Image>();
    image->argv = m_config.header.command;
    image->cwd = m_config.header.cwd;
    root_rec->image = image;
    root_rec->data.pid = m_root;
    root_rec->data.via_exec = false;
    m_procs[m_root].rec = root_rec->serial;
    m_procs[m_root].cwd = m_config.header.cwd;
    m_threads[m_root].tgid = m_root;
    open_exe_link(m_root);
}

int Tracer::run(int go_fd) {
    if (ptrace(PTRACE_SEIZE, m_root, nullptr, reinterpret_cast<void*>(kPtraceOptions)) != 0) {
        message('E', fmt::format("cannot trace the build: ptrace: {}{}", std::strerror(errno),
                                 errno == EPERM ? " (is ptrace allowed here? containers need "
                                                  "CAP_SYS_PTRACE or seccomp=unconfined)"
                                                : ""));
        return 1;
    }
    adopt_root();
    m_writer.header(m_config.header);
    m_writer.flush();

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    char go = 'g';
    if (write(go_fd, &go, 1) != 1) return 1;
    close(go_fd);

    pollfd fds[2] = {{sfd, POLLIN, 0}, {m_hashes.event_fd(), POLLIN, 0}};
    m_listener_sock = m_config.listener_sock;
    std::unique_lock lock(m_lock);  // let go of only while blocked
    for (;;) {
        if (m_listener_sock >= 0) take_listener();
        // With no hash job outstanding only a tracee can need us: block in waitpid, one system
        // call per stop. While jobs are outstanding, poll the SIGCHLD signalfd and the hasher's
        // eventfd, and drain waitpid without blocking.
        bool blocking = m_hashes.pending() == 0 && !(m_mode == Mode::Recording && m_root_done) &&
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
        if (m_mode == Mode::Recording && m_root_done && m_hashes.pending() == 0) finish();
        if (m_mode == Mode::Shepherd && tracing_nothing()) break;
        if (m_mode == Mode::Recording) flush_soon();
        if (blocking || m_hashes.pending() == 0) continue;
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

}  // namespace tracer_detail

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
    tracer_detail::Tracer tracer(config, root, status_fd);
    sigset_t alarm_only;
    sigemptyset(&alarm_only);
    sigaddset(&alarm_only, SIGALRM);
    pthread_sigmask(SIG_UNBLOCK, &alarm_only, nullptr);
    return tracer.run(go_fd);
}

}  // namespace buildiff
