#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/core.h>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "base/hash.h"
#include "record/procfs.h"

using namespace buildiff;

TEST(Hash, FileHashEqualsBytesHash) {
    char path[] = "/tmp/buildiff-hash-XXXXXX";
    int fd = mkstemp(path);
    ASSERT_GE(fd, 0);
    std::string content(3 * 1024 * 1024 + 17, 'x');  // larger than one read buffer
    for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 7);
    ASSERT_EQ(write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
    auto h = hash_fd(fd);
    close(fd);
    unlink(path);
    ASSERT_TRUE(h);
    EXPECT_EQ(h->size, content.size());
    EXPECT_EQ(h->hash, hash_bytes(content));
    EXPECT_NE(hash_bytes("a"), hash_bytes("b"));
    EXPECT_EQ(hash_bytes("").hex().size(), 32u);
}

TEST(Hash, KnownVector) {
    // XXH3-128 of the empty input (xxHash's reference value).
    EXPECT_EQ(hash_bytes("").hex(), "99aa06d3014798d86001c324468d497f");
}

TEST(Procfs, NormalizeIsLexical) {
    EXPECT_EQ(procfs::normalize("/a/b/../c/./d//e"), "/a/c/d/e");
    EXPECT_EQ(procfs::normalize("/.."), "/");
    EXPECT_EQ(procfs::normalize("/"), "/");
    EXPECT_EQ(procfs::normalize("/tmp/x/"), "/tmp/x");
}

TEST(Procfs, SplitNul) {
    std::string bytes("a\0bb\0\0c\0", 8);
    auto parts = procfs::split_nul(bytes);
    ASSERT_EQ(parts.size(), 4u);
    EXPECT_EQ(parts[1], "bb");
    EXPECT_EQ(parts[2], "");
}

TEST(Procfs, ReadsOwnMemoryAndCpu) {
    const char* text = "hello tracer";
    auto s = procfs::read_string(getpid(), reinterpret_cast<std::uint64_t>(text));
    ASSERT_TRUE(s);
    EXPECT_EQ(*s, text);
    EXPECT_TRUE(procfs::cpu_times(getpid()));
}

// Strings are read a page at a time: across a page boundary, up to an unmapped page (no NUL
// there: no string), and no longer than the limit.
TEST(Procfs, ReadStringCrossesPagesAndStopsAtUnmappedOnesAndTheLimit) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    auto* map = static_cast<char*>(
        mmap(nullptr, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    ASSERT_NE(map, MAP_FAILED);
    ASSERT_EQ(munmap(map + 2 * page, page), 0);  // the third page is unmapped
    auto address = [&](size_t offset) { return reinterpret_cast<std::uint64_t>(map + offset); };
    std::memset(map, 'x', 2 * page);
    map[page + 10] = '\0';  // a string of 20 bytes across the first page boundary
    auto across = procfs::read_string(getpid(), address(page - 10));
    ASSERT_TRUE(across);
    EXPECT_EQ(*across, std::string(20, 'x'));
    EXPECT_EQ(procfs::read_string(getpid(), address(page - 10), 20), std::string(20, 'x'));
    EXPECT_FALSE(procfs::read_string(getpid(), address(page - 10), 19));  // longer than 19
    EXPECT_FALSE(procfs::read_string(getpid(), address(page + 11)));      // runs into the hole
    auto long_one = procfs::read_string(getpid(), address(0), 3 * page);
    ASSERT_TRUE(long_one);
    EXPECT_EQ(long_one->size(), page + 10);
    munmap(map, 2 * page);
}

namespace {

// A child stopped at the exec stop of `argv` with `env` (PTRACE_SEIZE with TRACEEXEC), its
// stack pointer there, and /proc's view of its argv and environment for comparison.
struct ExecStop {
    pid_t pid = -1;
    std::uint64_t sp = 0;
    std::string proc_args, proc_env;
};

// `before` runs with the child's pid while it still runs this program, before its exec.
ExecStop stop_at_exec(std::vector<std::string> argv, std::vector<std::string> env,
                      const std::function<void(pid_t)>& before = {}) {
    ExecStop out;
    int go[2];
    if (pipe(go) != 0) return out;
    pid_t pid = fork();
    if (pid == 0) {
        char byte;
        close(go[1]);
        if (read(go[0], &byte, 1) != 1) _exit(1);
        std::vector<char*> a, e;
        for (auto& s : argv) a.push_back(s.data());
        for (auto& s : env) e.push_back(s.data());
        a.push_back(nullptr);
        e.push_back(nullptr);
        execve("/bin/true", a.data(), e.data());
        _exit(127);
    }
    close(go[0]);
    out.pid = pid;
    if (before) before(pid);
    if (ptrace(PTRACE_SEIZE, pid, nullptr, reinterpret_cast<void*>(PTRACE_O_TRACEEXEC)) != 0 ||
        write(go[1], "g", 1) != 1) {
        close(go[1]);
        return out;
    }
    close(go[1]);
    int status;
    if (waitpid(pid, &status, 0) != pid || status >> 8 != (SIGTRAP | (PTRACE_EVENT_EXEC << 8)))
        return out;
    __ptrace_syscall_info info{};
    if (ptrace(PTRACE_GET_SYSCALL_INFO, pid, sizeof info, &info) <= 0) return out;
    out.sp = info.stack_pointer;
    out.proc_args = procfs::read_file(fmt::format("/proc/{}/cmdline", pid)).value_or("?");
    out.proc_env = procfs::read_file(fmt::format("/proc/{}/environ", pid)).value_or("?");
    return out;
}

void finish(const ExecStop& stop) {
    if (stop.pid <= 0) return;
    kill(stop.pid, SIGKILL);
    waitpid(stop.pid, nullptr, 0);
}

std::string joined(const std::vector<std::string>& parts) {
    std::string out;
    for (const std::string& p : parts) out += p + '\0';
    return out;
}

}  // namespace

TEST(Procfs, InitialStackGivesExactlyWhatTheNewImageReceived) {
    // Empty strings, spaces, many arguments, and an environment spanning many pages (one
    // variable may be at most 128 KiB).
    std::vector<std::string> argv = {"true", "", "two words", ""};
    for (int i = 0; i < 3000; ++i) argv.push_back(std::to_string(i));
    std::vector<std::string> env = {"A=1", "EMPTY=", "NOEQUALS"};
    for (char c : {'x', 'y', 'z'})
        env.push_back(std::string("BIG_") + c + "=" + std::string(100000, c));
    ExecStop stop = stop_at_exec(argv, env);
    ASSERT_GT(stop.sp, 0u) << "no exec stop";
    std::string args, environ;
    bool ok = procfs::read_initial_stack(stop.pid, stop.sp, args, environ);
    // A misplaced stack pointer is refused, never read as something else.
    std::string junk_args, junk_env;
    bool misread = procfs::read_initial_stack(stop.pid, stop.sp + 8, junk_args, junk_env);
    finish(stop);
    ASSERT_TRUE(ok);
    EXPECT_EQ(args, joined(argv));
    EXPECT_EQ(environ, joined(env));
    EXPECT_EQ(args, stop.proc_args);
    EXPECT_EQ(environ, stop.proc_env);
    EXPECT_FALSE(misread);
}

TEST(Procfs, InitialStackOfAnEmptyArgvAndEnvironment) {
    // execve with no arguments at all: Linux 5.18+ gives the program an empty argv[0].
    ExecStop stop = stop_at_exec({}, {});
    ASSERT_GT(stop.sp, 0u) << "no exec stop";
    std::string args = "?", environ = "?";
    bool ok = procfs::read_initial_stack(stop.pid, stop.sp, args, environ);
    finish(stop);
    ASSERT_TRUE(ok);
    EXPECT_EQ(args, stop.proc_args);
    EXPECT_EQ(environ, "");
    EXPECT_EQ(environ, stop.proc_env);
}

TEST(Procfs, ExeLinkOpenedBeforeAnExecReadsTheNewImage) {
    // The recorder opens /proc/PID/exe (the link itself) while a new process runs, and reads it
    // at the process's exec stop: it must name the new image, as a fresh readlink does.
    int link = -1;
    ExecStop stop = stop_at_exec({"true"}, {}, [&](pid_t pid) {
        link = open(fmt::format("/proc/{}/exe", pid).c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
    });
    ASSERT_GT(stop.sp, 0u) << "no exec stop";
    ASSERT_GE(link, 0);
    auto through_fd = procfs::read_link_fd(link);
    auto fresh = procfs::read_link(fmt::format("/proc/{}/exe", stop.pid));
    finish(stop);
    close(link);
    char real[PATH_MAX];
    ASSERT_NE(realpath("/bin/true", real), nullptr);
    ASSERT_TRUE(through_fd);
    EXPECT_EQ(*through_fd, real);
    EXPECT_EQ(through_fd, fresh);
    EXPECT_FALSE(procfs::read_link_fd(-1));
}
