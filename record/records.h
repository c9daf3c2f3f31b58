// The records of a recording, as the tracer keeps them: one per exec'd image (or fork that never
// exec'd), held until it has ended and every hash it waits for is in, then written. A record is
// written only after its parent, so every parent id in the recording comes before its child; ids
// are given in the order records are written. No ptrace here: unit-tested on its own.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "record/procfs.h"
#include "recording/recording.h"
#include "toolchain/classify.h"

namespace buildiff {

// What a process runs: shared by a fork child with its parent until it execs.
struct Image {
    std::string exe;
    std::vector<std::string> argv;
    int env = -1;
    std::string cwd;
    Classification classification;
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
    int pending = 0;  // hashes it waits for
    bool ended = false;
};

class Records {
  public:
    explicit Records(RecordingWriter& writer) : m_writer(writer) {}
    // Keeps REC under a new serial, which it returns in it.
    Rec& add(std::unique_ptr<Rec> rec);
    Rec& at(std::uint64_t serial) { return *m_recs.at(serial); }
    Rec* find(std::uint64_t serial);  // null once written and let go
    // Writes the record's process (its parent's first), once: its id.
    int ensure_emitted(std::uint64_t serial);
    void end(Rec& rec, EndState state, std::uint64_t now);
    // Writes the record's end and lets it go, when it has ended and waits for no hash.
    void maybe_emit(std::uint64_t serial);
    int written() const { return m_next_id; }  // processes written so far

  private:
    RecordingWriter& m_writer;
    std::map<std::uint64_t, std::unique_ptr<Rec>> m_recs;
    std::unordered_map<std::uint64_t, int> m_emitted;  // serial -> record id, once let go
    std::uint64_t m_next_serial = 1;
    int m_next_id = 0;
};

}  // namespace buildiff
