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
};

// A small recording written through the real writer.
std::string sample_recording(const std::string& path, bool with_trailer) {
    int fd = open(path.c_str(), O_WRONLY | O_TRUNC);
    RecordingWriter w(fd);
    Recording h;
    h.label = "left";
    h.command = {"make", "-j2"};
    h.cwd = "/src";
    h.started_at = "2026-11-21T00:00:00Z";
    h.buildiff_version = "test";
    h.salt_id = "abc";
    w.header(h);
    w.env(0, {{"PATH", "/usr/bin"}, {"CC", "gcc"}});
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
    w.warning({"code", "a warning"});
    if (with_trailer) {
        p.end_state = EndState::Exited;
        p.status.code = 2;
        w.end(p);
        Recording t;
        t.root_status.code = 2;
        w.trailer(t, 2);
    }
    w.flush();
    close(fd);
    return path;
}

}  // namespace

TEST(Recording, RoundTripsThroughWriterAndReader) {
    TempFile f;
    sample_recording(f.path, true);
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
    EXPECT_NE(f.read().find("\"base64\""), std::string::npos);
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

    TempFile f;
    {
        int fd = open(f.path.c_str(), O_WRONLY | O_TRUNC);
        RecordingWriter w(fd);
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
    std::istringstream lines(f.read());
    std::string line;
    int checked = 0;
    while (std::getline(lines, line)) {
        auto value = nlohmann::ordered_json::parse(line);
        EXPECT_EQ(value.dump(), line);
        ++checked;
    }
    EXPECT_EQ(checked, 7);

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

TEST(Recording, WriterIsDeterministic) {
    TempFile a, b;
    sample_recording(a.path, true);
    sample_recording(b.path, true);
    EXPECT_EQ(a.read(), b.read());
}

TEST(Recording, TruncatedLastRecordIsToleratedAndReported) {
    TempFile f;
    sample_recording(f.path, false);
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
    sample_recording(f.path, true);
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
    f.write(R"({"type":"header","format":"buildiff.recording","version":2})"
            "\n");
    auto rec = read_recording(f.path);
    ASSERT_FALSE(rec);
    EXPECT_NE(rec.error().message.find("version 2 is not supported"), std::string::npos)
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
    sample_recording(f.path, true);
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
    sample_recording(f.path, true);
    const std::string good = f.read();
    struct Case {
        std::string from, to, message;
    };
    const std::vector<Case> cases = {
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
    };
    for (const Case& c : cases) {
        std::string text = good;
        auto at = text.find(c.from);
        ASSERT_NE(at, std::string::npos) << c.from;
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

TEST(Utf8, Validation) {
    EXPECT_TRUE(is_valid_utf8("plain"));
    EXPECT_TRUE(is_valid_utf8("caf\xc3\xa9"));
    EXPECT_FALSE(is_valid_utf8("caf\xe9"));
    EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));  // surrogate
    EXPECT_FALSE(is_valid_utf8("\xc0\x80"));      // overlong
    EXPECT_EQ(base64_encode("ab"), "YWI=");
    EXPECT_EQ(base64_encode("abc"), "YWJj");
}
