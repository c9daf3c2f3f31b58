// The tracer's side of hashing (the hashes themselves: file_hashes.h): a read file's hash and a
// written file's, into the events that wait for them; written files hashed when their writer lets
// go of them or someone else is about to use them.
#include "record/tracer_state.h"

namespace buildiff::tracer_detail {

// ---------------------------------------------------------------------------------------------
// Hashing

void Tracer::cache_lookup(const FileKey& key, const std::string& open_path, Waiter waiter,
                          Rec& rec) {
    std::optional<FileHash> known;
    switch (m_hashes.lookup(key, open_path, waiter, known)) {
        case FileHashes::Lookup::Known:
            fill(waiter, known);
            return;
        case FileHashes::Lookup::Hashing:
            ++m_stats.hashed_reads;
            [[fallthrough]];
        case FileHashes::Lookup::Waiting:
            ++rec.pending;
            return;
    }
}

void Tracer::fill(const Waiter& w, const std::optional<FileHash>& value) {
    Rec* rec = m_records.find(w.rec);
    if (!rec) return;
    ProcessRecord& d = rec->data;
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

// Each finished hash into the events that wait for it (a record whose last one it was is
// emitted), and a thread held for the job let go.
void Tracer::complete_jobs() {
    for (const FileHashes::Finished& done : m_hashes.take_finished()) {
        for (const Waiter& w : done.waiters) {
            fill(w, done.value);
            if (Rec* r = m_records.find(w.rec)) {
                --r->pending;
                m_records.maybe_emit(w.rec);
            }
        }
        if (done.hold) {
            auto t = m_threads.find(done.hold);
            if (t != m_threads.end() && --t->second.holds == 0 && t->second.held) {
                t->second.held = false;
                release(done.hold, t->second);
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
    m_hashes.hash_written(hfd, Waiter{rec.serial, index}, t != m_threads.end() ? hold : 0);
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
            hash_write(m_records.at(proc.rec), *w, hold);
            w = forget ? proc.writes.erase(w) : w + 1;
        }
    }
}

}  // namespace buildiff::tracer_detail
