// /proc readers for the tracer. All calls are cheap and never block on the tracee.
#include "record/procfs.h"

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace buildiff::procfs {

std::optional<std::string> read_file(const std::string& path) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    std::string out;
    char buf[16384];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    close(fd);
    return out;
}

namespace {
std::optional<std::string> read_link_at(int dirfd, const char* path) {
    char buf[8192];
    ssize_t n = readlinkat(dirfd, path, buf, sizeof buf);
    if (n < 0 || static_cast<size_t>(n) == sizeof buf) return std::nullopt;
    return std::string(buf, static_cast<size_t>(n));
}
}  // namespace

std::optional<std::string> read_link(const std::string& path) {
    return read_link_at(AT_FDCWD, path.c_str());
}

std::optional<std::string> read_link_fd(int link_fd) {
    return read_link_at(link_fd, "");
}

std::vector<std::string> split_nul(const std::string& bytes) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start < bytes.size()) {
        size_t end = bytes.find('\0', start);
        if (end == std::string::npos) end = bytes.size();
        out.emplace_back(bytes, start, end - start);
        start = end + 1;
    }
    return out;
}

std::optional<ExecStat> exec_stat(pid_t pid) {
    // One read: the kernel produces /proc/PID/stat (well under 1 KiB) in a single call.
    char path[64], buf[2048];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return std::nullopt;
    std::optional<std::string> stat(std::string(buf, static_cast<size_t>(n)));
    // The command name is in parentheses and may contain spaces: fields start after the last
    // ')', with field 3 (the state).
    auto close_paren = stat->rfind(')');
    if (close_paren == std::string::npos) return std::nullopt;
    std::vector<unsigned long long> fields;  // fields[0] is field 3
    const char* p = stat->c_str() + close_paren + 1;
    while (*p) {
        while (*p == ' ') ++p;
        if (!*p) break;
        char* end = nullptr;
        fields.push_back(std::strtoull(p, &end, 10));
        if (end == p) {  // the state letter
            while (*p && *p != ' ') ++p;
        } else {
            p = end;
        }
    }
    auto field = [&](size_t n) { return n - 3 < fields.size() ? fields[n - 3] : 0ULL; };
    static const long ticks = sysconf(_SC_CLK_TCK);
    std::uint64_t ns_per_tick = 1000000000ULL / static_cast<std::uint64_t>(ticks > 0 ? ticks : 100);
    ExecStat st;
    st.cpu = {field(14) * ns_per_tick, field(15) * ns_per_tick};
    st.arg_start = field(48);
    st.arg_end = field(49);
    st.env_start = field(50);
    st.env_end = field(51);
    return st;
}

std::optional<CpuTimes> cpu_times(pid_t pid) {
    auto st = exec_stat(pid);
    if (!st) return std::nullopt;
    return st->cpu;
}

void read_args_env(pid_t pid, const ExecStat& st, std::string& args, std::string& env) {
    constexpr std::uint64_t kLimit = 64u << 20;
    bool sane = st.arg_start && st.arg_end >= st.arg_start && st.env_end >= st.env_start &&
                st.arg_end - st.arg_start < kLimit && st.env_end - st.env_start < kLimit;
    if (sane) {
        args.resize(st.arg_end - st.arg_start);
        env.resize(st.env_end - st.env_start);
        iovec local[2] = {{args.data(), args.size()}, {env.data(), env.size()}};
        iovec remote[2] = {{reinterpret_cast<void*>(st.arg_start), args.size()},
                           {reinterpret_cast<void*>(st.env_start), env.size()}};
        if (process_vm_readv(pid, local, 2, remote, 2, 0) ==
            static_cast<ssize_t>(args.size() + env.size()))
            return;
    }
    std::string dir = "/proc/" + std::to_string(pid) + "/";
    args = read_file(dir + "cmdline").value_or("");
    env = read_file(dir + "environ").value_or("");
}

namespace {

constexpr std::uint64_t kPage = 4096;

// [base, base + size()) of a tracee's memory, read forward on demand in whole pages (and
// `read_ahead` bytes beyond what is asked), so that reading stops at the first unmapped page
// instead of failing.
class RemoteWindow {
  public:
    RemoteWindow(pid_t pid, std::uint64_t base, std::uint64_t read_ahead)
        : m_pid(pid), m_base(base), m_read_ahead(read_ahead) {}
    const std::string& bytes() const { return m_bytes; }
    // Makes [base, base + n) available; false past the mapping or beyond 64 MiB.
    bool cover(std::uint64_t n) {
        constexpr std::uint64_t kLimit = 64u << 20;
        constexpr size_t kMaxPages = 64;
        while (m_bytes.size() < n) {
            if (n > kLimit || m_ended) return false;
            std::uint64_t at = m_base + m_bytes.size();
            std::uint64_t until = std::max(m_base + n, at + m_read_ahead);
            iovec remote[kMaxPages];
            size_t count = 0;
            std::uint64_t wanted = 0;
            for (std::uint64_t a = at; a < until && count < kMaxPages;
                 a = (a / kPage + 1) * kPage) {
                std::uint64_t len = kPage - a % kPage;
                remote[count++] = {reinterpret_cast<void*>(a), len};
                wanted += len;
            }
            size_t old = m_bytes.size();
            m_bytes.resize(old + wanted);
            iovec local{m_bytes.data() + old, wanted};
            ssize_t got = process_vm_readv(m_pid, &local, 1, remote, count, 0);
            if (got < static_cast<ssize_t>(wanted)) m_ended = true;  // the next page is unmapped
            m_bytes.resize(old + static_cast<size_t>(std::max<ssize_t>(got, 0)));
        }
        return true;
    }
    std::uint64_t word(std::uint64_t index) const {
        std::uint64_t w;
        std::memcpy(&w, m_bytes.data() + index * 8, 8);
        return w;
    }
    // The offset of the first NUL at or after `from`, reading on as far as `limit` bytes.
    std::optional<size_t> nul_from(size_t from, size_t limit) {
        for (;;) {
            size_t nul = m_bytes.find('\0', from);
            if (nul != std::string::npos) return nul < limit ? std::optional(nul) : std::nullopt;
            from = std::max(from, m_bytes.size());
            if (m_bytes.size() >= limit || !cover(m_bytes.size() + 1)) return std::nullopt;
        }
    }

  private:
    pid_t m_pid;
    std::uint64_t m_base;
    std::uint64_t m_read_ahead;
    std::string m_bytes;
    bool m_ended = false;
};

}  // namespace

bool read_initial_stack(pid_t pid, std::uint64_t sp, std::string& args, std::string& env) {
    constexpr std::uint64_t kMaxPointers = 1u << 22;
    RemoteWindow stack(pid, sp, 4 * kPage);
    if (!stack.cover(8)) return false;
    std::uint64_t argc = stack.word(0);
    if (argc > kMaxPointers || !stack.cover((argc + 2) * 8) || stack.word(argc + 1) != 0)
        return false;
    std::vector<std::uint64_t> strings;  // argv[] then envp[]
    for (std::uint64_t i = 0; i < argc; ++i) strings.push_back(stack.word(1 + i));
    for (std::uint64_t i = argc + 2;; ++i) {
        if (i - argc > kMaxPointers || !stack.cover((i + 1) * 8)) return false;
        std::uint64_t p = stack.word(i);
        if (p == 0) break;
        strings.push_back(p);
    }
    // Each string must start where the previous one ended, above the pointer arrays.
    std::uint64_t pointers_end = sp + (argc + 2 + (strings.size() - argc) + 1) * 8;
    std::uint64_t at = strings.empty() ? pointers_end : strings[0];
    if (at < pointers_end) return false;
    std::uint64_t env_start = at;
    for (size_t i = 0; i < strings.size(); ++i) {
        if (strings[i] != at) return false;
        std::optional<size_t> nul = stack.nul_from(at - sp, SIZE_MAX);
        if (!nul) return false;
        at = sp + *nul + 1;
        if (i + 1 == argc) env_start = at;
    }
    std::uint64_t first = strings.empty() ? at : strings[0];
    if (argc == 0) env_start = first;
    args.assign(stack.bytes(), first - sp, env_start - first);
    env.assign(stack.bytes(), env_start - sp, at - env_start);
    return true;
}

bool read_memory(pid_t pid, std::uint64_t address, void* out, size_t size) {
    iovec local{out, size};
    iovec remote{reinterpret_cast<void*>(address), size};
    return process_vm_readv(pid, &local, 1, &remote, 1, 0) == static_cast<ssize_t>(size);
}

std::optional<std::string> read_string(pid_t pid, std::uint64_t address, size_t limit) {
    if (address == 0) return std::nullopt;
    RemoteWindow text(pid, address, 0);  // to the end of the page first: most strings end there
    std::optional<size_t> nul = text.nul_from(0, limit + 1);
    if (!nul) return std::nullopt;
    return text.bytes().substr(0, *nul);
}

std::string normalize(const std::string& path) {
    std::vector<std::string> parts;
    size_t i = 0;
    while (i < path.size()) {
        size_t j = path.find('/', i);
        if (j == std::string::npos) j = path.size();
        std::string part = path.substr(i, j - i);
        if (part == "..") {
            if (!parts.empty()) parts.pop_back();
        } else if (!part.empty() && part != ".") {
            parts.push_back(std::move(part));
        }
        i = j + 1;
    }
    std::string out;
    for (auto& part : parts) out += "/" + part;
    return out.empty() ? "/" : out;
}

}  // namespace buildiff::procfs
