/* A stand-in compiler for bench/large-build.sh: a real process that reads what a compile reads
 * and writes one output, with none of a compiler's CPU time, so that a benchmark of tens of
 * thousands of compiles measures the recorder and the differ, not gcc.
 *
 *   fakecc -I DIR -o OUT SOURCE     reads SOURCE and every `#include "NAME"` it names from DIR
 *                                   (one level), writes OUT: a digest of what it read
 *   fakecc -o OUT INPUT...          reads every INPUT whole, writes OUT the same way (a "link")
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t digest = 1469598103934665603ULL;

/* Reads PATH whole, folds it into the digest; returns its bytes (caller frees) and length. */
static char *slurp(const char *path, size_t *len) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        perror(path);
        exit(1);
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (n == cap) buf = realloc(buf, cap *= 2);
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0) {
            perror(path);
            exit(1);
        }
        if (r == 0) break;
        n += (size_t)r;
    }
    close(fd);
    for (size_t i = 0; i < n; ++i) digest = (digest ^ (unsigned char)buf[i]) * 1099511628211ULL;
    *len = n;
    return buf;
}

int main(int argc, char **argv) {
    const char *include = NULL, *out = NULL;
    int first = 1;
    for (; first < argc; ++first) {
        if (!strcmp(argv[first], "-I") && first + 1 < argc)
            include = argv[++first];
        else if (!strcmp(argv[first], "-o") && first + 1 < argc)
            out = argv[++first];
        else
            break;
    }
    if (!out || first == argc) {
        fprintf(stderr, "usage: fakecc [-I DIR] -o OUT INPUT...\n");
        return 2;
    }
    for (int i = first; i < argc; ++i) {
        size_t len;
        char *text = slurp(argv[i], &len);
        if (include) {
            const char *p = text, *end = text + len;
            while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                if (!nl) nl = end;
                if (nl - p > 11 && !strncmp(p, "#include \"", 10)) {
                    const char *q = memchr(p + 10, '"', (size_t)(nl - p - 10));
                    if (q) {
                        char path[4096];
                        snprintf(path, sizeof path, "%s/%.*s", include, (int)(q - p - 10), p + 10);
                        size_t hl;
                        free(slurp(path, &hl));
                    }
                }
                p = nl + 1;
            }
        }
        free(text);
    }
    FILE *f = fopen(out, "w");
    if (!f || fprintf(f, "%016llx\n", (unsigned long long)digest) < 0 || fclose(f)) {
        perror(out);
        return 1;
    }
    return 0;
}
