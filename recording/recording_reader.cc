// The recording reader: a recording checked line by line (a truncated last line tolerated, an
// unknown major version refused), every error naming the file and the line.
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

std::optional<FileOp> file_op_from(std::string_view name) {
    return value_named(kFileOps, name);
}

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
