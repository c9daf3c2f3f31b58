// The floor under any ptrace recorder, for bench/exec-loop.sh: a tracer that asks for the same
// events as `buildiff record` (PTRACE_SEIZE with fork, vfork, clone and exec events) and does
// nothing at any stop but let the task go. Per short process that is the same four stops
// (the parent's fork event, the child's attach stop, its exec, the SIGCHLD to the parent) and the
// same reaping, with no seccomp filter, no reads of the tracee and no recording.
// Usage: null-tracer COMMAND [ARG...]; exits with the command's status (128+N on signal N).
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char** argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: null-tracer COMMAND [ARG...]\n");
        return 2;
    }
    int go[2];
    if (pipe(go) != 0) return 125;
    pid_t root = fork();
    if (root < 0) return 125;
    if (root == 0) {
        char byte;
        close(go[1]);
        if (read(go[0], &byte, 1) != 1) _exit(125);
        execvp(argv[1], argv + 1);
        _exit(127);
    }
    close(go[0]);
    long options = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                   PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL;
    if (ptrace(PTRACE_SEIZE, root, NULL, (void*)options) != 0) {
        perror("null-tracer: ptrace");
        return 125;
    }
    if (write(go[1], "g", 1) != 1) return 125;
    close(go[1]);
    int result = 125;
    for (;;) {
        int status;
        pid_t tid = waitpid(-1, &status, __WALL);
        if (tid < 0) break;  // ECHILD: every traced task is gone
        if (WIFEXITED(status) || WIFSIGNALED(status)) {
            if (tid == root)
                result = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            continue;
        }
        int sig = WSTOPSIG(status), event = status >> 16;
        if (event == PTRACE_EVENT_STOP) {
            // An attach stop goes on; a group stop stays stopped, as without a tracer.
            int group = sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
            ptrace(group ? PTRACE_LISTEN : PTRACE_CONT, tid, NULL, NULL);
        } else {
            // Event stops carry SIGTRAP, which is not the task's; a signal-delivery stop's
            // signal is delivered.
            int deliver = event != 0 || sig == (SIGTRAP | 0x80) ? 0 : sig;
            ptrace(PTRACE_CONT, tid, NULL, (void*)(long)deliver);
        }
    }
    return result;
}
