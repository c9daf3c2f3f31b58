// The recording writer: header, environments, processes, ends, warnings and the trailer, as
// JSON Lines written while the build runs.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <utility>

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

void RecordingWriter::line(const std::string& text) {
    m_buffer += text;
    m_buffer += '\n';
}

void RecordingWriter::header(const Recording& h) {
    json j;
    j["type"] = "header";
    j["format"] = kRecordingFormat;
    j["version"] = kRecordingVersion;
    j["buildiff"] = h.buildiff_version;
    j["label"] = json_bytes(h.label);
    j["command"] = bytes_array(h.command);
    j["cwd"] = json_bytes(h.cwd);
    j["started_at"] = h.started_at;
    j["redacted"] = h.redacted;
    j["salt_id"] = h.salt_id;
    line(j.dump());
}

void RecordingWriter::env(int id, const EnvVars& vars) {
    json j;
    j["type"] = "env";
    j["id"] = id;
    json list = json::array();
    for (auto& [k, v] : vars) list.push_back(json::array({json_bytes(k), json_bytes(v)}));
    j["vars"] = std::move(list);
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

void RecordingWriter::process(const ProcessRecord& r) {
    {
        ObjectOut j(m_buffer);
        j.text("type", "process");
        j.number("id", r.id);
        j.number("pid", r.pid);
        if (r.parent >= 0)
            j.number("parent", r.parent);
        else
            j.literal("parent", "null");
        j.text("via", r.via_exec ? "exec" : "fork");
        j.number("start_ns", r.start_ns);
        j.bytes("exe", r.exe);
        j.bytes_list("argv", r.argv);
        j.number("env", r.env);
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
    m_buffer += '\n';
}

void RecordingWriter::end(const ProcessRecord& r) {
    {
        ObjectOut j(m_buffer);
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
        for (size_t i = 0; i < r.files.size(); ++i) {
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
    m_buffer += '\n';
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
}

bool RecordingWriter::flush() {
    if (m_buffer.empty()) return !m_failed;
    size_t off = 0;
    while (off < m_buffer.size() && !m_failed) {
        ssize_t n = ::write(m_fd, m_buffer.data() + off, m_buffer.size() - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            m_failed = true;
            break;
        }
        off += static_cast<size_t>(n);
    }
    m_written += off;
    m_buffer.clear();
    return !m_failed;
}

}  // namespace buildiff
