// The messages to the front process and the end of the recording: processes that outlived the
// build, the recorder's own costs, the trailer (records themselves: records.cc).
#include "record/tracer_state.h"

namespace buildiff::tracer_detail {

void Tracer::message(char kind, const std::string& text) {
    std::string line = fmt::format("{} {}\n", kind, text);
    [[maybe_unused]] ssize_t n = write(m_status_fd, line.data(), line.size());
}

// Processes that outlived the build's root process: what they have written so far is hashed as
// it is now (the hashing thread is idle at this point and nothing waits on the tracer), and
// they end as "running". Returns their names for the warning.
std::string Tracer::end_lingering(Recording& trailer, std::uint64_t now) {
    std::vector<std::uint64_t> live;
    for (auto& [tgid, proc] : m_procs) live.push_back(proc.rec);
    std::sort(live.begin(), live.end());
    for (auto& [tgid, proc] : m_procs) {
        Rec& rec = m_records.at(proc.rec);
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
    std::string names;
    for (std::uint64_t serial : live) {
        Rec& rec = m_records.at(serial);
        int id = m_records.ensure_emitted(serial);
        if (!names.empty()) names += ", ";
        names += fmt::format("pid {} ({})", rec.data.pid, rec.image->classification.tool);
        if (rec.image->classification.role == WrapperRole::Server) names += " server";
        trailer.lingering.push_back(id);
        m_records.end(rec, EndState::Running, now);
        rec.pending = 0;
        m_records.maybe_emit(serial);
    }
    return names;
}

// What the recorder itself did and cost, for the trailer.
void Tracer::fill_recorder_stats(Recording& trailer) const {
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
}

// The end of the recording: lingering processes, warnings, the trailer, then shepherding only.
void Tracer::finish() {
    std::uint64_t now = monotonic_ns() - m_t0;
    Recording trailer;
    std::string lingering_names = end_lingering(trailer, now);
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
    fill_recorder_stats(trailer);
    trailer.duration_ns = now;
    m_writer.trailer(trailer, static_cast<size_t>(m_records.written()));
    bool ok = m_writer.flush();
    if (ok && fsync(m_config.output_fd) != 0 && errno != EINVAL) ok = false;
    close(m_config.output_fd);
    if (!ok) message('E', fmt::format("cannot write the recording: {}", std::strerror(errno)));
    prctl(PR_SET_PDEATHSIG, 0);
    message('D', fmt::format("{} {}", m_records.written(), m_writer.bytes_written()));
    close(m_status_fd);
    m_mode = Mode::Shepherd;
    // From here on the remaining tracees are only kept running; nothing is recorded.
    m_procs.clear();
    for (auto& [tid, fd] : m_exe_links) close(fd);
    m_exe_links.clear();
}

}  // namespace buildiff::tracer_detail
