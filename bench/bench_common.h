/* Shared helpers of the benchmark programs: argument parsing, the clock and
 * the one result line every client prints. */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Exit code of a client that does not support the asked-for scenario. */
#define BENCH_EXIT_UNSUPPORTED 3
/* Size of the reused body buffer. */
#define BENCH_BUFFER_SIZE (256 * 1024)

typedef struct bench_args {
    const char *host;
    int port;
    const char *path;
    long requests;
    int tls;
    int new_connection; /* 1: MODE newconn or newconn_full, 0: keepalive */
    int full_handshake; /* newconn_full: no TLS session resumption */
    /* Untimed requests made first, the same way as the timed ones (on the
     * connection the timed ones then use, unless MODE opens one per
     * request): BENCH_WARMUP, 0 when unset. Not counted in the result. */
    long warmup;
} bench_args;

static inline int bench_parse_args(int argc, char **argv, bench_args *args)
{
    if (argc != 7) {
        fprintf(stderr, "usage: %s HOST PORT PATH N TLS(0|1) keepalive|newconn|newconn_full\n",
                argv[0]);
        return -1;
    }
    args->host = argv[1];
    args->port = atoi(argv[2]);
    args->path = argv[3];
    args->requests = atol(argv[4]);
    args->tls = atoi(argv[5]);
    args->full_handshake = strcmp(argv[6], "newconn_full") == 0;
    if (strcmp(argv[6], "keepalive") == 0)
        args->new_connection = 0;
    else if (strcmp(argv[6], "newconn") == 0 || args->full_handshake)
        args->new_connection = 1;
    else {
        fprintf(stderr, "%s: MODE must be keepalive, newconn or newconn_full\n", argv[0]);
        return -1;
    }
    if (args->port <= 0 || args->requests <= 0) {
        fprintf(stderr, "%s: bad PORT or N\n", argv[0]);
        return -1;
    }
    const char *warmup = getenv("BENCH_WARMUP");
    args->warmup = warmup ? atol(warmup) : 0;
    if (args->warmup < 0) {
        fprintf(stderr, "%s: bad BENCH_WARMUP\n", argv[0]);
        return -1;
    }
    return 0;
}

static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline void bench_report(long requests, unsigned long long bytes, double seconds,
                                long connections)
{
    printf("requests=%ld bytes=%llu seconds=%.6f conns=%ld\n", requests, bytes, seconds,
           connections);
}

#endif
