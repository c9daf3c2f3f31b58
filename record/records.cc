// The records of a recording (see records.h).
#include "record/records.h"

namespace buildiff {

Rec& Records::add(std::unique_ptr<Rec> rec) {
    rec->serial = m_next_serial++;
    Rec& out = *rec;
    m_recs[out.serial] = std::move(rec);
    return out;
}

Rec* Records::find(std::uint64_t serial) {
    auto it = m_recs.find(serial);
    return it == m_recs.end() ? nullptr : it->second.get();
}

int Records::ensure_emitted(std::uint64_t serial) {
    if (serial == 0) return -1;
    if (auto it = m_emitted.find(serial); it != m_emitted.end()) return it->second;
    Rec& rec = at(serial);
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

void Records::end(Rec& rec, EndState state, std::uint64_t now) {
    rec.ended = true;
    rec.data.end_state = state;
    rec.data.end_ns = now;
}

void Records::maybe_emit(std::uint64_t serial) {
    auto it = m_recs.find(serial);
    if (it == m_recs.end()) return;
    Rec& rec = *it->second;
    if (!rec.ended || rec.pending > 0) return;
    int id = ensure_emitted(serial);
    m_writer.end(rec.data);
    m_emitted[serial] = id;
    m_recs.erase(it);
}

}  // namespace buildiff
