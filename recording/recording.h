// The recording: a versioned JSON Lines file (docs/recording-format.md) and its in-memory model.
#pragma once

#include <cstdint>
#include <istream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/interned.h"
#include "base/result.h"
#include "toolchain/classify.h"

namespace buildiff {

inline constexpr std::string_view kRecordingFormat = "buildiff.recording";
// The version `buildiff record` writes (2: strings and file versions interned, the stream
// compressed with zstd); the reader reads every version from kOldestRecordingVersion.
inline constexpr int kRecordingVersion = 2;
inline constexpr int kOldestRecordingVersion = 1;

enum class FileOp : std::uint8_t { Read, Write, Rename, Link, Unlink };
std::string_view file_op_name(FileOp op);

// Paths and hashes are interned (base/interned.h): a header that every compile reads is one
// string, and an event holds no allocation of its own.
// (32 bytes: a build whose compiles each read hundreds of headers holds millions of them.)
struct FileEvent {
    FileOp op = FileOp::Read;
    bool created = false;  // write: the file did not exist before
    bool deleted = false;  // write: the file was already unlinked when the writer let go of it
    Interned path{};
    Interned to{};    // rename and link: the new name
    Interned hash{};  // XXH3-128 hex; empty when the content could not be hashed
    std::uint64_t size = 0;
    std::uint64_t t_ns = 0;  // when: the open (read), the writer letting go (write), the call
};

using EnvVars = std::vector<std::pair<std::string, std::string>>;

struct ExitStatus {
    std::optional<int> code;    // exited normally
    std::optional<int> signal;  // killed by a signal
};

enum class EndState { Exited, Replaced, Running, Unknown };

struct ProcessRecord {
    int id = 0;
    int pid = 0;
    int parent = -1;  // record id of the parent (the forking process, or the image it replaced)
    bool via_exec = true;  // false: a fork that never exec'd (shares its parent's image)
    // Interned: a build runs few distinct programs in few directories, many times each.
    Interned exe;
    Interned exe_hash;
    std::vector<std::string> argv;
    int env = -1;
    Interned cwd;
    Classification classification;
    std::uint64_t start_ns = 0;
    // From the end record:
    bool ended = false;
    EndState end_state = EndState::Unknown;
    std::uint64_t end_ns = 0;
    ExitStatus status;
    std::uint64_t user_ns = 0;
    std::uint64_t system_ns = 0;
    std::vector<FileEvent> files;
};

static_assert(sizeof(FileEvent) <= 32);

struct Warning {
    std::string code;
    std::string message;
};

struct Recording {
    std::string path;  // where it was read from
    int version = kRecordingVersion;
    std::string label;
    std::vector<std::string> command;
    std::string cwd;
    std::string started_at;  // UTC, ISO 8601
    std::string buildiff_version;
    std::string salt_id;
    bool redacted = true;
    std::vector<EnvVars> envs;             // indexed by env id
    std::vector<ProcessRecord> processes;  // indexed by record id
    std::vector<Warning> warnings;
    // Trailer:
    bool complete = false;
    ExitStatus root_status;
    std::uint64_t duration_ns = 0;
    std::vector<int> lingering;  // records still running when the build's root process exited
    std::uint64_t recorder_peak_rss_kb = 0;  // the tracer's own peak memory
    // How often the tracer stopped the build, by reason, and what it hashed (for overhead).
    std::map<std::string, std::uint64_t> recorder_stats;
    std::string truncation;  // why the recording is incomplete, when it is
};

Result<Recording> read_recording(const std::string& path);
// Whether PATH starts like a recording (its header line); anything else is another input.
bool is_recording(const std::string& path);
// The same for bytes already read (a pipe can be read only once).
bool starts_like_recording(std::string_view bytes);
// The same from a stream (a bundle member); `path` names it in errors and in Recording::path.
Result<Recording> read_recording(std::istream& in, const std::string& path);

// A recording's JSON Lines as text, decompressed when it is compressed (version 2); a stream cut
// off in a frame gives what was decoded. For people and tests reading the records themselves.
Result<std::string> recording_text(std::istream& in, const std::string& path);

// An interned string in JSON: the string.
template <typename Json>
void to_json(Json& j, const Interned& s) {
    j = s.str();
}

// Strings in the format are JSON strings when valid UTF-8, else {"base64": "..."}.
bool is_valid_utf8(std::string_view s);
std::string base64_encode(std::string_view bytes);
// A string as the format stores it: itself when valid UTF-8, else {"base64": "..."}.
nlohmann::ordered_json json_bytes(const std::string& s);

// Serialises records as single JSON lines into an in-memory buffer; flush() writes it out: to a
// file descriptor (the recorder) or appended to a string. Version 2 (the default) interns every
// path, argument and environment string and every file version (path, hash, size) once, in
// `strings` and `files` records written just before the first record that uses them, and
// compresses the stream with zstd: each flush() ends a block that a reader can decode without
// what follows, so that a killed recorder leaves a readable prefix. Version 1 is plain JSON Lines.
class RecordingWriter {
  public:
    explicit RecordingWriter(int fd, int version = kRecordingVersion);
    explicit RecordingWriter(std::string* out, int version = kRecordingVersion);
    ~RecordingWriter();
    RecordingWriter(const RecordingWriter&) = delete;
    RecordingWriter& operator=(const RecordingWriter&) = delete;
    void header(const Recording& header_fields);
    void env(int id, const EnvVars& vars);
    void process(const ProcessRecord& record);
    void end(const ProcessRecord& record);
    void warning(const Warning& warning);
    // Ends the recording: the zstd frame is closed at the next flush().
    void trailer(const Recording& trailer_fields, size_t process_count);
    bool flush();  // false on a write error
    bool has_pending() const { return !m_buffer.empty(); }
    size_t bytes_written() const { return m_written; }  // as stored (compressed)
    int version() const { return m_version; }

  private:
    struct Interning;
    void line(const std::string& json);
    void tables();
    void write_files_v2(std::string& out, const std::vector<FileEvent>& events);
    bool write_out(const char* data, size_t size);
    int m_fd = -1;
    std::string* m_out = nullptr;
    int m_version;
    std::string m_buffer;
    bool m_failed = false;
    bool m_end_frame = false;
    size_t m_written = 0;
    size_t m_frame_in = 0;  // bytes given to the current zstd frame
    std::unique_ptr<Interning> m_intern;
};

// A whole recording written from its model (pack, after masking secrets): the same records,
// each process followed by its end record, in VERSION.
std::string write_recording(const Recording& rec, int version = kRecordingVersion);

}  // namespace buildiff
