/* The concurrent scenario's httpc client: CONNECTIONS keep-alive connections
 * at once on one thread, in non-blocking mode under epoll (one-shot
 * registrations re-armed after each step; descriptors leave epoll when httpc
 * announces them closing). Prints the bench's result line.
 *
 * Usage: httpc-multi-bench HOST PORT PATH N TLS concurrentCONNECTIONS (the bench's
 * arguments; TLS must be 0 and the mode names the connection count). */
#include <httpc.h>

#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>

#include "bench_common.h"

enum { SENDING, AWAITING_HEAD, READING, FINISHED };

typedef struct job {
    httpc_conn *conn;
    httpc_response *resp;
    int phase;
    int watched_fd;
} job;

static int epoll_fd;
static long started, completed, total, body_bytes;
static const char *path;

static void on_socket(void *userdata, int fd, int event)
{
    job *j = userdata;
    if (event == HTTPC_SOCKET_CLOSING && j->watched_fd == fd) {
        epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, NULL);
        j->watched_fd = -1;
    }
}

static int advance(job *j)
{
    static char buf[65536];
    for (;;) {
        int rc = HTTPC_OK;
        size_t n = 0;
        switch (j->phase) {
        case SENDING:
            if (started >= total) {
                j->phase = FINISHED;
                return 0;
            }
            rc = httpc_conn_request(j->conn, "GET", path, NULL, NULL, 0, 0);
            if (rc == HTTPC_OK) {
                started++;
                j->phase = AWAITING_HEAD;
            }
            break;
        case AWAITING_HEAD:
            rc = httpc_conn_getresponse(j->conn, &j->resp);
            if (rc == HTTPC_OK)
                j->phase = READING;
            break;
        case READING:
            rc = httpc_response_read(j->resp, buf, sizeof buf, &n);
            body_bytes += (long)n;
            if (rc == HTTPC_OK && httpc_response_isclosed(j->resp)) {
                httpc_response_free(j->resp);
                j->resp = NULL;
                completed++;
                j->phase = SENDING;
            }
            break;
        default:
            return 0;
        }
        if (rc == HTTPC_E_WOULD_BLOCK)
            return 0;
        if (rc != HTTPC_OK) {
            fprintf(stderr, "httpc-multi-bench: %s: %s\n", httpc_error_name(rc),
                    httpc_last_error_message());
            return -1;
        }
    }
}

static void arm(job *j)
{
    httpc_wait w;
    if (j->phase == READING)
        httpc_response_wait(j->resp, &w);
    else
        httpc_conn_wait(j->conn, &w);
    struct epoll_event ev = {.events = EPOLLONESHOT | ((w.events & HTTPC_WAIT_READ) ? EPOLLIN : 0) |
                                       ((w.events & HTTPC_WAIT_WRITE) ? EPOLLOUT : 0),
                             .data.ptr = j};
    if (w.fd == j->watched_fd) {
        epoll_ctl(epoll_fd, EPOLL_CTL_MOD, w.fd, &ev);
        return;
    }
    if (j->watched_fd >= 0)
        epoll_ctl(epoll_fd, EPOLL_CTL_DEL, j->watched_fd, NULL);
    epoll_ctl(epoll_fd, EPOLL_CTL_ADD, w.fd, &ev);
    j->watched_fd = w.fd;
}

/* Runs `requests` requests over the connections; returns 0 or -1. */
static int run(job *jobs, int count, long requests)
{
    started = completed = 0;
    total = requests;
    int active = 0;
    for (int i = 0; i < count; i++) {
        jobs[i].phase = SENDING;
        if (advance(&jobs[i]) < 0)
            return -1;
        if (jobs[i].phase != FINISHED) {
            arm(&jobs[i]);
            active++;
        }
    }
    struct epoll_event events[256];
    while (active > 0) {
        int n = epoll_wait(epoll_fd, events, 256, 10000);
        if (n <= 0) {
            fprintf(stderr, "httpc-multi-bench: epoll_wait: nothing for 10 s\n");
            return -1;
        }
        for (int i = 0; i < n; i++) {
            job *j = events[i].data.ptr;
            if (advance(j) < 0)
                return -1;
            if (j->phase == FINISHED)
                active--;
            else
                arm(j);
        }
    }
    return completed == requests ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: %s HOST PORT PATH N 0 concurrentCONNECTIONS\n", argv[0]);
        return 2;
    }
    if (strcmp(argv[5], "0") != 0 || strncmp(argv[6], "concurrent", 10) != 0)
        return BENCH_EXIT_UNSUPPORTED;
    path = argv[3];
    long requests = atol(argv[4]);
    int count = atoi(argv[6] + 10);
    epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    job *jobs = calloc((size_t)count, sizeof *jobs);
    if (requests <= 0 || count <= 0 || epoll_fd < 0 || !jobs)
        return 2;
    for (int i = 0; i < count; i++) {
        if (httpc_conn_new(&jobs[i].conn, argv[1], atoi(argv[2]), NULL) != HTTPC_OK)
            return 1;
        httpc_conn_set_nonblocking(jobs[i].conn, 1);
        httpc_conn_set_socket_callback(jobs[i].conn, on_socket, &jobs[i]);
        jobs[i].watched_fd = -1;
    }
    /* Warm-up, untimed: BENCH_WARMUP requests (as every bench client makes;
     * tools/bench.sh gives the same number to all), at least one per
     * connection so that all are open; 10 per connection when unset. */
    const char *warmup_text = getenv("BENCH_WARMUP");
    long warmup = warmup_text ? atol(warmup_text) : (long)count * 10;
    if (warmup < count)
        warmup = count;
    if (run(jobs, count, warmup) < 0)
        return 1;
    body_bytes = 0;
    double start = bench_now();
    if (run(jobs, count, requests) < 0)
        return 1;
    double seconds = bench_now() - start;
    printf("requests=%ld bytes=%ld seconds=%.6f conns=%d\n", completed, body_bytes, seconds, count);
    for (int i = 0; i < count; i++)
        httpc_conn_free(jobs[i].conn);
    free(jobs);
    return 0;
}
