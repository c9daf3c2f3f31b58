// The recording reader: a recording checked line by line (a truncated last line tolerated, an
// unknown major version refused), every error naming the file and the line.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <utility>

#include <zstd.h>

#include <fmt/core.h>

#include "base/progress.h"
#include "recording/format_detail.h"
#include "recording/recording.h"

namespace buildiff {

using namespace format_detail;

namespace {

std::optional<FileOp> file_op_from(std::string_view name) {
    return value_named(kFileOps, name);
}

struct LineError {
    std::string message;
};

// Version 2's tables, as read so far.
struct Tables {
    struct File {
        Interned path;
        Interned hash;
        std::uint64_t size;
    };
    std::vector<Interned> strings;
    std::vector<File> files;
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
    if (version < kOldestRecordingVersion || version > kRecordingVersion)
        throw LineError{fmt::format(
            "recording format version {} is not supported (this buildiff reads versions {} to {})",
            version, kOldestRecordingVersion, kRecordingVersion)};
    rec.version = version;
    rec.buildiff_version = j.value("buildiff", "");
    rec.label = get_bytes(field(j, "label"));
    rec.command = get_string_array(j, "command");
    rec.cwd = get_bytes(field(j, "cwd"));
    rec.started_at = j.value("started_at", "");
    rec.redacted = j.value("redacted", true);
    rec.salt_id = j.value("salt_id", "");
}

// Version 2: a string by its id.
const Interned& string_id(const Tables& t, std::uint64_t id, const char* name) {
    if (id >= t.strings.size())
        throw LineError{fmt::format("unknown string id {} in \"{}\"", id, name)};
    return t.strings[id];
}

const Interned& string_at(const Tables& t, const json& v, const char* name) {
    return string_id(t, as_int<std::uint64_t>(v, name), name);
}

// A string field: itself (version 1) or its id (version 2).
std::string get_string(const json& j, const char* name, const Tables* t) {
    return t ? string_at(*t, field(j, name), name).str() : get_bytes(field(j, name));
}

std::vector<std::string> get_strings(const json& j, const char* name, const Tables* t) {
    if (!t) return get_string_array(j, name);
    const json& v = field(j, name);
    if (!v.is_array()) throw LineError{fmt::format("field \"{}\" is not an array", name)};
    std::vector<std::string> out;
    out.reserve(v.size());
    for (auto& e : v) out.push_back(string_at(*t, e, name).str());
    return out;
}

void read_table(const json& j, Tables& t, bool strings) {
    auto first = get_num<size_t>(j, "first");
    size_t have = strings ? t.strings.size() : t.files.size();
    if (first != have)
        throw LineError{fmt::format("{} table starts at {} (expected {})",
                                    strings ? "strings" : "files", first, have)};
    const json& values = field(j, "values");
    if (!values.is_array()) throw LineError{"field \"values\" is not an array"};
    for (const json& v : values) {
        if (strings) {
            t.strings.push_back(get_bytes(v));
            continue;
        }
        if (!v.is_array() || v.size() != 3) throw LineError{"a file version is not [path, hash, size]"};
        Tables::File f{};
        f.path = string_at(t, v[0], "path");
        f.size = 0;
        if (v[1].is_string()) {
            f.hash = v[1].get<std::string>();
            f.size = as_int<std::uint64_t>(v[2], "size");
        } else if (!v[1].is_null()) {
            throw LineError{"a file version's hash is neither a string nor null"};
        }
        t.files.push_back(std::move(f));
    }
}

// Version 2's file events: [op, t, ...] (docs/recording-format.md), as the N numbers V (N may be
// more than 4: the count is checked here).
FileEvent event_v2(const std::uint64_t* v, size_t n, const Tables& t) {
    if (n < 3) throw LineError{"a file event is not an array [op, t, ...]"};
    if (v[0] >= std::size(kFileOps)) throw LineError{fmt::format("unknown file operation {}", v[0])};
    FileEvent f;
    f.op = static_cast<FileOp>(v[0]);
    f.t_ns = v[1];
    size_t want = f.op == FileOp::Read || f.op == FileOp::Unlink ? 3 : 4;
    if (n != want)
        throw LineError{fmt::format("a {} event has {} fields (expected {})", file_op_name(f.op), n,
                                    want)};
    if (f.op == FileOp::Read || f.op == FileOp::Write) {
        if (v[2] >= t.files.size()) throw LineError{fmt::format("unknown file version {}", v[2])};
        const Tables::File& version = t.files[v[2]];
        f.path = version.path;
        f.hash = version.hash;
        f.size = version.size;
        if (f.op == FileOp::Write) {
            f.created = v[3] & 1;
            f.deleted = v[3] & 2;
        }
    } else {
        f.path = string_id(t, v[2], "path");
        if (f.op != FileOp::Unlink) f.to = string_id(t, v[3], "to");
    }
    return f;
}

FileEvent read_event_v2(const json& e, const Tables& t) {
    if (!e.is_array()) throw LineError{"a file event is not an array [op, t, ...]"};
    std::uint64_t v[4] = {};
    for (size_t i = 0; i < e.size() && i < 4; ++i) v[i] = as_int<std::uint64_t>(e[i], "event");
    return event_v2(v, e.size(), t);
}

// The events of a version-2 end record as the writer writes them (a JSON array of arrays of
// decimal integers, nothing else), read without a JSON value: they are most of a recording.
// Nothing when the text is anything else: the general reader then reads it, and names what is
// wrong.
std::optional<std::vector<FileEvent>> events_v2_fast(std::string_view text, const Tables& t) {
    std::vector<FileEvent> out;
    out.reserve(static_cast<size_t>(std::count(text.begin(), text.end(), '[')));
    const char *p = text.data(), *end = p + text.size();
    while (p < end) {
        if (*p++ != '[') return std::nullopt;
        std::uint64_t v[5];
        size_t n = 0;
        for (;;) {
            if (n == 5) return std::nullopt;
            auto [next, ec] = std::from_chars(p, end, v[n]);
            if (ec != std::errc() || next == p) return std::nullopt;
            p = next;
            ++n;
            if (p < end && *p == ',') {
                ++p;
                continue;
            }
            if (p < end && *p == ']') {
                ++p;
                break;
            }
            return std::nullopt;
        }
        out.push_back(event_v2(v, n, t));
        if (p < end && *p++ != ',') return std::nullopt;
    }
    return out;
}

void read_process(const json& j, Recording& rec, const Tables* t) {
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
    p.exe = get_string(j, "exe", t);
    p.argv = get_strings(j, "argv", t);
    p.env = get_num<int>(j, "env");
    if (p.env < -1 || p.env >= static_cast<int>(rec.envs.size()))
        throw LineError{fmt::format("unknown environment id {}", p.env)};
    p.cwd = get_string(j, "cwd", t);
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

void read_end(const json& j, Recording& rec, const Tables* t) {
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
    const json& files = field(j, "files");
    if (!files.is_array()) throw LineError{"field \"files\" is not an array"};
    if (t) {
        p.files.reserve(files.size());
        for (const json& e : files) p.files.push_back(read_event_v2(e, *t));
        return;
    }
    for (const json& e : files) {
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

// A cursor over one line as the version-2 writer writes it, for the fast paths below: each step
// matches exactly what the writer writes or fails, and a line any step fails on is read by the
// general reader instead (which names what is wrong with it).
class Scan {
  public:
    explicit Scan(std::string_view text) : m_p(text.data()), m_end(text.data() + text.size()) {}
    bool lit(std::string_view l) {
        if (static_cast<size_t>(m_end - m_p) < l.size() || std::string_view(m_p, l.size()) != l)
            return false;
        m_p += l.size();
        return true;
    }
    bool at(char c) const { return m_p < m_end && *m_p == c; }
    template <typename T>
    bool num(T& v) {
        auto [next, ec] = std::from_chars(m_p, m_end, v);
        if (ec != std::errc() || next == m_p) return false;
        m_p = next;
        return true;
    }
    // A JSON string without escapes or control characters, in valid UTF-8: its bytes.
    bool str(std::string_view& out) {
        if (!lit("\"")) return false;
        const char* from = m_p;
        for (; m_p < m_end && *m_p != '"'; ++m_p)
            if (*m_p == '\\' || static_cast<unsigned char>(*m_p) < 0x20) return false;
        if (m_p == m_end) return false;
        out = std::string_view(from, static_cast<size_t>(m_p - from));
        ++m_p;
        return is_valid_utf8(out);
    }
    // [ITEM,ITEM,...]: READ_ITEM for each (false stops).
    template <typename F>
    bool list(F&& read_item) {
        if (!lit("[")) return false;
        if (lit("]")) return true;
        do {
            if (!read_item()) return false;
        } while (lit(","));
        return lit("]");
    }
    bool done() const { return m_p == m_end; }

  private:
    const char* m_p;
    const char* m_end;
};

// A version-2 strings or files table record, as the writer writes it (most of a recording's
// lines are these). False, having added nothing, for anything else.
bool read_table_fast(std::string_view text, Tables& t) {
    Scan s(text);
    size_t first = 0;
    if (s.lit(R"({"type":"strings","first":)")) {
        std::vector<std::string_view> values;
        if (!s.num(first) || first != t.strings.size() || !s.lit(R"(,"values":)") ||
            !s.list([&] { return s.str(values.emplace_back()); }) || !s.lit("}") || !s.done())
            return false;
        t.strings.insert(t.strings.end(), values.begin(), values.end());
        return true;
    }
    if (!s.lit(R"({"type":"files","first":)") || !s.num(first) || first != t.files.size() ||
        !s.lit(R"(,"values":)"))
        return false;
    std::vector<Tables::File> files;
    bool ok = s.list([&] {
        std::uint64_t path = 0, size = 0;
        std::string_view hash;
        bool hashed = false;
        if (!s.lit("[") || !s.num(path) || path >= t.strings.size() || !s.lit(",")) return false;
        if (!s.lit("null")) {
            if (!s.str(hash)) return false;
            hashed = true;
        }
        if (!s.lit(",") || !s.num(size) || !s.lit("]")) return false;
        files.push_back({t.strings[path], hashed ? Interned(hash) : Interned(), hashed ? size : 0});
        return true;
    });
    if (!ok || !s.lit("}") || !s.done()) return false;
    t.files.insert(t.files.end(), files.begin(), files.end());
    return true;
}

// A version-2 process record as the writer writes it, without a wrapper (the wrapper's fields
// are read by the general reader). False, having added nothing, for anything else.
bool read_process_fast(std::string_view text, Recording& rec, const Tables& t) {
    Scan s(text);
    ProcessRecord p;
    std::uint64_t exe = 0, cwd = 0;
    std::string_view via, kind, tool;
    auto string_of = [&](std::uint64_t id, auto& out) {
        if (id >= t.strings.size()) return false;
        out = t.strings[id];
        return true;
    };
    if (!s.lit(R"({"type":"process","id":)") || !s.num(p.id) ||
        p.id != static_cast<int>(rec.processes.size()) || !s.lit(R"(,"pid":)") || !s.num(p.pid) ||
        !s.lit(R"(,"parent":)"))
        return false;
    if (!s.lit("null") && (!s.num(p.parent) || p.parent < 0 || p.parent >= p.id)) return false;
    if (!s.lit(R"(,"via":)") || !s.str(via) || (via != "exec" && via != "fork") ||
        !s.lit(R"(,"start_ns":)") || !s.num(p.start_ns) || !s.lit(R"(,"exe":)") || !s.num(exe) ||
        !string_of(exe, p.exe) || !s.lit(R"(,"argv":)"))
        return false;
    p.via_exec = via == "exec";
    if (!s.list([&] {
            std::uint64_t id = 0;
            return s.num(id) && string_of(id, p.argv.emplace_back());
        }))
        return false;
    if (!s.lit(R"(,"env":)") || !s.num(p.env) || p.env < -1 ||
        p.env >= static_cast<int>(rec.envs.size()) || !s.lit(R"(,"cwd":)") || !s.num(cwd) ||
        !string_of(cwd, p.cwd) || !s.lit(R"(,"kind":)") || !s.str(kind) || !s.lit(R"(,"tool":)") ||
        !s.str(tool) || !s.lit("}") || !s.done())
        return false;
    auto k = kind_from_name(kind);
    if (!k) return false;
    p.classification.kind = *k;
    p.classification.tool = tool;
    rec.processes.push_back(std::move(p));
    return true;
}

// A version-2 end record as the writer writes it (the events last): its events read by
// events_v2_fast, the rest as JSON. False, having read nothing, for anything else.
// The fields of a version-2 end record before its events, as the writer writes them, into the
// record of process ID. False, having changed nothing, for anything else.
bool end_head_fast(std::string_view head, Recording& rec, int& id) {
    Scan s(head);
    std::string_view state, exe_hash;
    ExitStatus status;
    std::uint64_t end_ns = 0, user_ns = 0, system_ns = 0;
    if (!s.lit(R"({"type":"end","id":)") || !s.num(id) || id < 0 ||
        id >= static_cast<int>(rec.processes.size()) ||
        rec.processes[static_cast<size_t>(id)].ended || !s.lit(R"(,"state":)") || !s.str(state) ||
        !s.lit(R"(,"end_ns":)") || !s.num(end_ns) || !s.lit(R"(,"status":{)"))
        return false;
    if (s.lit(R"("exit":)") && !s.num(status.code.emplace())) return false;
    if (s.lit(status.code ? R"(,"signal":)" : R"("signal":)") && !s.num(status.signal.emplace()))
        return false;
    if (!s.lit(R"(},"user_ns":)") || !s.num(user_ns) || !s.lit(R"(,"system_ns":)") ||
        !s.num(system_ns))
        return false;
    if (s.lit(R"(,"exe_hash":)") && !s.str(exe_hash)) return false;
    if (!s.done()) return false;
    ProcessRecord& p = rec.processes[static_cast<size_t>(id)];
    p.ended = true;
    p.end_state = value_named(kEndStates, state).value_or(EndState::Unknown);
    p.end_ns = end_ns;
    p.status = status;
    p.user_ns = user_ns;
    p.system_ns = system_ns;
    p.exe_hash = exe_hash;
    return true;
}

bool read_end_fast(const std::string& text, Recording& rec, const Tables& tables) {
    static constexpr std::string_view kStart = R"({"type":"end",)", kFiles = R"(,"files":[)";
    if (!text.starts_with(kStart) || !text.ends_with("]}")) return false;
    size_t at = text.rfind(kFiles);
    if (at == std::string::npos) return false;
    size_t from = at + kFiles.size();
    auto files = events_v2_fast(std::string_view(text).substr(from, text.size() - from - 2), tables);
    if (!files) return false;
    int id = -1;
    if (!end_head_fast(std::string_view(text).substr(0, at), rec, id)) {
        json head = json::parse(text.substr(0, at) + R"(,"files":[]})");
        read_end(head, rec, &tables);
        id = get_num<int>(head, "id");
    }
    rec.processes[static_cast<size_t>(id)].files = std::move(*files);
    return true;
}

void read_line(const json& j, Recording& rec, Tables& tables) {
    if (!j.is_object()) throw LineError{"record is not a JSON object"};
    const Tables* t = rec.version >= 2 ? &tables : nullptr;
    std::string type = j.value("type", "");
    if (t && (type == "strings" || type == "files")) {
        read_table(j, tables, type == "strings");
    } else if (type == "env") {
        int id = get_num<int>(j, "id");
        if (id != static_cast<int>(rec.envs.size()))
            throw LineError{fmt::format("environment id {} out of sequence", id)};
        EnvVars vars;
        for (const json& kv : field(j, "vars")) {
            if (!kv.is_array() || kv.size() != 2)
                throw LineError{"environment entry is not a pair"};
            if (t)
                vars.emplace_back(string_at(*t, kv[0], "vars").str(), string_at(*t, kv[1], "vars").str());
            else
                vars.emplace_back(get_bytes(kv[0]), get_bytes(kv[1]));
        }
        rec.envs.push_back(std::move(vars));
    } else if (type == "process") {
        read_process(j, rec, t);
    } else if (type == "end") {
        read_end(j, rec, t);
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

// The recording's lines, from plain JSON Lines (version 1) or a zstd stream (version 2), read
// in chunks; the last line may lack its '\n' (cut off).
class LineSource {
  public:
    LineSource(std::istream& in, const std::string& path) : m_in(in), m_path(path) {
        fill_raw();
        m_zstd = m_raw.size() >= 4 && is_zstd(m_raw);
        if (m_zstd) m_dstream = ZSTD_createDStream();
    }
    ~LineSource() { ZSTD_freeDStream(m_dstream); }
    LineSource(const LineSource&) = delete;
    LineSource& operator=(const LineSource&) = delete;

    static bool is_zstd(std::string_view bytes) {
        return bytes.size() >= 4 && bytes.substr(0, 4) == std::string_view("\x28\xb5\x2f\xfd", 4);
    }
    // The next line into LINE; false at the end. UNTERMINATED: it lacks its '\n'.
    Result<bool> next(std::string& line, bool& unterminated) {
        for (;;) {
            size_t nl = m_text.find('\n', m_pos);
            if (nl != std::string::npos) {
                line.assign(m_text, m_pos, nl - m_pos);
                m_pos = nl + 1;
                unterminated = false;
                return true;
            }
            if (m_pos) {
                m_text.erase(0, m_pos);
                m_pos = 0;
            }
            Result<bool> more = produce();
            if (!more) return more.error();
            if (*more) continue;
            if (m_text.empty()) return false;
            line = std::move(m_text);
            m_text.clear();
            unterminated = true;
            return true;
        }
    }
    // Whether the compressed stream ended inside a frame (the writer was stopped).
    bool cut_in_frame() const { return m_zstd && m_in_frame; }
    bool bad() const { return m_in.bad(); }

  private:
    void fill_raw() {
        m_raw.resize(1 << 16);
        m_in.read(m_raw.data(), static_cast<std::streamsize>(m_raw.size()));
        m_raw.resize(static_cast<size_t>(m_in.gcount()));
        m_raw_pos = 0;
    }
    // More text; false when the input is exhausted.
    Result<bool> produce() {
        if (!m_zstd) {
            if (m_raw_pos == m_raw.size()) fill_raw();
            if (m_raw.empty()) return false;
            m_text.append(m_raw, m_raw_pos);
            m_raw_pos = m_raw.size();
            return true;
        }
        for (;;) {
            if (m_raw_pos == m_raw.size()) {
                fill_raw();
                if (m_raw.empty()) return false;
            }
            ZSTD_inBuffer src{m_raw.data(), m_raw.size(), m_raw_pos};
            size_t before = m_text.size();
            m_text.resize(before + ZSTD_DStreamOutSize());
            ZSTD_outBuffer dst{m_text.data() + before, ZSTD_DStreamOutSize(), 0};
            size_t r = ZSTD_decompressStream(m_dstream, &dst, &src);
            m_text.resize(before + dst.pos);
            m_raw_pos = src.pos;
            if (ZSTD_isError(r))
                return Error{fmt::format("{}: corrupt compressed data: {}", m_path,
                                         ZSTD_getErrorName(r))};
            m_in_frame = r != 0;
            if (dst.pos) return true;
        }
    }

    std::istream& m_in;
    const std::string& m_path;
    bool m_zstd = false;
    bool m_in_frame = false;
    ZSTD_DStream* m_dstream = nullptr;
    std::string m_raw;
    size_t m_raw_pos = 0;
    std::string m_text;
    size_t m_pos = 0;
};

}  // namespace

bool starts_like_recording(std::string_view bytes) {
    if (!LineSource::is_zstd(bytes))
        return bytes.substr(0, 255).find("\"buildiff.recording\"") != std::string_view::npos;
    // Version 2: the header is the first block of the first frame.
    ZSTD_DStream* d = ZSTD_createDStream();
    char out[512];
    ZSTD_inBuffer src{bytes.data(), std::min<size_t>(bytes.size(), 1 << 16), 0};
    ZSTD_outBuffer dst{out, sizeof out, 0};
    while (dst.pos < dst.size && src.pos < src.size) {
        size_t before_in = src.pos, before_out = dst.pos;
        if (ZSTD_isError(ZSTD_decompressStream(d, &dst, &src))) break;
        if (src.pos == before_in && dst.pos == before_out) break;
    }
    ZSTD_freeDStream(d);
    return std::string_view(out, dst.pos).substr(0, 255).find("\"buildiff.recording\"") !=
           std::string_view::npos;
}

bool is_recording(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::string head(4096, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<size_t>(in.gcount()));
    return starts_like_recording(head);
}

Result<std::string> recording_text(std::istream& in, const std::string& path) {
    LineSource source(in, path);
    std::string line, out;
    bool unterminated = false;
    for (;;) {
        Result<bool> got = source.next(line, unterminated);
        if (!got) return got.error();
        if (!*got) break;
        out += line;
        if (!unterminated) out += '\n';
    }
    return out;
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
    Tables tables;
    LineSource lines(in, path);
    Progress progress("reading " + path, "record");
    std::string text;
    size_t line_no = 0;
    bool seen_header = false;
    bool last_unterminated = false;
    for (;;) {
        Result<bool> got = lines.next(text, last_unterminated);
        if (!got) return got.error();
        if (!*got) break;
        ++line_no;
        progress.update(line_no);
        try {
            // The records the version-2 writer writes, read without a JSON value (nearly every
            // line); anything else, and anything wrong, by the general reader below.
            if (seen_header && rec.version >= 2 && !rec.complete && !last_unterminated &&
                (read_end_fast(text, rec, tables) || read_table_fast(text, tables) ||
                 read_process_fast(text, rec, tables)))
                continue;
        } catch (const LineError& e) {
            return Error{fmt::format("{}: line {}: {}", path, line_no, e.message)};
        } catch (const json::exception& e) {
            return Error{fmt::format("{}: line {}: bad field: {}", path, line_no, e.what())};
        }
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
                read_line(j, rec, tables);
            }
        } catch (const LineError& e) {
            if (!seen_header) return Error{fmt::format("{}: {}", path, e.message)};
            return Error{fmt::format("{}: line {}: {}", path, line_no, e.message)};
        } catch (const json::exception& e) {
            return Error{fmt::format("{}: line {}: bad field: {}", path, line_no, e.what())};
        }
    }
    if (lines.bad()) return Error{fmt::format("{}: cannot read (line {})", path, line_no + 1)};
    if (!seen_header) return Error{fmt::format("{}: empty file, not a buildiff recording", path)};
    if (!rec.complete && rec.truncation.empty())
        rec.truncation = lines.cut_in_frame()
                             ? "no trailer record: the recording ends inside a compressed frame "
                               "(the recorder did not finish: killed?)"
                             : "no trailer record: the recorder did not finish (killed?)";
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
