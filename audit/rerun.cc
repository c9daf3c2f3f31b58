// The step runs as the third of three processes: the first leaves buildiff's namespaces, the
// second is the new process namespace's init (it sets up the mounts and reaps), the third is
// `buildiff record`. Killing the first's process group kills the init, and with it everything
// the step started.
#include "audit/rerun.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/core.h>

namespace buildiff {

namespace {

double seconds_since(const timespec& start) {
    timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<double>(now.tv_sec - start.tv_sec) +
           static_cast<double>(now.tv_nsec - start.tv_nsec) / 1e9;
}

// Mount points as /proc/self/mountinfo spells them (octal escapes undone).
std::vector<std::string> mount_points() {
    std::vector<std::string> out;
    std::ifstream in("/proc/self/mountinfo");
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string id, parent, dev, root, point;
        if (!(fields >> id >> parent >> dev >> root >> point)) continue;
        std::string unescaped;
        for (size_t i = 0; i < point.size(); ++i) {
            if (point[i] == '\\' && i + 3 < point.size()) {
                unescaped += static_cast<char>(std::stoi(point.substr(i + 1, 3), nullptr, 8));
                i += 3;
            } else {
                unescaped += point[i];
            }
        }
        out.push_back(unescaped);
    }
    return out;
}

bool under(const std::string& path, const std::string& dir) {
    return path == dir || (path.starts_with(dir) && (dir == "/" || path[dir.size()] == '/'));
}

// The mount points to make read-only: all but the kernel's own file systems and the two that
// stay writable.
std::vector<std::string> read_only_points(const RerunSpec& spec) {
    std::vector<std::string> out;
    for (const std::string& p : mount_points()) {
        if (under(p, "/proc") || under(p, "/sys") || under(p, "/dev")) continue;
        if (under(p, spec.scratch) || under(p, spec.root)) continue;
        out.push_back(p);
    }
    return out;
}

// Writes "what: strerror" to the error pipe and leaves.
[[noreturn]] void die(int err_fd, const char* what) {
    std::string message = fmt::format("{}: {}", what, std::strerror(errno));
    ssize_t ignored = write(err_fd, message.data(), message.size());
    (void)ignored;
    _exit(125);
}

// Everything the children need, made before forking (no allocation after it).
struct Prepared {
    std::vector<std::string> args, env, ro;
    std::vector<char*> argv, envp;
};

Prepared prepare(const RerunSpec& spec) {
    Prepared p;
    p.args = {spec.self, "record", "-q", "--no-redact", "-o", spec.recording, "--"};
    p.args.insert(p.args.end(), spec.argv.begin(), spec.argv.end());
    for (const auto& [name, value] : spec.env) p.env.push_back(name + "=" + value);
    p.ro = read_only_points(spec);
    for (std::string& a : p.args) p.argv.push_back(a.data());
    p.argv.push_back(nullptr);
    for (std::string& e : p.env) p.envp.push_back(e.data());
    p.envp.push_back(nullptr);
    return p;
}

// The namespace's init: the mounts, then the recorder as its child, reaped with every orphan.
[[noreturn]] void namespace_init(const RerunSpec& spec, Prepared& p, int err_fd) {
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
        die(err_fd, "making the mounts private");
    if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
        die(err_fd, "mounting /proc");
    if (mount(spec.scratch.c_str(), spec.scratch.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
        die(err_fd, "binding the scratch directory");
    if (mount(spec.image.c_str(), spec.root.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
        die(err_fd, "mounting the scratch root at the build root");
    for (const std::string& point : p.ro) {
        int r = mount(nullptr, point.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr);
        if (r != 0 && point == "/") die(err_fd, "making / read-only");
    }
    if (chdir(spec.cwd.c_str()) != 0) die(err_fd, "entering the step's directory");
    pid_t recorder = fork();
    if (recorder < 0) die(err_fd, "fork");
    if (recorder == 0) {
        execve(p.argv[0], p.argv.data(), p.envp.data());
        die(err_fd, "running buildiff record");
    }
    close(err_fd);
    int status = 0, code = 125;
    for (;;) {
        pid_t done = waitpid(-1, &status, 0);
        if (done < 0 && errno == EINTR) continue;
        if (done < 0) break;
        if (done == recorder) {
            code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            break;
        }
    }
    _exit(code);
}

}  // namespace

RerunOutcome rerun_isolated(const RerunSpec& spec) {
    RerunOutcome out;
    if (under(spec.scratch, spec.root) || under(spec.root, spec.scratch)) {
        out.error = fmt::format("the scratch directory {} and the build root {} overlap",
                                spec.scratch, spec.root);
        return out;
    }
    // The mount point: the directories that do not exist are made, and removed afterwards.
    std::vector<std::string> made;
    for (std::filesystem::path d = spec.root; !d.empty() && !std::filesystem::exists(d);
         d = d.parent_path())
        made.push_back(d.string());
    for (auto it = made.rbegin(); it != made.rend(); ++it)
        if (mkdir(it->c_str(), 0755) != 0 && errno != EEXIST) {
            out.error = fmt::format("{}: cannot make the mount point: {}", *it,
                                    std::strerror(errno));
            for (auto back = made.begin(); back != made.end(); ++back) rmdir(back->c_str());
            return out;
        }
    Prepared p = prepare(spec);
    int err[2];
    if (pipe2(err, O_CLOEXEC) != 0) {
        out.error = fmt::format("pipe: {}", std::strerror(errno));
        return out;
    }
    timespec start;
    clock_gettime(CLOCK_MONOTONIC, &start);
    pid_t outer = fork();
    if (outer == 0) {
        close(err[0]);
        setpgid(0, 0);
        int devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            dup2(devnull, 0);
            dup2(devnull, 1);
            dup2(devnull, 2);
            if (devnull > 2) close(devnull);
        }
        if (unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID) != 0)
            die(err[1], "entering new mount, network and process namespaces");
        pid_t init = fork();
        if (init < 0) die(err[1], "fork");
        if (init == 0) namespace_init(spec, p, err[1]);
        close(err[1]);
        int status = 0;
        while (waitpid(init, &status, 0) < 0 && errno == EINTR) {
        }
        _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    }
    close(err[1]);
    if (outer < 0) {
        close(err[0]);
        out.error = fmt::format("fork: {}", std::strerror(errno));
    } else {
        setpgid(outer, outer);  // either of the two does it first
        int status = 0;
        for (int wait_us = 500;;) {
            pid_t done = waitpid(outer, &status, WNOHANG);
            if (done == outer) break;
            if (seconds_since(start) >= spec.limit_seconds) {
                kill(-outer, SIGKILL);
                kill(outer, SIGKILL);
                waitpid(outer, &status, 0);
                out.timed_out = true;
                break;
            }
            usleep(static_cast<useconds_t>(wait_us));
            wait_us = std::min(wait_us * 2, 10000);
        }
        out.seconds = seconds_since(start);
        std::string message;
        char buf[512];
        ssize_t n;
        while ((n = read(err[0], buf, sizeof buf)) > 0) message.append(buf, static_cast<size_t>(n));
        close(err[0]);
        if (!message.empty()) {
            out.error = message;
        } else if (!out.timed_out) {
            out.ran = true;
            out.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        } else {
            out.ran = true;
        }
    }
    for (const std::string& d : made) rmdir(d.c_str());
    return out;
}

}  // namespace buildiff
