// The environments of a recording, each stored once: a process's raw environ (NUL-separated, as
// /proc or its initial stack gives it) becomes an id, written to the recording the first time it
// is seen, with secret-looking values redacted. No ptrace here: unit-tested on its own.
#pragma once

#include <string>
#include <unordered_map>

#include "recording/recording.h"
#include "recording/redact.h"

namespace buildiff {

class EnvStore {
  public:
    EnvStore(RecordingWriter& writer, const Redactor& redactor, bool redact)
        : m_writer(writer), m_redactor(redactor), m_redact(redact) {}
    // The id of RAW_ENVIRON's environment, writing it first when it is new.
    int id(const std::string& raw_environ);
    size_t size() const { return m_ids.size(); }

  private:
    RecordingWriter& m_writer;
    const Redactor& m_redactor;
    bool m_redact;
    std::unordered_map<std::string, int> m_ids;  // content hash -> env id
};

}  // namespace buildiff
