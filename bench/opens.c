// For bench/open-cost.sh: opens files read-only in a loop and prints the mean time per open in
// microseconds. `opens N FILE` opens FILE N times (a file the recorder has already seen: the
// cost of the notification alone); `opens N DIR` opens DIR/f0 ... DIR/f(N-1) once each (every
// open a new read for the recording: a stat and a hash lookup too).
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char** argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: opens N FILE|DIR\n");
        return 2;
    }
    long n = atol(argv[1]);
    struct stat st;
    if (n <= 0 || stat(argv[2], &st) != 0) return 2;
    int distinct = S_ISDIR(st.st_mode);
    char path[4096];
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < n; i++) {
        const char* p = argv[2];
        if (distinct) {
            snprintf(path, sizeof path, "%s/f%ld", argv[2], i);
            p = path;
        }
        int fd = open(p, O_RDONLY | O_CLOEXEC);
        if (fd < 0) return 1;
        close(fd);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double us = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / 1e3;
    printf("%.3f\n", us / (double)n);
    return 0;
}
