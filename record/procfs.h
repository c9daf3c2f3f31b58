// Reading a traced process's state from /proc and its memory.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace buildiff::procfs {

std::optional<std::string> read_file(const std::string& path);
std::optional<std::string> read_link(const std::string& path);
// The target of the symbolic link an O_PATH | O_NOFOLLOW descriptor refers to.
std::optional<std::string> read_link_fd(int link_fd);
// NUL-separated /proc/PID/{cmdline,environ} split into strings.
std::vector<std::string> split_nul(const std::string& bytes);
// User and system CPU time of the thread group, in nanoseconds, from /proc/PID/stat.
struct CpuTimes {
    std::uint64_t user_ns = 0;
    std::uint64_t system_ns = 0;
};
std::optional<CpuTimes> cpu_times(pid_t pid);

// What an exec stop needs from /proc/PID/stat: CPU times and where argv and the environment
// lie in the new image's memory.
struct ExecStat {
    CpuTimes cpu;
    std::uint64_t arg_start = 0, arg_end = 0, env_start = 0, env_end = 0;
};
std::optional<ExecStat> exec_stat(pid_t pid);
// argv and the environment (NUL-separated) of a process stopped at its exec, read from its
// memory in one call; falls back to /proc/PID/cmdline and environ.
void read_args_env(pid_t pid, const ExecStat& st, std::string& args, std::string& env);
// The same two strings, read from the initial stack of a process stopped at its exec (`sp`, its
// stack pointer, points at argc; then argv[], NULL, envp[], NULL; the strings lie above, argv's
// then the environment's, end to end): one or two reads and no /proc. False when the stack is
// not laid out that way for 64-bit pointers (a 32-bit or x32 program) or cannot be read: the
// caller then asks /proc.
bool read_initial_stack(pid_t pid, std::uint64_t sp, std::string& args, std::string& env);
// A NUL-terminated string from the tracee's memory (at most `limit` bytes).
std::optional<std::string> read_string(pid_t pid, std::uint64_t address, size_t limit = 4096);
bool read_memory(pid_t pid, std::uint64_t address, void* out, size_t size);
// Lexical normalisation of an absolute path: removes "." and "..", duplicate slashes.
std::string normalize(const std::string& path);

}  // namespace buildiff::procfs
