// The recording writer: header, environments, processes, ends, warnings and the trailer, as
// JSON Lines written while the build runs; in version 2 with strings and file versions interned
// and the stream compressed with zstd.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <unordered_map>
#include <utility>

#include <zstd.h>

#include <fmt/core.h>

#include "recording/format_detail.h"
#include "recording/recording.h"

namespace buildiff {

using namespace format_detail;

namespace {

std::string_view end_state_name(EndState s) {
    return name_of(kEndStates, s);
}

}  // namespace

// Version 2's tables: each string and file version gets an id the first time it is written;
// the new ones are written out, as `strings` and `files` records, before the record that uses
// them.
struct RecordingWriter::Interning {
    std::unordered_map<std::string, std::uint32_t> strings;
    std::unordered_map<std::string, std::uint32_t> files;  // key: path id, size and hash
    std::vector<const std::string*> new_strings;
    std::string new_files;  // the `values` of a files record, comma-separated
    std::uint32_t first_new_file = 0;
    ZSTD_CCtx* zstd = nullptr;
    ~Interning() { ZSTD_freeCCtx(zstd); }

    std::uint32_t string(const std::string& s) {
        auto [it, added] = strings.try_emplace(s, static_cast<std::uint32_t>(strings.size()));
        if (added) new_strings.push_back(&it->first);
        return it->second;
    }
    // A file version: what a read saw or a write left (a null hash: not hashed).
    std::uint32_t file(const FileEvent& f) {
        std::uint32_t path = string(f.path);
        std::string key = fmt::format("{}/{}/{}", path, f.size, f.hash);
        auto [it, added] = files.try_emplace(std::move(key), static_cast<std::uint32_t>(files.size()));
        if (added) {
            if (new_files.empty()) first_new_file = it->second;
            else new_files += ',';
            if (f.hash.empty())
                new_files += fmt::format("[{},null,0]", path);
            else
                new_files += fmt::format("[{},\"{}\",{}]", path, f.hash, f.size);
        }
        return it->second;
    }
};

RecordingWriter::RecordingWriter(int fd, int version) : m_fd(fd), m_version(version) {
    if (m_version >= 2) m_intern = std::make_unique<Interning>();
}

RecordingWriter::RecordingWriter(std::string* out, int version) : m_out(out), m_version(version) {
    if (m_version >= 2) m_intern = std::make_unique<Interning>();
}

RecordingWriter::~RecordingWriter() = default;

void RecordingWriter::line(const std::string& text) {
    m_buffer += text;
    m_buffer += '\n';
}

void RecordingWriter::header(const Recording& h) {
    json j;
    j["type"] = "header";
    j["format"] = kRecordingFormat;
    j["version"] = m_version;
    j["buildiff"] = h.buildiff_version;
    j["label"] = json_bytes(h.label);
    j["command"] = bytes_array(h.command);
    j["cwd"] = json_bytes(h.cwd);
    j["started_at"] = h.started_at;
    j["redacted"] = h.redacted;
    j["salt_id"] = h.salt_id;
    line(j.dump());
}

namespace {

// One JSON object appended to a line as it is written, without building a json value first:
// the tracer writes two such lines per process while the build waits on it. The text is the
// same as nlohmann's dump of the equivalent value (member order, escapes, numbers).
class ObjectOut {
  public:
    explicit ObjectOut(std::string& out) : m_out(out) { m_out += '{'; }
    ~ObjectOut() { m_out += '}'; }
    ObjectOut(const ObjectOut&) = delete;
    ObjectOut& operator=(const ObjectOut&) = delete;

    void text(std::string_view key, std::string_view value) { string(name(key), value); }
    void bytes(std::string_view key, const std::string& value) { bytes_value(name(key), value); }
    void bytes_list(std::string_view key, const std::vector<std::string>& values) {
        std::string& o = name(key);
        o += '[';
        for (size_t i = 0; i < values.size(); ++i) {
            if (i) o += ',';
            bytes_value(o, values[i]);
        }
        o += ']';
    }
    template <typename Int>
    void number(std::string_view key, Int value) {
        fmt::format_to(std::back_inserter(name(key)), "{}", value);
    }
    void literal(std::string_view key, std::string_view json_text) { name(key) += json_text; }
    // A nested object or array: the caller writes it into the returned string.
    std::string& member(std::string_view key) { return name(key); }

    static void string(std::string& o, std::string_view s) {
        static const char kHex[] = "0123456789abcdef";
        o += '"';
        size_t plain = 0;
        for (size_t i = 0; i < s.size(); ++i) {
            auto c = static_cast<unsigned char>(s[i]);
            if (c >= 0x20 && c != '"' && c != '\\') continue;
            o.append(s, plain, i - plain);
            plain = i + 1;
            switch (c) {
                case '"':
                    o += "\\\"";
                    break;
                case '\\':
                    o += "\\\\";
                    break;
                case '\b':
                    o += "\\b";
                    break;
                case '\f':
                    o += "\\f";
                    break;
                case '\n':
                    o += "\\n";
                    break;
                case '\r':
                    o += "\\r";
                    break;
                case '\t':
                    o += "\\t";
                    break;
                default:
                    o += "\\u00";
                    o += kHex[c >> 4];
                    o += kHex[c & 15];
            }
        }
        o.append(s, plain, s.size() - plain);
        o += '"';
    }
    // A byte string: as text when it is UTF-8, else {"base64": ...} (json_bytes).
    static void bytes_value(std::string& o, const std::string& s) {
        if (is_valid_utf8(s)) return string(o, s);
        o += "{\"base64\":";
        string(o, base64_encode(s));
        o += '}';
    }

  private:
    std::string& name(std::string_view key) {
        if (!m_first) m_out += ',';
        m_first = false;
        string(m_out, key);
        m_out += ':';
        return m_out;
    }
    std::string& m_out;
    bool m_first = true;
};

void write_status(std::string& o, const ExitStatus& s) {
    ObjectOut status(o);
    if (s.code) status.number("exit", *s.code);
    if (s.signal) status.number("signal", *s.signal);
}

}  // namespace

// Version 2: the strings and file versions that the record about to be written uses for the
// first time, as `strings` and `files` records.
void RecordingWriter::tables() {
    Interning& in = *m_intern;
    if (!in.new_strings.empty()) {
        {
            ObjectOut j(m_buffer);
            j.text("type", "strings");
            j.number("first", in.strings.size() - in.new_strings.size());
            std::string& values = j.member("values");
            values += '[';
            for (size_t i = 0; i < in.new_strings.size(); ++i) {
                if (i) values += ',';
                ObjectOut::bytes_value(values, *in.new_strings[i]);
            }
            values += ']';
        }
        m_buffer += '\n';
        in.new_strings.clear();
    }
    if (!in.new_files.empty()) {
        {
            ObjectOut j(m_buffer);
            j.text("type", "files");
            j.number("first", in.first_new_file);
            j.member("values") += '[' + in.new_files + ']';
        }
        m_buffer += '\n';
        in.new_files.clear();
    }
}

void RecordingWriter::env(int id, const EnvVars& vars) {
    if (!m_intern) {
        json j;
        j["type"] = "env";
        j["id"] = id;
        json list = json::array();
        for (auto& [k, v] : vars) list.push_back(json::array({json_bytes(k), json_bytes(v)}));
        j["vars"] = std::move(list);
        line(j.dump());
        return;
    }
    std::string record;
    {
        ObjectOut j(record);
        j.text("type", "env");
        j.number("id", id);
        std::string& list = j.member("vars");
        list += '[';
        for (size_t i = 0; i < vars.size(); ++i)
            fmt::format_to(std::back_inserter(list), "{}[{},{}]", i ? "," : "",
                           m_intern->string(vars[i].first), m_intern->string(vars[i].second));
        list += ']';
    }
    tables();
    line(record);
}

void RecordingWriter::process(const ProcessRecord& r) {
    std::string record;
    {
        ObjectOut j(m_intern ? record : m_buffer);
        j.text("type", "process");
        j.number("id", r.id);
        j.number("pid", r.pid);
        if (r.parent >= 0)
            j.number("parent", r.parent);
        else
            j.literal("parent", "null");
        j.text("via", r.via_exec ? "exec" : "fork");
        j.number("start_ns", r.start_ns);
        if (m_intern) {
            j.number("exe", m_intern->string(r.exe));
            std::string& argv = j.member("argv");
            argv += '[';
            for (size_t i = 0; i < r.argv.size(); ++i)
                fmt::format_to(std::back_inserter(argv), "{}{}", i ? "," : "",
                               m_intern->string(r.argv[i]));
            argv += ']';
        } else {
            j.bytes("exe", r.exe);
            j.bytes_list("argv", r.argv);
        }
        j.number("env", r.env);
        if (m_intern)
            j.number("cwd", m_intern->string(r.cwd));
        else
            j.bytes("cwd", r.cwd);
        const Classification& c = r.classification;
        j.text("kind", kind_name(c.kind));
        j.bytes("tool", c.tool);
        if (c.role) {
            ObjectOut w(j.member("wrapper"));
            w.text("role", role_name(*c.role));
            if (*c.role == WrapperRole::Client) {
                w.bytes("tool", c.wrapped_tool);
                w.text("kind", kind_name(c.wrapped_kind));
                w.number("argv_index", c.wrapped_argv_index);
            }
        }
    }
    if (m_intern) {
        tables();
        m_buffer += record;
    }
    m_buffer += '\n';
}

void RecordingWriter::end(const ProcessRecord& r) {
    std::string record;
    {
        ObjectOut j(m_intern ? record : m_buffer);
        j.text("type", "end");
        j.number("id", r.id);
        j.text("state", end_state_name(r.end_state));
        j.number("end_ns", r.end_ns);
        write_status(j.member("status"), r.status);
        j.number("user_ns", r.user_ns);
        j.number("system_ns", r.system_ns);
        if (!r.exe_hash.empty()) j.text("exe_hash", r.exe_hash);
        std::string& files = j.member("files");
        files += '[';
        if (m_intern) write_files_v2(files, r.files);
        for (size_t i = 0; i < (m_intern ? 0 : r.files.size()); ++i) {
            const FileEvent& f = r.files[i];
            if (i) files += ',';
            ObjectOut e(files);
            e.text("op", file_op_name(f.op));
            e.bytes("path", f.path);
            if (f.op == FileOp::Rename || f.op == FileOp::Link) e.bytes("to", f.to);
            if (f.op == FileOp::Read || f.op == FileOp::Write) {
                if (!f.hash.empty()) {
                    e.text("hash", f.hash);
                    e.number("size", f.size);
                } else {
                    e.literal("hash", "null");
                }
            }
            e.number("t", f.t_ns);
            if (f.created) e.literal("created", "true");
            if (f.deleted) e.literal("deleted", "true");
        }
        files += ']';
    }
    if (m_intern) {
        tables();
        m_buffer += record;
    }
    m_buffer += '\n';
}

// Version 2's file events, each an array led by the operation's number (its place in
// kFileOps) and the time: [0,t,FILE] read, [1,t,FILE,FLAGS] write (FLAGS: 1 created, 2 deleted),
// [2,t,FROM,TO] rename, [3,t,FROM,TO] link, [4,t,PATH] unlink; FILE is a file version's id,
// FROM, TO and PATH strings' ids.
void RecordingWriter::write_files_v2(std::string& out, const std::vector<FileEvent>& events) {
    auto o = std::back_inserter(out);
    for (size_t i = 0; i < events.size(); ++i) {
        const FileEvent& f = events[i];
        if (i) out += ',';
        fmt::format_to(o, "[{},{},", static_cast<int>(f.op), f.t_ns);
        switch (f.op) {
            case FileOp::Read:
                fmt::format_to(o, "{}]", m_intern->file(f));
                break;
            case FileOp::Write:
                fmt::format_to(o, "{},{}]", m_intern->file(f),
                               (f.created ? 1 : 0) | (f.deleted ? 2 : 0));
                break;
            case FileOp::Rename:
            case FileOp::Link:
                fmt::format_to(o, "{},{}]", m_intern->string(f.path), m_intern->string(f.to));
                break;
            case FileOp::Unlink:
                fmt::format_to(o, "{}]", m_intern->string(f.path));
                break;
        }
    }
}

void RecordingWriter::warning(const Warning& w) {
    json j;
    j["type"] = "warning";
    j["code"] = w.code;
    j["message"] = json_bytes(w.message);
    line(j.dump());
}

void RecordingWriter::trailer(const Recording& t, size_t process_count) {
    json j;
    j["type"] = "trailer";
    j["root_status"] = status_json(t.root_status);
    j["duration_ns"] = t.duration_ns;
    j["processes"] = process_count;
    j["lingering"] = t.lingering;
    j["recorder_peak_rss_kb"] = t.recorder_peak_rss_kb;
    j["recorder_stats"] = t.recorder_stats;
    line(j.dump());
    m_end_frame = true;
}

bool RecordingWriter::write_out(const char* data, size_t size) {
    if (m_out) {
        m_out->append(data, size);
        m_written += size;
        return true;
    }
    size_t off = 0;
    while (off < size && !m_failed) {
        ssize_t n = ::write(m_fd, data + off, size - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            m_failed = true;
            break;
        }
        off += static_cast<size_t>(n);
    }
    m_written += off;
    return !m_failed;
}

bool RecordingWriter::flush() {
    if (m_buffer.empty() && !m_end_frame) return !m_failed;
    if (m_failed) {
        m_buffer.clear();
        return false;
    }
    if (!m_intern) {
        write_out(m_buffer.data(), m_buffer.size());
        m_buffer.clear();
        return !m_failed;
    }
    // One zstd frame holds up to kFrameInput bytes of records, and the last frame ends with the
    // trailer. Every flush ends a block: a reader decodes everything flushed so far.
    constexpr size_t kFrameInput = 32u << 20;
    Interning& in = *m_intern;
    if (!in.zstd) {
        in.zstd = ZSTD_createCCtx();
        ZSTD_CCtx_setParameter(in.zstd, ZSTD_c_compressionLevel, 3);
        ZSTD_CCtx_setParameter(in.zstd, ZSTD_c_checksumFlag, 1);
    }
    m_frame_in += m_buffer.size();
    ZSTD_EndDirective mode = m_end_frame || m_frame_in >= kFrameInput ? ZSTD_e_end : ZSTD_e_flush;
    ZSTD_inBuffer src{m_buffer.data(), m_buffer.size(), 0};
    std::string chunk(ZSTD_CStreamOutSize(), '\0');
    for (;;) {
        ZSTD_outBuffer dst{chunk.data(), chunk.size(), 0};
        size_t left = ZSTD_compressStream2(in.zstd, &dst, &src, mode);
        if (ZSTD_isError(left)) {
            m_failed = true;
            break;
        }
        if (!write_out(chunk.data(), dst.pos)) break;
        if (left == 0) break;
    }
    if (mode == ZSTD_e_end) m_frame_in = 0;
    m_end_frame = false;
    m_buffer.clear();
    return !m_failed;
}

std::string write_recording(const Recording& rec, int version) {
    std::string out;
    RecordingWriter w(&out, version);
    w.header(rec);
    int envs_written = 0;
    for (const ProcessRecord& p : rec.processes) {
        for (; envs_written <= p.env && envs_written < static_cast<int>(rec.envs.size());
             ++envs_written)
            w.env(envs_written, rec.envs[static_cast<size_t>(envs_written)]);
        w.process(p);
        if (p.ended) w.end(p);
    }
    for (; envs_written < static_cast<int>(rec.envs.size()); ++envs_written)
        w.env(envs_written, rec.envs[static_cast<size_t>(envs_written)]);
    for (const Warning& warning : rec.warnings) w.warning(warning);
    if (rec.complete) w.trailer(rec, rec.processes.size());
    w.flush();
    return out;
}

}  // namespace buildiff
