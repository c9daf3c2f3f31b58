// End-to-end test helpers.
#include "harness.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "base/hash.h"

namespace fs = std::filesystem;

namespace e2e {

namespace {

std::vector<std::string> make_env(const RunOptions& o) {
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) {
        std::string entry = *e;
        std::string name = entry.substr(0, entry.find('='));
        bool drop = false;
        for (auto& u : o.unset) drop |= u == name;
        for (auto& add : o.env) drop |= add.substr(0, add.find('=')) == name;
        if (!drop) env.push_back(entry);
    }
    for (auto& add : o.env) env.push_back(add);
    return env;
}

[[noreturn]] void exec_child(const std::vector<std::string>& argv, const RunOptions& o) {
    if (!o.cwd.empty() && chdir(o.cwd.c_str()) != 0) _exit(121);
    auto env = make_env(o);
    std::vector<char*> args, envp;
    for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    for (auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    execvpe(args[0], args.data(), envp.data());
    _exit(errno == ENOENT ? 127 : 126);
}

}  // namespace

RunResult run(const std::vector<std::string>& argv, const RunOptions& options) {
    TempDir tmp;
    std::string out = tmp / "out", err = tmp / "err";
    pid_t pid = fork();
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(in, 0);
        dup2(o, 1);
        dup2(e, 2);
        close(in);
        close(o);
        close(e);
        exec_child(argv, options);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    RunResult r;
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = read_text(out);
    r.err = read_text(err);
    return r;
}

pid_t spawn(const std::vector<std::string>& argv, const RunOptions& options) {
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        exec_child(argv, options);
    }
    return pid;
}

std::string buildiff_exe() {
    // Another build of buildiff under the same tests (scripts/test.sh runs the sanitizer build's
    // binary under the release build's tests): BUILDIFF_UNDER_TEST names it.
    static const std::string exe = [] {
        const char* other = std::getenv("BUILDIFF_UNDER_TEST");
        return std::string(other && *other ? other : BUILDIFF_EXE);
    }();
    return exe;
}
std::string fixture(const std::string& name) {
    return std::string(FIXTURES_DIR) + "/" + name;
}
std::string debian_source(const std::string& name) {
    std::string dir = std::string(SOURCE_DIR) + "/tests/work/debian-sources/" + name;
    return fs::exists(dir + "/debian/rules") ? dir : "";
}
std::string helper(const std::string& name) {
    return std::string(HELPERS_DIR) + "/" + name;
}

TempDir::TempDir() {
    std::string pattern = (fs::temp_directory_path() / "buildiff-e2e-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    m_path = pattern;
}

TempDir::~TempDir() {
    if (std::getenv("BUILDIFF_KEEP_TEST_DIRS")) return;
    std::error_code ec;
    fs::remove_all(m_path, ec);
}

void copy_tree(const std::string& from, const std::string& to) {
    fs::copy(from, to, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
}

void write_text(const std::string& path, const std::string& text) {
    std::filesystem::path p(path);
    if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
    std::ofstream(path, std::ios::binary) << text;
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string read_records(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    buildiff::Result<std::string> text = buildiff::recording_text(in, path);
    return text ? *text : "";
}

int free_tcp_port() {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len);
    close(s);
    return ntohs(addr.sin_port);
}

std::string file_hash(const std::string& path) {
    int fd = open(path.c_str(), O_RDONLY);
    if (fd < 0) return "";
    auto h = buildiff::hash_fd(fd);
    close(fd);
    return h ? h->hash.hex() : "";
}

void expect_valid_report(const std::string& report) {
    RunResult v =
        run({"/usr/bin/python3", "-c",
             "import json, sys, jsonschema\n"
             "jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))",
             report, std::string(SOURCE_DIR) + "/docs/report.schema.json"});
    EXPECT_EQ(v.status, 0) << "schema validation failed: " << v.err;
}

buildiff::Recording load(const std::string& path) {
    auto rec = buildiff::read_recording(path);
    if (!rec) throw std::runtime_error(rec.error().message);
    return std::move(rec.value());
}

std::string file_name(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool has_arg(const buildiff::ProcessRecord& p, const std::string& arg) {
    for (auto& a : p.argv)
        if (a == arg) return true;
    return false;
}

std::vector<const buildiff::ProcessRecord*> by_tool(const buildiff::Recording& rec,
                                                    const std::string& tool) {
    std::vector<const buildiff::ProcessRecord*> out;
    for (auto& p : rec.processes)
        if (p.via_exec && !p.argv.empty() &&
            (file_name(p.argv[0]) == tool || p.classification.tool == tool))
            out.push_back(&p);
    return out;
}

const buildiff::FileEvent* find_file(const buildiff::ProcessRecord& p, buildiff::FileOp op,
                                     const std::string& path) {
    for (auto& f : p.files)
        if (f.op == op && f.path == path) return &f;
    return nullptr;
}

bool process_alive(const std::string& cmdline) {
    for (auto& entry : fs::directory_iterator("/proc")) {
        std::string name = entry.path().filename();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::string cmd = read_text(entry.path().string() + "/cmdline");
        for (char& c : cmd)
            if (c == '\0') c = ' ';
        if (!cmd.empty() && cmd.back() == ' ') cmd.pop_back();
        std::string state = read_text(entry.path().string() + "/stat");
        auto paren = state.rfind(')');
        bool zombie =
            paren != std::string::npos && paren + 2 < state.size() && state[paren + 2] == 'Z';
        if (cmd == cmdline && !zombie) return true;
    }
    return false;
}

std::string record_make(const TempDir& tmp, const std::string& dir, const std::string& name,
                        std::vector<std::string> make_args, std::vector<std::string> env) {
    std::string src = tmp / dir;
    if (!fs::exists(src)) copy_tree(fixture("diff-c"), src);
    EXPECT_EQ(run({"make", "clean"}, {.cwd = src}).status, 0);
    std::vector<std::string> argv = {buildiff_exe(), "record", "-q",  "-o",
                                     tmp / name,     "--",     "make"};
    argv.insert(argv.end(), make_args.begin(), make_args.end());
    RunResult r =
        run(argv, {.cwd = src, .env = env, .unset = {"SOURCE_DATE_EPOCH", "CFLAGS", "CC"}});
    EXPECT_EQ(r.status, 0) << r.err;
    return tmp / name;
}

std::pair<std::string, std::string> record_stale_ccache_hit(const TempDir& tmp) {
    std::vector<std::string> env = {"CCACHE_DIR=" + (tmp / "cache"),
                                    "CCACHE_SLOPPINESS=time_macros"};
    std::string plain = record_make(tmp, "src", "plain.rec", {"CLOCK_CFLAGS=-DWITH_TIME"}, env);
    // Cold compiles a second later than plain (a different __TIME__), warm a second later still.
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    record_make(tmp, "src", "cold.rec", {"CLOCK_CFLAGS=-DWITH_TIME", "CC=ccache cc"}, env);
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    std::string warm =
        record_make(tmp, "src", "warm.rec", {"CLOCK_CFLAGS=-DWITH_TIME", "CC=ccache cc"}, env);
    return {plain, warm};
}

}  // namespace e2e
