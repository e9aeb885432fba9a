/*
 * N requests at once on one thread, with httpc's non-blocking mode and one
 * poll(2) over every connection: the shape a C program built on an event
 * loop uses. Each connection runs request -> getresponse -> read until the
 * body ends, as many times as asked (keep-alive), and only ever waits in
 * the one poll below.
 *
 * Usage: concurrent_poll HOST PORT PATH CONNECTIONS REQUESTS_PER_CONNECTION
 * Prints the responses' count, status classes and body bytes.
 */
#include <httpc.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>

enum { SENDING, AWAITING_HEAD, READING, FINISHED };

typedef struct job {
    httpc_conn *conn;
    httpc_response *resp;
    int phase;
    int left; /* requests still to make */
    int failure;
} job;

typedef struct totals {
    long responses, ok, body_bytes;
} totals;

static const char *path;

/* Runs the job as far as it goes without waiting. */
static void advance(job *j, totals *t)
{
    static char buf[65536];
    for (;;) {
        int rc = HTTPC_OK;
        size_t n = 0;
        switch (j->phase) {
        case SENDING:
            rc = httpc_conn_request(j->conn, "GET", path, NULL, NULL, 0, 0);
            if (rc == HTTPC_OK)
                j->phase = AWAITING_HEAD;
            break;
        case AWAITING_HEAD:
            rc = httpc_conn_getresponse(j->conn, &j->resp);
            if (rc == HTTPC_OK) {
                t->responses++;
                t->ok += httpc_response_status(j->resp) / 100 == 2;
                j->phase = READING;
            }
            break;
        case READING:
            rc = httpc_response_read1(j->resp, buf, sizeof buf, &n);
            if (rc == HTTPC_OK && n > 0) {
                t->body_bytes += (long)n;
            } else if (rc == HTTPC_OK) {
                httpc_response_free(j->resp);
                j->resp = NULL;
                j->phase = --j->left > 0 ? SENDING : FINISHED;
            }
            break;
        default:
            return;
        }
        if (rc == HTTPC_E_WOULD_BLOCK)
            return;
        if (rc != HTTPC_OK) {
            fprintf(stderr, "%s: %s\n", httpc_error_name(rc), httpc_last_error_message());
            j->failure = rc;
            j->phase = FINISHED;
            return;
        }
    }
}

/* What the job waits for, as a pollfd; returns its timeout in ms (-1: none). */
static int64_t watch(const job *j, struct pollfd *p)
{
    httpc_wait w;
    if (j->phase == READING)
        httpc_response_wait(j->resp, &w);
    else
        httpc_conn_wait(j->conn, &w);
    p->fd = w.fd;
    p->events = (short)(((w.events & HTTPC_WAIT_READ) ? POLLIN : 0) |
                        ((w.events & HTTPC_WAIT_WRITE) ? POLLOUT : 0));
    p->revents = 0;
    return w.timeout_ms;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: %s HOST PORT PATH CONNECTIONS REQUESTS_PER_CONNECTION\n", argv[0]);
        return 2;
    }
    path = argv[3];
    int count = atoi(argv[4]), per_connection = atoi(argv[5]);
    if (count <= 0 || per_connection <= 0)
        return 2;
    job *jobs = calloc((size_t)count, sizeof *jobs);
    struct pollfd *fds = calloc((size_t)count, sizeof *fds);
    if (!jobs || !fds)
        return 1;
    httpc_conn_options opts = HTTPC_CONN_OPTIONS_INIT;
    opts.timeout = 10;
    totals t = {0, 0, 0};
    for (int i = 0; i < count; i++) {
        if (httpc_conn_new(&jobs[i].conn, argv[1], atoi(argv[2]), &opts) != HTTPC_OK) {
            fprintf(stderr, "%s\n", httpc_last_error_message());
            return 1;
        }
        httpc_conn_set_nonblocking(jobs[i].conn, 1);
        jobs[i].left = per_connection;
        advance(&jobs[i], &t);
    }
    for (;;) {
        int active = 0;
        int64_t soonest = -1;
        for (int i = 0; i < count; i++) {
            fds[i].fd = -1;
            if (jobs[i].phase == FINISHED)
                continue;
            active++;
            int64_t timeout = watch(&jobs[i], &fds[i]);
            if (timeout >= 0 && (soonest < 0 || timeout < soonest))
                soonest = timeout;
        }
        if (active == 0)
            break;
        if (poll(fds, (nfds_t)count, soonest < 0 ? -1 : (int)soonest) < 0)
            return 1;
        for (int i = 0; i < count; i++)
            if (jobs[i].phase != FINISHED && (fds[i].revents || fds[i].fd < 0 || soonest == 0))
                advance(&jobs[i], &t);
        /* A deadline that passed is reported by the next call (TIMEOUT). */
        if (soonest >= 0)
            for (int i = 0; i < count; i++)
                if (jobs[i].phase != FINISHED && fds[i].revents == 0 &&
                    watch(&jobs[i], &fds[i]) == 0)
                    advance(&jobs[i], &t);
    }
    int failures = 0;
    for (int i = 0; i < count; i++) {
        failures += jobs[i].failure != 0;
        httpc_response_free(jobs[i].resp);
        httpc_conn_free(jobs[i].conn);
    }
    printf("responses %ld, 2xx %ld, body bytes %ld, failed connections %d\n", t.responses, t.ok,
           t.body_bytes, failures);
    free(jobs);
    free(fds);
    return failures ? 1 : 0;
}
