// Writing and reading buildiff recordings (JSON Lines, docs/recording-format.md).
#include "recording/recording.h"

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

#include "base/names.h"

namespace buildiff {

using json = nlohmann::ordered_json;

namespace {

constexpr Named<FileOp> kFileOps[] = {
    {FileOp::Read, "read"}, {FileOp::Write, "write"},   {FileOp::Rename, "rename"},
    {FileOp::Link, "link"}, {FileOp::Unlink, "unlink"},
};
constexpr Named<EndState> kEndStates[] = {
    {EndState::Exited, "exited"},
    {EndState::Replaced, "replaced"},
    {EndState::Running, "running"},
    {EndState::Unknown, "unknown"},
};

std::optional<FileOp> file_op_from(std::string_view name) {
    return value_named(kFileOps, name);
}

std::string_view end_state_name(EndState s) {
    return name_of(kEndStates, s);
}

}  // namespace

std::string_view file_op_name(FileOp op) {
    return name_of(kFileOps, op);
}

bool is_valid_utf8(std::string_view s) {
    size_t i = 0;
    while (i < s.size()) {
        auto c = static_cast<unsigned char>(s[i]);
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (len == 0 || i + len > s.size()) return false;
        std::uint32_t cp = len == 1   ? c
                           : len == 2 ? (c & 0x1f)
                           : len == 3 ? (c & 0x0f)
                                      : (c & 0x07);
        for (size_t k = 1; k < len; ++k) {
            auto cc = static_cast<unsigned char>(s[i + k]);
            if ((cc >> 6) != 2) return false;
            cp = (cp << 6) | (cc & 0x3f);
        }
        // Reject overlong forms, surrogates and out-of-range code points.
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
            return false;
        i += len;
    }
    return true;
}

namespace {

const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

std::string base64_encode(std::string_view in) {
    std::string out;
    size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        unsigned v =
            (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
        out += kB64[v >> 18];
        out += kB64[(v >> 12) & 63];
        out += kB64[(v >> 6) & 63];
        out += kB64[v & 63];
    }
    if (i < in.size()) {
        unsigned v = (unsigned char)in[i] << 16;
        if (i + 1 < in.size()) v |= (unsigned char)in[i + 1] << 8;
        out += kB64[v >> 18];
        out += kB64[(v >> 12) & 63];
        out += i + 1 < in.size() ? kB64[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

namespace {

std::optional<std::string> base64_decode(std::string_view in) {
    std::string out;
    unsigned v = 0;
    int bits = 0;
    for (char c : in) {
        if (c == '=') break;
        const char* p = std::strchr(kB64, c);
        if (!p || !c) return std::nullopt;
        v = (v << 6) | static_cast<unsigned>(p - kB64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((v >> bits) & 0xff);
        }
    }
    return out;
}

json bytes_array(const std::vector<std::string>& v) {
    json a = json::array();
    for (auto& s : v) a.push_back(json_bytes(s));
    return a;
}

json status_json(const ExitStatus& s) {
    json j = json::object();
    if (s.code) j["exit"] = *s.code;
    if (s.signal) j["signal"] = *s.signal;
    return j;
}

}  // namespace

json json_bytes(const std::string& s) {
    if (is_valid_utf8(s)) return s;
    return json{{"base64", base64_encode(s)}};
}

// ---------------------------------------------------------------------------------------------
// Writer

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

// ---------------------------------------------------------------------------------------------
// Reader

namespace {

struct LineError {
    std::string message;
};

std::string get_bytes(const json& j) {
    if (j.is_string()) return j.get<std::string>();
    if (j.is_object() && j.contains("base64") && j["base64"].is_string()) {
        if (auto d = base64_decode(j["base64"].get<std::string>())) return *d;
    }
    throw LineError{"expected a string"};
}

const json& field(const json& j, const char* name) {
    auto it = j.find(name);
    if (it == j.end()) throw LineError{fmt::format("missing field \"{}\"", name)};
    return *it;
}

// An integer that fits T: a fraction, an exponent or a value out of range is an error, not a
// conversion.
template <typename T>
T as_int(const json& v, const char* name) {
    if (v.is_number_unsigned()) {
        if (auto u = v.get<std::uint64_t>(); std::in_range<T>(u)) return static_cast<T>(u);
    } else if (v.is_number_integer()) {
        if (auto i = v.get<std::int64_t>(); std::in_range<T>(i)) return static_cast<T>(i);
    }
    throw LineError{fmt::format("field \"{}\" is not an integer in range", name)};
}

template <typename T>
T get_num(const json& j, const char* name) {
    return as_int<T>(field(j, name), name);
}

// An optional integer field.
template <typename T>
T num_or(const json& j, const char* name, T absent) {
    auto it = j.find(name);
    return it == j.end() ? absent : as_int<T>(*it, name);
}

std::vector<std::string> get_string_array(const json& j, const char* name) {
    const json& v = field(j, name);
    if (!v.is_array()) throw LineError{fmt::format("field \"{}\" is not an array", name)};
    std::vector<std::string> out;
    for (auto& e : v) out.push_back(get_bytes(e));
    return out;
}

ExitStatus get_status(const json& j) {
    ExitStatus s;
    if (!j.is_object()) throw LineError{"status is not an object"};
    if (j.contains("exit")) s.code = as_int<int>(j["exit"], "exit");
    if (j.contains("signal")) s.signal = as_int<int>(j["signal"], "signal");
    return s;
}

void read_header(const json& j, Recording& rec) {
    if (!j.is_object() || j.value("type", "") != "header" ||
        j.value("format", "") != kRecordingFormat)
        throw LineError{"not a buildiff recording (no header line)"};
    int version = get_num<int>(j, "version");
    if (version != kRecordingVersion)
        throw LineError{fmt::format(
            "recording format version {} is not supported (this buildiff reads version {})",
            version, kRecordingVersion)};
    rec.version = version;
    rec.buildiff_version = j.value("buildiff", "");
    rec.label = get_bytes(field(j, "label"));
    rec.command = get_string_array(j, "command");
    rec.cwd = get_bytes(field(j, "cwd"));
    rec.started_at = j.value("started_at", "");
    rec.redacted = j.value("redacted", true);
    rec.salt_id = j.value("salt_id", "");
}

void read_process(const json& j, Recording& rec) {
    ProcessRecord p;
    p.id = get_num<int>(j, "id");
    if (p.id != static_cast<int>(rec.processes.size()))
        throw LineError{
            fmt::format("process id {} out of sequence (expected {})", p.id, rec.processes.size())};
    p.pid = get_num<int>(j, "pid");
    const json& parent = field(j, "parent");
    p.parent = parent.is_null() ? -1 : as_int<int>(parent, "parent");
    if (!parent.is_null() && (p.parent < 0 || p.parent >= p.id))
        throw LineError{fmt::format("parent {} is not an earlier process", p.parent)};
    p.via_exec = j.value("via", "exec") == "exec";
    p.start_ns = get_num<std::uint64_t>(j, "start_ns");
    p.exe = get_bytes(field(j, "exe"));
    p.argv = get_string_array(j, "argv");
    p.env = get_num<int>(j, "env");
    if (p.env < -1 || p.env >= static_cast<int>(rec.envs.size()))
        throw LineError{fmt::format("unknown environment id {}", p.env)};
    p.cwd = get_bytes(field(j, "cwd"));
    auto kind = kind_from_name(j.value("kind", "other"));
    if (!kind) throw LineError{fmt::format("unknown kind \"{}\"", j.value("kind", ""))};
    p.classification.kind = *kind;
    p.classification.tool = get_bytes(field(j, "tool"));
    if (j.contains("wrapper")) {
        const json& w = j["wrapper"];
        p.classification.role =
            role_from_name(w.value("role", "client")).value_or(WrapperRole::Client);
        if (w.contains("tool")) p.classification.wrapped_tool = get_bytes(w["tool"]);
        p.classification.wrapped_kind =
            kind_from_name(w.value("kind", "other")).value_or(ToolKind::Other);
        p.classification.wrapped_argv_index = num_or<size_t>(w, "argv_index", 1);
    }
    rec.processes.push_back(std::move(p));
}

void read_end(const json& j, Recording& rec) {
    int id = get_num<int>(j, "id");
    if (id < 0 || id >= static_cast<int>(rec.processes.size()))
        throw LineError{fmt::format("end record for unknown process {}", id)};
    ProcessRecord& p = rec.processes[static_cast<size_t>(id)];
    if (p.ended) throw LineError{fmt::format("second end record for process {}", id)};
    p.ended = true;
    p.end_state = value_named(kEndStates, j.value("state", "unknown")).value_or(EndState::Unknown);
    p.end_ns = get_num<std::uint64_t>(j, "end_ns");
    p.status = get_status(field(j, "status"));
    p.user_ns = num_or<std::uint64_t>(j, "user_ns", 0);
    p.system_ns = num_or<std::uint64_t>(j, "system_ns", 0);
    p.exe_hash = j.value("exe_hash", "");
    for (const json& e : field(j, "files")) {
        FileEvent f;
        auto op = file_op_from(e.value("op", ""));
        if (!op) throw LineError{fmt::format("unknown file operation \"{}\"", e.value("op", ""))};
        f.op = *op;
        f.path = get_bytes(field(e, "path"));
        if (e.contains("to")) f.to = get_bytes(e["to"]);
        if (e.contains("hash") && e["hash"].is_string()) {
            f.hash = e["hash"].get<std::string>();
            f.size = num_or<std::uint64_t>(e, "size", 0);
        }
        f.t_ns = num_or<std::uint64_t>(e, "t", 0);
        f.created = e.value("created", false);
        f.deleted = e.value("deleted", false);
        p.files.push_back(std::move(f));
    }
}

void read_line(const json& j, Recording& rec) {
    if (!j.is_object()) throw LineError{"record is not a JSON object"};
    std::string type = j.value("type", "");
    if (type == "env") {
        int id = get_num<int>(j, "id");
        if (id != static_cast<int>(rec.envs.size()))
            throw LineError{fmt::format("environment id {} out of sequence", id)};
        EnvVars vars;
        for (const json& kv : field(j, "vars")) {
            if (!kv.is_array() || kv.size() != 2)
                throw LineError{"environment entry is not a pair"};
            vars.emplace_back(get_bytes(kv[0]), get_bytes(kv[1]));
        }
        rec.envs.push_back(std::move(vars));
    } else if (type == "process") {
        read_process(j, rec);
    } else if (type == "end") {
        read_end(j, rec);
    } else if (type == "warning") {
        rec.warnings.push_back({j.value("code", ""), get_bytes(field(j, "message"))});
    } else if (type == "trailer") {
        rec.complete = true;
        rec.root_status = get_status(field(j, "root_status"));
        rec.duration_ns = num_or<std::uint64_t>(j, "duration_ns", 0);
        rec.recorder_peak_rss_kb = num_or<std::uint64_t>(j, "recorder_peak_rss_kb", 0);
        if (j.contains("recorder_stats") && j["recorder_stats"].is_object())
            for (auto& [k, v] : j["recorder_stats"].items())
                if (v.is_number_unsigned()) rec.recorder_stats[k] = v.get<std::uint64_t>();
        if (j.contains("lingering"))
            for (auto& id : j["lingering"]) {
                int n = as_int<int>(id, "lingering");
                if (n < 0 || n >= static_cast<int>(rec.processes.size()))
                    throw LineError{fmt::format("lingering process {} is not a process", n)};
                rec.lingering.push_back(n);
            }
    } else if (type == "header") {
        throw LineError{"second header line"};
    }
    // Unknown record types are skipped: minor versions may add them.
}

}  // namespace

bool starts_like_recording(std::string_view bytes) {
    return bytes.substr(0, 255).find("\"buildiff.recording\"") != std::string_view::npos;
}

bool is_recording(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    char head[256] = {};
    in.read(head, sizeof head - 1);
    return starts_like_recording(std::string_view(head, static_cast<size_t>(in.gcount())));
}

Result<Recording> read_recording(const std::string& path) {
    // A directory opens, and then reads as an empty file.
    struct stat st;
    if (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
        return Error{fmt::format(
            "{}: a directory, neither a buildiff recording nor an audit directory", path)};
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error{fmt::format("{}: cannot open: {}", path, std::strerror(errno))};
    return read_recording(in, path);
}

Result<Recording> read_recording(std::istream& in, const std::string& path) {
    Recording rec;
    rec.path = path;
    std::string text;
    size_t line_no = 0;
    bool seen_header = false;
    while (std::getline(in, text)) {
        ++line_no;
        bool last_unterminated = in.eof();  // getline hit EOF before a '\n'
        json j;
        try {
            j = json::parse(text);
        } catch (const json::exception& e) {  // a parse_error, or out_of_range for 1e999
            if (last_unterminated && seen_header) {
                rec.truncation = fmt::format("line {} is an incomplete record (cut off)", line_no);
                break;
            }
            if (!seen_header)
                return Error{
                    fmt::format("{}: not a buildiff recording (line 1 is not JSON)", path)};
            return Error{fmt::format("{}: line {}: corrupt record: {}", path, line_no, e.what())};
        }
        try {
            if (!seen_header) {
                read_header(j, rec);
                seen_header = true;
            } else {
                if (rec.complete) throw LineError{"record after the trailer"};
                read_line(j, rec);
            }
        } catch (const LineError& e) {
            if (!seen_header) return Error{fmt::format("{}: {}", path, e.message)};
            return Error{fmt::format("{}: line {}: {}", path, line_no, e.message)};
        } catch (const json::exception& e) {
            return Error{fmt::format("{}: line {}: bad field: {}", path, line_no, e.what())};
        }
    }
    if (in.bad()) return Error{fmt::format("{}: cannot read (line {})", path, line_no + 1)};
    if (!seen_header) return Error{fmt::format("{}: empty file, not a buildiff recording", path)};
    if (!rec.complete && rec.truncation.empty())
        rec.truncation = "no trailer record: the recorder did not finish (killed?)";
    if (!rec.complete) {
        size_t open = 0;
        for (auto& p : rec.processes) open += !p.ended;
        if (open)
            rec.truncation +=
                fmt::format("; {} process{} no end record", open, open == 1 ? " has" : "es have");
    }
    return rec;
}

}  // namespace buildiff
