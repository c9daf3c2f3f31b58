// `buildiff record` as a wrapper: exit statuses, transparency, being killed, daemons that
// outlive the build, secrets, a cache server outside the recording; `show` on good and bad input.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <pty.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/core.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "harness.h"

using namespace buildiff;
using namespace e2e;
using namespace std::chrono_literals;

TEST(RecordExitStatus, IsTheBuildsOwn) {
    TempDir tmp;
    RunResult r = run({buildiff_exe(), "record", "-o", tmp / "a.rec", "--", "sh", "-c", "exit 3"});
    EXPECT_EQ(r.status, 3);
    EXPECT_EQ(load(tmp / "a.rec").root_status.code, 3);
    EXPECT_TRUE(r.err.starts_with("buildiff: recorded 1 process in " + (tmp / "a.rec") + " ("))
        << r.err;

    r = run({buildiff_exe(), "record", "-o", tmp / "b.rec", "--", "sh", "-c", "kill -TERM $$"});
    EXPECT_EQ(r.status, 143);
    Recording b = load(tmp / "b.rec");
    EXPECT_TRUE(b.complete);
    EXPECT_EQ(b.root_status.signal, SIGTERM);
}

TEST(RecordExitStatus, OwnFailuresAre125To127) {
    TempDir tmp;
    RunResult r = run({buildiff_exe(), "record", "-o", tmp / "c.rec", "--", "no-such-command-xyz"});
    EXPECT_EQ(r.status, 127);
    EXPECT_NE(r.err.find("no-such-command-xyz: No such file or directory"), std::string::npos)
        << r.err;

    std::string script = tmp / "not-executable.sh";
    std::ofstream(script) << "#!/bin/sh\n";
    chmod(script.c_str(), 0644);
    r = run({buildiff_exe(), "record", "-o", tmp / "d.rec", "--", script});
    EXPECT_EQ(r.status, 126);

    r = run({buildiff_exe(), "record", "-o", "/nonexistent-dir/x.rec", "--", "true"});
    EXPECT_EQ(r.status, 125);
    EXPECT_NE(r.err.find("/nonexistent-dir/x.rec: cannot create"), std::string::npos) << r.err;

    r = run({buildiff_exe(), "record", "-o", tmp / "e.rec"});
    EXPECT_EQ(r.status, 125);
}

TEST(RecordKilled, PartialRecordingReadsBackWithATruncationNoteAndTheBuildDies) {
    TempDir tmp;
    std::string marker = tmp / "marker";
    pid_t pid = spawn({buildiff_exe(), "record", "-o", tmp / "k.rec", "--", "sh", "-c",
                       "echo go > " + marker + "; exec sleep 31.4159"});
    // Wait until the sleep is running (its exec is in the recording).
    bool started = false;
    for (int i = 0; i < 200 && !started; ++i) {
        std::this_thread::sleep_for(50ms);
        started = read_records(tmp / "k.rec").find("31.4159") != std::string::npos &&
                  process_alive("sleep 31.4159");
    }
    ASSERT_TRUE(started);
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    bool gone = false;
    for (int i = 0; i < 100 && !gone; ++i) {
        std::this_thread::sleep_for(50ms);
        gone = !process_alive("sleep 31.4159");
    }
    EXPECT_TRUE(gone) << "the build must not outlive a killed recorder";

    auto rec = read_recording(tmp / "k.rec");
    ASSERT_TRUE(rec) << rec.error().message;
    EXPECT_FALSE(rec->complete);
    EXPECT_NE(rec->truncation.find("did not finish"), std::string::npos) << rec->truncation;
    RunResult show = run({buildiff_exe(), "show", tmp / "k.rec"});
    EXPECT_EQ(show.status, 0) << show.err;
    EXPECT_NE(show.out.find("truncated:"), std::string::npos);
    EXPECT_NE(show.out.find("31.4159"), std::string::npos);
}

namespace {

// Runs argv on a fresh pseudo-terminal (as its controlling terminal), stdout to `out`.
int run_on_pty(const std::vector<std::string>& argv, const std::string& out) {
    int master;
    pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
    if (pid == 0) {
        int fd = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(fd, 1);
        close(fd);
        std::vector<char*> args;
        for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
    // Drain the terminal so the child never blocks on it.
    std::thread drain([master] {
        char buf[4096];
        while (read(master, buf, sizeof buf) > 0) {
        }
    });
    int status;
    waitpid(pid, &status, 0);
    close(master);
    drain.join();
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

TEST(RecordTransparency, ProbeSeesTheSameEnvironmentCwdDescriptorsTerminalAndSignals) {
    TempDir tmp;
    std::string out = tmp / "probe.out";
    ASSERT_EQ(run_on_pty({helper("probe")}, out), 0);
    std::string plain = read_text(out);
    ASSERT_EQ(
        run_on_pty({buildiff_exe(), "record", "-q", "-o", tmp / "p.rec", "--", helper("probe")},
                   out),
        0);
    std::string recorded = read_text(out);
    EXPECT_NE(plain.find("termios"), std::string::npos) << "the probe ran on a terminal";
    EXPECT_NE(plain.find("foreground 1"), std::string::npos);
    EXPECT_EQ(plain, recorded);
}

// argv and the environment are read from the new image's stack at its exec stop: what the
// program itself sees, whatever their size. The environment spans many pages here.
TEST(RecordExec, ArgvAndEnvironmentAreExactlyWhatTheProgramReceived) {
    TempDir tmp;
    std::string big(100000, 'b');
    RunResult r =
        run({buildiff_exe(), "record", "-q", "-o", tmp / "e.rec", "--", "env", "-i", "BIG=" + big,
             "EMPTY=", "sh", "-c", "cat /proc/$$/cmdline; exec env", "sh", "", "two words"},
            {.cwd = tmp.path()});
    ASSERT_EQ(r.status, 0) << r.err;
    Recording rec = load(tmp / "e.rec");
    const ProcessRecord* printer = nullptr;
    for (const ProcessRecord& p : rec.processes)
        if (p.argv == std::vector<std::string>{"env"}) printer = &p;
    ASSERT_NE(printer, nullptr);
    std::string printed;
    for (const auto& [name, value] : rec.envs.at(static_cast<size_t>(printer->env)))
        printed += name + "=" + value + "\n";
    static const char kShArgv[] = "sh\0-c\0cat /proc/$$/cmdline; exec env\0sh\0\0two words";
    std::string sh_argv(kShArgv, sizeof kShArgv);  // with the last NUL
    ASSERT_GT(r.out.size(), sh_argv.size());
    EXPECT_TRUE(r.out.substr(0, sh_argv.size()) == sh_argv) << "sh's own /proc/$$/cmdline";
    // Compared whole but not printed whole (BIG is 100 KB).
    EXPECT_TRUE(r.out.substr(sh_argv.size()) == printed)
        << "env printed its environment: " << r.out.size() - sh_argv.size() << " bytes, "
        << printed.size() << " recorded";
    EXPECT_NE(printed.find("BIG=" + big + "\n"), std::string::npos);
    bool sh_seen = false;
    for (const ProcessRecord& p : rec.processes)
        sh_seen |= p.argv == std::vector<std::string>{"sh", "-c", "cat /proc/$$/cmdline; exec env",
                                                      "sh", "",   "two words"};
    EXPECT_TRUE(sh_seen) << "empty and spaced arguments are kept";
}

// A fork child's CPU before it execs is not the new image's, also when the child works for
// longer than a clock tick (the recorder then asks /proc; under a tick it knows it is 0).
TEST(RecordExec, CpuBeforeTheExecIsNotTheNewImages) {
    TempDir tmp;
    RunResult r = run({buildiff_exe(), "record", "-q", "-o", tmp / "c.rec", "--", "bash", "-c",
                       "(i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done; exec sleep 0.01)"});
    ASSERT_EQ(r.status, 0) << r.err;
    Recording rec = load(tmp / "c.rec");
    const ProcessRecord* sleeper = nullptr;
    for (const ProcessRecord& p : rec.processes)
        if (!p.argv.empty() && p.argv[0] == "sleep") sleeper = &p;
    ASSERT_NE(sleeper, nullptr);
    EXPECT_LT(sleeper->user_ns + sleeper->system_ns, 50000000u)
        << "the subshell's loop (about 0.3 s of CPU) is not counted as sleep's";
}

TEST(RecordDaemons, ProcessesOutlivingTheBuildAreNamedNotWaitedFor) {
    TempDir tmp;
    auto start = std::chrono::steady_clock::now();
    RunResult r = run({buildiff_exe(), "record", "-o", tmp / "d.rec", "--", "sh", "-c",
                       "setsid sleep 30.25 </dev/null >/dev/null 2>&1 & "
                       "while ! pgrep -fx 'sleep 30.25' >/dev/null; do sleep 0.05; done"});
    auto elapsed = std::chrono::steady_clock::now() - start;
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_LT(elapsed, 15s) << "record must not wait for the daemon";
    EXPECT_TRUE(process_alive("sleep 30.25")) << "the daemon keeps running";
    EXPECT_NE(r.err.find("1 process outlived the build and was left running"), std::string::npos)
        << r.err;
    Recording rec = load(tmp / "d.rec");
    ASSERT_EQ(rec.lingering.size(), 1u);
    const ProcessRecord& d = rec.processes[static_cast<size_t>(rec.lingering[0])];
    EXPECT_EQ(d.argv, (std::vector<std::string>{"sleep", "30.25"}));
    EXPECT_EQ(d.end_state, EndState::Running);
    run({"pkill", "-f", "^sleep 30.25$"});
}

// With nothing left to shepherd the tracer exits right after the recording is complete, and
// `record` reaps it before exiting itself (so that `time buildiff record` counts its CPU). Run
// under a subreaper: a tracer `record` left behind would be handed to it.
TEST(RecordDaemons, WithNoneLeftTheTracerIsReapedBeforeRecordExits) {
    TempDir tmp;
    std::string out = tmp / "r.rec";
    pid_t reaper = fork();
    ASSERT_GE(reaper, 0);
    if (reaper == 0) {
        prctl(PR_SET_CHILD_SUBREAPER, 1);
        int failures = 0;
        for (int round = 0; round < 5; ++round) {
            pid_t rec = fork();
            if (rec == 0) {
                int null = open("/dev/null", O_WRONLY);
                dup2(null, 1);
                dup2(null, 2);
                execl(buildiff_exe().c_str(), "buildiff", "record", "-o", out.c_str(), "--", "true",
                      static_cast<char*>(nullptr));
                _exit(127);
            }
            int status = 0;
            if (rec < 0 || waitpid(rec, &status, 0) != rec || status != 0) _exit(100);
            usleep(300000);  // a tracer left running would have exited and be ours by now
            if (waitpid(-1, nullptr, WNOHANG) != -1 || errno != ECHILD) ++failures;
        }
        _exit(failures);
    }
    int status = 0;
    ASSERT_EQ(waitpid(reaper, &status, 0), reaper);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_NE(WEXITSTATUS(status), 100) << "record failed";
    EXPECT_EQ(WEXITSTATUS(status), 0) << "rounds whose tracer was left to the subreaper";
}
TEST(RecordSecrets, SecretValuesAreStoredAsSaltedHashes) {
    TempDir tmp;
    RunOptions env{.env = {"GITHUB_TOKEN=hunter2-very-secret", "BUILDIFF_SALT=test-salt-1"}};
    ASSERT_EQ(run({buildiff_exe(), "record", "-o", tmp / "a.rec", "--", "true"}, env).status, 0);
    ASSERT_EQ(run({buildiff_exe(), "record", "-o", tmp / "b.rec", "--", "true"}, env).status, 0);
    EXPECT_EQ(read_records(tmp / "a.rec").find("hunter2-very-secret"), std::string::npos);
    Recording a = load(tmp / "a.rec"), b = load(tmp / "b.rec");
    auto va = env_value(a, a.processes[0], "GITHUB_TOKEN");
    ASSERT_TRUE(va);
    EXPECT_TRUE(va->starts_with("buildiff-redacted:"));
    EXPECT_EQ(va, env_value(b, b.processes[0], "GITHUB_TOKEN")) << "same salt, comparable";
    EXPECT_EQ(env_value(a, a.processes[0], "BUILDIFF_SALT"), "test-salt-1");

    ASSERT_EQ(run({buildiff_exe(), "record", "--no-redact", "-o", tmp / "c.rec", "--", "true"}, env)
                  .status,
              0);
    EXPECT_NE(read_records(tmp / "c.rec").find("hunter2-very-secret"), std::string::npos);
}

TEST(RecordSccache, AServerStartedOutsideTheRecordingIsDetectedAndExplained) {
    TempDir tmp;
    std::ofstream(tmp / "x.c") << "int x(void) { return 1; }\n";
    RunOptions env{.cwd = tmp.path(),
                   .env = {"SCCACHE_SERVER_PORT=" + std::to_string(free_tcp_port()),
                           "SCCACHE_DIR=" + (tmp / "cache"), "SCCACHE_IDLE_TIMEOUT=60"}};
    ASSERT_EQ(run({"sccache", "--start-server"}, env).status, 0);
    RunResult r = run({buildiff_exe(), "record", "-o", tmp / "s.rec", "--", "sccache", "gcc", "-c",
                       "x.c", "-o", "x.o"},
                      env);
    run({"sccache", "--stop-server"}, env);
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.err.find("no sccache server was started inside the recording"), std::string::npos)
        << r.err;
    Recording rec = load(tmp / "s.rec");
    ASSERT_EQ(rec.warnings.size(), 1u);
    EXPECT_EQ(rec.warnings[0].code, "sccache-server-outside-recording");
    EXPECT_NE(rec.warnings[0].message.find("SCCACHE_SERVER_PORT"), std::string::npos);
    RunResult show = run({buildiff_exe(), "show", tmp / "s.rec"});
    EXPECT_NE(show.out.find("no sccache server was started"), std::string::npos);
}

TEST(Show, JsonHasOneStableObjectPerProcess) {
    TempDir tmp;
    copy_tree(fixture("make-c"), tmp / "src");
    ASSERT_EQ(run({buildiff_exe(), "record", "-o", tmp / "m.rec", "--", "make", "-j2"},
                  {.cwd = tmp / "src"})
                  .status,
              0);
    RunResult r = run({buildiff_exe(), "show", tmp / "m.rec", "--json"});
    ASSERT_EQ(r.status, 0) << r.err;
    std::istringstream in(r.out);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
        auto j = nlohmann::json::parse(line);
        for (const char* key :
             {"id", "pid", "parent", "via", "kind", "tool", "exe", "exe_hash", "argv", "cwd", "env",
              "start_ns", "end_ns", "state", "exit", "signal", "user_ns", "system_ns", "files"})
            EXPECT_TRUE(j.contains(key)) << key << " in " << line.substr(0, 200);
        EXPECT_EQ(j["id"], n);
        ++n;
    }
    EXPECT_EQ(n, static_cast<int>(load(tmp / "m.rec").processes.size()));

    RunResult text = run({buildiff_exe(), "show", tmp / "m.rec"});
    EXPECT_NE(text.out.find("processes "), std::string::npos);
    EXPECT_NE(text.out.find("compiler-driver 5"), std::string::npos) << text.out;
}

TEST(Show, BadInputIsOneLineAndExitStatus2) {
    TempDir tmp;
    std::ofstream(tmp / "garbage.rec") << "\x7f"
                                          "ELF garbage\n";
    RunResult r = run({buildiff_exe(), "show", tmp / "garbage.rec"});
    EXPECT_EQ(r.status, 2);
    EXPECT_EQ(r.err, "buildiff: " + (tmp / "garbage.rec") +
                         ": not a buildiff recording (line 1 is not JSON)\n");
    std::ofstream(tmp / "v9.rec")
        << R"({"type":"header","format":"buildiff.recording","version":9})"
           "\n";
    r = run({buildiff_exe(), "show", tmp / "v9.rec"});
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("version 9 is not supported"), std::string::npos);
    r = run({buildiff_exe(), "show", tmp / "missing.rec"});
    EXPECT_EQ(r.status, 2);
    EXPECT_NE(r.err.find("missing.rec: cannot open"), std::string::npos);
    // A directory opens, and read as a file it looked empty: it is named for what it is.
    for (std::string command : {"show", "explain"}) {
        std::vector<std::string> argv = {buildiff_exe(), command, tmp.path()};
        if (command == "explain") argv.push_back("x");
        r = run(argv);
        EXPECT_EQ(r.status, 2);
        EXPECT_EQ(r.err,
                  "buildiff: " + tmp.path() +
                      ": a directory, neither a buildiff recording nor an audit directory\n");
    }
}

TEST(RecordHostileNames, BytesSurviveAndTheTerminalIsNeverDriven) {
    TempDir tmp;
    // A newline, an escape sequence, markup and a byte that is not UTF-8, in an argument and in
    // the name of a file the build writes.
    std::string hostile = std::string("a\nb\x1b[31mred\"><img src=x>") + "\xff" + ".c";
    RunResult r = run({buildiff_exe(), "record", "-o", tmp / "h.rec", "--", "sh", "-c",
                       "printf x > \"$1\"", "sh", hostile},
                      {.cwd = tmp.path()});
    ASSERT_EQ(r.status, 0) << r.err;
    Recording rec = load(tmp / "h.rec");
    ASSERT_EQ(rec.processes[0].argv.back(), hostile) << "argv bytes survive the recording";
    bool wrote = false;
    for (auto& f : rec.processes[0].files)
        wrote |= f.op == FileOp::Write && f.path == tmp / hostile;
    EXPECT_TRUE(wrote) << "the file with the hostile name is recorded as written";

    RunResult text = run({buildiff_exe(), "show", tmp / "h.rec"});
    ASSERT_EQ(text.status, 0);
    EXPECT_EQ(text.out.find('\x1b'), std::string::npos) << "no raw escape reaches the terminal";
    EXPECT_NE(text.out.find("\\x1b[31mred"), std::string::npos);
    EXPECT_NE(text.out.find("\\x0a"), std::string::npos);

    RunResult json = run({buildiff_exe(), "show", tmp / "h.rec", "--json"});
    ASSERT_EQ(json.status, 0);
    std::istringstream in(json.out);
    std::string line;
    std::getline(in, line);
    auto j = nlohmann::json::parse(line);
    ASSERT_TRUE(j["argv"].back().is_object()) << "non-UTF-8 arguments are base64 objects";
    EXPECT_EQ(j["argv"].back()["base64"], base64_encode(hostile));
}

namespace {

// Every process's file events as "argv | op path hash" lines, sorted: what two recordings of the
// same build must agree on, whatever way the recorder saw the calls.
std::vector<std::string> file_events(const Recording& rec) {
    std::vector<std::string> lines;
    for (const ProcessRecord& p : rec.processes) {
        std::string who;
        for (const std::string& a : p.argv) who += a + " ";
        for (const FileEvent& f : p.files)
            lines.push_back(
                fmt::format("{}| {} {} {} {}", who, file_op_name(f.op), f.path, f.to, f.hash));
    }
    std::sort(lines.begin(), lines.end());
    return lines;
}

std::uint64_t stat_of(const Recording& rec, const std::string& name) {
    auto it = rec.recorder_stats.find(name);
    return it == rec.recorder_stats.end() ? 0 : it->second;
}

}  // namespace

TEST(RecordNotifications, ReadOnlyOpensAndChdirAreRecordedExactlyAsUnderPtraceStops) {
    TempDir tmp;
    std::string src = tmp / "src";
    std::filesystem::create_directories(src + "/sub");
    std::ofstream(src + "/a.txt") << "alpha\n";
    std::ofstream(src + "/sub/b.txt") << "beta\n";
    // Reads (cat, and the loader's own), a read through a relative path after cd, writes,
    // a rename and an unlink: the reads and the cd go to the listener, the rest stop under ptrace.
    std::string script =
        "cd sub && cat b.txt ../a.txt > ../out1 && cd .. && cat out1 a.txt > out2 && "
        "cp out2 out3 && mv out3 out4 && rm out1";
    RunOptions in_src{.cwd = src};
    ASSERT_EQ(
        run({buildiff_exe(), "record", "-q", "-o", tmp / "n.rec", "--", "sh", "-c", script}, in_src)
            .status,
        0);
    ASSERT_EQ(run({"rm", "-f", "out2", "out4"}, in_src).status, 0);
    ASSERT_EQ(run({buildiff_exe(), "record", "-q", "--no-notify", "-o", tmp / "p.rec", "--", "sh",
                   "-c", script},
                  in_src)
                  .status,
              0);
    Recording notified = load(tmp / "n.rec"), stopped = load(tmp / "p.rec");
    EXPECT_EQ(file_events(notified), file_events(stopped));
    // The relative read after `cd sub` resolved against the new directory, and was hashed.
    const ProcessRecord* first_cat = nullptr;
    for (const ProcessRecord& p : notified.processes)
        if (has_arg(p, "b.txt")) first_cat = &p;
    ASSERT_NE(first_cat, nullptr);
    const FileEvent* b = find_file(*first_cat, FileOp::Read, src + "/sub/b.txt");
    ASSERT_NE(b, nullptr);
    EXPECT_EQ(b->hash, file_hash(src + "/sub/b.txt"));
    // Which way the calls went: most through the listener, none with --no-notify.
    EXPECT_GT(stat_of(notified, "notifications"), 10u);
    EXPECT_EQ(stat_of(stopped, "notifications"), 0u);
    EXPECT_LT(stat_of(notified, "stops_seccomp"), stat_of(stopped, "stops_seccomp"));
}

TEST(RecordNotifications, ASignalNeverTurnsARecordedOpenIntoEINTRButTheBuildsOwnStays) {
    TempDir tmp;
    // 20,000 opens of a regular file under a stream of SIGUSR1 whose handler lacks SA_RESTART:
    // unrecorded, none fails; recorded, none may (a signal can reach a call waiting for the
    // listener, and the tracer must have it restarted).
    RunResult r = run({buildiff_exe(), "record", "-q", "-o", tmp / "s.rec", "--",
                       helper("signal_open"), "opens", "20000"});
    ASSERT_EQ(r.status, 0) << r.err;
    unsigned long eintr = 99, other = 99, signals = 0;
    ASSERT_EQ(
        std::sscanf(r.out.c_str(), "eintr %lu other %lu signals %lu", &eintr, &other, &signals), 3)
        << r.out;
    EXPECT_EQ(eintr, 0u);
    EXPECT_EQ(other, 0u);
    EXPECT_GT(signals, 100u) << "the signals must have come while the opens ran";
    EXPECT_GE(stat_of(load(tmp / "s.rec"), "notifications"), 20000u);

    // An open that blocks by itself (a FIFO without a writer) is interrupted by its alarm, with
    // or without buildiff: that EINTR belongs to the build and is kept.
    std::string fifo = tmp / "fifo";
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    EXPECT_EQ(run({helper("signal_open"), "fifo", fifo}).out, "eintr\n");
    r = run({buildiff_exe(), "record", "-q", "-o", tmp / "f.rec", "--", helper("signal_open"),
             "fifo", fifo});
    EXPECT_EQ(r.out, "eintr\n") << r.err;
}

TEST(RecordNotifications, NoNotifyLeavesTheSeccompListenerToTheBuild) {
    TempDir tmp;
    EXPECT_EQ(run({helper("signal_open"), "listener"}).out, "listener ok\n");
    // The kernel allows one listener in a chain of filters: the recorder's takes it (documented
    // in docs/recorder-design.md), and --no-notify gives it back.
    RunResult r = run({buildiff_exe(), "record", "-q", "-o", tmp / "l.rec", "--",
                       helper("signal_open"), "listener"});
    EXPECT_EQ(r.out, "listener Device or resource busy\n") << r.err;
    r = run({buildiff_exe(), "record", "-q", "--no-notify", "-o", tmp / "m.rec", "--",
             helper("signal_open"), "listener"});
    EXPECT_EQ(r.out, "listener ok\n") << r.err;
}
