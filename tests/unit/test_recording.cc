#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "recording/recording.h"

using namespace buildiff;

namespace {

struct TempFile {
    std::string path;
    TempFile() {
        char buf[] = "/tmp/buildiff-rec-XXXXXX";
        int fd = mkstemp(buf);
        close(fd);
        path = buf;
    }
    ~TempFile() { unlink(path.c_str()); }
    void write(const std::string& text) const { std::ofstream(path, std::ios::binary) << text; }
    std::string read() const {
        std::ifstream in(path, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }
    // The records as JSON Lines: decompressed when the file is (version 2).
    std::string lines() const {
        std::ifstream in(path, std::ios::binary);
        auto text = recording_text(in, path);
        EXPECT_TRUE(text) << text.error().message;
        return text ? *text : "";
    }
};

// A small recording written through the real writer.
// FLUSH_EACH: a flush after every record, as the recorder does when records come slowly.
std::string sample_recording(const std::string& path, bool with_trailer,
                             int version = kRecordingVersion, bool flush_each = false) {
    int fd = open(path.c_str(), O_WRONLY | O_TRUNC);
    RecordingWriter w(fd, version);
    auto flushed = [&] {
        if (flush_each) w.flush();
    };
    Recording h;
    h.label = "left";
    h.command = {"make", "-j2"};
    h.cwd = "/src";
    h.started_at = "2026-11-21T00:00:00Z";
    h.buildiff_version = "test";
    h.salt_id = "abc";
    w.header(h);
    flushed();
    w.env(0, {{"PATH", "/usr/bin"}, {"CC", "gcc"}});
    flushed();
    ProcessRecord p;
    p.id = 0;
    p.pid = 100;
    p.exe = "/usr/bin/make";
    p.argv = {"make", "-j2"};
    p.env = 0;
    p.cwd = "/src";
    p.classification.kind = ToolKind::Other;
    p.classification.tool = "make";
    w.process(p);
    flushed();
    ProcessRecord c;
    c.id = 1;
    c.pid = 101;
    c.parent = 0;
    c.exe = "/usr/bin/sccache";
    c.argv = {"sccache", "cc", "-c", std::string("caf\xe9.c")};  // not UTF-8
    c.env = 0;
    c.cwd = "/src";
    c.classification.kind = ToolKind::CacheWrapper;
    c.classification.tool = "sccache";
    c.classification.role = WrapperRole::Client;
    c.classification.wrapped_tool = "cc";
    c.classification.wrapped_kind = ToolKind::CompilerDriver;
    c.classification.wrapped_argv_index = 1;
    w.process(c);
    flushed();
    c.end_state = EndState::Exited;
    c.status.code = 0;
    c.end_ns = 5;
    FileEvent f;
    f.op = FileOp::Write;
    f.path = "/src/x.o";
    f.hash = "0123456789abcdef0123456789abcdef";
    f.size = 10;
    f.created = true;
    c.files.push_back(f);
    FileEvent r;
    r.op = FileOp::Rename;
    r.path = "/src/a.tmp";
    r.to = "/src/a";
    c.files.push_back(r);
    w.end(c);
    flushed();
    w.warning({"code", "a warning"});
    flushed();
    if (with_trailer) {
        p.end_state = EndState::Exited;
        p.status.code = 2;
        w.end(p);
        flushed();
        Recording t;
        t.root_status.code = 2;
        w.trailer(t, 2);
        flushed();
    }
    w.flush();
    close(fd);
    return path;
}

// An edit of a good recording's text (FROM replaced by TO) and the error it must give.
struct Edit {
    std::string from, to, message;
};

// Each edit of GOOD, written to F, is an error naming F and the line, on one line.
void expect_errors(const TempFile& f, const std::string& good, const std::vector<Edit>& edits) {
    for (const Edit& c : edits) {
        std::string text = good;
        auto at = text.find(c.from);
        ASSERT_NE(at, std::string::npos) << c.from << " in " << text;
        text.replace(at, c.from.size(), c.to);
        f.write(text);
        auto rec = read_recording(f.path);
        if (rec) {
            ADD_FAILURE() << c.to << " was read";
            continue;
        }
        const std::string& m = rec.error().message;
        EXPECT_NE(m.find(c.message), std::string::npos) << c.to << ": " << m;
        EXPECT_TRUE(m.starts_with(f.path + ": line ")) << m;
        EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    }
}

}  // namespace

TEST(Recording, RoundTripsThroughWriterAndReader) {
  for (int version : {1, 2}) {
    SCOPED_TRACE(version);
    TempFile f;
    sample_recording(f.path, true, version);
    auto rec = read_recording(f.path);
    ASSERT_TRUE(rec) << rec.error().message;
    EXPECT_TRUE(rec->complete);
    EXPECT_TRUE(rec->truncation.empty());
    EXPECT_EQ(rec->label, "left");
    ASSERT_EQ(rec->processes.size(), 2u);
    const ProcessRecord& c = rec->processes[1];
    EXPECT_EQ(c.parent, 0);
    EXPECT_EQ(c.argv[3], std::string("caf\xe9.c"));  // bytes survive via base64
    EXPECT_EQ(c.classification.role, WrapperRole::Client);
    EXPECT_EQ(c.classification.wrapped_tool, "cc");
    ASSERT_EQ(c.files.size(), 2u);
    EXPECT_EQ(c.files[0].hash, "0123456789abcdef0123456789abcdef");
    EXPECT_TRUE(c.files[0].created);
    EXPECT_EQ(c.files[1].op, FileOp::Rename);
    EXPECT_EQ(c.files[1].to, "/src/a");
    EXPECT_EQ(rec->envs.at(0).at(1).second, "gcc");
    EXPECT_EQ(rec->root_status.code, 2);
    ASSERT_EQ(rec->warnings.size(), 1u);
    EXPECT_EQ(rec->version, version);
    EXPECT_NE(f.lines().find("\"base64\""), std::string::npos);
    EXPECT_EQ(f.read().starts_with("\x28\xb5\x2f\xfd"), version == 2) << "zstd's magic";
  }
}

// The process and end lines are written as text, not through a json value: each line must be
// exactly what nlohmann would dump for the value it parses to (member order, escapes, numbers),
// and read back with every field, whatever bytes the strings hold.
TEST(Recording, ProcessAndEndLinesAreCanonicalJsonForAnyBytes) {
    std::string hostile = "q\"b\\s/\b\f\n\r\t\x01\x1f\x7f caf\xc3\xa9 \xe2\x82\xac";
    std::string invalid = std::string("caf\xe9\x01\"", 7);
    ProcessRecord p;
    p.id = 0;
    p.pid = 4242;
    p.parent = -1;
    p.via_exec = false;
    p.start_ns = 18446744073709551615ULL;
    p.exe = hostile;
    p.argv = {hostile, invalid, "", "plain"};
    p.env = 0;
    p.cwd = invalid;
    p.classification.kind = ToolKind::CacheWrapper;
    p.classification.tool = "sccache";
    p.classification.role = WrapperRole::Server;
    p.end_state = EndState::Exited;
    p.status.signal = 9;
    p.end_ns = 12;
    p.user_ns = 1;
    p.system_ns = 2;
    p.exe_hash = "0123456789abcdef0123456789abcdef";
    auto event = [](FileOp op, std::string path, std::string hash) {
        FileEvent f;
        f.op = op;
        f.path = std::move(path);
        f.hash = std::move(hash);
        f.size = 99;
        f.t_ns = 5;
        return f;
    };
    p.files = {event(FileOp::Read, hostile, "ffeeddccbbaa99887766554433221100"),
               event(FileOp::Read, invalid, ""),
               event(FileOp::Write, "/o", "ab"),
               event(FileOp::Rename, "/a", ""),
               event(FileOp::Link, "/b", ""),
               event(FileOp::Unlink, "/c", "")};
    p.files[2].created = p.files[2].deleted = true;
    p.files[3].to = invalid;
    p.files[4].to = hostile;
    ProcessRecord client = p;
    client.id = 1;
    client.parent = 0;
    client.via_exec = true;
    client.classification.role = WrapperRole::Client;
    client.classification.wrapped_tool = hostile;
    client.classification.wrapped_kind = ToolKind::CompilerDriver;
    client.classification.wrapped_argv_index = 1;
    client.status = ExitStatus{};
    client.status.code = 0;
    client.exe_hash.clear();
    client.files.clear();

  for (int version : {1, 2}) {
    SCOPED_TRACE(version);
    TempFile f;
    {
        int fd = open(f.path.c_str(), O_WRONLY | O_TRUNC);
        RecordingWriter w(fd, version);
        Recording h;
        w.header(h);
        w.env(0, {});
        w.process(p);
        w.process(client);
        w.end(p);
        w.end(client);
        w.trailer(h, 2);
        w.flush();
        close(fd);
    }
    std::istringstream lines(f.lines());
    std::string line;
    int checked = 0;
    while (std::getline(lines, line)) {
        auto value = nlohmann::ordered_json::parse(line);
        EXPECT_EQ(value.dump(), line);
        ++checked;
    }
    // Version 2 adds the strings and file versions before the records that use them.
    EXPECT_EQ(checked, version == 1 ? 7 : 10);

    auto rec = read_recording(f.path);
    ASSERT_TRUE(rec) << rec.error().message;
    ASSERT_EQ(rec->processes.size(), 2u);
    const ProcessRecord& a = rec->processes[0];
    EXPECT_EQ(a.parent, -1);
    EXPECT_FALSE(a.via_exec);
    EXPECT_EQ(a.start_ns, p.start_ns);
    EXPECT_EQ(a.exe, hostile);
    EXPECT_EQ(a.argv, p.argv);
    EXPECT_EQ(a.cwd, invalid);
    EXPECT_EQ(a.classification.role, WrapperRole::Server);
    EXPECT_EQ(a.status.signal, 9);
    EXPECT_EQ(a.exe_hash, p.exe_hash);
    ASSERT_EQ(a.files.size(), p.files.size());
    for (size_t i = 0; i < a.files.size(); ++i) {
        EXPECT_EQ(a.files[i].op, p.files[i].op) << i;
        EXPECT_EQ(a.files[i].path, p.files[i].path) << i;
        EXPECT_EQ(a.files[i].to, p.files[i].to) << i;
        EXPECT_EQ(a.files[i].t_ns, 5u) << i;
    }
    EXPECT_EQ(a.files[0].hash, "ffeeddccbbaa99887766554433221100");
    EXPECT_EQ(a.files[0].size, 99u);
    EXPECT_TRUE(a.files[1].hash.empty());
    EXPECT_TRUE(a.files[2].created);
    EXPECT_TRUE(a.files[2].deleted);
    const ProcessRecord& b = rec->processes[1];
    EXPECT_EQ(b.parent, 0);
    EXPECT_EQ(b.classification.wrapped_tool, hostile);
    EXPECT_EQ(b.classification.wrapped_kind, ToolKind::CompilerDriver);
    EXPECT_EQ(b.classification.wrapped_argv_index, 1u);
    EXPECT_EQ(b.status.code, 0);
  }
}

TEST(Recording, WriterIsDeterministic) {
    TempFile a, b;
    sample_recording(a.path, true);
    sample_recording(b.path, true);
    EXPECT_EQ(a.read(), b.read());
}

TEST(Recording, TruncatedLastRecordIsToleratedAndReported) {
    TempFile f;
    sample_recording(f.path, false, 1);
    std::string text = f.read();
    f.write(text + R"({"type":"end","id":0,"state":"exi)");  // cut mid-record
    auto rec = read_recording(f.path);
    ASSERT_TRUE(rec) << rec.error().message;
    EXPECT_FALSE(rec->complete);
    EXPECT_NE(rec->truncation.find("incomplete record"), std::string::npos) << rec->truncation;
    EXPECT_NE(rec->truncation.find("1 process has no end record"), std::string::npos);
    EXPECT_EQ(rec->processes.size(), 2u);
}

TEST(Recording, MissingTrailerIsReported) {
    TempFile f;
    sample_recording(f.path, false);
    auto rec = read_recording(f.path);
    ASSERT_TRUE(rec);
    EXPECT_NE(rec->truncation.find("no trailer"), std::string::npos);
}

TEST(Recording, CorruptMiddleLineIsAnErrorNamingFileAndLine) {
    TempFile f;
    sample_recording(f.path, true, 1);
    std::string text = f.read();
    auto second = text.find('\n') + 1;
    text.insert(second, "{not json\n");
    f.write(text);
    auto rec = read_recording(f.path);
    ASSERT_FALSE(rec);
    EXPECT_NE(rec.error().message.find(f.path + ": line 2: corrupt record"), std::string::npos)
        << rec.error().message;
    EXPECT_EQ(rec.error().message.find('\n'), std::string::npos);
}

TEST(Recording, UnknownVersionIsRejected) {
    TempFile f;
    f.write(R"({"type":"header","format":"buildiff.recording","version":3})"
            "\n");
    auto rec = read_recording(f.path);
    ASSERT_FALSE(rec);
    EXPECT_NE(rec.error().message.find("version 3 is not supported"), std::string::npos)
        << rec.error().message;
}

TEST(Recording, NotARecording) {
    TempFile f;
    f.write("");
    EXPECT_NE(read_recording(f.path).error().message.find("empty file"), std::string::npos);
    f.write(
        "\x7f"
        "ELF\x02\x01\x01");
    EXPECT_NE(read_recording(f.path).error().message.find("not a buildiff recording"),
              std::string::npos);
    f.write(R"({"type":"env","id":0,"vars":[]})"
            "\n");
    EXPECT_NE(read_recording(f.path).error().message.find("no header"), std::string::npos);
    EXPECT_NE(read_recording("/nonexistent/x.rec").error().message.find("cannot open"),
              std::string::npos);
}

TEST(Recording, InconsistentReferencesAreErrors) {
    TempFile f;
    sample_recording(f.path, true, 1);
    std::string text = f.read();
    // An end record for a process that was never announced.
    auto pos = text.find(R"({"type":"trailer")");
    text.insert(pos, R"({"type":"end","id":9,"state":"exited","end_ns":1,"status":{},"files":[]})"
                     "\n");
    f.write(text);
    auto rec = read_recording(f.path);
    ASSERT_FALSE(rec);
    EXPECT_NE(rec.error().message.find("unknown process 9"), std::string::npos)
        << rec.error().message;
}

// Numbers that do not fit their field, and references to processes that do not exist, are
// errors naming the line: never converted, wrapped or passed on to the tree and the differ.
TEST(Recording, OutOfRangeNumbersAndDanglingReferencesAreErrorsNamingTheLine) {
    TempFile f;
    sample_recording(f.path, true, 1);
    const std::string good = f.read();
    expect_errors(f, good, {
        {R"("parent":0)", R"("parent":-5)", "parent -5 is not an earlier process"},
        {R"("parent":0)", R"("parent":1.5)", "\"parent\" is not an integer in range"},
        {R"("id":1,"pid":101)", R"("id":4294967297,"pid":101)",
         "\"id\" is not an integer in range"},
        {R"("pid":100)", R"("pid":1e300)", "\"pid\" is not an integer in range"},
        {R"("status":{"exit":0})", R"("status":{"exit":-1e300})",
         "\"exit\" is not an integer in range"},
        {R"("size":10)", R"("size":-10)", "\"size\" is not an integer in range"},
        {R"("end_ns":5)", R"("end_ns":5.5)", "\"end_ns\" is not an integer in range"},
        {R"("end_ns":5)", R"("end_ns":1e999)", "corrupt record: "},  // beyond a double
        {R"("lingering":[])", R"("lingering":[7])", "lingering process 7 is not a process"},
        {R"("lingering":[])", R"("lingering":[-1])", "lingering process -1 is not a process"},
    });
}

// Version 2, compressed: a recorder killed at any byte leaves a prefix that reads, with a note,
// never an error; the processes read are the same as in the whole recording, as far as they go.
TEST(RecordingV2, EveryPrefixOfTheCompressedStreamReadsWithATruncationNote) {
    TempFile whole, cut;
    sample_recording(whole.path, true, kRecordingVersion, true);
    const std::string bytes = whole.read();
    auto full = read_recording(whole.path);
    ASSERT_TRUE(full) << full.error().message;
    size_t readable = 0, in_frame = 0, most = 0;
    // The last 4 bytes are the frame's checksum: without them every record is there.
    for (size_t n = 1; n + 4 < bytes.size(); ++n) {
        cut.write(bytes.substr(0, n));
        auto rec = read_recording(cut.path);
        if (!rec) {
            // A cut before the header's block is whole: nothing to read yet.
            EXPECT_EQ(readable, 0u) << n << ": a shorter prefix read: " << rec.error().message;
            EXPECT_EQ(rec.error().message.find('\n'), std::string::npos);
            continue;
        }
        ++readable;
        most = std::max(most, rec->processes.size());
        EXPECT_FALSE(rec->complete) << n;
        EXPECT_NE(rec->truncation.find("did not finish"), std::string::npos) << rec->truncation;
        in_frame += rec->truncation.find("inside a compressed frame") != std::string::npos;
        ASSERT_LE(rec->processes.size(), full->processes.size());
        for (size_t i = 0; i < rec->processes.size(); ++i)
            EXPECT_EQ(rec->processes[i].argv, full->processes[i].argv) << n;
    }
    EXPECT_GT(readable, bytes.size() / 2);
    EXPECT_GT(in_frame, 0u);
    EXPECT_EQ(most, full->processes.size());
}

TEST(RecordingV2, CorruptCompressedDataIsAnErrorNamingTheFile) {
    TempFile f;
    sample_recording(f.path, true);
    std::string bytes = f.read();
    bytes[bytes.size() / 2] ^= 0x55;
    f.write(bytes);
    auto rec = read_recording(f.path);
    ASSERT_FALSE(rec);
    EXPECT_TRUE(rec.error().message.starts_with(f.path + ": ")) << rec.error().message;
    EXPECT_EQ(rec.error().message.find('\n'), std::string::npos);
}

// Version 2 stored uncompressed (`zstd -d` of a recording) reads too; its references to strings
// and file versions are checked like every other reference.
TEST(RecordingV2, DanglingStringsAndFileVersionsAreErrorsNamingTheLine) {
    TempFile f;
    sample_recording(f.path, true);
    const std::string good = f.lines();
    f.write(good);
    auto plain = read_recording(f.path);
    ASSERT_TRUE(plain) << plain.error().message;
    EXPECT_EQ(plain->processes.at(1).files.at(0).path, "/src/x.o");
    expect_errors(f, good, {
        {R"("exe":)", R"("exe":999,"x":)", "unknown string id 999 in \"exe\""},
        {R"("files":[[1,)", R"("files":[[0,)", "a read event has 4 fields"},
        {R"("files":[[1,0,0,)", R"("files":[[1,0,77,)", "unknown file version 77"},
        {R"("files":[[1,0,0,1])", R"("files":[[9,0,0,1])", "unknown file operation 9"},
        {R"({"type":"strings","first":0)", R"({"type":"strings","first":3)",
         "strings table starts at 3 (expected 0)"},
    });
}

namespace {

// A recording with what the format's strings and records can hold: escapes, bytes that are not
// UTF-8, wrappers, signals, a missing environment and executable hash, every kind of event.
std::string varied_recording(const std::string& path) {
    int fd = open(path.c_str(), O_WRONLY | O_TRUNC);
    RecordingWriter w(fd);
    Recording h;
    h.command = {"sh", "-c", "echo \"hi\""};
    h.cwd = "/src";
    w.header(h);
    w.env(0, {{"Q", "a \"quoted\" \\ value\n"}, {"NOT_UTF8", std::string("\xff")}});
    std::vector<ProcessRecord> ps(4);
    for (int i = 0; i < 4; ++i) {
        ProcessRecord& p = ps[static_cast<size_t>(i)];
        p.id = i;
        p.pid = 100 + i;
        p.parent = i - 1;
        p.start_ns = 1000u * static_cast<unsigned>(i);
        p.exe = i == 2 ? "/usr/bin/caf\xc3\xa9" : "/usr/bin/tool" + std::to_string(i);
        p.cwd = i == 3 ? std::string("/src/\xfe") : "/src";
        p.env = i == 1 ? -1 : 0;
        p.classification.kind = i == 1 ? ToolKind::CompilerDriver : ToolKind::Other;
        p.classification.tool = i == 3 ? "tab\there" : "tool";
    }
    ps[0].argv = {"sh", "-c", "echo \"hi\""};
    ps[1].argv = {"gcc", "-DX=\"a\\b\"", "-c", "x.c"};
    ps[1].via_exec = false;
    ps[2].argv = {};
    ps[3].argv = {"sccache", "cc", std::string("caf\xe9.c")};
    ps[3].classification.kind = ToolKind::CacheWrapper;
    ps[3].classification.role = WrapperRole::Client;
    ps[3].classification.wrapped_tool = "cc";
    ps[3].classification.wrapped_kind = ToolKind::CompilerDriver;
    for (auto& p : ps) w.process(p);
    auto event = [](FileOp op, const char* path, const char* hash = "", const char* to = "") {
        FileEvent f;
        f.op = op;
        f.path = path;
        f.hash = hash;
        f.size = *hash ? 7 : 0;
        f.to = to;
        f.t_ns = 42;
        return f;
    };
    ps[1].files = {event(FileOp::Read, "/src/x.c", "00112233445566778899aabbccddeeff"),
                   event(FileOp::Read, "/src/unhashed"),
                   event(FileOp::Write, "/src/x.o", "ffeeddccbbaa99887766554433221100"),
                   event(FileOp::Rename, "/src/a.tmp", "", "/src/a"),
                   event(FileOp::Link, "/src/a", "", "/src/b"),
                   event(FileOp::Unlink, "/src/a.tmp")};
    ps[1].files[2].created = true;
    ps[1].files[2].deleted = true;
    ps[1].status.signal = 9;
    ps[1].end_state = EndState::Exited;
    ps[2].status.code = 3;
    ps[2].exe_hash = "0123456789abcdef0123456789abcdef";
    ps[2].end_state = EndState::Replaced;
    ps[3].status.code = 0;
    ps[3].status.signal = 6;
    ps[3].user_ns = 11;
    ps[3].system_ns = 12;
    ps[3].end_ns = 13;
    for (int i : {1, 2, 3, 0}) w.end(ps[static_cast<size_t>(i)]);
    w.trailer(Recording{}, 4);
    w.flush();
    close(fd);
    return path;
}

void expect_same_records(const Recording& a, const Recording& b) {
    EXPECT_EQ(a.envs, b.envs);
    EXPECT_EQ(a.complete, b.complete);
    ASSERT_EQ(a.processes.size(), b.processes.size());
    for (size_t i = 0; i < a.processes.size(); ++i) {
        const ProcessRecord &x = a.processes[i], &y = b.processes[i];
        EXPECT_EQ(std::tie(x.id, x.pid, x.parent, x.via_exec, x.exe, x.exe_hash, x.argv, x.env,
                           x.cwd, x.start_ns, x.ended, x.end_state, x.end_ns, x.user_ns,
                           x.system_ns),
                  std::tie(y.id, y.pid, y.parent, y.via_exec, y.exe, y.exe_hash, y.argv, y.env,
                           y.cwd, y.start_ns, y.ended, y.end_state, y.end_ns, y.user_ns,
                           y.system_ns))
            << "process " << i;
        EXPECT_EQ(x.status.code, y.status.code) << i;
        EXPECT_EQ(x.status.signal, y.status.signal) << i;
        const Classification &c = x.classification, &d = y.classification;
        EXPECT_EQ(std::tie(c.kind, c.tool, c.role, c.wrapped_tool, c.wrapped_kind,
                           c.wrapped_argv_index),
                  std::tie(d.kind, d.tool, d.role, d.wrapped_tool, d.wrapped_kind,
                           d.wrapped_argv_index))
            << i;
        ASSERT_EQ(x.files.size(), y.files.size()) << i;
        for (size_t k = 0; k < x.files.size(); ++k) {
            const FileEvent &e = x.files[k], &f = y.files[k];
            EXPECT_EQ(std::tie(e.op, e.path, e.to, e.hash, e.size, e.created, e.deleted, e.t_ns),
                      std::tie(f.op, f.path, f.to, f.hash, f.size, f.created, f.deleted, f.t_ns))
                << i << " " << k;
        }
    }
}

}  // namespace

// Version 2's records are read by fast paths when they are exactly as the writer writes them
// (the tables, the processes without a wrapper, the end records), and by the general JSON
// reader otherwise: here every line written again by nlohmann (its keys sorted, so no fast path
// applies). The same recording either way, and the same as the model written.
TEST(RecordingV2, EveryRecordReadsTheSameWithOrWithoutTheFastPaths) {
    TempFile f;
    varied_recording(f.path);
    auto fast = read_recording(f.path);
    ASSERT_TRUE(fast) << fast.error().message;
    std::istringstream lines(f.lines());
    std::string general_text, line;
    while (std::getline(lines, line)) general_text += nlohmann::json::parse(line).dump() + "\n";
    ASSERT_NE(general_text, f.lines());
    f.write(general_text);
    auto general = read_recording(f.path);
    ASSERT_TRUE(general) << general.error().message;
    expect_same_records(*fast, *general);
    ASSERT_EQ(fast->processes.size(), 4u);
    EXPECT_EQ(fast->processes[1].argv[1], "-DX=\"a\\b\"");
    EXPECT_EQ(fast->processes[3].argv[2], std::string("caf\xe9.c"));
    EXPECT_EQ(fast->processes[3].cwd, std::string("/src/\xfe"));
    EXPECT_EQ(fast->processes[2].exe, "/usr/bin/caf\xc3\xa9");
    EXPECT_EQ(fast->processes[1].status.signal, 9);
    EXPECT_EQ(fast->processes[1].files.size(), 6u);
    EXPECT_EQ(fast->processes[1].files[1].hash, "");
    EXPECT_TRUE(fast->processes[1].files[2].deleted);
    EXPECT_EQ(fast->processes[2].exe_hash, "0123456789abcdef0123456789abcdef");
    EXPECT_EQ(fast->envs.at(0).at(0).second, "a \"quoted\" \\ value\n");
    // And as a version-1 recording of the same model, which has no fast paths.
    std::istringstream v1(write_recording(*fast, 1));
    auto one = read_recording(v1, "v1");
    ASSERT_TRUE(one) << one.error().message;
    expect_same_records(*fast, *one);
}

// A recording written again from its model (pack) reads back as the same model, in either
// version; and a version-1 recording rewritten as version 2 is several times smaller.
TEST(RecordingV2, WriteRecordingRoundTripsTheModel) {
    TempFile f;
    sample_recording(f.path, true, 1);
    auto v1 = read_recording(f.path);
    ASSERT_TRUE(v1) << v1.error().message;
    for (int version : {1, 2}) {
        std::istringstream in(write_recording(*v1, version));
        auto back = read_recording(in, "again");
        ASSERT_TRUE(back) << back.error().message;
        EXPECT_EQ(back->version, version);
        ASSERT_EQ(back->processes.size(), v1->processes.size());
        for (size_t i = 0; i < v1->processes.size(); ++i) {
            const ProcessRecord &a = v1->processes[i], &b = back->processes[i];
            EXPECT_EQ(a.argv, b.argv);
            EXPECT_EQ(a.exe, b.exe);
            EXPECT_EQ(a.cwd, b.cwd);
            EXPECT_EQ(a.env, b.env);
            EXPECT_EQ(a.ended, b.ended);
            ASSERT_EQ(a.files.size(), b.files.size());
            for (size_t k = 0; k < a.files.size(); ++k) {
                EXPECT_EQ(a.files[k].path, b.files[k].path);
                EXPECT_EQ(a.files[k].to, b.files[k].to);
                EXPECT_EQ(a.files[k].hash, b.files[k].hash);
                EXPECT_EQ(a.files[k].created, b.files[k].created);
            }
        }
        EXPECT_EQ(back->envs, v1->envs);
        EXPECT_EQ(back->complete, v1->complete);
        EXPECT_EQ(back->root_status.code, v1->root_status.code);
        EXPECT_EQ(back->warnings.size(), v1->warnings.size());
    }
}

TEST(Utf8, Validation) {
    EXPECT_TRUE(is_valid_utf8("plain"));
    EXPECT_TRUE(is_valid_utf8("caf\xc3\xa9"));
    EXPECT_FALSE(is_valid_utf8("caf\xe9"));
    EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));  // surrogate
    EXPECT_FALSE(is_valid_utf8("\xc0\x80"));      // overlong
    EXPECT_EQ(base64_encode("ab"), "YWI=");
    EXPECT_EQ(base64_encode("abc"), "YWJj");
}
